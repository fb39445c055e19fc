"""start / stop / restart a program (through its manager's API) or a manager (through s6),
then wait for the result and say what it is: the new state and PID.

Programs: supervisord gets `startProcess`/`stopProcess` without its own wait, so one
timeout covers both managers; process-compose gets its REST calls (its restart is one
call, done when the new incarnation exists). Then the program's state is polled until it
settles (no longer starting or stopping) or the timeout passes.

Managers: `start` removes the boot-time disabled marker and runs `s6-svc -u`; `stop` runs
`s6-svc -d`; `restart` runs `s6-svc -r` (or `-u` when it was down) and waits for a new
PID. s6-svscan (PID 1) is never touched, so the other manager's programs keep running.
Each waits until the manager's API answers again (or it is down).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from workloadctl.checks.programs import Manager
from workloadctl.clients import s6
from workloadctl.clients.supervisord import (
    FAULT_ALREADY_STARTED,
    FAULT_NOT_RUNNING,
    SupervisordError,
)
from workloadctl.control.context import ControlContext
from workloadctl.control.names import Target
from workloadctl.control.status import (
    ProgramStatus,
    process_compose_programs,
    supervisord_programs,
)
from workloadctl.errors import WorkloadctlError
from workloadctl.runtime import quarantine
from workloadctl.runtime.decision import read_decision

Action = Literal["start", "stop", "restart"]
ACTIONS: tuple[Action, ...] = ("start", "stop", "restart")
DEFAULT_WAIT_SECONDS = 30.0
POLL_SECONDS = 0.1
# How long past the wait an API call itself may take (a restart waits for the old
# incarnation to stop inside the call).
CALL_GRACE_SECONDS = 5.0
_SETTLING = frozenset({"starting", "stopping"})
_UP = frozenset({"running", "exited"})
T = TypeVar("T")


@dataclass(frozen=True)
class Outcome:
    target: Target
    action: Action
    ok: bool
    state: str
    native_state: str | None
    pid: int | None  # as seen by the caller
    previous_pid: int | None
    message: str  # one line
    config: str | None = None  # managers: project | seed
    reason: str | None = None  # managers: why that config

    def as_json(self) -> dict[str, Any]:
        return {
            "target": self.target.label,
            "manager": self.target.manager,
            "program": self.target.program,
            "action": self.action,
            "ok": self.ok,
            "state": self.state,
            "native_state": self.native_state,
            "pid": self.pid,
            "previous_pid": self.previous_pid,
            "message": self.message,
            "config": self.config,
            "reason": self.reason,
        }

    def render(self) -> str:
        return f"{self.target.label}: {self.message}"


def _poll(probe: Callable[[], T], done: Callable[[T], bool], timeout: float) -> tuple[T, bool]:
    """Call `probe` until `done` says so or `timeout` passes: (last value, whether done)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if done(value):
            return value, True
        if time.monotonic() >= deadline:
            return value, False
        time.sleep(POLL_SECONDS)


# --- programs -------------------------------------------------------------------------


class ProgramDriver:
    """One manager's program calls, in common terms."""

    def __init__(self, ctx: ControlContext, manager: Manager, timeout: float) -> None:
        self.ctx = ctx
        self.manager = manager
        self._call_timeout = timeout + CALL_GRACE_SECONDS
        self._sv_config: list[dict[str, Any]] | None = None

    def snapshot(self, name: str) -> ProgramStatus:
        if self.manager == "supervisord":
            client = self.ctx.supervisord(self._call_timeout)
            if self._sv_config is None:
                self._sv_config = client.config_info()
            return supervisord_programs(self.ctx, [client.process(name)], self._sv_config)[0]
        process = self.ctx.process_compose(self._call_timeout).process(name)
        return process_compose_programs(self.ctx, [process])[0]

    def start(self, name: str) -> None:
        if self.manager == "supervisord":
            try:
                self.ctx.supervisord(self._call_timeout).start(name, wait=False)
            except SupervisordError as exc:
                if exc.fault_code != FAULT_ALREADY_STARTED:
                    raise
            return
        self.ctx.process_compose(self._call_timeout).start(name)

    def stop(self, name: str) -> None:
        if self.manager == "supervisord":
            try:
                self.ctx.supervisord(self._call_timeout).stop(name, wait=False)
            except SupervisordError as exc:
                if exc.fault_code != FAULT_NOT_RUNNING:
                    raise
            return
        self.ctx.process_compose(self._call_timeout).stop(name)

    def restart(self, name: str) -> None:
        """process-compose only: one call that returns once the new incarnation exists."""
        self.ctx.process_compose(self._call_timeout).restart(name)


def _settled(status: ProgramStatus) -> bool:
    return status.state not in _SETTLING


def _describe(status: ProgramStatus) -> str:
    words = f"{status.state} ({status.native_state})"
    if status.pid is not None:
        words += f", PID {status.pid}"
    if status.exit_code is not None and status.state in ("exited", "failed"):
        words += f", exit code {status.exit_code}"
    if status.description and status.state == "failed":
        words += f": {status.description}"
    return words


def _program_outcome(
    target: Target,
    action: Action,
    final: ProgramStatus,
    before: ProgramStatus,
    *,
    ok: bool,
    message: str,
) -> Outcome:
    return Outcome(
        target=target,
        action=action,
        ok=ok,
        state=final.state,
        native_state=final.native_state,
        pid=final.pid,
        previous_pid=before.pid,
        message=message,
    )


def _wait_program(driver: ProgramDriver, name: str, timeout: float) -> tuple[ProgramStatus, bool]:
    return _poll(lambda: driver.snapshot(name), _settled, timeout)


def _start_program(driver: ProgramDriver, target: Target, name: str, timeout: float) -> Outcome:
    before = driver.snapshot(name)
    if before.state in _SETTLING:  # let a start or stop under way finish first
        before, _ = _wait_program(driver, name, timeout)
    if before.state == "running":
        return _program_outcome(
            target, "start", before, before, ok=True, message=f"already {_describe(before)}"
        )
    driver.start(name)
    final, settled = _wait_program(driver, name, timeout)
    return _after(target, "start", before, final, settled, timeout, ok=final.state in _UP)


def _stop_program(driver: ProgramDriver, target: Target, name: str, timeout: float) -> Outcome:
    before = driver.snapshot(name)
    if before.state not in ("running", "starting", "stopping"):
        return _program_outcome(
            target, "stop", before, before, ok=True, message=f"already {_describe(before)}"
        )
    if before.state != "stopping":
        driver.stop(name)
    final, settled = _wait_program(driver, name, timeout)
    return _after(target, "stop", before, final, settled, timeout, ok=final.state not in _UP)


def _restart_program(driver: ProgramDriver, target: Target, name: str, timeout: float) -> Outcome:
    before = driver.snapshot(name)
    started = time.monotonic()
    if driver.manager == "process-compose" and before.state in ("running", "starting"):
        driver.restart(name)
    else:
        # supervisord has no restart call: supervisorctl also stops, then starts.
        if before.state in ("running", "starting", "stopping"):
            driver.stop(name)
            _wait_program(driver, name, timeout)
        driver.start(name)
    remaining = max(0.0, timeout - (time.monotonic() - started))
    final, settled = _wait_program(driver, name, remaining)
    ok = final.state in _UP and (final.pid is None or final.pid != before.pid)
    return _after(target, "restart", before, final, settled, timeout, ok=ok)


def _after(
    target: Target,
    action: Action,
    before: ProgramStatus,
    final: ProgramStatus,
    settled: bool,
    timeout: float,
    *,
    ok: bool,
) -> Outcome:
    if not settled:
        message = f"still {_describe(final)} after {timeout:g} s"
        return _program_outcome(target, action, final, before, ok=False, message=message)
    message = _describe(final)
    if before.pid is not None and final.pid is not None and before.pid != final.pid:
        message += f" (was PID {before.pid})"
    return _program_outcome(target, action, final, before, ok=ok, message=message)


_PROGRAM_ACTIONS: dict[Action, Callable[[ProgramDriver, Target, str, float], Outcome]] = {
    "start": _start_program,
    "stop": _stop_program,
    "restart": _restart_program,
}


def act_on_program(ctx: ControlContext, action: Action, target: Target, timeout: float) -> Outcome:
    assert target.program is not None
    driver = ProgramDriver(ctx, target.manager, timeout)
    return _PROGRAM_ACTIONS[action](driver, target, target.program, timeout)


# --- managers -------------------------------------------------------------------------


def _api_answers(ctx: ControlContext, manager: Manager) -> bool:
    try:
        if manager == "supervisord":
            return ctx.supervisord(2.0).state() == "RUNNING"
        return ctx.process_compose(2.0).live()
    except WorkloadctlError:
        return False


def _service_state(ctx: ControlContext, manager: Manager) -> s6.ServiceState:
    if not s6.is_supervised(ctx.service(manager)):
        ctx.require_stack()  # raises when no stack runs at all
        raise WorkloadctlError(f"s6 does not supervise {ctx.service(manager)}")
    return s6.state(ctx.service(manager))


def _manager_outcome(
    ctx: ControlContext,
    target: Target,
    action: Action,
    previous: int | None,
    *,
    ok: bool,
    message: str,
) -> Outcome:
    state = s6.state(ctx.service(target.manager))
    decision = read_decision(ctx.settings, target.manager) or {}
    config = decision.get("source") if state.up else None
    reason = decision.get("reason") if state.up else None
    if state.up and config:
        message += f"; {config} config ({reason})"
    return Outcome(
        target=target,
        action=action,
        ok=ok,
        state="running" if state.up else ("disabled" if not state.wanted_up else "down"),
        native_state="up" if state.up else "down",
        pid=ctx.pids(state.pid) if state.up else None,
        previous_pid=previous,
        message=message,
        config=config,
        reason=reason,
    )


def _wait_manager_up(
    ctx: ControlContext, manager: Manager, old_ns_pid: int | None, timeout: float
) -> tuple[bool, str]:
    """Wait for a new s6 PID, then for the API: (ok, what happened)."""
    deadline = time.monotonic() + timeout

    def fresh(state: s6.ServiceState) -> bool:
        return state.up and state.pid is not None and state.pid != old_ns_pid

    state, up = _poll(lambda: s6.state(ctx.service(manager)), fresh, timeout)
    if not up:
        return False, f"not back up after {timeout:g} s (s6: {'up' if state.up else 'down'})"
    remaining = max(0.5, deadline - time.monotonic())
    _, answering = _poll(lambda: _api_answers(ctx, manager), bool, remaining)
    pid = ctx.pids(state.pid)
    if not answering:
        return False, f"up (PID {pid}) but its API did not answer within {timeout:g} s"
    return True, f"running, PID {pid}"


def _start_manager(ctx: ControlContext, target: Target, timeout: float) -> Outcome:
    manager = target.manager
    before = _service_state(ctx, manager)
    ctx.settings.disabled_marker(manager).unlink(missing_ok=True)
    if before.up:
        previous = ctx.pids(before.pid)
        ok = _api_answers(ctx, manager)
        message = f"already running, PID {previous}" if ok else "up, but its API does not answer"
        return _manager_outcome(ctx, target, "start", previous, ok=ok, message=message)
    s6.control(ctx.service(manager), "-u")
    ok, message = _wait_manager_up(ctx, manager, None, timeout)
    return _manager_outcome(ctx, target, "start", None, ok=ok, message=message)


def _stop_manager(ctx: ControlContext, target: Target, timeout: float) -> Outcome:
    manager = target.manager
    before = _service_state(ctx, manager)
    previous = ctx.pids(before.pid) if before.up else None
    s6.control(ctx.service(manager), "-d")
    ok = s6.wait(ctx.service(manager), up=False, timeout=timeout)
    if not before.up:
        message = "already down; s6 keeps it down"
    elif ok:
        message = f"stopped, and its programs with it; `workloadctl start {manager}` starts it"
    else:
        message = f"still up after {timeout:g} s"
    return _manager_outcome(ctx, target, "stop", previous, ok=ok, message=message)


def _restart_manager(
    ctx: ControlContext, target: Target, timeout: float, *, clear: bool
) -> Outcome:
    manager = target.manager
    before = _service_state(ctx, manager)
    notes = []
    if clear:
        lifted = quarantine.clear_quarantine(ctx.settings, manager)
        notes.append("quarantine lifted" if lifted else "no quarantine was in force")
    ctx.settings.disabled_marker(manager).unlink(missing_ok=True)
    old = before.pid if before.up else None
    previous = ctx.pids(old)  # now: the old PID cannot be translated once it is gone
    # -r sends the down-signal and s6 starts it again; a service that was down needs -u.
    s6.control(ctx.service(manager), "-r" if before.up else "-u")
    ok, message = _wait_manager_up(ctx, manager, old, timeout)
    if notes:
        message = f"{'; '.join(notes)}; {message}"
    return _manager_outcome(ctx, target, "restart", previous, ok=ok, message=message)


def act_on_manager(
    ctx: ControlContext,
    action: Action,
    target: Target,
    timeout: float,
    *,
    clear_quarantine: bool = False,
) -> Outcome:
    if action == "start":
        return _start_manager(ctx, target, timeout)
    if action == "stop":
        return _stop_manager(ctx, target, timeout)
    return _restart_manager(ctx, target, timeout, clear=clear_quarantine)


def act(
    ctx: ControlContext,
    action: Action,
    target: Target,
    timeout: float = DEFAULT_WAIT_SECONDS,
    *,
    clear_quarantine: bool = False,
) -> Outcome:
    """Do `action` to `target` and wait for the result. Raises WorkloadctlError (one line)."""
    if target.is_manager:
        return act_on_manager(ctx, action, target, timeout, clear_quarantine=clear_quarantine)
    return act_on_program(ctx, action, target, timeout)
