"""How to log in to each manager: what `creds` prints, one record per registered manager.

Each `ManagerKind.access` builds its own record (managers/*_access.py); this module
hands it what only the layers above know: the config the launcher's decision names, the
environment the running manager really got, and the command lines for this stack.
"""

from __future__ import annotations

from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

from workloadctl.clients import s6
from workloadctl.control.context import ControlContext
from workloadctl.errors import WorkloadctlError
from workloadctl.manager_names import Manager
from workloadctl.managers import KINDS
from workloadctl.managers.access import AccessInputs, ManagerAccess, Remarks
from workloadctl.managers.environment import ENV_MANAGER, manager_environment
from workloadctl.runtime.decision import project_config_path, read_decision, seed_config_path
from workloadctl.runtime.own_command import own_command, stack_command
from workloadctl.settings import Settings


def json_key(manager: Manager) -> str:
    """Its key in `creds --json` and in `Creds.access`: `process_compose`."""
    return manager.replace("-", "_")


class Creds:
    """One access record per manager (`creds.access["supervisord"]`), in the registry's order."""

    def __init__(
        self, *, problems: tuple[str, ...], notes: tuple[str, ...], **access: ManagerAccess
    ) -> None:
        self.access = access
        self.problems = problems
        self.notes = notes

    def as_json(self) -> dict[str, Any]:
        shown = {key: asdict(record) for key, record in self.access.items()}
        return {**shown, "problems": self.problems, "notes": self.notes}


def running_config(settings: Settings, manager: Manager) -> tuple[Path, str]:
    """The config the manager runs (its decision), else the one it would run."""
    decision = read_decision(settings, manager)
    if decision is not None and decision.config:
        return Path(decision.config), "decision"
    project = project_config_path(settings, manager)
    if project is not None and project.is_file():
        return project, "guessed"
    return seed_config_path(settings, manager), "guessed"


def manager_process_environment(ctx: ControlContext, manager: Manager) -> dict[str, str] | None:
    """The environment the running manager was started with (/proc/PID/environ, root
    only): what its config's %(ENV_X)s really expanded to, the user name included, even
    when `sudo` dropped $UNAME from ours. None when it cannot be read."""
    try:
        state = s6.state(ctx.service(manager))
    except WorkloadctlError:
        return None
    pid = ctx.pids(state.pid) if state.up else None
    if pid is None:
        return None
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return None
    pairs = (
        entry.split("=", 1) for entry in raw.decode(errors="replace").split("\0") if "=" in entry
    )
    env = dict(pairs)
    # The marker every launched manager carries: this is our manager, not a stranger.
    return env if env.get(ENV_MANAGER) == manager else None


def workloadctl_command(ctx: ControlContext, command: str, *args: str) -> str:
    """A `workloadctl COMMAND` line for this stack, --state-dir included for a local one."""
    return own_command(command, *args, top=ctx.record.top if ctx.record else None)


def _inputs(ctx: ControlContext, manager: Manager) -> AccessInputs:
    settings = ctx.settings
    config, source = running_config(settings, manager)

    def environment() -> dict[str, str]:
        running = manager_process_environment(ctx, manager)
        return running or manager_environment(settings, manager, for_validation=True)

    return AccessInputs(
        settings=settings,
        config=config,
        config_source=source,
        environment=environment,
        own_command=partial(workloadctl_command, ctx),
        stack_command=partial(stack_command, settings),
    )


def collect_creds(ctx: ControlContext) -> Creds:
    remarks = Remarks()
    access = {json_key(m): k.access(_inputs(ctx, m), remarks) for m, k in KINDS.items()}
    return Creds(problems=tuple(remarks.problems), notes=tuple(remarks.notes), **access)
