"""`workloadctl launch` and `workloadctl finish` as s6 runs them, with the real managers.

Each test gets its own state dir, run dir, project root and seeds under tmp_path; every
process started is killed at the end (the manager's group, then the reaper for orphans).
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from workloadctl import cli
from workloadctl import settings as S
from workloadctl.checks.programs import Manager
from workloadctl.managers.environment import (
    instance_id,
    process_compose_token_path,
    supervisord_password_path,
)
from workloadctl.runtime.reaper import find_marked, reap

from .stack_support import free_port, require_process_compose

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "launcher"
START_TIMEOUT = 20.0

# Until `launch` and `finish` are wired into cli.COMMANDS, run them through their
# own register() the same way the CLI does.
_SHIM = """\
import argparse, sys
from workloadctl.commands import finish, launch
parser = argparse.ArgumentParser(prog="workloadctl")
commands = parser.add_subparsers(dest="command", required=True)
launch.register(commands)
finish.register(commands)
args = parser.parse_args()
sys.exit(args.handler(args))
"""


def workloadctl(*args: str) -> list[str]:
    if {"launch", "finish"} <= set(cli.COMMANDS):
        return [sys.executable, "-m", "workloadctl", *args]
    return [sys.executable, "-c", _SHIM, *args]


@dataclass
class Stack:
    tmp: Path
    env: dict[str, str]
    settings: S.Settings
    web_port: int

    def project(self, manager: Manager) -> Path:
        assert self.settings.project_root is not None
        relative = (
            S.PROJECT_SUPERVISORD_CONF
            if manager == "supervisord"
            else S.PROJECT_PROCESS_COMPOSE_YAML
        )
        return self.settings.project_root / relative

    def install(self, manager: Manager, *, project: str | None, seed: str) -> None:
        """Copy fixtures in as the project config (None: none) and the seed."""
        seed_path = (
            self.settings.seed_supervisord_conf
            if manager == "supervisord"
            else self.settings.seed_process_compose_yaml
        )
        seed_path.parent.mkdir(parents=True, exist_ok=True)
        seed_path.write_text(self.fixture(seed))
        if project is not None:
            target = self.project(manager)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(self.fixture(project))

    def fixture(self, name: str) -> str:
        return (FIXTURES / name).read_text().replace("@PORT@", str(self.web_port))

    def socket(self, manager: Manager) -> Path:
        if manager == "supervisord":
            return self.settings.supervisord_socket
        return self.settings.process_compose_socket

    def decision(self, manager: Manager) -> dict[str, object]:
        data: dict[str, object] = json.loads(
            (self.settings.decisions_dir / f"{manager}.json").read_text()
        )
        return data

    def marked(self, manager: Manager) -> list[psutil.Process]:
        return find_marked(manager, instance_id(self.settings))


@pytest.fixture
def stack(tmp_path: Path) -> Stack:
    env = {
        **os.environ,
        S.ENV_STATE_DIR: str(tmp_path / "state"),
        S.ENV_RUN_DIR: str(tmp_path / "run"),
        S.ENV_SERVICE_DIR: str(tmp_path / "service"),
        S.ENV_SUPERVISOR_ETC: str(tmp_path / "etc/supervisor"),
        S.ENV_PROCESS_COMPOSE_ETC: str(tmp_path / "etc/process-compose"),
        S.ENV_ROOT: str(tmp_path / "project"),
        "WORKLOADCTL_REAP_GRACE": "1",
    }
    for name in ("UNAME", "REPO_NAME", "PC_API_TOKEN", "PC_SOCKET_PATH", "PC_NO_SERVER"):
        env.pop(name, None)
    (tmp_path / "project").mkdir()
    return Stack(tmp_path, env, S.Settings.from_env(env), free_port())


Launch = Callable[[Manager], tuple[subprocess.Popen[bytes], Path]]


@pytest.fixture
def launch(stack: Stack) -> Iterator[Launch]:
    """Start `workloadctl launch MANAGER`; the finalizer kills the manager and its programs."""
    started: list[tuple[Manager, subprocess.Popen[bytes]]] = []

    def start(manager: Manager) -> tuple[subprocess.Popen[bytes], Path]:
        stderr_path = stack.tmp / f"{manager}.stderr"
        with open(stderr_path, "wb") as err, open(stack.tmp / f"{manager}.stdout", "wb") as out:
            proc = subprocess.Popen(
                workloadctl("launch", manager),
                env=stack.env,
                cwd=stack.tmp,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
        started.append((manager, proc))
        return proc, stderr_path

    yield start
    for manager, proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        reap(manager, instance_id(stack.settings), grace=1.0)


def wait_until(what: str, ready: Callable[[], bool], stderr_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; stderr:\n{stderr_path.read_text()}")


def marked_commands(stack: Stack, manager: Manager) -> list[str]:
    commands = []
    for proc in stack.marked(manager):
        with contextlib.suppress(psutil.Error):
            commands.append(" ".join(proc.cmdline()))
    return commands


def finish(stack: Stack, manager: Manager, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        workloadctl("finish", manager, *args),
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def kill_and_finish(stack: Stack, manager: Manager, proc: subprocess.Popen[bytes]) -> str:
    """SIGKILL the manager like the OOM killer would, then run s6's finish."""
    assert stack.marked(manager), "the manager's programs should be running"
    proc.kill()
    proc.wait()
    assert stack.marked(manager), "SIGKILL of the manager leaves its programs behind"
    done = finish(stack, manager, "256", "9")
    assert done.returncode == 0, done.stderr
    assert stack.marked(manager) == [], done.stderr
    return done.stderr


def web_ui_status(stack: Stack, user: str, password: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", stack.web_port, timeout=5)
    credentials = base64.b64encode(f"{user}:{password}".encode()).decode()
    try:
        connection.request("GET", "/", headers={"Authorization": f"Basic {credentials}"})
        return connection.getresponse().status
    finally:
        connection.close()


def test_supervisord_runs_the_project_config_and_finish_reaps_its_programs(
    stack: Stack, launch: Launch
) -> None:
    stack.install("supervisord", project="project.conf", seed="seed.conf")
    proc, stderr = launch("supervisord")
    wait_until("the supervisord socket", stack.settings.supervisord_socket.is_socket, stderr)
    wait_until(
        "the project program",
        lambda: any("sleep 1001" in c for c in marked_commands(stack, "supervisord")),
        stderr,
    )

    decision = stack.decision("supervisord")
    assert decision["source"] == "project", stderr.read_text()
    assert decision["config"] == str(stack.project("supervisord"))
    assert decision["pid"] == proc.pid  # the launcher exec'd into supervisord
    assert stat.S_IMODE(stack.settings.supervisord_socket.stat().st_mode) & 0o077 == 0
    assert "SEED" not in stderr.read_text()

    # The web UI takes the plaintext from the secrets file; the env only had its SHA-1.
    password = supervisord_password_path(stack.settings).read_text().strip()
    assert web_ui_status(stack, "workloadctl", password) == 200
    assert web_ui_status(stack, "workloadctl", "wrong") == 401
    assert password not in psutil.Process(proc.pid).environ().values()

    report = kill_and_finish(stack, "supervisord", proc)
    assert "was killed by signal 9: crash 1 of 5" in report
    assert "sleep 1000" in report and "sleep 1001" in report


def test_supervisord_falls_back_to_the_seed_with_a_banner(stack: Stack, launch: Launch) -> None:
    stack.install("supervisord", project="invalid.conf", seed="seed.conf")
    proc, stderr = launch("supervisord")
    wait_until(
        "the seed program",
        lambda: any("sleep 1002" in c for c in marked_commands(stack, "supervisord")),
        stderr,
    )
    banner = stderr.read_text()
    project = stack.project("supervisord")
    assert "supervisord is running the SEED config" in banner
    assert re.search(rf"{re.escape(str(project))}:\d+: error: ", banner), banner
    assert "workloadctl restart supervisord" in banner
    decision = stack.decision("supervisord")
    assert decision["source"] == "seed"
    assert decision["config"] == str(stack.settings.seed_supervisord_conf)
    kill_and_finish(stack, "supervisord", proc)


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: Path) -> None:
        super().__init__("localhost", timeout=5)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(5)
        self.sock.connect(str(self.path))


def process_compose_get(stack: Stack, route: str, token: str | None) -> tuple[int, bytes]:
    connection = UnixHTTPConnection(stack.settings.process_compose_socket)
    try:
        headers = {"X-PC-Token-Key": token} if token else {}
        connection.request("GET", route, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_process_compose_runs_the_project_config_on_a_token_guarded_socket(
    stack: Stack, launch: Launch
) -> None:
    require_process_compose()
    stack.install("process-compose", project="project.yaml", seed="seed.yaml")
    proc, stderr = launch("process-compose")
    wait_until(
        "the process-compose socket", stack.settings.process_compose_socket.is_socket, stderr
    )
    wait_until(
        "the project process",
        lambda: any("sleep 1001" in c for c in marked_commands(stack, "process-compose")),
        stderr,
    )

    decision = stack.decision("process-compose")
    assert decision["source"] == "project", stderr.read_text()
    assert decision["pid"] == proc.pid
    token = process_compose_token_path(stack.settings).read_text().strip()
    status, body = process_compose_get(stack, "/processes", token)
    assert status == 200
    names = [p["name"] for p in json.loads(body)["data"]]
    assert names == ["project-sleeper"]
    assert process_compose_get(stack, "/processes", None)[0] == 401
    listening = [
        c for c in psutil.Process(proc.pid).net_connections("inet") if c.status == "LISTEN"
    ]
    assert listening == [], "no TCP port unless the user opts in"

    report = kill_and_finish(stack, "process-compose", proc)
    assert "bash -c" in report  # the command's shell and its whole group went


def test_process_compose_falls_back_to_the_seed_with_a_banner(stack: Stack, launch: Launch) -> None:
    require_process_compose()
    stack.install("process-compose", project="invalid.yaml", seed="seed.yaml")
    proc, stderr = launch("process-compose")
    wait_until(
        "the seed process",
        lambda: any("sleep 1002" in c for c in marked_commands(stack, "process-compose")),
        stderr,
    )
    banner = stderr.read_text()
    project = stack.project("process-compose")
    assert "process-compose is running the SEED config" in banner
    assert re.search(rf"{re.escape(str(project))}:\d+: error: ", banner), banner
    assert "workloadctl restart process-compose" in banner
    assert stack.decision("process-compose")["source"] == "seed"
    kill_and_finish(stack, "process-compose", proc)


def test_missing_binary_exits_111_without_starting_anything(stack: Stack) -> None:
    stack.install("process-compose", project=None, seed="seed.yaml")
    env = {
        **stack.env,
        S.ENV_PROCESS_COMPOSE_BIN: "/nonexistent/process-compose",
        "PATH": str(stack.tmp),
    }
    done = subprocess.run(
        workloadctl("launch", "process-compose"),
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 111
    assert "the process-compose binary was not found" in done.stderr
    assert "Traceback" not in done.stderr
