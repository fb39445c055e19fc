"""While `start`/`restart` wait for a manager: does it keep dying?

A manager whose config kills it as it starts (its web UI's port held, say) never answers:
s6 restarts it, the launcher quarantines the project config after a few deaths and falls
back to the seed, which may die the same way (the seed wants the same port). Waiting the
full timeout for an API that cannot answer tells the user nothing; the records say it
sooner. `finish` writes every death, the launcher its quarantine: this watches both,
from the moment the wait began, and says what happened, why (a held port as the doctor
names its holder, else the launcher's first finding), what to run after the fix, and
where the manager's log is.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from workloadctl.control.context import ControlContext
from workloadctl.manager_names import Manager
from workloadctl.runtime import quarantine
from workloadctl.runtime.decision_record import EMPTY_RECORD, read_decision
from workloadctl.runtime.own_command import stack_command

# Deaths on the seed since the wait began that make it "keeps dying" (without a new
# quarantine to say so sooner): one could be a port held a moment; three are a loop.
SEED_DEATHS_TO_GIVE_UP = 3
KEEPS_DYING = "started, but keeps dying"


@dataclass
class CrashWatch:
    """The deaths and quarantine recorded since `since` (wall clock, as `finish` and the
    launcher record them)."""

    ctx: ControlContext
    manager: Manager
    since: float = field(default_factory=time.time)

    def verdict(self) -> str | None:
        """None while the manager may still come up; else what happened, in a clause."""
        deaths = [
            death
            for death in quarantine.load_deaths(self.ctx.settings, self.manager)
            if death.time >= self.since and not death.intentional
        ]
        record = quarantine.load_quarantine(self.ctx.settings, self.manager)
        if record is not None and record.since >= self.since:
            on_seed = [death for death in deaths if death.time >= record.since]
            if on_seed:
                return (
                    f"it was quarantined ({record.describe().removeprefix('quarantined: ')}) "
                    f"and its SEED config dies too ({len(on_seed)} times so far)"
                )
            return None
        on_seed = [death for death in deaths if death.source == "seed"]
        if len(on_seed) >= SEED_DEATHS_TO_GIVE_UP:
            held = " (the project config is quarantined)" if record is not None else ""
            return f"its SEED config{held} died {len(on_seed)} times since the start"
        return None


def log_place(ctx: ControlContext) -> str:
    if ctx.record is not None:
        return f"{ctx.record.top}/log/stack.log"
    return "the container's log (`docker logs`, or the dev container's log view)"


def _held_port(ctx: ControlContext, manager: Manager) -> str | None:
    """The doctor's word on a port this manager itself wants that something else holds
    (ControlContext.port_cause, doctor.run.held_port_cause); None when none is or when
    nobody asked the doctor."""
    return ctx.port_cause(manager) if ctx.port_cause is not None else None


def explain(ctx: ControlContext, manager: Manager, what: str) -> str:
    """The line for a manager that keeps dying: `what` (CrashWatch.verdict), the cause,
    the command that retries after the fix, and where its log is."""
    cause = _held_port(ctx, manager)
    if cause is None:
        from workloadctl.control.status import first_finding  # its findings, when any

        found = first_finding(read_decision(ctx.settings, manager) or EMPTY_RECORD)
        cause = found or "not known here; its log says"
    retry = stack_command(ctx.settings, "restart", manager, "--clear-quarantine")
    return (
        f"{KEEPS_DYING}: {what}; cause: {cause}; after the fix: `{retry}`; "
        f"its log: {log_place(ctx)}"
    )
