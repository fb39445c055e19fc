"""What s6's `finish` script does after a manager died: record the death for the
crash-loop quarantine, then kill every program the dead manager left behind.

`workloadctl finish MANAGER EXIT SIGNAL` (commands/finish.py) parses s6's arguments and
calls `finish`; it always exits 0 (s6 reads 125 as "keep the service down for good"). The
s6 `finish` script runs it in the background, where s6 no longer bounds it: it gives up
itself after `finish_bound_seconds`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from typing import TextIO

from workloadctl.manager_names import Manager
from workloadctl.managers.environment import instance_id
from workloadctl.runtime.decision_record import EMPTY_RECORD, DecisionRecord, read_decision
from workloadctl.runtime.quarantine import (
    S6_KILLED_BY_SIGNAL,
    Death,
    QuarantinePolicy,
    counting_deaths,
    is_intentional,
    is_outside_signal,
    load_deaths,
    policy_from_env,
    record_death,
)
from workloadctl.runtime.reap_record import forget_reaped, record_reaped
from workloadctl.runtime.reaper import (
    KILL_ROUNDS,
    KILL_WAIT_SECONDS,
    grace_from_env,
    reap_and_confirm,
)
from workloadctl.settings import Settings

# Reading the records, scanning /proc twice and writing the death: well under a second
# even on a loaded machine; the rest of the bound is the reap's own worst case.
BOOKKEEPING_SECONDS = 3.0


def finish_bound_seconds(environ: Mapping[str, str]) -> float:
    """How long `finish` may run: the reap's worst case (the grace, then each SIGKILL
    round's wait) plus the bookkeeping; 9 s with the default grace, within the 10 s the
    next `launch` waits for the finish lock (finish_lock.FINISH_LOCK_WAIT_SECONDS)."""
    return grace_from_env(environ) + KILL_ROUNDS * KILL_WAIT_SECONDS + BOOKKEEPING_SECONDS


def _uptime(decision: DecisionRecord, now: float) -> float | None:
    """Seconds the manager ran on its config: since the launcher's decision (just before
    the exec), or since the last reload applied a config in place. None when unknown."""
    starts = [value for value in (decision.epoch, decision.reloaded_epoch) if value is not None]
    return now - max(starts) if starts else None


def _death(
    decision: DecisionRecord,
    exit_code: int | None,
    signal: int | None,
    now: float,
    policy: QuarantinePolicy,
) -> Death:
    # A launcher that never exec'd (missing binary or seed) is no manager death.
    started = decision.started
    uptime = _uptime(decision, now) if started else None
    return Death(
        time=now,
        exit_code=exit_code,
        signal=signal if exit_code == S6_KILLED_BY_SIGNAL else None,
        intentional=is_intentional(exit_code, signal),
        source=decision.source if started else None,
        config=decision.config if started else None,
        project_sha256=decision.project_sha256 if started else None,
        uptime=uptime,
        outside_signal=is_outside_signal(exit_code, signal, uptime, policy=policy),
    )


def _how(death: Death) -> str:
    if death.exit_code == S6_KILLED_BY_SIGNAL:
        return f"was killed by signal {death.signal}"
    return f"exited with code {death.exit_code}"


def _verdict(
    settings: Settings, manager: Manager, death: Death, policy: QuarantinePolicy, now: float
) -> str:
    if death.intentional:
        return "an intentional stop; not counted"
    if death.source != "project" or death.project_sha256 is None:
        return "not on the project config; not counted"
    if death.outside_signal:
        return (
            f"a signal from outside after {death.uptime:.0f} s of running (start period "
            f"{policy.start_period_seconds:g} s) says nothing about the config; not counted"
        )
    counted = counting_deaths(
        load_deaths(settings, manager), death.project_sha256, now=now, policy=policy
    )
    return f"crash {len(counted)} of {policy.deaths} within {policy.window_seconds:g} s before quarantine"


def finish(
    manager: Manager,
    exit_code: int | None,
    signal: int | None,
    *,
    settings: Settings,
    environ: Mapping[str, str],
    stderr: TextIO,
    now: float | None = None,
) -> int:
    """Record the death, then reap. Reports on `stderr`; returns 0 whatever happens."""
    now = time.time() if now is None else now
    policy, _ = policy_from_env(environ)
    decision = read_decision(settings, manager) or EMPTY_RECORD
    death = _death(decision, exit_code, signal, now, policy)
    try:
        record_death(settings, manager, death)
        verdict = _verdict(settings, manager, death, policy, now)
    except OSError as exc:
        verdict = f"WARNING: cannot record it: {exc}"
    print(f"workloadctl: {manager} {_how(death)}: {verdict}", file=stderr, flush=True)
    # An older note must not outlive this reap should it be killed midway.
    forget_reaped(settings.run_dir, manager)
    killed, clean = reap_and_confirm(manager, settings, environ)
    for entry in killed:
        print(f"workloadctl: {manager}: killed a leftover program: {entry.describe()}", file=stderr)
    if clean:
        with contextlib.suppress(OSError):  # without the note the next launch sweeps itself
            record_reaped(settings.run_dir, manager, decision, instance_id(settings))
    stderr.flush()
    return 0
