"""`workloadctl attach`: the checks before the exec, and the exact command it execs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from workloadctl import settings as S
from workloadctl.commands import attach as attach_command
from workloadctl.commands.attach import attach
from workloadctl.errors import WorkloadctlError
from workloadctl.managers.environment import process_compose_token_path
from workloadctl.runtime.local_stack import StackRecord


def _settings(tmp_path: Path) -> S.Settings:
    return S.Settings.from_env(
        {S.ENV_STATE_DIR: str(tmp_path / "state"), S.ENV_RUN_DIR: str(tmp_path / "run")}
    )


def _with_token(settings: S.Settings) -> Path:
    path = process_compose_token_path(settings)
    path.parent.mkdir(parents=True)
    path.write_text("t" * 43 + "\n")
    return path


class _Exec:
    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str], dict[str, str]]] = []

    def __call__(self, binary: str, argv: list[str], env: dict[str, str]) -> None:
        self.calls.append((binary, argv, env))


class _LiveClient:
    def processes(self) -> list[dict[str, Any]]:
        return [{"name": "web"}]


ENV = {S.ENV_PROCESS_COMPOSE_BIN: "/opt/pc", "PC_API_TOKEN": "x" * 30, "TERM": "xterm"}


def test_execs_process_compose_attach_with_socket_and_token_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path)
    token = _with_token(settings)
    monkeypatch.setattr(attach_command, "process_compose_client", lambda *_a, **_k: _LiveClient())
    run = _Exec()
    assert attach(settings, None, ["--read-only"], environ=ENV, is_terminal=True, execvpe=run) == 0
    ((binary, argv, env),) = run.calls
    assert binary == "/opt/pc"
    assert argv == [
        "/opt/pc",
        "attach",
        "-u",
        str(settings.process_compose_socket),
        "--token-file",
        str(token),
        "--read-only",
    ]
    # A token in the environment would win over --token-file inside process-compose.
    assert "PC_API_TOKEN" not in env and env["TERM"] == "xterm"


def test_local_runner_binary_override_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path)
    _with_token(settings)
    monkeypatch.setattr(attach_command, "process_compose_client", lambda *_a, **_k: _LiveClient())
    record = StackRecord("/r", "/t", 1, 2, [], [], {S.ENV_PROCESS_COMPOSE_BIN: "/stack/pc"}, 0.0)
    run = _Exec()
    attach(settings, record, [], environ={}, is_terminal=True, execvpe=run)
    assert run.calls[0][0] == "/stack/pc"


def test_needs_a_terminal(tmp_path: Path) -> None:
    with pytest.raises(WorkloadctlError, match="needs a terminal"):
        attach(_settings(tmp_path), None, [], environ=ENV, is_terminal=False, execvpe=_Exec())


def test_unreadable_token_is_a_one_line_error(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    run = _Exec()
    with pytest.raises(WorkloadctlError) as caught:
        attach(settings, None, [], environ=ENV, is_terminal=True, execvpe=run)
    assert str(caught.value).startswith("cannot read the process-compose API token at ")
    assert str(process_compose_token_path(settings)) in str(caught.value)
    assert run.calls == []


def test_process_compose_down_is_a_one_line_error(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    _with_token(settings)
    run = _Exec()
    with pytest.raises(WorkloadctlError) as caught:
        attach(settings, None, [], environ=ENV, is_terminal=True, execvpe=run)
    assert str(caught.value) == (
        f"process-compose is not running (no socket at {settings.process_compose_socket})"
    )
    assert run.calls == []


def test_switched_off_process_compose_says_how_to_start_it(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    settings.run_dir.mkdir(parents=True)
    settings.disabled_marker("process-compose").touch()
    with pytest.raises(WorkloadctlError, match="workloadctl start process-compose"):
        attach(settings, None, [], environ=ENV, is_terminal=True, execvpe=_Exec())


def test_exec_failure_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(tmp_path)
    _with_token(settings)
    monkeypatch.setattr(attach_command, "process_compose_client", lambda *_a, **_k: _LiveClient())

    def missing(binary: str, argv: list[str], env: dict[str, str]) -> None:
        raise FileNotFoundError(2, "No such file or directory")

    with pytest.raises(WorkloadctlError, match="cannot execute /opt/pc: No such file"):
        attach(settings, None, [], environ=ENV, is_terminal=True, execvpe=missing)
