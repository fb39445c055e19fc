"""The vocabulary of `workloadctl reload`: what it did per manager, and what it needs from
the outside world (s6, the managers' APIs, the loaders, the clock), bundled so tests can
replace any part of it."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from workloadctl.clients import s6
from workloadctl.findings import Finding
from workloadctl.manager_names import Manager
from workloadctl.managers import kind
from workloadctl.managers.base import LiveManager
from workloadctl.runtime.cross_policy import LoaderFactory
from workloadctl.runtime.decision import default_loader
from workloadctl.runtime.decision_record import Source
from workloadctl.settings import Settings

Action = Literal["reloaded", "switched", "refused", "unchanged", "error"]
# Actions after which the manager runs a valid config and nothing is left half done.
SUCCESSFUL_ACTIONS: frozenset[Action] = frozenset({"reloaded", "switched", "unchanged"})

# Stopping a program waits for it (supervisord's stopwaitsecs, process-compose's
# shutdown timeout), so applying a reload can take far longer than a status query.
APPLY_TIMEOUT_SECONDS = 120.0
# A switch restarts the manager: it stops every program first, then starts again.
SWITCH_TIMEOUT_SECONDS = 90.0


def _live(manager: Manager, settings: Settings) -> LiveManager:
    return kind(manager).live(settings, APPLY_TIMEOUT_SECONDS)


@dataclass(frozen=True)
class ReloadWorld:
    """Everything `reload` touches outside its own logic."""

    settings: Settings
    base_env: Mapping[str, str]  # the environment the managers' launchers get
    service_state: Callable[[Path], s6.ServiceState] = s6.state
    s6_control: Callable[[Path, str], None] = s6.control
    live: Callable[[Manager, Settings], LiveManager] = _live
    loader_for: LoaderFactory = default_loader
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    switch_timeout: float = SWITCH_TIMEOUT_SECONDS

    def service(self, manager: Manager) -> Path:
        return kind(manager).service(self.settings)


@dataclass
class ManagerReload:
    """What `reload` did to one manager. Supervisord names are process groups (a
    `[program:x]` is its own group `x`); process-compose names are processes."""

    name: Manager
    action: Action
    message: str  # one line
    config: Source | None = None  # the config the manager runs afterwards, when known
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    # A switch's programs in both configs that were not running before (a seed program in
    # BACKOFF): the restart started them; `changed` has those it restarted.
    started: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # The edit changed settings the manager reads only at start: the message names the
    # restart that applies them.
    restart_needed: bool = False

    @property
    def ok(self) -> bool:
        return self.action in SUCCESSFUL_ACTIONS

    def as_json(self) -> dict[str, Any]:
        return {**vars(self), "findings": [finding.as_dict() for finding in self.findings]}


@dataclass
class ReloadReport:
    managers: list[ManagerReload] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(entry.ok for entry in self.managers)

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "managers": [entry.as_json() for entry in self.managers]}
