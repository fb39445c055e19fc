"""`workloadctl logs` through `cli.main`: arguments and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from workloadctl.cli import main


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["logs", "--help"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and "-f" in out and "/dev/stdout" in out


@pytest.mark.parametrize(
    "argv", [["logs"], ["logs", "web", "-n", "-1"], ["logs", "web", "-n", "x"], ["logs", "a", "b"]]
)
def test_bad_arguments_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2


def test_no_stack_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["logs", "web", "--state-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no stack recorded" in err


def test_zero_lines_is_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`-n 0` (with -f: only new lines, as `tail -f -n 0`) gets past the arguments."""
    assert main(["logs", "web", "-n", "0", "--state-dir", str(tmp_path)]) == 1
    assert "no stack recorded" in capsys.readouterr().err
