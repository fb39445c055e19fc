"""One view of the whole stack: each manager's s6 state and config, then every program.

Everything is asked at once (one thread per question: two s6-svstat, one XML-RPC
multicall, one REST call), so `status` costs about the slowest answer, not their sum.
A manager that is down or unreachable is reported as such; the rest still is.

Exit code (`StackStatus.ok`), documented in docs/status-json.md: 0 when every manager is
`running` or deliberately `disabled`, and every program that should run (supervisord:
autostart=true; process-compose: not disabled/foreground/scheduled) is `running` or
`exited` cleanly; 1 otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any, Generic, Literal, TypeVar

from workloadctl.checks.programs import Manager
from workloadctl.clients import s6
from workloadctl.control.context import MANAGERS, ControlContext
from workloadctl.control.states import (
    HEALTHY,
    CommonState,
    process_compose_expected,
    process_compose_state,
    supervisord_state,
)
from workloadctl.errors import WorkloadctlError
from workloadctl.runtime.decision import read_decision
from workloadctl.runtime.quarantine import load_deaths

ManagerState = Literal["running", "unreachable", "down", "disabled", "unsupervised"]
MANAGER_STATES: tuple[ManagerState, ...] = (
    "running",
    "unreachable",
    "down",
    "disabled",
    "unsupervised",
)
NANOSECONDS = 1_000_000_000
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

    @property
    def ok(self) -> bool:
        return self.state in ("running", "disabled")

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


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
    def ok(self) -> bool:
        return not self.expected or self.state in HEALTHY

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


@dataclass(frozen=True)
class StackStatus:
    managers: tuple[ManagerStatus, ...]
    programs: tuple[ProgramStatus, ...]

    @property
    def ok(self) -> bool:
        return all(m.ok for m in self.managers) and all(p.ok for p in self.programs)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def as_json(self) -> dict[str, Any]:
        return {
            "managers": [m.as_json() for m in self.managers],
            "programs": [p.as_json() for p in self.programs],
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
    except WorkloadctlError as exc:
        return Answer(None, _with_hint(str(exc)))
    except OSError as exc:
        return Answer(None, _with_hint(str(exc)))


def _with_hint(message: str) -> str:
    if "Permission denied" in message and os.geteuid() != 0:
        return f"{message} (the sockets are root-only: run with sudo)"
    return message


SupervisordAnswer = tuple[list[dict[str, Any]], list[dict[str, Any]] | None]


@dataclass(frozen=True)
class RawStatus:
    s6: Mapping[Manager, Answer[s6.ServiceState]]
    supervisord: Answer[SupervisordAnswer]
    process_compose: Answer[list[dict[str, Any]]]


def fetch_raw(ctx: ControlContext) -> RawStatus:
    """Ask s6 and both managers at the same time."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        states: dict[Manager, Future[Answer[s6.ServiceState]]] = {
            m: pool.submit(_ask, lambda m=m: s6.state(ctx.service(m))) for m in MANAGERS
        }
        sv = pool.submit(_ask, lambda: ctx.supervisord().processes_and_config())
        pc = pool.submit(_ask, lambda: ctx.process_compose().processes())
        return RawStatus(
            s6={m: future.result() for m, future in states.items()},
            supervisord=sv.result(),
            process_compose=pc.result(),
        )


# --- managers -------------------------------------------------------------------------


def _deaths(ctx: ControlContext, manager: Manager) -> tuple[int | None, int | None]:
    if not os.access(ctx.settings.state_dir, os.R_OK | os.X_OK):
        return None, None
    deaths = load_deaths(ctx.settings, manager)
    return len(deaths), sum(1 for d in deaths if not d.intentional)


def _disabled_reason(ctx: ControlContext, manager: Manager) -> str:
    if ctx.settings.disabled_marker(manager).exists():
        return f"switched off at boot; start it with `workloadctl start {manager}`"
    return f"stopped through s6; start it with `workloadctl start {manager}`"


def _down_reason(state: s6.ServiceState) -> str:
    how = (
        f"killed by signal {state.signal}"
        if state.signal is not None
        else f"exited {state.exit_code}"
        if state.exit_code is not None
        else "not started yet"
    )
    return f"down for {state.seconds_in_state} s ({how}); s6 restarts it"


def manager_status(
    ctx: ControlContext, manager: Manager, service: Answer[s6.ServiceState], api_error: str | None
) -> ManagerStatus:
    restarts, crashes = _deaths(ctx, manager)
    decision = read_decision(ctx.settings, manager) or {}
    base: dict[str, Any] = {
        "name": manager,
        "pid": None,
        "uptime_seconds": None,
        "restarts": restarts,
        "crashes": crashes,
        "config": decision.get("source"),
        "config_file": decision.get("config"),
        "reason": decision.get("reason"),
        "error": None,
    }
    state = service.value
    if state is None:
        return ManagerStatus(**{**base, "state": "unsupervised", "error": service.error})
    if state.up:
        base.update(pid=ctx.pids(state.pid), uptime_seconds=state.seconds_in_state)
        if api_error is None:
            return ManagerStatus(**{**base, "state": "running"})
        return ManagerStatus(**{**base, "state": "unreachable", "error": api_error})
    if not state.wanted_up:
        reason = _disabled_reason(ctx, manager)
        return ManagerStatus(**{**base, "state": "disabled", "config": None, "reason": reason})
    return ManagerStatus(**{**base, "state": "down", "error": _down_reason(state)})


# --- programs -------------------------------------------------------------------------


def supervisord_name(info: Mapping[str, Any]) -> str:
    """How supervisorctl names a process: `group:name`, or `name` alone in its own group."""
    name, group = str(info.get("name", "")), str(info.get("group", ""))
    return name if not group or group == name else f"{group}:{name}"


def supervisord_programs(
    ctx: ControlContext,
    infos: list[dict[str, Any]],
    configs: list[dict[str, Any]] | None,
) -> list[ProgramStatus]:
    by_name = {(c.get("group"), c.get("name")): c for c in configs or []}
    programs = []
    for info in infos:
        config = by_name.get((info.get("group"), info.get("name")), {})
        statename = str(info.get("statename", "UNKNOWN"))
        running = statename in ("RUNNING", "STOPPING")
        start, now = int(info.get("start") or 0), int(info.get("now") or 0)
        programs.append(
            ProgramStatus(
                manager="supervisord",
                name=supervisord_name(info),
                state=supervisord_state(
                    statename, int(info.get("exitstatus") or 0), config.get("exitcodes") or [0]
                ),
                native_state=statename,
                pid=ctx.pids(int(info.get("pid") or 0)),
                uptime_seconds=max(0, now - start) if running and start else None,
                restarts=None,
                exit_code=int(info.get("exitstatus") or 0) if info.get("stop") else None,
                expected=bool(config.get("autostart", True)),
                description=str(info.get("description") or ""),
            )
        )
    return programs


def _process_compose_description(process: Mapping[str, Any]) -> str:
    ready = process.get("is_ready")
    if process.get("has_ready_probe") and ready and ready != "-":
        return f"readiness: {ready}"
    return ""


def process_compose_programs(
    ctx: ControlContext, processes: list[dict[str, Any]]
) -> list[ProgramStatus]:
    programs = []
    for process in processes:
        status = str(process.get("status", ""))
        running = bool(process.get("is_running"))
        restarts = int(process.get("restarts") or 0)
        exited = status in ("Completed", "Error", "Skipped", "Watching") or restarts > 0
        programs.append(
            ProgramStatus(
                manager="process-compose",
                name=str(process.get("name", "")),
                state=process_compose_state(
                    status, int(process.get("exit_code") or 0), process.get("success_exit_codes")
                ),
                native_state=status,
                pid=ctx.pids(int(process.get("pid") or 0)) if running else None,
                uptime_seconds=int(process.get("age") or 0) // NANOSECONDS if running else None,
                restarts=restarts,
                exit_code=int(process.get("exit_code") or 0) if exited else None,
                expected=process_compose_expected(status),
                description=_process_compose_description(process),
            )
        )
    return programs


# --- the whole view -------------------------------------------------------------------


def build_status(ctx: ControlContext, raw: RawStatus) -> StackStatus:
    sv, pc = raw.supervisord, raw.process_compose
    managers = (
        manager_status(ctx, "supervisord", raw.s6["supervisord"], sv.error),
        manager_status(ctx, "process-compose", raw.s6["process-compose"], pc.error),
    )
    programs: list[ProgramStatus] = []
    # A manager s6 calls down may still answer for a moment while it shuts down: only a
    # running manager's programs are reported.
    if managers[0].state == "running" and sv.value is not None:
        programs += supervisord_programs(ctx, *sv.value)
    if managers[1].state == "running" and pc.value is not None:
        programs += process_compose_programs(ctx, pc.value)
    programs.sort(key=lambda p: (MANAGERS.index(p.manager), p.name))
    return StackStatus(managers, tuple(programs))


def collect_status(ctx: ControlContext) -> StackStatus:
    """Ask everything, then raise one line when there is no stack at all."""
    status = build_status(ctx, fetch_raw(ctx))
    if all(m.state == "unsupervised" for m in status.managers):
        ctx.require_stack()  # raises NoStackError with a hint
    return status
