"""`finish`'s note that it reaped a dead manager's leftovers to the last one, so the next
`launch` may skip its own sweep of every process (its "belt and braces").

The note names the manager incarnation that died (the PID and decision time of its
launcher's record: the launcher exec'd the manager in its own place), this instance and
PID 1's start time. `launch` consumes it (reads and removes it) before it decides, and
skips the sweep only when the note names exactly the incarnation its predecessor's
record names, on this PID 1: any other case (first start, a finish that was killed or
gave up before its last scan found nothing, a note from an older death, one that cannot
be read or removed) keeps the sweep. `finish` removes an older note before it reaps, so
a finish killed midway leaves none behind.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from workloadctl.manager_names import Manager
from workloadctl.runtime.decision_record import DecisionRecord
from workloadctl.runtime.manager_session import proc_stat
from workloadctl.runtime.statefile import read_json_object, write_json_atomic


def reap_record_path(run_dir: Path, manager: Manager) -> Path:
    return run_dir / f"{manager}.reaped"


def _init_started() -> int | None:
    init = proc_stat(1)
    return None if init is None else init[1]


def forget_reaped(run_dir: Path, manager: Manager) -> None:
    with contextlib.suppress(OSError):
        reap_record_path(run_dir, manager).unlink()


def record_reaped(run_dir: Path, manager: Manager, dead: DecisionRecord, instance: str) -> None:
    """Note that nothing `dead`'s manager left behind is alive any more. Raises OSError."""
    write_json_atomic(
        reap_record_path(run_dir, manager),
        {
            "pid": dead.pid,
            "epoch": dead.epoch,
            "instance": instance,
            "init_started": _init_started(),
        },
    )


def reaped_by_finish(
    run_dir: Path, manager: Manager, previous: DecisionRecord | None, instance: str
) -> bool:
    """Consume the note; True only when it says the manager `previous` records (the one
    whose death this launch follows) was reaped to the last leftover."""
    path = reap_record_path(run_dir, manager)
    note = read_json_object(path)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError:  # a note we cannot remove could outlive the next death: not trusted
        return False
    if note is None or previous is None or previous.pid is None or previous.epoch is None:
        return False
    started = _init_started()
    return (
        note.get("pid") == previous.pid
        and note.get("epoch") == previous.epoch
        and note.get("instance") == instance
        and started is not None
        and note.get("init_started") == started
    )
