"""One cross-manager policy for `launch` and `reload`: a program never runs in both managers.

`validate` compares the two project files (checks/cross_manager.py). A manager about to
run its project config (at a start, or a reload) must also not start a program the OTHER
manager runs now, whichever of the two files changed: so its candidate config is
compared with what the other manager runs (its decision record: `started`, and the
`programs` the launcher or the last reload recorded from its config; a record without
them, such as the seed's, means its `config` file as it is now). Not the other file as
it is on disk: an edit there runs only once that manager restarts or reloads, and is
checked then. An error-level finding (XM001-XM003) refuses the candidate; the launcher
then runs the seed, reload changes nothing. The other manager's programs are listed
first, so each finding is attached to the refused config.

The launchers of both managers start together at boot: `decision_lock` serialises
their decisions, so the second one to decide sees the first one's record.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from workloadctl.checks.cross_manager import check_cross_manager
from workloadctl.checks.programs import Manager, ProgramSpec
from workloadctl.findings import Finding, Severity
from workloadctl.managers import MANAGERS
from workloadctl.managers.environment import manager_environment
from workloadctl.runtime.decision import (
    Decision,
    Loader,
    decision_path,
    default_loader,
    loaded_once,
    read_decision,
    seed_config_path,
)
from workloadctl.runtime.finish_lock import flock_within
from workloadctl.settings import Settings

# A loader for each manager, bound to that manager's environment.
LoaderFor = Callable[[Manager], Loader]
# Builds a manager's loader from its environment and working directory.
LoaderFactory = Callable[[Manager, Mapping[str, str], Path | None], Loader]
# Long enough for the other launcher's decision (validating a large config), short
# enough that a stuck launcher never keeps this one from starting at all.
LOCK_WAIT_SECONDS = 30.0
# At boot the second launcher waits here for the first one's decision (~60-150 ms): a
# coarse poll would add up to one step to the start of its manager.
LOCK_POLL_SECONDS = 0.005


def launcher_loaders(
    settings: Settings,
    base_env: Mapping[str, str],
    factory: LoaderFactory = default_loader,
    *,
    known: Mapping[Manager, Loader] | None = None,
) -> LoaderFor:
    """Each manager's loader, bound to the environment its launcher gives it, reading each
    file once (`known`: loaders the caller built already)."""
    loaders = dict(known or {})

    def loader_for(name: Manager) -> Loader:
        if name not in loaders:
            env = manager_environment(settings, name, for_validation=False, base=base_env)
            loaders[name] = loaded_once(factory(name, env, settings.project_root))
        return loaders[name]

    return loader_for


def other_managers(manager: Manager) -> tuple[Manager, ...]:
    return tuple(name for name in MANAGERS if name != manager)


def _is_port_variable(name: str) -> bool:
    upper = name.upper()
    return upper == "PORT" or upper.endswith("_PORT")


def program_as_json(program: ProgramSpec) -> dict[str, Any]:
    """What the cross-manager rules compare; of the environment only the port variables
    (the record is readable by the control group, the rest may hold secrets)."""
    return {
        "name": program.name,
        "argv": list(program.argv),
        "file": program.file,
        "line": program.line,
        "environment": {k: v for k, v in program.environment.items() if _is_port_variable(k)},
        "autostart": program.autostart,
        "disabled": program.disabled,
        "working_dir": program.working_dir,
    }


def program_from_json(manager: Manager, data: Any) -> ProgramSpec | None:
    try:
        line = data.get("line")
        environment = data.get("environment") or {}
        return ProgramSpec(
            manager=manager,
            name=str(data["name"]),
            argv=tuple(str(word) for word in data["argv"]),
            file=str(data["file"]),
            line=int(line) if line is not None else None,
            environment={str(k): str(v) for k, v in environment.items()},
            autostart=bool(data.get("autostart", True)),
            disabled=bool(data.get("disabled", False)),
            working_dir=str(data["working_dir"]) if data.get("working_dir") else None,
        )
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


def record_programs(settings: Settings, manager: Manager, programs: list[ProgramSpec]) -> None:
    """Add the programs `manager` now runs to its decision record. Raises OSError."""
    record = read_decision(settings, manager)
    if record is None:
        return
    record.with_programs([program_as_json(program) for program in programs]).write(
        decision_path(settings, manager)
    )


def running_programs(
    settings: Settings, manager: Manager, loader_for: LoaderFor
) -> list[ProgramSpec]:
    """What `manager` runs now, per its decision record: none when its launcher did not
    start it (missing binary, switched off, no record); the recorded programs; else
    (the seed, an older record) its config file read now."""
    record = read_decision(settings, manager)
    if record is None or not record.started:
        return []
    if record.programs is not None:
        found = (program_from_json(manager, entry) for entry in record.programs)
        return [program for program in found if program is not None]
    path = Path(record.config) if record.config else None
    if path is None or not path.is_file():
        return []
    return loader_for(manager)(path).programs


def conflicts_of(
    manager: Manager, candidate: list[ProgramSpec], settings: Settings, loader_for: LoaderFor
) -> list[Finding]:
    """The errors `validate` would report across managers if `manager` ran the
    `candidate` programs beside what the other managers run now: each would start a
    second copy."""
    others = other_managers(manager)
    running = [p for m in others for p in running_programs(settings, m, loader_for)]
    if not running:
        return []
    programs = (*running, *candidate)
    # One realpath per file, not per program: a config's programs share its file.
    real_paths = {file: os.path.realpath(file) for file in {p.file for p in programs}}
    # Each program at the file the user edits: under `workloadctl up` the launcher reads
    # the repository through a link in the state dir (S/home/USER/REPO), which no one
    # edits; in the container the path is already the real one.
    findings = check_cross_manager([replace(p, file=real_paths[p.file]) for p in programs])
    return [f for f in findings if f.severity is Severity.ERROR]


def refuse_duplicates(
    decision: Decision, settings: Settings, loader_for: LoaderFor
) -> tuple[Decision, list[ProgramSpec]]:
    """(`decision`, the programs it runs) when it is not the project config or conflicts
    with nothing; else (the seed, with the conflicts as its findings: the banner shows
    them and the fix; no programs: the seed's are read from its file when needed)."""
    if decision.source != "project":
        return decision, []
    programs = loader_for(decision.manager)(decision.config).programs
    conflicts = conflicts_of(decision.manager, programs, settings, loader_for)
    if not conflicts:
        return decision, programs
    other = " or ".join(other_managers(decision.manager))
    codes = ", ".join(sorted({finding.code for finding in conflicts}))
    refused = replace(
        decision,
        source="seed",
        config=seed_config_path(settings, decision.manager),
        reason=f"the project config defines a program {other} already runs ({codes})",
        findings=(*conflicts, *decision.findings),
    )
    return refused, []


def lock_path(settings: Settings) -> Path:
    return settings.decisions_dir / ".lock"


@contextlib.contextmanager
def decision_lock(
    settings: Settings,
    *,
    wait: float = LOCK_WAIT_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[bool]:
    """Hold the launchers' decision lock; yields whether it was taken. Without it (an
    unwritable state dir, or another launcher holding it past `wait`) the decision goes
    ahead unserialised: starting a manager matters more than the boot-time race."""
    path = lock_path(settings)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError:
        yield False
        return
    try:
        yield flock_within(
            descriptor,
            fcntl.LOCK_EX,
            wait,
            poll=LOCK_POLL_SECONDS,
            sleep=time.sleep,
            clock=clock,
        )
    finally:
        os.close(descriptor)  # releases the lock


__all__ = [
    "LoaderFactory",
    "LoaderFor",
    "conflicts_of",
    "decision_lock",
    "launcher_loaders",
    "other_managers",
    "record_programs",
    "refuse_duplicates",
    "running_programs",
]
