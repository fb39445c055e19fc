"""The fault kinds of the campaign. Each one does its harm and returns when the obstacle it
set up is gone: the time recovery is measured from, and the PIDs that must die first."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from probes import MANAGERS, StackProbe, until

from workloadctl import settings as S
from workloadctl.clients import s6
from workloadctl.errors import WorkloadctlError
from workloadctl.managers.connect import supervisord_client

REPO = Path(__file__).resolve().parents[2]
WORKLOADCTL = str(REPO / ".venv/bin/workloadctl")
PORT_HELD_SECONDS = 4.0
SEED_TIMEOUT = 30.0


@dataclass
class Applied:
    """When the obstacle ended (time.monotonic()) and which processes the fault killed."""

    since: float
    victims: list[int] = field(default_factory=list)
    note: str = ""


@dataclass
class Context:
    probe: StackProbe
    top: Path
    root: Path
    web_ports: dict[str, int]
    round: int

    def manager_for_program(self) -> str:
        return MANAGERS[self.round % 2]


Act = Callable[[Context], Applied]


def _signal_manager(manager: str, signum: int, expect_death: bool = True) -> Act:
    def act(ctx: Context) -> Applied:
        pid = ctx.probe.manager_pid(manager)
        if pid is None:
            raise RuntimeError(f"{manager} has no PID before the fault")
        os.kill(pid, signum)
        return Applied(time.monotonic(), [pid] if expect_death else [])

    return act


def _signal_program(signum: int) -> Act:
    def act(ctx: Context) -> Applied:
        manager = ctx.manager_for_program()
        programs = ctx.probe.programs.of(manager)
        name = sorted(programs)[ctx.round % len(programs)]
        pid = ctx.probe.pid_of_program(programs[name])
        if pid is None:
            raise RuntimeError(f"{manager} program {name} has no process before the fault")
        os.kill(pid, signum)
        return Applied(time.monotonic(), [pid], f"{manager}:{name}")

    return act


def _xmlrpc_shutdown(ctx: Context) -> Applied:
    pid = ctx.probe.manager_pid("supervisord")
    client = supervisord_client(ctx.probe.settings, 5)
    with contextlib.suppress(WorkloadctlError):  # the connection may close before the answer
        client._call("supervisor.shutdown")
    return Applied(time.monotonic(), [pid] if pid else [])


def _workloadctl(ctx: Context, *args: str) -> int:
    argv = [WORKLOADCTL, *args, "--state-dir", str(ctx.top)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=90, check=False)
    return done.returncode


def _project_file(ctx: Context, manager: str) -> Path:
    if manager == "supervisord":
        return ctx.root / S.PROJECT_SUPERVISORD_CONF
    return ctx.root / S.PROJECT_PROCESS_COMPOSE_YAML


BROKEN = {
    "supervisord": "[supervisord]\n[program:broken\ncommand=\n",
    "process-compose": "processes:\n  broken: [unclosed\n",
}


def _bad_config(manager: str, *, delete: bool) -> Act:
    """Break (or delete) the project config, restart the manager (it must come up on its
    seed), put the config back and restart it again: recovery counts from the fix."""

    def act(ctx: Context) -> Applied:
        path = _project_file(ctx, manager)
        good = path.read_text()
        try:
            if delete:
                path.unlink()
            else:
                path.write_text(BROKEN[manager])
            _workloadctl(ctx, "restart", manager)
            seed = until(lambda: ctx.probe.answering(manager), SEED_TIMEOUT)
            note = "seed up" if seed is not None else "no manager on the seed"
        finally:
            path.write_text(good)
        old = ctx.probe.manager_pid(manager)
        since = time.monotonic()
        _workloadctl(ctx, "restart", manager)
        return Applied(since, [old] if old else [], note)

    return act


def _port_held(manager: str) -> Act:
    """Hold the web program's port, kill the program, release the port a while later."""

    def act(ctx: Context) -> Applied:
        programs = ctx.probe.programs.of(manager)
        name = next(n for n in programs if n.endswith("web"))
        pid = ctx.probe.pid_of_program(programs[name])
        if pid is None:
            raise RuntimeError(f"{manager} program {name} has no process before the fault")
        holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            os.kill(pid, signal.SIGKILL)
            # The port is free once the killed listener is gone; grab it before the restart.
            deadline = time.monotonic() + 5
            while True:
                try:
                    holder.bind(("127.0.0.1", ctx.web_ports[manager]))
                    holder.listen(1)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        return Applied(time.monotonic(), [pid], "port not grabbed")
                    time.sleep(0.005)
            time.sleep(PORT_HELD_SECONDS)
        finally:
            holder.close()
        return Applied(time.monotonic(), [pid], f"{manager}:{name}")

    return act


def _restart_storm(manager: str) -> Act:
    def act(ctx: Context) -> Applied:
        pid = ctx.probe.manager_pid(manager)
        for _ in range(5):
            s6.control(ctx.probe.service(manager), "-r")
            time.sleep(0.3)
        return Applied(time.monotonic(), [pid] if pid else [])

    return act


def _matching(ctx: Context, word: str) -> list[int]:
    found = []
    for proc in ctx.probe.members():
        try:
            if proc.pid != ctx.probe.svscan_pid and word in " ".join(proc.cmdline()):
                found.append(proc.pid)
        except psutil.Error:
            continue
    return found


def _agent(argv: list[str], *, word: str | None = None, user: str | None = None) -> Act:
    """What a coding agent types, run inside the stack's PID namespace only."""

    def act(ctx: Context) -> Applied:
        if word is None:
            victims = [p.pid for p in ctx.probe.members() if p.pid != ctx.probe.svscan_pid]
        else:
            victims = _matching(ctx, word)
        if user is not None:
            victims = []  # nobody may signal none of the stack's (root's) processes
        code = ctx.probe.in_namespace(argv, user=user)
        return Applied(time.monotonic(), victims, f"exit {code}")

    return act


KINDS: dict[str, Act] = {
    "kill -9 supervisord": _signal_manager("supervisord", signal.SIGKILL),
    "kill -9 process-compose": _signal_manager("process-compose", signal.SIGKILL),
    "SIGTERM supervisord": _signal_manager("supervisord", signal.SIGTERM),
    "SIGTERM process-compose": _signal_manager("process-compose", signal.SIGTERM),
    "SIGHUP supervisord": _signal_manager("supervisord", signal.SIGHUP, expect_death=False),
    "SIGHUP process-compose": _signal_manager("process-compose", signal.SIGHUP, expect_death=False),
    "kill -9 program": _signal_program(signal.SIGKILL),
    "SIGTERM program": _signal_program(signal.SIGTERM),
    "XML-RPC supervisor.shutdown": _xmlrpc_shutdown,
    "broken config supervisord": _bad_config("supervisord", delete=False),
    "broken config process-compose": _bad_config("process-compose", delete=False),
    "deleted config supervisord": _bad_config("supervisord", delete=True),
    "deleted config process-compose": _bad_config("process-compose", delete=True),
    "port held supervisord": _port_held("supervisord"),
    "port held process-compose": _port_held("process-compose"),
    "restart storm supervisord": _restart_storm("supervisord"),
    "restart storm process-compose": _restart_storm("process-compose"),
    "pkill -f supervisord": _agent(["pkill", "-f", "supervisord"], word="supervisord"),
    "pkill -f process-compose": _agent(["pkill", "-f", "process-compose"], word="process-compose"),
    "pkill -f python": _agent(["pkill", "-f", "python"], word="python"),
    "kill -9 -1 (root)": _agent(["kill", "-9", "-1"]),
    "kill -9 -1 (nobody)": _agent(["kill", "-9", "-1"], user="nobody"),
}
