"""Find and kill every program a dead manager left behind: no orphans, and no twins.

When supervisord or process-compose dies hard (SIGKILL, OOM), its programs keep running,
re-parented to PID 1, and the next manager would start a second copy of each. Every
program carries the two markers the launcher put into the manager's environment
(`WORKLOADCTL_MANAGER`, `WORKLOADCTL_INSTANCE`), and environments are inherited, so
they identify the orphans whoever their parent is now.

Both managers start each program as a process-group leader (process-compose runs it
through `bash -c`), so the reaper signals whole groups: that also catches a grandchild
that dropped its environment but stayed in the group.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import psutil

from workloadctl.checks.programs import Manager
from workloadctl.runtime.manager_env import ENV_INSTANCE, ENV_MANAGER

ENV_REAP_GRACE = "WORKLOADCTL_REAP_GRACE"
# s6 kills `finish` after 5 s; 3 s of grace leaves time to SIGKILL and record.
DEFAULT_GRACE_SECONDS = 3.0
# After SIGKILL the kernel needs only a moment; then whatever is left is reported anyway.
KILL_WAIT_SECONDS = 1.0
POLL_SECONDS = 0.05
# Programs that fork while being stopped: rescan this many times before giving up.
KILL_ROUNDS = 3


@dataclass(frozen=True)
class ReapedProcess:
    pid: int
    name: str
    cmdline: tuple[str, ...]
    signal: int  # the strongest signal it was sent

    def describe(self) -> str:
        command = " ".join(self.cmdline) or self.name
        return f"pid {self.pid} ({command}) {signal.Signals(self.signal).name}"


def grace_from_env(env: Mapping[str, str]) -> float:
    """`WORKLOADCTL_REAP_GRACE` seconds, else the default (also for a bad value)."""
    raw = env.get(ENV_REAP_GRACE, "")
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_GRACE_SECONDS
    return value if math.isfinite(value) and value >= 0 else DEFAULT_GRACE_SECONDS


def _protected_pids() -> set[int]:
    """Ourselves and our ancestors: `finish` may run from inside a managed program's shell."""
    protected = {0, 1, os.getpid()}
    with contextlib.suppress(psutil.Error):
        protected.update(parent.pid for parent in psutil.Process().parents())
    return protected


def _protected_groups(protected_pids: Iterable[int]) -> set[int]:
    groups = {0, 1}
    for pid in protected_pids:
        with contextlib.suppress(OSError):
            groups.add(os.getpgid(pid))
    return groups


def _is_marked(proc: psutil.Process, manager: Manager, instance: str) -> bool:
    try:
        env = proc.environ()
    except (psutil.Error, OSError):  # gone, a zombie, or not ours to read
        return False
    return env.get(ENV_MANAGER) == manager and env.get(ENV_INSTANCE) == instance


def find_marked(manager: Manager, instance: str) -> list[psutil.Process]:
    """Every live process carrying both markers, except ourselves and our ancestors."""
    protected = _protected_pids()
    return [
        proc
        for proc in psutil.process_iter()
        if proc.pid not in protected and _is_marked(proc, manager, instance)
    ]


def _is_alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _group_is_ours(pgid: int, marked_pids: set[int]) -> bool:
    """A group may be signalled whole when its leader is marked or already gone.

    A live unmarked leader means the group belongs to someone else (a marked process
    that joined a foreign group): then only the marked processes are signalled.
    """
    if pgid in marked_pids:
        return True
    try:
        return not _is_alive(psutil.Process(pgid))
    except psutil.Error:
        return True


def _send(procs: list[psutil.Process], sig: int, protected_groups: set[int]) -> None:
    marked_pids = {proc.pid for proc in procs}
    groups: set[int] = set()
    for proc in procs:
        with contextlib.suppress(OSError):
            pgid = os.getpgid(proc.pid)
            if pgid not in protected_groups and _group_is_ours(pgid, marked_pids):
                groups.add(pgid)
    for pgid in groups:
        with contextlib.suppress(OSError):
            os.killpg(pgid, sig)
    for proc in procs:  # also those outside a whole group, or that just left one
        with contextlib.suppress(psutil.Error, OSError):
            proc.send_signal(sig)


def _wait_gone(procs: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Wait until `procs` are gone (zombies count as gone: PID 1 reaps them). Returns survivors."""
    deadline = time.monotonic() + timeout
    alive = [proc for proc in procs if _is_alive(proc)]
    while alive and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        alive = [proc for proc in alive if _is_alive(proc)]
    return alive


def _describe(proc: psutil.Process, sig: int) -> ReapedProcess:
    try:
        name, cmdline = proc.name(), tuple(proc.cmdline())
    except psutil.Error:
        name, cmdline = "?", ()
    return ReapedProcess(pid=proc.pid, name=name, cmdline=cmdline, signal=sig)


def reap(
    manager: Manager, instance: str, *, grace: float = DEFAULT_GRACE_SECONDS
) -> list[ReapedProcess]:
    """SIGTERM every marked process (and its group), SIGKILL what survives `grace` seconds.

    Returns what was signalled, each with the strongest signal it got. Never raises for
    a process that vanishes or cannot be read meanwhile.
    """
    protected_groups = _protected_groups(_protected_pids())
    reaped: dict[int, ReapedProcess] = {}
    targets = find_marked(manager, instance)
    if not targets:
        return []
    # Describe before signalling: a dead process has no name left to report.
    reaped.update((proc.pid, _describe(proc, signal.SIGTERM)) for proc in targets)
    _send(targets, signal.SIGTERM, protected_groups)
    _wait_gone(targets, grace)
    for _ in range(KILL_ROUNDS):
        # A rescan, not just the survivors: programs may have forked while stopping.
        survivors = [proc for proc in find_marked(manager, instance) if _is_alive(proc)]
        if not survivors:
            break
        reaped.update((proc.pid, _describe(proc, signal.SIGKILL)) for proc in survivors)
        _send(survivors, signal.SIGKILL, protected_groups)
        _wait_gone(survivors, KILL_WAIT_SECONDS)
    return sorted(reaped.values(), key=lambda entry: entry.pid)
