from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from workloadctl.commands import finish, launch


@pytest.mark.parametrize("module", [launch, finish])
def test_commands_register_with_help_and_handler(
    module: object, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser(prog="workloadctl")
    module.register(parser.add_subparsers())  # type: ignore[attr-defined]
    name = module.__name__.rsplit(".", 1)[1]  # type: ignore[attr-defined]
    args = parser.parse_args([name, "process-compose"])
    assert args.handler is module.run  # type: ignore[attr-defined]
    with pytest.raises(SystemExit) as exited:
        parser.parse_args([name, "--help"])
    assert exited.value.code == 0
    assert "s6" in capsys.readouterr().out


def test_launch_rejects_an_unknown_manager(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="workloadctl")
    launch.register(parser.add_subparsers())
    with pytest.raises(SystemExit) as exited:
        parser.parse_args(["launch", "systemd"])
    assert exited.value.code == 2
    assert "invalid choice: 'systemd'" in capsys.readouterr().err


def test_launch_run_hands_over_to_the_launcher(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def fake_launch(manager: str, settings: object) -> int:
        calls.append(manager)
        return 111

    monkeypatch.setattr(launch, "launch", fake_launch)
    assert launch.run(argparse.Namespace(manager="supervisord")) == 111
    assert calls == ["supervisord"]
