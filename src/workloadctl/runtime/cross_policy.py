"""One cross-manager policy for `launch` and `reload`: a program never runs in both managers.

`validate` compares the two project files (checks/cross_manager.py). A manager about to
run its project config (at a start, or a reload) must also not start a program the OTHER
manager runs now, whichever of the two files changed: so its candidate config is
compared with the config the other manager runs (its decision record: `started` and
`config`, read now from disk). An error-level finding (XM001-XM003) refuses the
candidate; the launcher then runs the seed, reload changes nothing. The other manager's
programs are listed first, so each finding is attached to the refused config.

The launchers of both managers start together at boot: `decision_lock` serialises
their decisions, so the second one to decide sees the first one's record.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from workloadctl.checks.cross_manager import check_cross_manager
from workloadctl.checks.programs import Manager
from workloadctl.findings import Finding, Severity
from workloadctl.runtime.decision import Decision, Loader, read_decision, seed_config_path
from workloadctl.runtime.manager_env import MANAGERS
from workloadctl.settings import Settings

# A loader for each manager, bound to that manager's environment.
LoaderFor = Callable[[Manager], Loader]
# Long enough for the other launcher's decision (validating a large config), short
# enough that a stuck launcher never keeps this one from starting at all.
LOCK_WAIT_SECONDS = 30.0
LOCK_POLL_SECONDS = 0.05


def other_manager(manager: Manager) -> Manager:
    return next(name for name in MANAGERS if name != manager)


def running_config(settings: Settings, manager: Manager) -> Path | None:
    """The config `manager` was last started with, per its decision record (None when its
    launcher did not start it: missing binary, switched off, no record)."""
    record = read_decision(settings, manager) or {}
    config = record.get("config") if record.get("started") is True else None
    return Path(str(config)) if config else None


def cross_manager_conflicts(
    manager: Manager, candidate: Path, settings: Settings, loader_for: LoaderFor
) -> list[Finding]:
    """The errors `validate` would report across managers if `manager` ran `candidate`
    beside the config the other manager runs now: each would start a second copy."""
    other = other_manager(manager)
    running = running_config(settings, other)
    if running is None or not running.is_file():
        return []
    programs = [*loader_for(other)(running).programs, *loader_for(manager)(candidate).programs]
    return [f for f in check_cross_manager(programs) if f.severity is Severity.ERROR]


def refuse_duplicates(decision: Decision, settings: Settings, loader_for: LoaderFor) -> Decision:
    """`decision` when it is not the project config or conflicts with nothing; else the
    seed, with the conflicts as its findings (the banner shows them and the fix)."""
    if decision.source != "project":
        return decision
    conflicts = cross_manager_conflicts(decision.manager, decision.config, settings, loader_for)
    if not conflicts:
        return decision
    other = other_manager(decision.manager)
    codes = ", ".join(sorted({finding.code for finding in conflicts}))
    return replace(
        decision,
        source="seed",
        config=seed_config_path(settings, decision.manager),
        reason=f"the project config defines a program {other} already runs ({codes})",
        findings=(*conflicts, *decision.findings),
    )


def lock_path(settings: Settings) -> Path:
    return settings.decisions_dir / ".lock"


@contextlib.contextmanager
def decision_lock(
    settings: Settings,
    *,
    wait: float = LOCK_WAIT_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[bool]:
    """Hold the launchers' decision lock; yields whether it was taken. Without it (an
    unwritable state dir, or another launcher holding it past `wait`) the decision goes
    ahead unserialised: starting a manager matters more than the boot-time race."""
    path = lock_path(settings)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError:
        yield False
        return
    try:
        deadline = clock() + wait
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if clock() >= deadline:
                    yield False
                    return
                time.sleep(LOCK_POLL_SECONDS)
        yield True
    finally:
        os.close(descriptor)  # releases the lock


__all__ = [
    "LoaderFor",
    "cross_manager_conflicts",
    "decision_lock",
    "other_manager",
    "refuse_duplicates",
    "running_config",
]
