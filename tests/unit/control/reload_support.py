"""Fakes for `reload`'s unit tests: a settings tree under tmp_path, s6, both managers' APIs
and a loader, each recording what was asked of it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supervisor.xmlrpc import Faults

from workloadctl import settings as S
from workloadctl.checks.programs import LoadResult, Manager
from workloadctl.clients.s6 import S6Error, ServiceState
from workloadctl.control.reload_model import ReloadWorld
from workloadctl.errors import WorkloadctlError
from workloadctl.findings import Finding
from workloadctl.managers.process_compose_live import LiveProcessCompose
from workloadctl.managers.supervisord_live import LiveSupervisord
from workloadctl.runtime.decision import Loader, decision_path
from workloadctl.runtime.statefile import write_json_atomic

PROJECT_FILES: dict[str, Path] = {
    "supervisord": S.PROJECT_SUPERVISORD_CONF,
    "process-compose": S.PROJECT_PROCESS_COMPOSE_YAML,
}


def tmp_settings(tmp_path: Path) -> S.Settings:
    return S.Settings.from_env(
        {
            S.ENV_STATE_DIR: str(tmp_path / "state"),
            S.ENV_RUN_DIR: str(tmp_path / "run"),
            S.ENV_SERVICE_DIR: str(tmp_path / "service"),
            S.ENV_SUPERVISOR_ETC: str(tmp_path / "etc/supervisor"),
            S.ENV_PROCESS_COMPOSE_ETC: str(tmp_path / "etc/process-compose"),
            S.ENV_ROOT: str(tmp_path / "project"),
            "UNAME": "dev",
        }
    )


def write_project(settings: S.Settings, manager: Manager, text: str = "x\n") -> Path:
    assert settings.project_root is not None
    path = settings.project_root / PROJECT_FILES[manager]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def write_record(settings: S.Settings, manager: Manager, source: str | None, pid: int) -> None:
    """A launcher's decision record, as `launch` writes it when it execs the manager."""
    write_json_atomic(
        decision_path(settings, manager),
        {
            "manager": manager,
            "source": source,
            "config": str(settings.project_root / PROJECT_FILES[manager])
            if source == "project" and settings.project_root
            else "/etc/seed",
            "reason": "test",
            "findings": [],
            "pid": pid,
            "started": source is not None,
        },
    )


class FakeSupervisord:
    def __init__(
        self,
        diff: tuple[list[str], list[str], list[str]] = ([], [], []),
        *,
        stuck: frozenset[str] = frozenset(),
        refuse: str | None = None,
        groups: tuple[str, ...] = (),
        backoff: frozenset[str] = frozenset(),
        stopped: frozenset[str] = frozenset(),
    ) -> None:
        self.diff = diff
        self.stuck = stuck  # groups whose processes fail to stop
        self.refuse = refuse  # the call that raises
        self.groups = list(groups)
        self.backoff = backoff  # groups whose program never ran (can't find command)
        self.stopped = stopped  # groups left stopped (autostart=false)
        self.calls: list[tuple[str, ...]] = []

    def _call(self, *call: str) -> None:
        self.calls.append(call)
        if call[0] == self.refuse:
            raise WorkloadctlError(f"supervisord: {call[0]}: refused")

    def reload_config(self) -> tuple[list[str], list[str], list[str]]:
        self._call("reload_config")
        return self.diff

    def stop_group(self, name: str) -> list[dict[str, Any]]:
        self._call("stop_group", name)
        status = Faults.FAILED if name in self.stuck else Faults.SUCCESS
        return [{"name": name, "group": name, "status": status, "description": "ABNORMAL"}]

    def remove_group(self, name: str) -> None:
        self._call("remove_group", name)

    def add_group(self, name: str) -> None:
        self._call("add_group", name)

    def processes(self) -> list[dict[str, Any]]:
        self._call("processes")
        return [
            {
                "name": group,
                "group": group,
                "statename": "BACKOFF"
                if group in self.backoff
                else "STOPPED"
                if group in self.stopped
                else "RUNNING",
            }
            for group in self.groups
        ]


class FakeProcessCompose:
    def __init__(
        self,
        status: dict[str, str] | None = None,
        *,
        refuse: str | None = None,
        names: tuple[str, ...] = (),
    ) -> None:
        self.status = status or {}
        self.refuse = refuse
        self.names = list(names)
        self.calls: list[str] = []

    def reload_configuration(self) -> dict[str, str]:
        self.calls.append("reload_configuration")
        if self.refuse:
            raise WorkloadctlError(self.refuse)
        return self.status

    def processes(self) -> list[dict[str, Any]]:
        self.calls.append("processes")
        return [{"name": name} for name in self.names]


@dataclass
class FakeS6:
    """s6 for one manager's service: up with `pid`; `on_restart` runs at `s6-svc -r`."""

    up: bool = True
    pid: int = 42
    supervised: bool = True
    on_restart: Callable[[], None] | None = None
    calls: list[tuple[str, str]] = field(default_factory=list)

    def state(self, service: Path) -> ServiceState:
        if not self.supervised:
            raise S6Error(f"s6-svstat {service}: not supervised")
        return ServiceState(
            up=self.up,
            wanted_up=self.up,
            ready=self.up,
            pid=self.pid if self.up else None,
            exit_code=None,
            signal=None,
            seconds_in_state=5,
        )

    def control(self, service: Path, flag: str) -> None:
        self.calls.append((service.name, flag))
        if flag == "-r" and self.on_restart is not None:
            self.on_restart()


def loader_with(
    findings: list[Finding],
) -> Callable[[Manager, Mapping[str, str], Path | None], Loader]:
    """A loader factory whose loader reports `findings` for any file."""

    def factory(manager: Manager, env: Mapping[str, str], cwd: Path | None) -> Loader:
        def load(path: Path) -> LoadResult:
            return LoadResult(findings=list(findings))

        return load

    return factory


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def make_world(
    settings: S.Settings,
    *,
    s6: FakeS6 | None = None,
    supervisord: FakeSupervisord | None = None,
    process_compose: FakeProcessCompose | None = None,
    findings: list[Finding] | None = None,
    switch_timeout: float = 5.0,
) -> ReloadWorld:
    s6 = s6 or FakeS6()
    sv = supervisord or FakeSupervisord()
    pc = process_compose or FakeProcessCompose()
    clock = FakeClock()
    return ReloadWorld(
        settings=settings,
        base_env={"PATH": "/usr/bin:/bin"},
        service_state=s6.state,
        s6_control=s6.control,
        live=lambda manager, _settings: (
            LiveSupervisord(sv) if manager == "supervisord" else LiveProcessCompose(pc)  # type: ignore[arg-type]
        ),
        loader_for=loader_with(findings or []),
        clock=clock,
        sleep=clock.sleep,
        switch_timeout=switch_timeout,
    )
