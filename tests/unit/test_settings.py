from __future__ import annotations

import sys
from pathlib import Path

import pytest

from workloadctl import settings as S


def test_defaults_are_the_container_paths() -> None:
    s = S.Settings.from_env({})
    assert s.service_dir == Path("/run/service")
    assert s.supervisor_etc == Path("/etc/supervisor")
    assert s.seed_supervisord_conf == Path("/etc/supervisor/seed.conf")
    assert s.seed_process_compose_yaml == Path("/etc/process-compose/seed.yaml")
    assert s.project_root is None
    assert not s.in_container


def test_every_path_has_an_override(tmp_path: Path) -> None:
    env = {
        S.ENV_STATE_DIR: str(tmp_path / "state"),
        S.ENV_RUN_DIR: str(tmp_path / "run"),
        S.ENV_SERVICE_DIR: str(tmp_path / "service"),
        S.ENV_SUPERVISOR_ETC: str(tmp_path / "etc-sv"),
        S.ENV_PROCESS_COMPOSE_ETC: str(tmp_path / "etc-pc"),
        S.ENV_ROOT: str(tmp_path / "repo"),
        S.ENV_USER_HOME: str(tmp_path / "home"),
        S.ENV_DOCKER_SOCKET: str(tmp_path / "docker.sock"),
    }
    s = S.Settings.from_env(env)
    for value in (
        s.state_dir,
        s.run_dir,
        s.service_dir,
        s.supervisor_etc,
        s.process_compose_etc,
        s.project_root,
        s.user_home,
        s.docker_socket,
        s.supervisord_socket,
        s.process_compose_socket,
        s.secrets_dir,
        s.decisions_dir,
        s.process_compose_log,
    ):
        assert value is not None and tmp_path in value.parents


def test_container_root_from_uname_and_repo() -> None:
    s = S.Settings.from_env({"UNAME": "dev", "REPO_NAME": "shop"})
    assert s.project_root == Path("/home/dev/shop")
    assert s.user_home == Path("/home/dev")


def test_binary_override_wins(tmp_path: Path) -> None:
    assert S.process_compose_binary({S.ENV_PROCESS_COMPOSE_BIN: "/x/pc"}) == "/x/pc"


def test_binary_found_beside_python() -> None:
    found = S.supervisord_binary({"PATH": ""})
    assert found is not None and Path(found).parent == Path(sys.executable).parent


def test_repo_root_is_git_toplevel(tmp_path: Path) -> None:
    import subprocess

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "sub").mkdir()
    assert S.find_repo_root(tmp_path / "sub", {}).resolve() == tmp_path.resolve()
    assert S.find_repo_root(tmp_path / "sub", {S.ENV_ROOT: "/elsewhere"}) == Path("/elsewhere")


def test_s6_programs_are_found_off_path(tmp_path: Path) -> None:
    # sudo's secure_path and a login shell's /etc/profile drop s6-overlay's /command.
    command = tmp_path / "command"
    command.mkdir()
    svc = command / "s6-svc"
    svc.write_text("#!/bin/sh\n")
    svc.chmod(0o755)
    env = {"PATH": "/nonexistent", S.ENV_S6_PATH: f"{tmp_path}/nowhere:{tmp_path}/c*d"}
    assert S.s6_binary("s6-svc", env) == str(svc)
    assert S.s6_search_path(env) == ["/nonexistent", f"{tmp_path}/nowhere", str(command)]
    assert S.s6_binary("s6-nothing", env) is None


def test_the_container_environment_fills_in_what_sudo_dropped(tmp_path: Path) -> None:
    env_dir = tmp_path / "container_environment"
    env_dir.mkdir()
    (env_dir / "UNAME").write_text("developer\n")
    (env_dir / "REPO_NAME").write_text("workspace\n")
    (env_dir / "PATH").write_text("/command:/usr/bin\n")
    ours = {S.ENV_CONTAINER_ENV_DIR: str(env_dir), "PATH": "/usr/sbin:/usr/bin"}
    merged = S.process_environment(ours)
    assert merged["UNAME"] == "developer" and merged["PATH"] == "/usr/sbin:/usr/bin"
    settings = S.Settings.from_env(merged)
    assert settings.user_name == "developer"
    assert settings.container_root == Path("/home/developer/workspace")
    assert settings.control_group == S.DEFAULT_CONTROL_GROUP


def test_a_binary_beside_python_we_may_not_look_at_is_not_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`.venv/bin/process-compose` linking into root's home: for anyone else stat() fails
    with EACCES; the lookup goes on to PATH instead of raising."""
    (tmp_path / "bin").mkdir()
    beside = tmp_path / "bin/process-compose"
    beside.symlink_to("/root/go/bin/process-compose")
    monkeypatch.setattr(S.sys, "executable", str(tmp_path / "bin/python"))
    real_is_file = Path.is_file

    def is_file(path: Path) -> bool:
        if path == beside:
            raise PermissionError(13, "Permission denied", str(path))
        return real_is_file(path)

    monkeypatch.setattr(Path, "is_file", is_file)
    assert S.process_compose_binary({"PATH": ""}) is None
