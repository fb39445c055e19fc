"""One program's state in common terms, whichever manager runs it.

`state` is one of CommonState's words; `native_state` stays the manager's own word. Each
implementation maps every state its manager can report (managers/supervisord.py,
managers/process_compose.py); a word it does not know maps to `unknown`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from workloadctl.manager_names import Manager

CommonState = Literal["running", "starting", "stopping", "stopped", "exited", "failed", "unknown"]
# States in which a program that should run counts as fine for `status`'s exit code:
# running, or finished with an exit code its manager calls a success (a one-shot).
HEALTHY: frozenset[CommonState] = frozenset({"running", "exited"})
NANOSECONDS = 1_000_000_000
# How a PID inside the stack's namespace reads to the caller (runtime/pidns.py).
PidMap = Callable[[int | None], int | None]


def within_start(manager: str, native_state: str) -> bool:
    """Whether a program in this state is still within its start time, not failing."""
    from workloadctl.managers import KINDS  # the registry imports this module

    known = KINDS.get(manager)  # type: ignore[call-overload]
    return known is not None and native_state in known.starting_states


@dataclass(frozen=True)
class ProgramStatus:
    manager: Manager
    name: str  # supervisord: `group:name` when the group has another name
    state: CommonState
    native_state: str
    pid: int | None  # as seen by the caller; None when not running
    uptime_seconds: int | None
    restarts: int | None  # None for supervisord, which does not count them
    exit_code: int | None  # the last exit code; None when it never exited
    expected: bool  # whether it should be running (autostart / not disabled)
    description: str

    @property
    def within_start(self) -> bool:
        """Should run and is still within its start time: not running yet, not failed."""
        return self.expected and within_start(self.manager, self.native_state)

    @property
    def ok(self) -> bool:
        """Nothing wrong: not expected, running, exited cleanly, or still starting."""
        return not self.expected or self.state in HEALTHY or self.within_start

    def as_json(self) -> dict[str, Any]:
        # vars(), not asdict(): the fields are flat, and asdict deep-copies each one.
        return {**vars(self), "within_start": self.within_start, "ok": self.ok}
