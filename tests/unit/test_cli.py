from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from workloadctl import __version__
from workloadctl.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"workloadctl {__version__}"


def test_python_dash_m() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "workloadctl", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0 and out.stdout.startswith("workloadctl ")


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    from workloadctl.cli import COMMANDS

    for name in COMMANDS:
        with pytest.raises(SystemExit) as exc:
            main([name, "--help"])
        assert exc.value.code == 0
        assert len(capsys.readouterr().out) > 200, name


def test_a_permission_error_anywhere_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # As someone outside the group: the state dir, the disabled marker, a repository in
    # another user's 0700 home. Never "internal error", never a traceback.
    from workloadctl.commands import status as status_command

    monkeypatch.setenv("WORKLOADCTL_STATE_DIR", str(tmp_path / "state"))
    inside = tmp_path / "state" / "secrets" / "x"

    def refuse(_args: object) -> int:
        raise PermissionError(13, "Permission denied", str(inside))

    monkeypatch.setattr(status_command, "run", refuse)
    assert main(["status"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"workloadctl: error: permission denied: {inside}: only root")
    assert "internal error" not in err and "Traceback" not in err

    def refuse_elsewhere(_args: object) -> int:
        raise PermissionError(13, "Permission denied", "/home/someone/repo/x.conf")

    monkeypatch.setattr(status_command, "run", refuse_elsewhere)
    assert main(["status"]) == 1
    assert "permission denied: /home/someone/repo/x.conf (you are " in capsys.readouterr().err


def test_a_reader_that_goes_away_is_no_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    # `workloadctl status | head`: the pipe closes under the writer; exit 0, say nothing.
    from workloadctl.commands import status as status_command

    def reader_gone(_args: object) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    class Stderr(io.StringIO):
        written = ""

        def close(self) -> None:
            self.written = self.getvalue()
            super().close()

    stderr = Stderr()
    monkeypatch.setattr(sys, "stderr", stderr)
    monkeypatch.setattr(status_command, "run", reader_gone)
    assert main(["status"]) == 0
    # Closed, so the interpreter's exit does not complain about the pipe; nothing said.
    assert stderr.closed and stderr.written == ""


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        (
            ["supervisorctl", "--state-dir", "S", "-c", "x", "status"],
            "put `--` before supervisorctl's own options: `{program} supervisorctl "
            "--state-dir {top} -- -c x status`",
        ),
        (
            ["process-compose", "--state-dir=S", "-o", "json", "process", "list"],
            "put `--` before process-compose's own options: `{program} process-compose "
            "--state-dir {top} -- -o json process list`",
        ),
        (
            ["process-compose", "--state-dir", "S", "-f", "x.yaml"],
            "would start a second process-compose: e.g. `{program} process-compose "
            "--state-dir {top} process list`",
        ),
    ],
)
def test_a_managers_option_before_dash_dash_gets_its_commands_usage_and_the_fix(
    argv: list[str],
    hint: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # It printed the top level's usage (`workloadctl [-h] [--version] COMMAND ...`).
    from workloadctl.runtime.own_command import workloadctl_program

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: workloadctl {argv[0]} [-h]")
    assert hint.format(program=workloadctl_program(), top=tmp_path / "S") in err


def test_an_unknown_option_shows_the_commands_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["status", "--bogus"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: workloadctl status") and "unrecognized arguments: --bogus" in err
