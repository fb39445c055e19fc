"""One word for the state of a program, whichever manager runs it.

`state` is one of STATES; `native_state` stays the manager's own word. The tables here
cover every state supervisord 4.3 (supervisor/states.py `ProcessStates`) and
process-compose v1.122.0 (src/types/process.go `ProcessState*`) can report; a word
neither knows maps to `unknown`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from workloadctl.managers import KINDS

CommonState = Literal["running", "starting", "stopping", "stopped", "exited", "failed", "unknown"]
STATES: tuple[CommonState, ...] = (
    "running",
    "starting",
    "stopping",
    "stopped",
    "exited",
    "failed",
    "unknown",
)
# States in which a program that should run counts as fine for `status`'s exit code:
# running, or finished with an exit code its manager calls a success (a one-shot).
HEALTHY: frozenset[CommonState] = frozenset({"running", "exited"})

# supervisord: EXITED is split by the exit code (see supervisord_state).
_SUPERVISORD: dict[str, CommonState] = {
    "STOPPED": "stopped",
    "STARTING": "starting",
    "RUNNING": "running",
    # Exited too quickly; supervisord retries up to startretries, then FATAL.
    "BACKOFF": "starting",
    "STOPPING": "stopping",
    "FATAL": "failed",
    "UNKNOWN": "unknown",
}

# process-compose: Completed is split by the exit code (see process_compose_state).
_PROCESS_COMPOSE: dict[str, CommonState] = {
    "Disabled": "stopped",  # `disabled: true`: never started until someone starts it
    "Foreground": "stopped",  # interactive; only the TUI starts it
    "Pending": "starting",  # waiting for its dependencies
    "Running": "running",
    "Launching": "starting",
    "Launched": "running",  # a daemon whose launcher returned
    "Restarting": "starting",  # waiting out backoff_seconds before the next run
    "Terminating": "stopping",
    "Skipped": "stopped",  # never ran: a dependency failed
    "Error": "failed",  # could not be started at all
    "Scheduled": "stopped",  # waiting for its next scheduled run
    "Watching": "exited",  # finished cleanly, waiting for a watched file to change
}
# Go's ExitCode() for a process ended by a signal: what a stop through the API leaves.
PROCESS_COMPOSE_SIGNALLED = -1

# Not expected to be running: switched off, or started only on demand / on a schedule.
_PROCESS_COMPOSE_NOT_EXPECTED = frozenset({"Disabled", "Foreground", "Scheduled"})


def supervisord_state(statename: str, exit_status: int, exit_codes: Iterable[int]) -> CommonState:
    """EXITED with one of the program's `exitcodes` is a clean exit; any other is a failure."""
    if statename == "EXITED":
        return "exited" if exit_status in set(exit_codes) else "failed"
    return _SUPERVISORD.get(statename, "unknown")


def process_compose_state(
    status: str, exit_code: int, success_codes: Iterable[int] | None
) -> CommonState:
    """Completed with exit 0 (or one of `success_exit_codes`) is a clean exit, -1 a stop
    (killed by a signal), anything else a failure."""
    if status == "Completed":
        if exit_code == PROCESS_COMPOSE_SIGNALLED:
            return "stopped"
        allowed = set(success_codes or ()) | {0}
        return "exited" if exit_code in allowed else "failed"
    return _PROCESS_COMPOSE.get(status, "unknown")


def process_compose_expected(status: str) -> bool:
    """Whether a process-compose process should be running (its API has no autostart)."""
    return status not in _PROCESS_COMPOSE_NOT_EXPECTED


def within_start(manager: str, native_state: str) -> bool:
    """Whether a program in this state is still within its start time, not failing."""
    known = KINDS.get(manager)  # type: ignore[call-overload]
    return known is not None and native_state in known.starting_states
