"""A supervisord program as the config supervisord runs writes it: its section
([program:] or [eventlistener:]) and, when supervisord cannot find its command, the words
for that (which command, the file:line of its `command=`, what the config says to
install). For `logs` and `start`, which otherwise send the reader round in a loop.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from workloadctl.checks.supervisord.program_source import ProgramSource, program_source
from workloadctl.control.context import ControlContext
from workloadctl.managers.environment import manager_environment
from workloadctl.runtime.decision_record import read_decision


def _base_env(ctx: ControlContext) -> dict[str, str]:
    # Deferred: control.reload imports the reload machinery, needed only on this error path.
    from workloadctl.control.reload import launcher_base_env

    return launcher_base_env(ctx.record)


def _running_config(ctx: ControlContext) -> Path | None:
    record = read_decision(ctx.settings, "supervisord")
    return Path(record.config) if record is not None and record.config else None


def supervisord_source(ctx: ControlContext, name: str) -> ProgramSource | None:
    """The section of supervisord's program `name` in the config it runs; None unknown."""
    config = _running_config(ctx)
    if config is None:
        return None
    return program_source(config, name, _base_env(ctx))


def _found(command: str, path: str) -> bool:
    """Supervisor's `get_execv_args`: a command with a slash as written, else the first
    file of that name on PATH. A file that is there but not executable is found (Supervisor says NOT_EXECUTABLE for
    it, not NO_FILE: "not found" would send the user looking for it)."""
    if "/" in command:
        return os.path.isfile(command)
    return shutil.which(command, mode=os.F_OK, path=path) is not None


def missing_command(ctx: ControlContext, name: str) -> str | None:
    """The command of supervisord's program `name` when supervisord would not find it
    (the PATH of its `environment=`, else supervisord's own); None when found or unknown."""
    config = _running_config(ctx)
    if config is None:
        return None
    env = manager_environment(
        ctx.settings, "supervisord", for_validation=False, base=_base_env(ctx)
    )
    from workloadctl.managers import kind

    loaded = kind("supervisord").load(
        config, env=env, on_target=True, cwd=ctx.settings.project_root
    )
    spec = next((p for p in loaded.programs if p.name == name), None)
    if spec is None or not spec.argv:
        return None
    command = spec.argv[0]
    path = spec.environment.get("PATH") or env.get("PATH") or os.defpath
    return None if _found(command, path) else command


def command_not_found(ctx: ControlContext, name: str, command: str | None) -> str:
    """`its command 'difit' is not found (command= at FILE:LINE): install it ...`."""
    source = supervisord_source(ctx, name)
    what = f"its command {command!r}" if command else "its command"
    where = f" (`command=` at {source.command_where})" if source and source.command_where else ""
    advice = "install it, or fix the command"
    if source is not None and "install" in source.comment.lower():
        advice += f"; its config says: {source.comment}"
    return f"{what} is not found where supervisord looks{where}: {advice}"
