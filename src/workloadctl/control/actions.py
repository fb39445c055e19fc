"""start / stop / restart a program (through its manager's API) or a manager (through s6),
then wait for the result and say what it is: the new state and PID.

Programs: a start succeeds only once the program is really up. supervisord's
`startProcess` waits for that itself (RUNNING = stayed up for its `startsecs`) and
answers with a fault when the program exited too quickly; that answer is the result.
process-compose has no startsecs: its program counts as up once its readiness probe says
Ready (when it has one), else once it has kept the same PID for STABLE_SECONDS; an exit
or a restart before that is a failure. Stops are polled until the program settles (no
longer starting or stopping) or the timeout passes.

Managers: s6's "wanted up" flag decides, not whether a process happens to be up (one
that s6 is stopping is up, wanted down). `start` removes the boot-time disabled marker and
runs `s6-svc -u` unless the manager is both up and wanted up; `restart` runs `s6-svc -u`
and, when it was up, `-r`; both wait until s6 runs it, wanted up, and its API answers
(a new PID when the old one was on its way out). `stop` runs `s6-svc -d` and waits until
it is down. s6-svscan (PID 1) is never touched, so the other manager's programs keep
running. A start or restart that ends with the manager on its seed (its project config
refused or quarantined) fails: the manager runs, but not the project's programs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from workloadctl.clients import s6
from workloadctl.control.context import ControlContext
from workloadctl.control.crash_watch import KEEPS_DYING, CrashWatch, explain, log_place
from workloadctl.control.names import Target
from workloadctl.control.status import first_finding, retry_command
from workloadctl.errors import WorkloadctlError
from workloadctl.manager_names import Manager
from workloadctl.managers import kind
from workloadctl.managers.base import CommandNotFoundError, LiveManager
from workloadctl.managers.program_status import ProgramStatus
from workloadctl.runtime import quarantine
from workloadctl.runtime.decision_record import EMPTY_RECORD, DecisionRecord, read_decision
from workloadctl.runtime.finish_lock import wait_for_finish
from workloadctl.runtime.own_command import stack_command, validate_command

Action = Literal["start", "stop", "restart"]
ACTIONS: tuple[Action, ...] = ("start", "stop", "restart")
DEFAULT_WAIT_SECONDS = 30.0
POLL_SECONDS = 0.1
# How long past the wait an API call itself may take (a restart waits for the old
# incarnation to stop inside the call).
CALL_GRACE_SECONDS = 5.0
# process-compose has no startsecs: a program without a readiness probe counts as up once
# it has kept one PID this long. Long enough for a bind or a config read to fail (a held
# port fails in well under a second); short enough for `start` to stay quick.
STABLE_SECONDS = 2.0
_SETTLING = frozenset({"starting", "stopping"})
_UP = frozenset({"running", "exited"})
Verdict = Literal["up", "failed", "timeout"]
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
        fields = dict(vars(self))
        target = fields.pop("target")
        return {
            "target": target.label,
            "manager": target.manager,
            "program": target.program,
            **fields,
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
    """One manager's program calls (managers/: its LiveManager), PIDs as the caller sees
    them."""

    def __init__(self, ctx: ControlContext, manager: Manager, timeout: float) -> None:
        self.live: LiveManager = kind(manager).live(ctx.settings, timeout + CALL_GRACE_SECONDS)
        self._pids = ctx.pids

    def snapshot(self, name: str) -> ProgramStatus:
        return self.live.program(name, self._pids)


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


def _wait_up(
    driver: ProgramDriver, name: str, timeout: float, old_pid: int | None = None
) -> tuple[ProgramStatus, Verdict]:
    """After a start: wait until the program is really up, has failed, or `timeout` passes.

    supervisord's RUNNING is already past its startsecs. A process-compose program is up
    once its readiness probe says Ready, or (without a probe) once one PID has lasted
    STABLE_SECONDS; a new PID or a restart after it was seen running means it died.
    `old_pid` is an incarnation a restart replaces: seeing it is "not yet", not a failure.
    """
    deadline = time.monotonic() + timeout
    seen: tuple[int | None, int | None] | None = None  # (PID, restarts) first seen running
    seen_at = 0.0
    while True:
        status = driver.snapshot(name)
        now = time.monotonic()
        if status.state == "running" and (old_pid is None or status.pid != old_pid):
            if driver.live.start_waits:
                return status, "up"
            incarnation = (status.pid, status.restarts)
            if seen is None:
                seen, seen_at = incarnation, now
            elif incarnation != seen:
                return status, "failed"
            ready = driver.live.readiness()
            if ready or (ready is None and now - seen_at >= STABLE_SECONDS):
                return status, "up"
        elif status.state == "starting":
            if seen is not None:  # it was running and is being restarted: it died
                return status, "failed"
        elif old_pid is not None and seen is None and status.state in ("stopping", "stopped"):
            pass  # the restart is still taking the old incarnation down: not yet
        elif status.state != "running":
            return status, "up" if status.state == "exited" else "failed"
        if now >= deadline:
            return status, "timeout"
        time.sleep(POLL_SECONDS)


def _describe_failure(driver: ProgramDriver, status: ProgramStatus) -> str:
    """Its last state with everything known about why: exit code, the manager's words."""
    words = f"{status.state} ({status.native_state})"
    if status.exit_code is not None and driver.live.exit_code_known(status):
        words += f", exit code {status.exit_code}"
    if status.description:
        words += f": {status.description}"
    return words


def _start_and_wait(
    driver: ProgramDriver,
    target: Target,
    action: Action,
    name: str,
    before: ProgramStatus,
    timeout: float,
) -> Outcome:
    """Start NAME (stopped: `before`) and report whether it is really up."""
    refused = driver.live.start(name)
    if refused is not None:
        final = driver.snapshot(name)
        message = f"did not start: {refused}; now {_describe_failure(driver, final)}"
        if final.state == "starting":  # BACKOFF, or STARTING its next try
            message += driver.live.retry_note
        return _program_outcome(target, action, final, before, ok=False, message=message)
    final, verdict = _wait_up(driver, name, timeout)
    if verdict == "failed":
        message = f"did not stay up: {_describe_failure(driver, final)}"
        return _program_outcome(target, action, final, before, ok=False, message=message)
    return _after(target, action, before, final, verdict == "up", timeout, ok=verdict == "up")


def _start_program(driver: ProgramDriver, target: Target, name: str, timeout: float) -> Outcome:
    before = driver.snapshot(name)
    if before.native_state == "BACKOFF":
        # supervisord is between two tries and would refuse a start (ALREADY_STARTED):
        # a stop ends the wait, and the start below tries now, with a fresh retry count.
        driver.live.stop(name)
        before, _ = _wait_program(driver, name, timeout)
    if before.state in _SETTLING:  # let a start or stop under way finish first
        before, _ = _wait_program(driver, name, timeout)
    if before.state == "running":
        return _program_outcome(
            target, "start", before, before, ok=True, message=f"already {_describe(before)}"
        )
    return _start_and_wait(driver, target, "start", name, before, timeout)


def _stop_program(driver: ProgramDriver, target: Target, name: str, timeout: float) -> Outcome:
    before = driver.snapshot(name)
    if before.state not in ("running", "starting", "stopping"):
        return _program_outcome(
            target, "stop", before, before, ok=True, message=f"already {_describe(before)}"
        )
    if before.state != "stopping":
        driver.live.stop(name)
    final, settled = _wait_program(driver, name, timeout)
    return _after(target, "stop", before, final, settled, timeout, ok=final.state not in _UP)


def _restart_program(driver: ProgramDriver, target: Target, name: str, timeout: float) -> Outcome:
    before = driver.snapshot(name)
    started = time.monotonic()
    if before.state in ("running", "starting") and driver.live.restart(name):
        final, verdict = _wait_up(driver, name, timeout, old_pid=before.pid)
        if verdict == "failed":
            message = f"did not stay up: {_describe_failure(driver, final)}"
            return _program_outcome(target, "restart", final, before, ok=False, message=message)
        ok = verdict == "up"
        return _after(target, "restart", before, final, verdict != "timeout", timeout, ok=ok)
    # No restart call (supervisord's): stop, then start, as supervisorctl does.
    if before.state in ("running", "starting", "stopping"):
        driver.live.stop(name)
        _wait_program(driver, name, timeout)
    remaining = max(0.0, timeout - (time.monotonic() - started))
    return _start_and_wait(driver, target, "restart", name, before, remaining)


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
    try:
        return _PROGRAM_ACTIONS[action](driver, target, target.program, timeout)
    except CommandNotFoundError as exc:
        # Deferred: it reads the config supervisord runs, only on this error path.
        from workloadctl.control.program_source import command_not_found, missing_command

        name = target.program
        found = command_not_found(ctx, name, missing_command(ctx, name))
        raise WorkloadctlError(f"{target.label}: did not start ({exc}): {found}") from None


# --- managers -------------------------------------------------------------------------


def _api_answers(ctx: ControlContext, manager: Manager) -> bool:
    try:
        return kind(manager).live(ctx.settings, 2.0).answers()
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
    decision = read_decision(ctx.settings, target.manager) or EMPTY_RECORD
    config = decision.source if state.up else None
    reason = decision.reason if state.up else None
    if config == "seed" and action != "stop" and KEEPS_DYING not in message:
        # "running, PID 5; but on its SEED config"; after a failure ("... did not answer")
        # it is one more thing wrong, not a contrast.
        message += f"; {'but' if ok else 'and'} {_on_the_seed(ctx, target.manager, decision)}"
        ok = False
    elif state.up and config:
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


def _on_the_seed(ctx: ControlContext, manager: Manager, decision: DecisionRecord) -> str:
    """Why a start or restart that left the manager on its seed failed, in one line."""
    project = decision.project_config or "(no project root)"
    found = first_finding(decision)
    return (
        f"on its SEED config: the project config {project} was refused "
        f"({decision.reason}){f': {found}' if found else ''}; "
        f"`{validate_command(ctx.settings)}` shows every finding; after the fix: "
        f"`{retry_command(manager, decision, ctx.settings)}`"
    )


def _wait_manager_up(
    ctx: ControlContext, manager: Manager, old_ns_pid: int | None, timeout: float
) -> tuple[bool, str]:
    """Wait until s6 runs it, wanted up, with a PID other than `old_ns_pid` (an incarnation
    on its way out), then for the API: (ok, what happened)."""
    deadline = time.monotonic() + timeout
    # A manager its config kills as it starts never answers: the deaths and quarantine
    # recorded since now say so long before the timeout.
    watch = CrashWatch(ctx, manager)
    dying: list[str] = []

    def gave_up() -> bool:
        verdict = watch.verdict()
        if verdict is not None:
            dying.append(verdict)
        return verdict is not None

    def fresh(state: s6.ServiceState) -> bool:
        up = state.up and state.wanted_up and state.pid is not None and state.pid != old_ns_pid
        return up or gave_up()

    state, up = _poll(lambda: s6.state(ctx.service(manager)), fresh, timeout)
    if dying:
        return False, explain(ctx, manager, dying[0])
    if not up:
        words = "up" if state.up else "down"
        if not state.wanted_up:
            words += ", wanted down"
        elif state.up and state.pid == old_ns_pid:
            words += ", still the old PID"
        return False, f"not back up after {timeout:g} s (s6: {words})"
    remaining = max(0.5, deadline - time.monotonic())
    _, answering = _poll(lambda: _api_answers(ctx, manager) or gave_up(), bool, remaining)
    if dying:
        return False, explain(ctx, manager, dying[0])
    pid = ctx.pids(state.pid)
    if not answering and pid is None:
        # s6's PID no longer maps to a process here: it died again (a port held, say).
        return False, (
            f"started, but exited again before its API answered (did not answer within "
            f"{timeout:g} s); its last lines in {log_place(ctx)} say why"
        )
    if not answering:
        return False, f"up (PID {pid}) but its API did not answer within {timeout:g} s"
    # The PID s6 showed first may have exited at once (a port held a moment) and s6 started
    # another, which answered: name that one, and say the first one died.
    answered = s6.state(ctx.service(manager))
    if answered.pid is not None and answered.pid != state.pid:
        return True, (
            f"running, PID {ctx.pids(answered.pid)} (its first start exited at once; "
            f"the log says why)"
        )
    return True, f"running, PID {pid}"


def _start_manager(ctx: ControlContext, target: Target, timeout: float) -> Outcome:
    manager = target.manager
    before = _service_state(ctx, manager)
    ctx.settings.disabled_marker(manager).unlink(missing_ok=True)
    previous = ctx.pids(before.pid) if before.up else None
    if before.up and before.wanted_up:
        ok, message = _wait_manager_up(ctx, manager, None, timeout)
        if ok:
            message = f"already {message}"
        return _manager_outcome(ctx, target, "start", previous, ok=ok, message=message)
    # Down, or up while s6 stops it (wanted down): only "want up" makes s6 run it, and keep
    # running it, once a dying incarnation is gone.
    s6.control(ctx.service(manager), "-u")
    dying = before.pid if before.up else None
    ok, message = _wait_manager_up(ctx, manager, dying, timeout)
    return _manager_outcome(ctx, target, "start", previous, ok=ok, message=message)


def _stop_manager(ctx: ControlContext, target: Target, timeout: float) -> Outcome:
    manager = target.manager
    before = _service_state(ctx, manager)
    previous = ctx.pids(before.pid) if before.up else None
    s6.control(ctx.service(manager), "-d")
    started = time.monotonic()
    down = s6.wait(ctx.service(manager), up=False, timeout=timeout)
    # s6's "down" comes when the finish script returned; its background `finish` may still
    # be killing what the manager left behind (it holds the lock until done).
    lingering = wait_for_finish(
        ctx.settings.finish_lock(manager),
        timeout=max(0.0, timeout - (time.monotonic() - started)),
    )
    after = s6.state(ctx.service(manager))
    ok = down and not after.up and not after.wanted_up
    if not ok:
        words = f"{'up' if after.up else 'down'}, wanted {'up' if after.wanted_up else 'down'}"
        message = f"not down after {timeout:g} s (s6: {words})"
    elif not before.up:
        message = "already down; s6 keeps it down"
    else:
        again = stack_command(ctx.settings, "start", manager)
        message = f"stopped, and its programs with it; `{again}` starts it"
        if lingering is not None:
            message = f"stopped; `{again}` starts it (WARNING: {lingering})"
    return _manager_outcome(ctx, target, "stop", previous, ok=ok, message=message)


def _restart_manager(
    ctx: ControlContext, target: Target, timeout: float, *, clear: bool
) -> Outcome:
    manager = target.manager
    before = _service_state(ctx, manager)
    notes = []
    if clear:
        locked = quarantine.unliftable(ctx.settings, manager)
        if locked is not None:
            again = stack_command(ctx.settings, "restart", manager, "--clear-quarantine")
            raise WorkloadctlError(
                f"{manager}: cannot lift the quarantine: this user may not remove {locked} "
                f"(root's state; the group only reads it); run `sudo {again}`, or edit the "
                "project config (a changed file lifts the quarantine)"
            )
        lifted = quarantine.clear_quarantine(ctx.settings, manager)
        notes.append("quarantine lifted" if lifted else "no quarantine was in force")
    ctx.settings.disabled_marker(manager).unlink(missing_ok=True)
    old = before.pid if before.up else None
    previous = ctx.pids(old)  # now: the old PID cannot be translated once it is gone
    # -u first: -r alone leaves s6's wanted state as it was, and a manager s6 was stopping
    # (up, wanted down) would stay down. -r then sends the down-signal to a running one.
    s6.control(ctx.service(manager), "-u", *(["-r"] if before.up else []))
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
