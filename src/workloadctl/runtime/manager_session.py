"""The session a manager's programs share, recorded by the launcher just before its exec
(see reaper.py for how the reaper uses it). Apart from the reaper, so that `launch`
records it without importing psutil."""

from __future__ import annotations

import contextlib
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from workloadctl.manager_names import Manager
from workloadctl.runtime.statefile import read_json_object, write_json_atomic


@dataclass(frozen=True)
class ManagerSession:
    """The session a manager's programs share: its leader's PID (= the session id), and
    the start times (clock ticks since boot, /proc/PID/stat field 22) of the leader and
    of PID 1. Ticks, not wall-clock seconds: they are the kernel's own record, and
    comparable across processes whatever the wall clock did meanwhile."""

    pid: int
    started: int
    init_started: int


def proc_stat(pid: int) -> tuple[int, int] | None:
    """(session id, start time in ticks) of `pid` from /proc/PID/stat, readable for any
    process; None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            raw = handle.read()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: fields follow the last ")".
    fields = raw[raw.rfind(b")") + 2 :].split()
    try:
        return int(fields[3]), int(fields[19])  # field 6 (session), field 22 (starttime)
    except (IndexError, ValueError):
        return None


def current_session() -> ManagerSession | None:
    """This process as a manager's session leader (the launcher, just before its exec).
    None when it does not lead its session (not started by s6-supervise)."""
    pid = os.getpid()
    ours, init = proc_stat(pid), proc_stat(1)
    if ours is None or init is None or ours[0] != pid:
        return None
    return ManagerSession(pid, ours[1], init[1])


def session_record_path(run_dir: Path, manager: Manager) -> Path:
    return run_dir / f"{manager}.session"


def record_session(run_dir: Path, manager: Manager, session: ManagerSession) -> None:
    write_json_atomic(session_record_path(run_dir, manager), asdict(session))


def read_session(run_dir: Path, manager: Manager) -> ManagerSession | None:
    """The recorded session, or None when there is none, it is damaged, or PID 1 is not
    the one it was recorded under (a new container boot or a new local stack)."""
    data = read_json_object(session_record_path(run_dir, manager)) or {}
    pid, started, init_started = data.get("pid"), data.get("started"), data.get("init_started")
    if not (isinstance(pid, int) and isinstance(started, int) and isinstance(init_started, int)):
        return None
    init = proc_stat(1)
    if pid <= 1 or init is None or init[1] != init_started:
        return None
    return ManagerSession(pid, started, init_started)


def forget_session(run_dir: Path, manager: Manager) -> None:
    with contextlib.suppress(OSError):
        session_record_path(run_dir, manager).unlink()
