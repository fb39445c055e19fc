"""How to log in, and that the template never ships a control surface with a default or
weak password (sockets: see tests/integration/test_control.py for their modes)."""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

import pytest
from control_support import make_ctx

from workloadctl.checks.supervisord import SupervisordServer, load_supervisord
from workloadctl.checks.supervisord.servers import DEFAULT_CREDENTIALS
from workloadctl.control.creds import collect_creds
from workloadctl.managers.access import Remarks
from workloadctl.managers.environment import (
    manager_environment,
    process_compose_token_path,
    sha1_password_digest,
    supervisord_password_path,
)
from workloadctl.managers.supervisord_access import GENERATED_PASSWORD_MARKER, WebUi, web_ui
from workloadctl.runtime.own_command import stack_command
from workloadctl.runtime.statefile import write_json_atomic
from workloadctl.settings import Settings

REPO = Path(__file__).resolve().parents[3]
SUPERVISORD_CONFIGS = [
    REPO / ".devcontainer/supervisord/seed.conf",
    REPO / "workloads/supervisord/project.conf",
]
TEMPLATE_FILES = [
    *SUPERVISORD_CONFIGS,
    REPO / ".devcontainer/process-compose/seed.yaml",
    REPO / "workloads/process-compose/project.yaml",
    REPO / ".devcontainer/docker-compose.yml",
    REPO / ".devcontainer/devcontainer.json",
    REPO / ".devcontainer/Dockerfile",
]


@pytest.mark.parametrize("config", SUPERVISORD_CONFIGS, ids=lambda p: p.name)
def test_template_web_ui_uses_the_generated_password_on_loopback(
    tmp_path: Path, config: Path
) -> None:
    settings = make_ctx(tmp_path).settings
    env = manager_environment(settings, "supervisord", for_validation=True)
    server = load_supervisord(config, env=env).server
    assert server is not None
    assert server.inet_port is not None, "the template serves the web UI"
    assert server.inet_host in ("127.0.0.1", "localhost"), "never every interface"
    assert server.inet_password == GENERATED_PASSWORD_MARKER
    assert (server.inet_username, server.inet_password) not in DEFAULT_CREDENTIALS


@pytest.mark.parametrize("config", SUPERVISORD_CONFIGS, ids=lambda p: p.name)
def test_template_unix_socket_is_for_root_and_the_group_with_a_login(config: Path) -> None:
    text = config.read_text()
    section = text.split("[unix_http_server]", 1)[1].split("\n[", 1)[0]
    # Never others: the run dir (02750, group workloadctl) gives the socket its group.
    assert re.search(r"^chmod\s*=\s*0?770\s*$", section, re.MULTILINE), section
    assert "password={SHA}%(ENV_WORKLOADCTL_SUPERVISOR_PASSWORD)s" in section


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.name)
def test_template_has_no_default_or_literal_secret(path: Path) -> None:
    text = path.read_text()
    for user, password in DEFAULT_CREDENTIALS:
        assert not re.search(rf"password\s*[=:]\s*{password}\b", text), (user, password)
    assert not re.search(r"^\s*password\s*=\s*(?!\{SHA\}%\()", text, re.MULTILINE)
    assert "PC_API_TOKEN=" not in text and "PC_API_TOKEN:" not in text
    assert "chmod 666" not in text and "0666" not in text


def _server(**changes: object) -> SupervisordServer:
    values: dict[str, object] = {
        "unix_socket": Path("/run/workloadctl/supervisord.sock"),
        "unix_username": None,
        "unix_password": None,
        "inet_host": "127.0.0.1",
        "inet_port": 9001,
        "inet_username": "me",
        "inet_password": GENERATED_PASSWORD_MARKER,
    }
    values.update(changes)
    return SupervisordServer(**values)  # type: ignore[arg-type]


def _web_ui(
    settings: Settings, server: SupervisordServer, remarks: Remarks, env: dict[str, str]
) -> WebUi | None:
    return web_ui(settings, server, remarks, env, partial(stack_command, settings))


def test_generated_password_is_read_from_the_secrets_dir(tmp_path: Path) -> None:
    settings = make_ctx(tmp_path).settings
    path = supervisord_password_path(settings)
    path.parent.mkdir(parents=True)
    path.write_text("s3cret-generated\n")
    remarks = Remarks()
    web = _web_ui(settings, _server(), remarks, {})
    assert web is not None
    assert (web.url, web.username, web.password, web.password_source) == (
        "http://127.0.0.1:9001/",
        "me",
        "s3cret-generated",
        "generated",
    )
    assert remarks.problems == []


def test_missing_secret_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    settings = make_ctx(tmp_path).settings
    remarks = Remarks()
    web = _web_ui(settings, _server(), remarks, {})
    assert web is not None and web.password is None
    assert remarks.problems == [
        f"{supervisord_password_path(settings)} does not exist (`workloadctl boot` generates it)"
    ]


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"inet_password": None}, "no password"),
        ({"inet_username": "user", "inet_password": "123"}, "default password"),
        ({"inet_host": ""}, "every interface"),
    ],
)
def test_weak_web_ui_is_a_problem(tmp_path: Path, changes: dict[str, object], problem: str) -> None:
    remarks = Remarks()
    _web_ui(make_ctx(tmp_path).settings, _server(**changes), remarks, {})
    assert any(problem in line for line in remarks.problems), remarks.problems


def test_no_inet_server_means_no_web_ui(tmp_path: Path) -> None:
    assert _web_ui(make_ctx(tmp_path).settings, _server(inet_port=None), Remarks(), {}) is None


def test_collect_creds_from_the_running_config(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path)
    settings = ctx.settings
    config = tmp_path / "running.conf"
    config.write_text(
        "[supervisord]\n[unix_http_server]\nfile=/tmp/x.sock\nchmod=0700\n"
        "[inet_http_server]\nport=127.0.0.1:9555\nusername=%(ENV_WORKLOADCTL_SUPERVISOR_USER)s\n"
        "password={SHA}%(ENV_WORKLOADCTL_SUPERVISOR_PASSWORD)s\n"
        "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
    )
    write_json_atomic(
        settings.decisions_dir / "supervisord.json", {"config": str(config), "source": "project"}
    )
    for path, secret in (
        (supervisord_password_path(settings), "pw-123456789012345678901"),
        (process_compose_token_path(settings), "tok-123456789012345678901"),
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secret)
    creds = collect_creds(ctx)
    assert creds.problems == ()
    supervisord, process_compose = creds.access["supervisord"], creds.access["process_compose"]
    assert supervisord.config == str(config) and supervisord.config_source == "decision"
    assert supervisord.web_ui is not None
    assert supervisord.web_ui.url == "http://127.0.0.1:9555/"
    assert supervisord.web_ui.username == "workloadctl"  # no $UNAME in this env
    assert supervisord.web_ui.password == "pw-123456789012345678901"
    assert process_compose.token == "tok-123456789012345678901"
    assert str(settings.process_compose_socket) in process_compose.attach
    assert str(process_compose_token_path(settings)) in process_compose.attach
    assert set(creds.as_json()) == {"supervisord", "process_compose", "problems", "notes"}


def test_the_running_environment_decides_and_a_changed_secret_is_reported(tmp_path: Path) -> None:
    settings = make_ctx(tmp_path).settings
    path = supervisord_password_path(settings)
    path.parent.mkdir(parents=True)
    path.write_text("new-password")
    running = {"WORKLOADCTL_SUPERVISOR_PASSWORD": sha1_password_digest("old-password")}
    server = _server(inet_password="{SHA}" + running["WORKLOADCTL_SUPERVISOR_PASSWORD"])
    remarks = Remarks()
    web = _web_ui(settings, server, remarks, running)
    assert web is not None and web.password_source == "generated"
    assert any("changed since supervisord started" in p for p in remarks.problems)
    remarks = Remarks()
    path.write_text("old-password")
    _web_ui(settings, server, remarks, running)
    assert remarks.problems == []


def test_supervisorctl_line_passes_the_socket_login_without_a_web_ui(tmp_path: Path) -> None:
    """The plain supervisorctl line talks to the socket: it needs the socket's login, also
    when there is no web UI (before: only the web UI's login was put on it, so 401)."""
    ctx = make_ctx(tmp_path)
    settings = ctx.settings
    config = tmp_path / "running.conf"
    config.write_text(
        "[supervisord]\n[unix_http_server]\nfile=/tmp/x.sock\nchmod=0700\n"
        "username=%(ENV_WORKLOADCTL_SUPERVISOR_USER)s\n"
        "password={SHA}%(ENV_WORKLOADCTL_SUPERVISOR_PASSWORD)s\n"
        "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
    )
    write_json_atomic(
        settings.decisions_dir / "supervisord.json", {"config": str(config), "source": "project"}
    )
    line = collect_creds(ctx).access["supervisord"].supervisorctl
    password_file = supervisord_password_path(settings)
    assert line.endswith(
        f'-s unix:///tmp/x.sock -u workloadctl -p "$(cat {password_file})" status'
    ), line


def test_workloadctl_lines_name_the_state_dir_of_a_local_stack(tmp_path: Path) -> None:
    from workloadctl.control.creds import workloadctl_command
    from workloadctl.runtime.local_stack import StackRecord

    ctx = make_ctx(tmp_path)
    assert workloadctl_command(ctx, "supervisorctl", "status").endswith(" supervisorctl status")
    ctx.record = StackRecord(
        root="/r",
        top="/my stack",
        unshare_pid=1,
        svscan_pid=2,
        services=[],
        longruns=[],
        env={},
        started_at=0.0,
    )
    assert workloadctl_command(ctx, "process-compose", "process", "list").endswith(
        " process-compose --state-dir '/my stack' process list"
    )


def test_creds_shows_every_registered_manager_under_its_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A third manager's access is one registry entry: its key in `creds --json` and its
    block in the text, with nothing in control/ or commands/ naming it (before: the two
    managers were fields of `Creds`, a third was never shown)."""
    from dataclasses import dataclass

    from workloadctl.commands.creds import render_creds
    from workloadctl.managers import KINDS

    @dataclass(frozen=True)
    class ComposeAccess:
        socket: str

        def lines(self) -> list[str]:
            return ["compose", f"  socket: {self.socket}"]

    class Compose:
        project_config = Path("workloads/compose/compose.yaml")

        def seed_config(self, settings: object) -> Path:
            return tmp_path / "seed.yaml"

        def access(self, inputs: object, remarks: Remarks) -> ComposeAccess:
            remarks.notes.append("compose: no login")
            return ComposeAccess("/run/docker.sock")

    monkeypatch.setitem(KINDS, "docker-compose", Compose())  # type: ignore[index]
    creds = collect_creds(make_ctx(tmp_path))
    data = creds.as_json()
    assert list(data)[-3:] == ["docker_compose", "problems", "notes"]
    assert data["docker_compose"] == {"socket": "/run/docker.sock"}
    assert list(data["notes"]) == ["compose: no login"]
    assert "\ncompose\n  socket: /run/docker.sock\n" in render_creds(creds)
