"""Moving a manager from its seed to the now-valid project config.

A running manager cannot re-read a different file (supervisord re-reads its `-c` file,
process-compose its `-f` files), so the switch is a restart through s6: the launcher
decides again at start and records that decision, which is how we know it took.
"""

from __future__ import annotations

from typing import Any

from workloadctl.control.config_drift import shown_path
from workloadctl.control.reload_model import ManagerReload, ReloadWorld
from workloadctl.errors import WorkloadctlError
from workloadctl.manager_names import Manager
from workloadctl.runtime.decision import read_decision
from workloadctl.runtime.decision_record import DecisionRecord

POLL_SECONDS = 0.1


def program_names(manager: Manager, world: ReloadWorld) -> set[str]:
    """The programs the live manager knows: supervisord groups, process-compose processes."""
    return world.live(manager, world.settings).program_groups()


def _new_start(manager: Manager, world: ReloadWorld, old_pid: int | None) -> DecisionRecord | None:
    """The decision record of the manager's next start, once s6 runs it under a new PID.

    The launcher execs into the manager, so the record's `pid` is the one s6 reports
    (both as seen inside the stack's PID namespace)."""
    try:
        state = world.service_state(world.service(manager))
    except WorkloadctlError:
        return None
    if not state.up or state.pid is None or state.pid == old_pid:
        return None
    record = read_decision(world.settings, manager)
    if record is not None and record.pid == state.pid and record.started:
        return record
    return None


def _wait(world: ReloadWorld, deadline: float, probe: Any) -> Any:
    """Poll `probe` until it returns something other than None or the deadline passes."""
    while True:
        try:
            value = probe()
        except WorkloadctlError:
            value = None
        if value is not None or world.clock() >= deadline:
            return value
        world.sleep(POLL_SECONDS)


def switch_to_project(manager: Manager, world: ReloadWorld, old_pid: int | None) -> ManagerReload:
    """Restart `manager` through s6 so its launcher picks the project config."""
    try:
        live = world.live(manager, world.settings)
        before = live.program_groups()
        # Only these are restarted; the rest (a seed program in BACKOFF) never ran.
        running_before = live.running_groups()
    except WorkloadctlError:
        # Only used to say what changed; the switch itself does not need it.
        before, running_before = set(), set()
    try:
        world.s6_control(world.service(manager), "-r")
    except WorkloadctlError as exc:
        return ManagerReload(manager, "error", f"cannot restart {manager} through s6: {exc}")
    deadline = world.clock() + world.switch_timeout
    record = _wait(world, deadline, lambda: _new_start(manager, world, old_pid))
    if record is None:
        return ManagerReload(
            manager,
            "error",
            f"{manager} did not come back within {world.switch_timeout:g} s after "
            f"`s6-svc -r {world.service(manager)}`",
        )
    if record.source != "project":
        return ManagerReload(
            manager,
            "error",
            f"{manager} was restarted but its launcher chose the seed again: "
            f"{record.reason or 'no reason recorded'}",
            config="seed",
            findings=list(record.findings),
        )
    after = _wait(world, deadline, lambda: program_names(manager, world))
    if after is None:
        return ManagerReload(
            manager,
            "error",
            f"{manager} restarted on the project config, but its API did not answer "
            f"within {world.switch_timeout:g} s",
            config="project",
            findings=list(record.findings),
        )
    # Of those that did not run before, only what the project config starts was started
    # (not an `autostart=false` one, left stopped); unknown: all of them, as before.
    try:
        started_now = world.live(manager, world.settings).started_groups()
    except WorkloadctlError:
        started_now = after
    return ManagerReload(
        manager,
        "switched",
        f"switched from seed to project: restarted {manager} through s6 on "
        f"{shown_path(str(record.config), world.settings.project_root)}",
        config="project",
        added=sorted(after - before),
        changed=sorted(after & before & running_before),
        removed=sorted(before - after),
        started=sorted(((after & before) - running_before) & started_now),
        findings=list(record.findings),
    )
