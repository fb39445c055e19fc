"""Helpers for integration tests that run a real stack: s6-svscan as PID 1 of a fresh PID
namespace, the real supervisord and process-compose, all under a temp dir."""

from __future__ import annotations

import grp
import json
import os
import shutil
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import psutil
import pytest

from workloadctl import settings as S
from workloadctl.clients import s6
from workloadctl.errors import WorkloadctlError
from workloadctl.managers.connect import process_compose_client, supervisord_client
from workloadctl.runtime import pidns
from workloadctl.runtime.local_runner import start_stack, stop_stack
from workloadctl.runtime.local_stack import StackRecord

REPO = Path(__file__).resolve().parents[2]
T = TypeVar("T")


# Set to 1 to run the suite as a machine without process-compose sees it (the binary may
# still be installed). `WORKLOADCTL_PROCESS_COMPOSE=/nonexistent` does the same, and also
# keeps the stack's own launcher from finding it.
ENV_TEST_WITHOUT_PROCESS_COMPOSE = "WORKLOADCTL_TEST_WITHOUT_PROCESS_COMPOSE"
PROCESS_COMPOSE_MISSING = (
    "process-compose is not installed (make setup installs it; "
    f"set {S.ENV_PROCESS_COMPOSE_BIN} to a {S.PROCESS_COMPOSE_VERSION} binary)"
)


# An existing group of this machine, not root's, that a stack is told to share with.
MEMBER_GROUP = "users"


def member_group() -> grp.struct_group | None:
    """MEMBER_GROUP, or None where this machine has no such group."""
    try:
        return grp.getgrnam(MEMBER_GROUP)
    except KeyError:
        return None


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def require_stack_tools() -> None:
    """What every stack needs: root, s6 and execline. process-compose is optional: without
    it, stacks run with it switched off (see `running_stack`)."""
    if os.geteuid() != 0:
        pytest.skip("the local runner needs root for PID namespaces")
    for tool in ("s6-svscan", "execlineb", "unshare"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (make setup installs it)")


def process_compose_available() -> bool:
    """Whether tests may run process-compose: an executable binary, not hidden by
    $WORKLOADCTL_TEST_WITHOUT_PROCESS_COMPOSE=1."""
    if os.environ.get(ENV_TEST_WITHOUT_PROCESS_COMPOSE, "").strip() == "1":
        return False
    binary = S.process_compose_binary()
    return binary is not None and os.path.isfile(binary) and os.access(binary, os.X_OK)


def require_process_compose() -> None:
    """For a test that starts process-compose, queries it or asserts about it."""
    if not process_compose_available():
        pytest.skip(PROCESS_COMPOSE_MISSING)


def switches() -> dict[str, str]:
    """The stack environment's manager switches: process-compose off when it is not available."""
    return {} if process_compose_available() else {S.ENV_ENABLE_PROCESS_COMPOSE: "0"}


def managers() -> tuple[str, ...]:
    """The managers a stack of this machine runs."""
    if process_compose_available():
        return ("supervisord", "process-compose")
    return ("supervisord",)


SUPERVISORD_HEADER = (REPO / "tests/fixtures/stack/supervisord-header.conf").read_text()

SV_PROGRAM = """\
[program:{name}]
command=/bin/sleep {seconds}
autostart=true
autorestart=true
startsecs=1
stopasgroup=true
killasgroup=true
stdout_logfile=/dev/null
stderr_logfile=/dev/null
"""

PC_PROCESS = """\
  {name}:
    command: sleep {seconds}
    availability:
      restart: always
"""


def supervisord_conf(programs: dict[str, int], inet_port: int | None = None) -> str:
    inet = ""
    if inet_port is not None:
        inet = (
            f"\n[inet_http_server]\nport=127.0.0.1:{inet_port}\n"
            "username=%(ENV_WORKLOADCTL_SUPERVISOR_USER)s\n"
            "password={SHA}%(ENV_WORKLOADCTL_SUPERVISOR_PASSWORD)s\n"
        )
    body = "\n".join(SV_PROGRAM.format(name=n, seconds=s) for n, s in programs.items())
    return SUPERVISORD_HEADER + inet + "\n" + body


def process_compose_yaml(processes: dict[str, int]) -> str:
    body = "".join(PC_PROCESS.format(name=n, seconds=s) for n, s in processes.items())
    return f"processes:\n{body}"


def make_repo(tmp_path: Path, sv_conf: str | None, pc_yaml: str | None) -> Path:
    """A repository with this repo's real .devcontainer (s6-rc tree, seeds) and the given workloads."""
    root = tmp_path / "repo"
    shutil.copytree(REPO / ".devcontainer", root / ".devcontainer")
    for relative, text in (
        (S.PROJECT_SUPERVISORD_CONF, sv_conf),
        (S.PROJECT_PROCESS_COMPOSE_YAML, pc_yaml),
    ):
        if text is not None:
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_text(text)
    return root


def wait_for(
    what: str, probe: Callable[[], T | None], timeout: float = 20.0, interval: float = 0.1
) -> T:
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = probe()
        except WorkloadctlError as exc:
            last_error, value = exc, None
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(
        f"timed out after {timeout} s waiting for {what} (last error: {last_error})"
    )


@dataclass
class Stack:
    root: Path
    top: Path
    record: StackRecord

    @property
    def settings(self) -> S.Settings:
        return S.Settings.from_env(self.record.env)

    def service(self, name: str) -> Path:
        return self.settings.service_dir / name

    def manager_pid(self, name: str) -> int | None:
        """The manager's PID as seen from the test (outside the namespace)."""
        state = s6.state(self.service(name))
        return pidns.to_caller(state.pid, self.record.svscan_pid) if state.up else None

    def supervisord(self) -> dict[str, dict[str, object]]:
        return {p["name"]: p for p in supervisord_client(self.settings, timeout=5).processes()}

    def process_compose(self) -> dict[str, dict[str, object]]:
        return {p["name"]: p for p in process_compose_client(self.settings, timeout=5).processes()}

    def decision(self, manager: str) -> dict[str, object]:
        """The launcher's last decision record ({} until the first one is written)."""
        path = self.settings.decisions_dir / f"{manager}.json"
        try:
            return dict(json.loads(path.read_text()))
        except (FileNotFoundError, ValueError):
            return {}

    def running_pids(self, manager: str) -> dict[str, int]:
        """Program name -> PID (as the manager reports it) of every RUNNING program."""
        if manager == "supervisord":
            return {
                n: int(p["pid"])
                for n, p in self.supervisord().items()
                if p["statename"] == "RUNNING"
            }
        return {
            n: int(p["pid"])
            for n, p in self.process_compose().items()
            if p.get("status") == "Running"
        }

    def wait_running(self, manager: str, names: set[str], timeout: float = 30.0) -> dict[str, int]:
        return wait_for(
            f"{manager} programs {sorted(names)} running",
            lambda: (pids := self.running_pids(manager)) and names <= set(pids) and pids,
            timeout,
        )

    def assert_switched_off(self, manager: str) -> None:
        """The manager stays down: its launcher saw the marker and told s6 so."""
        assert self.settings.disabled_marker(manager).exists(), manager
        wait_for(
            f"{manager} to stay down",
            lambda: not (state := s6.state(self.service(manager))).wanted_up and not state.up,
        )

    def namespace_commands(self) -> list[list[str]]:
        out = []
        for pid in pidns.members(self.record.svscan_pid):
            try:
                out.append(psutil.Process(pid).cmdline())
            except psutil.Error:
                continue
        return out

    def copies_of(self, argv: list[str]) -> int:
        return sum(1 for cmd in self.namespace_commands() if cmd == argv)


@contextmanager
def running_stack(root: Path, top: Path, env: dict[str, str] | None = None) -> Iterator[Stack]:
    """A stack of s6, supervisord and process-compose; without process-compose on this
    machine, with it switched off ($WORKLOADCTL_ENABLE_PROCESS_COMPOSE=0)."""
    base = dict(os.environ)
    base.update(switches())
    base.update(env or {})
    started = start_stack(root, top, lambda _line: None, base_env=base)
    try:
        stack = Stack(root, top, started.record)
        if not process_compose_available():
            # Its launcher has run, seen the marker and gone: nothing changes after this.
            stack.assert_switched_off("process-compose")
        yield stack
    finally:
        if (top / "stack.json").exists():
            stop_stack(top, lambda _line: None)
