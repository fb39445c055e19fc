"""`up --detach` returns once the managers answer, not once s6 has merely started them.

s6 calls a longrun up as soon as its run script runs; the launcher still has to check
the config, and the manager to open its socket (or to fail on its port and be
restarted). So after the stack is up, `up --detach` asks `status`'s questions until each
manager answers over its API or was switched off on purpose, within a bound. A manager
that answers on its seed counts as there, and is reported as DEGRADED, exactly as
`status` says it, with `status`'s exit code for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from workloadctl.control.render import degraded_line
from workloadctl.control.status import (
    EXIT_DEGRADED,
    EXIT_NOT_RUNNING,
    EXIT_OK,
    ManagerStatus,
    StackStatus,
)

Say = Callable[[str], None]
DEFAULT_TIMEOUT = 60.0
POLL_INTERVAL = 0.5
_THERE = ("running", "disabled")  # answers, or is down on purpose


@dataclass(frozen=True)
class WaitOutcome:
    exit_code: int  # EXIT_OK, EXIT_DEGRADED, or EXIT_NOT_RUNNING (not there in time)
    waiting_for: tuple[str, ...]  # managers that did not answer in time


def _where(manager: ManagerStatus) -> str:
    if manager.state == "disabled":
        return "switched off on purpose"
    return f"answers, PID {manager.pid}, {manager.config or 'unknown'} config"


def wait_for_managers(
    probe: Callable[[], StackStatus],
    say: Say,
    timeout: float = DEFAULT_TIMEOUT,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> WaitOutcome:
    """Ask `probe` (status of the stack) until every manager is there or `timeout` passes;
    one progress line per manager as it gets there."""
    deadline = clock() + timeout
    reported: set[str] = set()
    status = probe()
    names = ", ".join(m.name for m in status.managers)
    say(f"waiting for {names} to answer (at most {timeout:.0f} s)")
    while True:
        for manager in status.managers:
            if manager.state in _THERE and manager.name not in reported:
                reported.add(manager.name)
                say(f"{manager.name}: {_where(manager)}")
        pending = tuple(m.name for m in status.managers if m.state not in _THERE)
        if not pending:
            break
        if clock() >= deadline:
            for manager in status.managers:
                if manager.name in pending:
                    why = manager.error or manager.state
                    say(f"{manager.name}: no answer within {timeout:.0f} s ({why})")
            return WaitOutcome(EXIT_NOT_RUNNING, pending)
        sleep(POLL_INTERVAL)
        status = probe()
    degraded = [m for m in status.managers if m.degraded]
    for manager in degraded:
        say(degraded_line(manager))
    return WaitOutcome(EXIT_DEGRADED if degraded else EXIT_OK, ())
