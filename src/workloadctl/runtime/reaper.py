"""Find and kill every program a dead manager left behind: no orphans, and no twins.

When supervisord or process-compose dies hard (SIGKILL, OOM), its programs keep running,
re-parented to PID 1, and the next manager would start a second copy of each. Two marks
identify them, whoever their parent is now:

- the session: s6-supervise starts each `run` in a new session, and the launcher execs
  the manager in place, so every program the manager starts (unless it calls setsid
  itself) has the manager's PID as its session id. `/proc/PID/stat` shows it to anyone,
  also under Docker's default capabilities (no CAP_SYS_PTRACE), where root cannot read
  the environment of the developer's programs. The launcher writes the manager's PID,
  its start time and PID 1's start time to `RUN_DIR/MANAGER.session` just before the
  exec; a session id is only trusted while its leader is dead and that PID 1 still runs
  (a PID is never reused while a session of that number has members);
- the environment markers the launcher put into the manager's environment
  (`WORKLOADCTL_MANAGER`, `WORKLOADCTL_INSTANCE`), inherited by every program: they also
  catch a program that started its own session, where the environment is readable.

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

from workloadctl.manager_names import Manager
from workloadctl.managers.environment import ENV_INSTANCE, ENV_MANAGER, instance_id
from workloadctl.runtime.manager_session import ManagerSession as ManagerSession
from workloadctl.runtime.manager_session import current_session as current_session
from workloadctl.runtime.manager_session import forget_session as forget_session
from workloadctl.runtime.manager_session import proc_stat as proc_stat
from workloadctl.runtime.manager_session import read_session as read_session
from workloadctl.runtime.manager_session import record_session as record_session
from workloadctl.runtime.manager_session import (
    session_record_path as session_record_path,
)
from workloadctl.settings import Settings

ENV_REAP_GRACE = "WORKLOADCTL_REAP_GRACE"
# `finish` gives up after grace + KILL_ROUNDS * KILL_WAIT_SECONDS + 3 s (finish_bound_seconds),
# within the 10 s the next launch waits for it.
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


def _leader_is_alive(session: ManagerSession) -> bool:
    """A live process with the leader's PID: the manager itself still runs (or, if it
    started after it, the number was reused, which means no member was left)."""
    try:
        proc = psutil.Process(session.pid)
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _in_session(proc: psutil.Process, session: ManagerSession) -> bool:
    found = proc_stat(proc.pid)
    return found is not None and found[0] == session.pid and found[1] >= session.started


def find_marked(
    manager: Manager, instance: str, session: ManagerSession | None = None
) -> list[psutil.Process]:
    """Every live process the dead manager left: in its session (while its leader is
    dead), or carrying both environment markers. Never ourselves or our ancestors."""
    protected = _protected_pids()
    by_session = session is not None and not _leader_is_alive(session)
    return [
        proc
        for proc in psutil.process_iter()
        if proc.pid not in protected
        and (
            (by_session and session is not None and _in_session(proc, session))
            or _is_marked(proc, manager, instance)
        )
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
    manager: Manager,
    instance: str,
    *,
    session: ManagerSession | None = None,
    grace: float = DEFAULT_GRACE_SECONDS,
) -> list[ReapedProcess]:
    """SIGTERM every process the dead manager left (and its group), SIGKILL what survives
    `grace` seconds.

    Returns what was signalled, each with the strongest signal it got. Never raises for
    a process that vanishes or cannot be read meanwhile.
    """
    protected_groups = _protected_groups(_protected_pids())
    reaped: dict[int, ReapedProcess] = {}
    targets = find_marked(manager, instance, session)
    if not targets:
        return []
    # Describe before signalling: a dead process has no name left to report.
    reaped.update((proc.pid, _describe(proc, signal.SIGTERM)) for proc in targets)
    _send(targets, signal.SIGTERM, protected_groups)
    _wait_gone(targets, grace)
    for _ in range(KILL_ROUNDS):
        # A rescan, not just the survivors: programs may have forked while stopping.
        survivors = [proc for proc in find_marked(manager, instance, session) if _is_alive(proc)]
        if not survivors:
            break
        reaped.update((proc.pid, _describe(proc, signal.SIGKILL)) for proc in survivors)
        _send(survivors, signal.SIGKILL, protected_groups)
        _wait_gone(survivors, KILL_WAIT_SECONDS)
    return sorted(reaped.values(), key=lambda entry: entry.pid)


def reap_dead_manager(
    manager: Manager, settings: Settings, environ: Mapping[str, str]
) -> list[ReapedProcess]:
    """What `finish` (and, should s6 have killed it first, the next launch) runs: reap by
    the recorded session and by the markers, then forget the session."""
    killed = reap(
        manager,
        instance_id(settings),
        session=read_session(settings.run_dir, manager),
        grace=grace_from_env(environ),
    )
    forget_session(settings.run_dir, manager)
    return killed


def reap_and_confirm(
    manager: Manager, settings: Settings, environ: Mapping[str, str]
) -> tuple[list[ReapedProcess], bool]:
    """`reap_dead_manager`, and whether a last scan (by the same session and markers)
    found none of its leftovers alive: `finish` records that for the next launch."""
    session = read_session(settings.run_dir, manager)
    instance = instance_id(settings)
    killed = reap(manager, instance, session=session, grace=grace_from_env(environ))
    # Nothing found at all: the scan that found nothing is the last one.
    clean = not killed or not any(
        _is_alive(proc) for proc in find_marked(manager, instance, session)
    )
    forget_session(settings.run_dir, manager)
    return killed, clean
