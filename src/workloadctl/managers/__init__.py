"""The registry of managers: one implementation of `ManagerKind` per manager name.

    kind("supervisord").seed_config(settings)
    for manager in MANAGERS: ...

A third manager is one module beside these two and one line in `KINDS` (and its name in
`checks.programs.Manager`); see docs/architecture.md.
"""

from __future__ import annotations

from workloadctl.manager_names import Manager
from workloadctl.managers.base import ManagerKind
from workloadctl.managers.process_compose import ProcessCompose
from workloadctl.managers.supervisord import Supervisord

KINDS: dict[Manager, ManagerKind] = {
    "supervisord": Supervisord(),
    "process-compose": ProcessCompose(),
}
MANAGERS: tuple[Manager, ...] = tuple(KINDS)


def kind(manager: Manager) -> ManagerKind:
    return KINDS[manager]
