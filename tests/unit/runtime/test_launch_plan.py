from __future__ import annotations

import io
import json
import socket
import stat
from pathlib import Path

import pytest
from launcher_support import (
    FakeLoader,
    invalid_loader,
    tmp_env,
    tmp_settings,
    write,
    write_project,
    write_seed,
)

from workloadctl import settings as S
from workloadctl.managers import environment as M
from workloadctl.runtime import launcher as L

BINARIES = {S.ENV_SUPERVISORD_BIN: "/bin/true", S.ENV_PROCESS_COMPOSE_BIN: "/bin/true"}


class Exec:
    """Stands in for os.execve and remembers the call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str], dict[str, str]]] = []

    def __call__(self, binary: str, argv: list[str], env: dict[str, str]) -> None:
        self.calls.append((binary, argv, env))


def plan_for(
    tmp_path: Path, manager: M.Manager, loader: FakeLoader
) -> tuple[L.LaunchPlan | int, str]:
    err = io.StringIO()
    plan = L.prepare(
        manager,
        tmp_settings(tmp_path),
        environ=tmp_env(tmp_path, **BINARIES),
        stderr=err,
        loader=loader,
    )
    return plan, err.getvalue()


def test_the_project_config_is_loaded_once(tmp_path: Path) -> None:
    # The decision loads it, and the cross-manager check needs its programs again: once
    # is enough (loading 50 supervisord programs costs ~100 ms of every manager restart).
    project = write_project(tmp_settings(tmp_path))
    loader = FakeLoader()
    plan, _err = plan_for(tmp_path, "supervisord", loader)
    assert isinstance(plan, L.LaunchPlan)
    assert loader.loaded == [project]


def test_valid_project_runs_supervisord_from_the_project_root(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    project = write_project(settings)
    plan, err = plan_for(tmp_path, "supervisord", FakeLoader())
    assert isinstance(plan, L.LaunchPlan)
    assert plan.argv == ["/bin/true", "-n", "-c", str(project)]
    assert plan.cwd == settings.project_root
    assert plan.env[M.ENV_MANAGER] == "supervisord"
    assert plan.env[S.ENV_RUN_DIR] == str(settings.run_dir)
    assert "starting" in err and "SEED" not in err
    record = json.loads((settings.decisions_dir / "supervisord.json").read_text())
    assert record["source"] == "project"
    assert record["started"] is True
    # The launcher made good on a missing secret and a missing run dir.
    assert M.read_secret(M.supervisord_password_path(settings)) is not None
    assert stat.S_IMODE(settings.run_dir.stat().st_mode) == 0o700


def test_a_deleted_log_dir_is_made_again_before_the_decision(tmp_path: Path) -> None:
    """The template's programs log to $WORKLOADCTL_LOG_DIR: without it neither the project
    config nor the seed validates where supervisord runs."""
    settings = tmp_settings(tmp_path)
    write_project(settings)
    plan_for(tmp_path, "supervisord", FakeLoader())
    settings.logs_dir.rmdir()
    plan, _err = plan_for(tmp_path, "supervisord", FakeLoader())
    assert isinstance(plan, L.LaunchPlan)
    assert settings.logs_dir.is_dir()
    assert plan.env[M.ENV_LOG_DIR] == str(settings.logs_dir)


def test_invalid_project_runs_the_seed_from_its_directory_with_a_banner(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    write_project(settings)
    seed = write_seed(settings)
    plan, err = plan_for(tmp_path, "supervisord", invalid_loader())
    assert isinstance(plan, L.LaunchPlan)
    assert plan.argv[-1] == str(seed)
    assert plan.cwd == seed.parent
    assert "running the SEED config" in err
    assert "project.conf:7: error:" in err


def test_process_compose_argv_has_socket_token_log_and_no_tui(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    write(settings.seed_process_compose_yaml, "processes: {}\n")
    plan, _ = plan_for(tmp_path, "process-compose", FakeLoader())
    assert isinstance(plan, L.LaunchPlan)
    assert plan.argv == [
        "/bin/true",
        "up",
        "-f",
        str(settings.seed_process_compose_yaml),
        "-t=false",
        "--keep-project",
        "-u",
        str(settings.process_compose_socket),
        "--token-file",
        str(M.process_compose_token_path(settings)),
        "-L",
        str(settings.process_compose_log),
    ]
    token = M.read_secret(M.process_compose_token_path(settings))
    assert token is not None and len(token) >= 32
    assert token not in plan.env.values()
    assert settings.process_compose_log.parent.is_dir()


def test_missing_seed_is_fatal_and_recorded_as_not_started(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    plan, err = plan_for(tmp_path, "supervisord", FakeLoader())
    assert plan == L.EXIT_TEMPORARY_FAILURE
    assert err.splitlines()[-1].startswith("workloadctl: fatal: supervisord cannot start")
    record = json.loads((settings.decisions_dir / "supervisord.json").read_text())
    assert record["started"] is False


def test_missing_binary_exits_111_with_what_to_install(tmp_path: Path) -> None:
    err = io.StringIO()
    environ = tmp_env(
        tmp_path, **{S.ENV_PROCESS_COMPOSE_BIN: "/nonexistent/process-compose"}, PATH=str(tmp_path)
    )
    code = L.launch(
        "process-compose",
        tmp_settings(tmp_path),
        environ=environ,
        stderr=err,
        cwd=tmp_path,
        execve=Exec(),
    )
    assert code == L.EXIT_TEMPORARY_FAILURE
    assert "the process-compose binary was not found" in err.getvalue()
    # `finish` must not count this exit against the config of an earlier start.
    record = json.loads((tmp_path / "state/decisions/process-compose.json").read_text())
    assert (record["started"], record["source"]) == (False, None)


def test_launch_execs_the_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = tmp_settings(tmp_path)
    project = write_project(settings)
    monkeypatch.chdir(tmp_path)
    execve = Exec()
    code = L.launch(
        "supervisord",
        settings,
        environ=tmp_env(tmp_path, **BINARIES),
        stderr=io.StringIO(),
        cwd=tmp_path,
        execve=execve,
        loader=FakeLoader(),
    )
    assert code == 0
    [(binary, argv, env)] = execve.calls
    assert (binary, argv[-1]) == ("/bin/true", str(project))
    assert env[M.ENV_INSTANCE] == M.instance_id(settings)
    assert Path.cwd() == settings.project_root


def test_failure_outside_the_decision_still_tries_the_seed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = tmp_settings(tmp_path)
    write_project(settings)
    seed = write_seed(settings)
    monkeypatch.chdir(tmp_path)

    def broken_policy(env: object) -> object:
        raise RuntimeError("policy exploded")

    monkeypatch.setattr(L, "policy_from_env", broken_policy)
    err, execve = io.StringIO(), Exec()
    code = L.launch(
        "supervisord",
        settings,
        environ=tmp_env(tmp_path, **BINARIES),
        stderr=err,
        cwd=tmp_path,
        execve=execve,
        loader=FakeLoader(),
    )
    assert code == 0
    assert execve.calls[0][1][-1] == str(seed)
    assert "RuntimeError: policy exploded [LCH004]" in err.getvalue()


def test_disabled_process_compose_takes_itself_down(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    write(settings.disabled_marker("process-compose"), "")
    service = tmp_path / "service" / "process-compose"
    (service / "supervise").mkdir(parents=True)
    fake_bin = tmp_path / "bin"
    write(fake_bin / "s6-svc", "#!/bin/sh\n").chmod(0o755)
    ran: list[list[str]] = []
    err, execve = io.StringIO(), Exec()

    def run(argv: list[str]) -> int:
        ran.append(list(argv))
        return 0

    code = L.launch(
        "process-compose",
        settings,
        environ=tmp_env(tmp_path, **BINARIES, PATH=str(fake_bin)),
        stderr=err,
        cwd=service,
        execve=execve,
        run=run,
    )
    assert code == 0
    assert ran == [[str(fake_bin / "s6-svc"), "-d", str(service)]]
    assert execve.calls == []
    assert "process-compose is disabled" in err.getvalue()
    assert "workloadctl start process-compose" in err.getvalue()


def test_stale_socket_is_removed_but_a_live_one_is_kept(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    settings.run_dir.mkdir(parents=True)
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(settings.process_compose_socket))
    stale.close()  # the file stays, nobody listens
    write(settings.seed_process_compose_yaml, "processes: {}\n")
    plan, _ = plan_for(tmp_path, "process-compose", FakeLoader())
    assert isinstance(plan, L.LaunchPlan)
    assert not settings.process_compose_socket.exists()

    live = socket.socket(socket.AF_UNIX)
    try:
        live.bind(str(settings.supervisord_socket))
        live.listen(1)
        write_seed(settings)
        plan_for(tmp_path, "supervisord", FakeLoader())
        assert settings.supervisord_socket.is_socket()
    finally:
        live.close()
