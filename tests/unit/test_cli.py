from __future__ import annotations

import subprocess
import sys

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
