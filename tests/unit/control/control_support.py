"""Fakes for the control layer's unit tests: a context on temp dirs, raw manager answers."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from workloadctl.clients.s6 import ServiceState
from workloadctl.control.context import ControlContext
from workloadctl.control.status import Answer
from workloadctl.managers.base import ProgramsSnapshot
from workloadctl.runtime.decision_record import DecisionRecord, decision_path
from workloadctl.settings import Settings


def make_ctx(tmp_path: Path) -> ControlContext:
    env = {
        "WORKLOADCTL_STATE_DIR": str(tmp_path / "state"),
        "WORKLOADCTL_RUN_DIR": str(tmp_path / "run"),
        "WORKLOADCTL_SERVICE_DIR": str(tmp_path / "service"),
    }
    (tmp_path / "state").mkdir(exist_ok=True)
    (tmp_path / "run").mkdir(exist_ok=True)
    return ControlContext(Settings.from_env(env), None)


def service(
    *,
    up: bool = True,
    wanted_up: bool = True,
    pid: int | None = 40,
    seconds: int = 7,
    exit_code: int | None = None,
    signal: int | None = None,
) -> ServiceState:
    return ServiceState(
        up=up,
        wanted_up=wanted_up,
        ready=up,
        pid=pid if up else None,
        exit_code=exit_code,
        signal=signal,
        seconds_in_state=seconds,
    )


def sv_info(
    name: str,
    statename: str,
    *,
    group: str | None = None,
    pid: int = 0,
    exitstatus: int = 0,
    stopped: bool = False,
    description: str = "",
) -> dict[str, Any]:
    return {
        "name": name,
        "group": group or name,
        "statename": statename,
        "pid": pid,
        "start": 1000 if pid else 0,
        "now": 1042,
        "stop": 1001 if stopped else 0,
        "exitstatus": exitstatus,
        "description": description,
        "stdout_logfile": "/dev/stdout",
        "stderr_logfile": "",
    }


def sv_config(
    name: str,
    *,
    group: str | None = None,
    autostart: bool = True,
    exitcodes: list[int] | None = None,
) -> dict[str, Any]:
    return {
        "name": name,
        "group": group or name,
        "autostart": autostart,
        "exitcodes": exitcodes or [0],
    }


def pc_process(
    name: str,
    status: str,
    *,
    pid: int = 0,
    exit_code: int = 0,
    restarts: int = 0,
    running: bool | None = None,
) -> dict[str, Any]:
    return {
        "name": name,
        "status": status,
        "pid": pid,
        "exit_code": exit_code,
        "restarts": restarts,
        "is_running": status == "Running" if running is None else running,
        "age": 5_000_000_000,
        "is_ready": "-",
        "has_ready_probe": False,
    }


def snapshot(answer: Answer[Any], programs: Callable[..., Any]) -> Answer[ProgramsSnapshot]:
    """A manager's raw answer (a tuple of its calls' results) as `LiveManager.snapshot`
    gives it: `programs` (its conversion) applied to them and the PID map."""
    if answer.value is None:
        return Answer(None, answer.error)
    return Answer(partial(programs, *answer.value))


def supervisord_runs(ctx: ControlContext, config: Path, text: str) -> Path:
    """`text` written to `config`, and a decision record saying supervisord runs it."""
    config.write_text(text)
    record = DecisionRecord(
        manager="supervisord",
        source="project",
        reason=None,
        pid=1,
        started=True,
        config=str(config),
    )
    ctx.settings.decisions_dir.mkdir(parents=True, exist_ok=True)
    record.write(decision_path(ctx.settings, "supervisord"))
    return config
