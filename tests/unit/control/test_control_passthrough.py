"""`workloadctl supervisorctl` / `workloadctl process-compose`: the exact argv and
environment they exec, the login supervisorctl really reads, and one-line refusals."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from supervisor.options import ClientOptions

from workloadctl import settings as S
from workloadctl.access import AccessDeniedError
from workloadctl.cli import main
from workloadctl.control import passthrough
from workloadctl.control.passthrough import (
    exec_process_compose,
    exec_supervisorctl,
    process_compose_argv,
)
from workloadctl.errors import UsageError, WorkloadctlError
from workloadctl.managers.environment import process_compose_token_path, supervisord_password_path
from workloadctl.runtime.local_stack import RECORD_NAME, StackRecord
from workloadctl.runtime.own_command import workloadctl_program

PASSWORD = "pa%ss(word)s-" + "x" * 30


def _settings(tmp_path: Path, user: str = "dev") -> S.Settings:
    return S.Settings.from_env(
        {
            S.ENV_STATE_DIR: str(tmp_path / "state"),
            S.ENV_RUN_DIR: str(tmp_path / "run"),
            "UNAME": user,
        }
    )


def _secret(path: Path, value: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(value + "\n")


class _SupervisorctlStandIn:
    """Stands in for exec: records the call and parses the config the way the real
    supervisorctl does, while the pipe is still open."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str], dict[str, str]]] = []
        self.options: ClientOptions | None = None

    def __call__(self, binary: str, argv: list[str], env: dict[str, str]) -> None:
        self.calls.append((binary, argv, env))
        options = ClientOptions()
        options.realize(args=argv[1:])
        self.options = options


def test_supervisorctl_gets_socket_and_login_from_a_pipe_not_its_argv(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    _secret(supervisord_password_path(settings), PASSWORD)
    run = _SupervisorctlStandIn()
    env = {S.ENV_SUPERVISORCTL_BIN: "/opt/v/bin/supervisorctl", "TERM": "xterm"}
    assert exec_supervisorctl(settings, None, ["status", "docs"], environ=env, execvpe=run) == 0
    ((binary, argv, passed_env),) = run.calls
    assert binary == "/opt/v/bin/supervisorctl"
    assert argv[:2] == [binary, "-c"] and argv[2].startswith("/dev/fd/")
    assert argv[3:] == ["status", "docs"]
    assert not any(PASSWORD in word for word in argv)
    assert passed_env == env
    options = run.options
    assert options is not None
    assert options.serverurl == f"unix://{settings.supervisord_socket}"
    assert (options.username, options.password) == ("dev", PASSWORD)
    assert options.args == ["status", "docs"]


def test_supervisorctl_args_pass_untouched_after_our_separator(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    _secret(supervisord_password_path(settings), PASSWORD)
    run = _SupervisorctlStandIn()
    env = {S.ENV_SUPERVISORCTL_BIN: "/x/supervisorctl"}
    args = ["--", "-r", "/tmp/h", "start", "--state-dir", "--"]
    exec_supervisorctl(settings, None, args, environ=env, execvpe=run)
    ((_binary, argv, _env),) = run.calls
    assert argv[3:] == ["-r", "/tmp/h", "start", "--state-dir", "--"]


def test_supervisorctl_pipe_is_closed_when_exec_fails(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    _secret(supervisord_password_path(settings), PASSWORD)
    before = set(os.listdir("/proc/self/fd"))

    def missing(_binary: str, _argv: list[str], _env: dict[str, str]) -> None:
        raise FileNotFoundError(2, "No such file or directory")

    env = {S.ENV_SUPERVISORCTL_BIN: "/nonexistent/supervisorctl"}
    with pytest.raises(WorkloadctlError, match="cannot execute /nonexistent/supervisorctl"):
        exec_supervisorctl(settings, None, ["status"], environ=env, execvpe=missing)
    assert set(os.listdir("/proc/self/fd")) == before


def test_missing_password_is_one_line(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    with pytest.raises(WorkloadctlError, match="does not exist: the stack's `workloadctl boot`"):
        exec_supervisorctl(settings, None, ["status"], environ={}, execvpe=_SupervisorctlStandIn())


def test_unreadable_secret_says_who_may(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(tmp_path)
    _secret(supervisord_password_path(settings), PASSWORD)

    def denied(path: object, *_a: object, **_k: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(passthrough, "open", denied, raising=False)
    with pytest.raises(AccessDeniedError, match=r"permission denied: .*supervisord-password: only"):
        exec_supervisorctl(settings, None, ["status"], environ={}, execvpe=_SupervisorctlStandIn())


class _Exec:
    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str], dict[str, str]]] = []

    def __call__(self, binary: str, argv: list[str], env: dict[str, str]) -> None:
        self.calls.append((binary, argv, env))


def test_process_compose_gets_socket_and_token_file_in_its_environment(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    _secret(process_compose_token_path(settings), "t" * 43)
    env = {
        S.ENV_PROCESS_COMPOSE_BIN: "/opt/pc",
        "PC_API_TOKEN": "stale" * 5,
        "PC_LOG_FILE": "/var/lib/workloadctl/logs/process-compose.log",
        "PC_ADDRESS": "0.0.0.0",
        "HOME": str(tmp_path / "home"),
    }
    run = _Exec()
    assert exec_process_compose(settings, None, ["process", "list"], environ=env, execvpe=run) == 0
    ((binary, argv, passed_env),) = run.calls
    assert (binary, argv) == ("/opt/pc", ["/opt/pc", "process", "list"])
    assert passed_env["PC_SOCKET_PATH"] == str(settings.process_compose_socket)
    assert passed_env["PC_API_TOKEN_PATH"] == str(process_compose_token_path(settings))
    for dropped in ("PC_API_TOKEN", "PC_LOG_FILE", "PC_ADDRESS"):
        assert dropped not in passed_env
    assert (tmp_path / "home/.config/process-compose").is_dir()


def test_process_compose_strips_only_our_own_separator(tmp_path: Path) -> None:
    # `workloadctl process-compose -- -- --help`: the first `--` ends our options, the
    # second is the user's and reaches process-compose, as supervisorctl's does.
    settings = _settings(tmp_path)
    _secret(process_compose_token_path(settings), "t" * 43)
    env = {S.ENV_PROCESS_COMPOSE_BIN: "/opt/pc", "HOME": str(tmp_path / "home")}
    run = _Exec()
    exec_process_compose(settings, None, ["--", "--", "--help"], environ=env, execvpe=run)
    ((_, argv, _),) = run.calls
    assert argv == ["/opt/pc", "--", "--help"]


def test_process_compose_without_token_is_one_line(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    env = {S.ENV_PROCESS_COMPOSE_BIN: "/opt/pc"}
    with pytest.raises(WorkloadctlError, match="process-compose-token does not exist"):
        exec_process_compose(settings, None, ["process", "list"], environ=env, execvpe=_Exec())


@pytest.mark.parametrize(
    "args",
    [[], ["up"], ["run", "web"], ["--", "up"], ["-f", "other.yaml"]],
)
def test_process_compose_refuses_what_would_start_a_second_one(
    args: list[str], tmp_path: Path
) -> None:
    with pytest.raises(UsageError, match="would start a second process-compose"):
        process_compose_argv("/opt/pc", args, _settings(tmp_path))


@pytest.mark.parametrize("args", [[], ["up"], ["run", "x"], ["--", "-f", "x.yaml"]])
def test_a_local_stacks_refusal_names_commands_that_reach_it_from_anywhere(
    args: list[str], tmp_path: Path
) -> None:
    # Without --state-dir the printed commands, run from `/`, said "no stack is running".
    top = tmp_path / "top"
    top.mkdir()
    StackRecord(str(tmp_path), str(top), 1, 2, [], [], {}, 0.0).write(top / RECORD_NAME)
    settings = S.Settings.from_env({S.ENV_STATE_DIR: str(top / "var/lib/workloadctl")})
    with pytest.raises(UsageError) as caught:
        process_compose_argv("/opt/pc", args, settings)
    program = workloadctl_program()
    message = str(caught.value)
    assert f"`{program} process-compose --state-dir {top} process list`" in message
    assert f"`{program} restart process-compose --state-dir {top}`" in message


@pytest.mark.parametrize(
    ("args", "passed"),
    [
        (["process", "list", "-o", "json"], ["process", "list", "-o", "json"]),
        (["--", "--help"], ["--help"]),
        (["--", "-v"], ["-v"]),
        (["process", "logs", "web", "-n", "5"], ["process", "logs", "web", "-n", "5"]),
    ],
)
def test_process_compose_client_commands_pass_untouched(
    args: list[str], passed: list[str], tmp_path: Path
) -> None:
    settings = _settings(tmp_path)
    assert process_compose_argv("/opt/pc", args, settings) == ["/opt/pc", *passed]


def test_cli_without_a_stack_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in ("supervisorctl", "process-compose"):
        assert main([command, "--state-dir", str(tmp_path), "status"]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "no stack recorded" in err


def test_cli_help_of_ours_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    for command, example in (
        ("supervisorctl", "workloadctl supervisorctl start difit"),
        ("process-compose", "workloadctl process-compose process list"),
    ):
        with pytest.raises(SystemExit) as caught:
            main([command, "--help"])
        assert caught.value.code == 0
        out = capsys.readouterr().out
        assert example in out and f"workloadctl {command} -- --help" in out
