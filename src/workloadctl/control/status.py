"""One view of the whole stack: each manager's s6 state and config, then every program.

Everything is asked at once (one thread per question: two s6-svstat, one XML-RPC
call, one REST call), so `status` costs about the slowest answer, not their sum.
A manager that is down or unreachable is reported as such; the rest still is.

Exit code (`StackStatus.exit_code`), documented in docs/status-json.md: 0 when every
manager is `running` or deliberately `disabled`, none runs its seed, and every program
that should run (supervisord: autostart=true; process-compose: not
disabled/foreground/scheduled) is `running` or `exited` cleanly; 1 when a manager, or a
program that should run under a manager on its project config, does not; 3
(EXIT_DEGRADED) when nothing else fails, but a manager runs its seed because its project
config was refused or quarantined: the project's programs are then not running, which a
health check must not take for healthy, and the seed's own programs that fail (the
template seed's code-server where it is not installed) are the seed's doing, so 3 wins
over 1 for them, as `up --detach` exits 3 for that stack; 4
(EXIT_STARTING) when nothing failed and no manager runs its seed, but a program that
should run is still within its start time (`states.within_start`): not yet, ask again.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, Literal, TypeVar

from workloadctl.clients import s6
from workloadctl.control.context import ControlContext
from workloadctl.errors import WorkloadctlError
from workloadctl.manager_names import Manager
from workloadctl.managers import MANAGERS, kind
from workloadctl.managers.base import ProgramsSnapshot
from workloadctl.managers.program_status import ProgramStatus
from workloadctl.runtime.decision_record import EMPTY_RECORD, DecisionRecord
from workloadctl.runtime.own_command import stack_command, validate_command
from workloadctl.settings import Settings

ManagerState = Literal["running", "unreachable", "down", "disabled", "unsupervised"]
# Where the launcher's decision still applies: s6 wants the manager up. (`disabled`
# carries no config; an `unsupervised` manager's record is of a stack that is gone.)
_DECIDED_STATES = frozenset({"running", "unreachable", "down"})
EXIT_OK = 0
EXIT_NOT_RUNNING = 1
EXIT_DEGRADED = 3
EXIT_STARTING = 4
T = TypeVar("T")


@dataclass(frozen=True)
class ManagerStatus:
    name: Manager
    state: ManagerState
    pid: int | None  # as seen by the caller
    uptime_seconds: int | None
    restarts: int | None  # deaths recorded by `finish` (None: the state dir is unreadable)
    crashes: int | None  # those deaths that were not intentional stops
    config: str | None  # "project" | "seed" | None (no decision recorded)
    config_file: str | None
    reason: str | None  # why this config, or why the manager is disabled
    error: str | None  # why down, unreachable or unsupervised
    first_finding: str | None = None  # on the seed: the launcher's first finding, rendered
    retry: str | None = None  # on the seed: the command that retries after the fix
    validate: str | None = None  # on the seed: the command that shows every finding
    # The project config on disk is not the one `reason` was decided on (control/config_drift).
    config_changed: str | None = None
    # A reload applied programs of a file whose other settings need a restart.
    restart_pending: str | None = None

    @property
    def up_as_wanted(self) -> bool:
        """Running, or switched off on purpose: whatever config it runs."""
        return self.state in ("running", "disabled")

    @property
    def degraded(self) -> bool:
        """It runs (or s6 wants it to run) its seed: the project config was refused."""
        return self.config == "seed" and self.state in _DECIDED_STATES

    @property
    def ok(self) -> bool:
        return self.up_as_wanted and not self.degraded

    def as_json(self) -> dict[str, Any]:
        # vars(), not asdict(): the fields are flat, and asdict deep-copies each one.
        return {**vars(self), "degraded": self.degraded, "ok": self.ok}


@dataclass(frozen=True)
class StackStatus:
    managers: tuple[ManagerStatus, ...]
    programs: tuple[ProgramStatus, ...]

    @property
    def running(self) -> bool:
        """Every manager up as wanted and every program that should run does (or is
        still within its start time)."""
        return all(m.up_as_wanted for m in self.managers) and all(p.ok for p in self.programs)

    @property
    def failing_beyond_seed(self) -> bool:
        """Something fails that a seed does not explain: a manager not up as wanted, or a
        program that should run and does not under a manager on its project config. (A
        seed's own programs, e.g. the template seed's code-server where it is not
        installed, fail because the project config was refused: the seed is the cause.)"""
        degraded = set(self.degraded)
        return not all(m.up_as_wanted for m in self.managers) or any(
            not p.ok for p in self.programs if p.manager not in degraded
        )

    @property
    def degraded(self) -> list[Manager]:
        return [m.name for m in self.managers if m.degraded]

    @property
    def starting(self) -> list[str]:
        """The programs still within their start time, in the order of `programs`."""
        return [p.name for p in self.programs if p.within_start]

    @property
    def exit_code(self) -> int:
        if self.failing_beyond_seed:
            return EXIT_NOT_RUNNING
        if self.degraded:
            return EXIT_DEGRADED
        return EXIT_STARTING if self.starting else EXIT_OK

    @property
    def ok(self) -> bool:
        return self.exit_code == EXIT_OK

    def as_json(self) -> dict[str, Any]:
        return {
            "managers": [m.as_json() for m in self.managers],
            "programs": [p.as_json() for p in self.programs],
            "degraded": self.degraded,
            "starting": self.starting,
            "ok": self.ok,
        }


# --- raw answers ----------------------------------------------------------------------


@dataclass(frozen=True)
class Answer(Generic[T]):
    """A value or the one-line reason there is none."""

    value: T | None
    error: str | None = None


def _ask(call: Callable[[], T]) -> Answer[T]:
    try:
        return Answer(call())
    except (WorkloadctlError, OSError) as exc:
        return Answer(None, str(exc))


@dataclass(frozen=True)
class ManagerRecords:
    """What the state dir says of a manager: its launch decision and its deaths."""

    decision: DecisionRecord
    restarts: int | None  # None: the state dir is not readable (not root)
    crashes: int | None


def manager_records(ctx: ControlContext, manager: Manager) -> ManagerRecords:
    # Imported here, in a worker thread, while the managers are busy answering.
    from workloadctl.runtime.decision_record import read_decision
    from workloadctl.runtime.quarantine import load_deaths
    from workloadctl.runtime.statefile import read_json_object

    decision = read_decision(ctx.settings, manager) or EMPTY_RECORD
    if not os.access(ctx.settings.state_dir, os.R_OK | os.X_OK):
        return ManagerRecords(decision, None, None)
    booted = read_json_object(ctx.settings.boot_record) or {}
    since = booted.get("epoch")
    deaths = [
        d
        for d in load_deaths(ctx.settings, manager)
        if not isinstance(since, int | float) or d.time >= since
    ]
    # A kill from outside after the start period says nothing about the config: it is a
    # restart, not a crash (the quarantine's rule).
    crashes = sum(1 for d in deaths if not d.intentional and not d.outside_signal)
    return ManagerRecords(decision, len(deaths), crashes)


@dataclass(frozen=True)
class RawStatus:
    s6: Mapping[Manager, Answer[s6.ServiceState]]
    programs: Mapping[Manager, Answer[ProgramsSnapshot]]
    records: Mapping[Manager, ManagerRecords] | None = None  # None: read them when building


class _Call(threading.Thread):
    """One question in its own thread; `answer` once joined."""

    def __init__(self, call: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self._call = call
        self.answer: Answer[Any] = Answer(None, "no answer")

    def run(self) -> None:
        try:
            self.answer = _ask(self._call)
        except Exception as exc:  # a bug must not become a thread's traceback on stderr
            self.answer = Answer(None, f"internal error: {type(exc).__name__}: {exc}")


def fetch_raw(ctx: ControlContext) -> RawStatus:
    """Ask s6 and both managers at the same time; read the state dir and map PIDs while
    they answer."""
    programs = {m: _Call(kind(m).live(ctx.settings, ctx.timeout).snapshot) for m in MANAGERS}
    services = {m: _Call(partial(s6.state, ctx.service(m))) for m in MANAGERS}
    calls = [*programs.values(), *services.values()]
    for call in calls:
        call.start()
    local = _Call(lambda: {m: manager_records(ctx, m) for m in MANAGERS})
    local.run()  # in this thread: it would only wait otherwise
    _Call(ctx.pids.prepare).run()
    for call in calls:
        call.join()
    return RawStatus(
        s6={m: services[m].answer for m in MANAGERS},
        programs={m: programs[m].answer for m in MANAGERS},
        records=local.answer.value,
    )


# --- managers -------------------------------------------------------------------------


def _disabled_reason(ctx: ControlContext, manager: Manager) -> str:
    again = stack_command(ctx.settings, "start", manager)
    if ctx.settings.disabled_marker(manager).exists():
        return f"switched off at boot; start it with `{again}`"
    return f"stopped through s6; start it with `{again}`"


def _down_reason(state: s6.ServiceState) -> str:
    how = (
        f"killed by signal {state.signal}"
        if state.signal is not None
        else f"exited {state.exit_code}"
        if state.exit_code is not None
        else "not started yet"
    )
    return f"down for {state.seconds_in_state} s ({how}); s6 restarts it"


def first_finding(decision: DecisionRecord) -> str | None:
    """The launcher's first finding (errors before warnings, as its banner orders them),
    rendered `file:line: severity: message [CODE]`; None when the record has none."""
    if not decision.findings:
        return None
    from workloadctl.findings import Severity  # here: only a record with findings needs it

    return min(decision.findings, key=lambda f: f.severity is not Severity.ERROR).render()


def retry_command(manager: Manager, decision: DecisionRecord, settings: Settings) -> str:
    """What retries the project config after the fix (a quarantine also needs lifting
    when the cause was outside the file)."""
    # Imported here: the banner module pulls in the launcher's settings and decision.
    from workloadctl.runtime.banner import restart_command

    command = restart_command(manager, settings)
    return f"{command} --clear-quarantine" if decision.quarantine else command


def manager_status(
    ctx: ControlContext,
    manager: Manager,
    service: Answer[s6.ServiceState],
    api_error: str | None,
    records: ManagerRecords,
) -> ManagerStatus:
    decision = records.decision
    base: dict[str, Any] = {
        "name": manager,
        "pid": None,
        "uptime_seconds": None,
        "restarts": records.restarts,
        "crashes": records.crashes,
        "config": decision.source,
        "config_file": decision.config,
        "reason": decision.reason,
        "error": None,
    }
    state = service.value
    if state is not None and not state.up and not state.wanted_up:
        # Deliberately off: none of the notes below (the seed's, a changed file, a
        # pending restart) is computed only to be dropped.
        base.update(config=None, reason=_disabled_reason(ctx, manager))
        return ManagerStatus(**{**base, "state": "disabled"})
    if decision.source == "seed":
        base.update(
            first_finding=first_finding(decision),
            retry=retry_command(manager, decision, ctx.settings),
            validate=validate_command(ctx.settings),
        )
    if decision.source is not None:
        # Imported here: only a recorded decision has a file to compare.
        from workloadctl.control.config_drift import config_drift

        base["config_changed"] = config_drift(ctx.settings, manager, decision)
    if decision.restart_pending:
        restart = stack_command(ctx.settings, "restart", manager)
        base["restart_pending"] = (
            f"a reload applied its programs; settings read only at start changed too: "
            f"`{restart}` applies them"
        )
    if state is None:
        return ManagerStatus(**{**base, "state": "unsupervised", "error": service.error})
    if state.up:
        base.update(pid=ctx.pids(state.pid), uptime_seconds=state.seconds_in_state)
        if api_error is None:
            return ManagerStatus(**{**base, "state": "running"})
        return ManagerStatus(**{**base, "state": "unreachable", "error": api_error})
    return ManagerStatus(**{**base, "state": "down", "error": _down_reason(state)})


# --- the whole view -------------------------------------------------------------------


def build_status(ctx: ControlContext, raw: RawStatus) -> StackStatus:
    records = raw.records or {m: manager_records(ctx, m) for m in MANAGERS}
    managers = tuple(
        manager_status(ctx, m, raw.s6[m], raw.programs[m].error, records[m]) for m in MANAGERS
    )
    programs: list[ProgramStatus] = []
    for manager in managers:
        answer = raw.programs[manager.name].value
        # A manager s6 calls down may still answer for a moment while it shuts down: only
        # a running manager's programs are reported.
        if manager.state == "running" and answer is not None:
            programs += answer(ctx.pids)
    programs.sort(key=lambda p: (MANAGERS.index(p.manager), p.name))
    return StackStatus(managers, tuple(programs))


def collect_status(ctx: ControlContext) -> StackStatus:
    """Ask everything, then raise one line when there is no stack at all."""
    status = build_status(ctx, fetch_raw(ctx))
    if all(m.state == "unsupervised" for m in status.managers):
        ctx.require_stack()  # raises NoStackError with a hint
    return status
