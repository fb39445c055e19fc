"""`workloadctl reload`: apply an edited config to a running manager, or refuse it.

For each manager, first decide exactly as the launcher would at its next start
(`runtime.decision.decide` with the launcher's loader, environment and quarantine
policy). Then:

- on the project config, and the project config still wins: apply the change in place
  (see `reload_apply`); the manager keeps its PID and untouched programs keep theirs;
- on the project config, and it no longer wins (invalid, gone, quarantined): refuse and
  change nothing;
- on the seed, and the project config now wins: restart the manager through s6 so the
  launcher switches it (see `reload_switch`);
- on the seed, and the project config still loses: refuse when it has errors, else
  (no project config at all) nothing to do.

Finding codes (documented in docs/reload.md):
RLD001 the project config a manager runs has disappeared; reload refused.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Sequence
from pathlib import Path

from workloadctl.control.config_drift import shown_path
from workloadctl.control.context import ControlContext
from workloadctl.control.reload_model import (
    Action,
    ManagerReload,
    ReloadReport,
    ReloadWorld,
)
from workloadctl.control.reload_switch import switch_to_project
from workloadctl.envdir import read_envdir
from workloadctl.errors import WorkloadctlError
from workloadctl.findings import Finding, error
from workloadctl.manager_names import PROGRAM_NOUN, Manager
from workloadctl.managers import MANAGERS
from workloadctl.managers.reload_apply import (
    PartialReloadError,
)
from workloadctl.runtime.cross_policy import (
    LoaderFor,
    conflicts_of,
    launcher_loaders,
    record_programs,
)
from workloadctl.runtime.decision import (
    CODE_PROJECT_MISSING,
    Decision,
    decide,
    decision_path,
    read_decision,
)
from workloadctl.runtime.decision_record import DecisionRecord, Source
from workloadctl.runtime.local_stack import StackRecord
from workloadctl.runtime.own_command import stack_command
from workloadctl.runtime.quarantine import policy_from_env
from workloadctl.settings import (
    DEFAULT_CONTAINER_ENV_DIR,
    ENABLE_SWITCHES,
    ENV_CONTAINER_ENV_DIR,
    Settings,
)

CODE_PROJECT_GONE = "RLD001"


def launcher_base_env(
    record: StackRecord | None, *, container_env_dir: Path | None = None
) -> dict[str, str]:
    """The environment the managers' launchers start from, so a config is checked with the
    same `%(ENV_X)s` / `${X}` values it runs with: the local runner's recorded service
    environment, or in the container ours overlaid with s6-overlay's container environment
    (read as `with-contenv` reads it)."""
    if record is not None:
        return dict(record.env)
    directory = container_env_dir or Path(
        os.environ.get(ENV_CONTAINER_ENV_DIR) or DEFAULT_CONTAINER_ENV_DIR
    )
    return {**os.environ, **read_envdir(directory)}


def decide_now(manager: Manager, world: ReloadWorld, loader_for: LoaderFor) -> Decision:
    """What the launcher would choose if `manager` started right now (never raises)."""
    policy, problems = policy_from_env(world.base_env)
    return decide(
        manager, world.settings, loader=loader_for(manager), policy=policy, extra_findings=problems
    )


def cross_manager_conflicts(
    decision: Decision, world: ReloadWorld, loader_for: LoaderFor
) -> list[Finding]:
    """What `validate` would say across managers if the project config `decision` chose
    ran beside the config the other manager runs now (the launcher's policy too: a program
    never runs in both managers)."""
    programs = loader_for(decision.manager)(decision.config).programs
    return conflicts_of(decision.manager, programs, world.settings, loader_for)


def _note_programs(decision: Decision, world: ReloadWorld, loader_for: LoaderFor) -> None:
    """Record what the manager runs after the reload, for the other manager's launcher
    and reload to compare with (runtime.cross_policy); the decision loaded them already."""
    with contextlib.suppress(OSError):
        programs = loader_for(decision.manager)(decision.config).programs
        record_programs(world.settings, decision.manager, programs)


def _switched_off(manager: Manager, settings: Settings, *, explicit: bool) -> ManagerReload:
    marker = settings.disabled_marker(manager)
    why = f"{manager} is switched off ({marker} exists, from {ENABLE_SWITCHES[manager]}=0)"
    if explicit:
        return ManagerReload(
            manager, "error", f"{why}; start it with `{stack_command(settings, 'start', manager)}`"
        )
    return ManagerReload(manager, "unchanged", f"{why}; not reloaded")


def _down_reason(manager: Manager, world: ReloadWorld) -> tuple[str | None, int | None]:
    """(why the manager cannot take a reload, its PID as s6 sees it)."""
    service = world.service(manager)
    try:
        state = world.service_state(service)
    except WorkloadctlError:
        return f"{manager} is not running: s6 does not supervise {service} (is the stack up?)", None
    if not state.up:
        return (
            f"{manager} is down (s6 service {service}); "
            f"start it with `{stack_command(world.settings, 'start', manager)}`",
            None,
        )
    return None, state.pid


def _note_reload(
    settings: Settings, manager: Manager, decision: Decision, *, restart_pending: bool
) -> None:
    """Keep the decision record true to what runs: `finish` charges a later crash to the
    recorded file hash, and `status` shows the record (and the restart still pending)."""
    record = read_decision(settings, manager)
    if record is None:
        return
    updated = record.reloaded(
        project_sha256=decision.project_sha256,
        findings=decision.findings,
        now=time.time(),
        restart_pending=restart_pending,
    )
    with contextlib.suppress(OSError):  # a stale record must not turn a done reload into an error
        updated.write(decision_path(settings, manager))


def _refuse(
    manager: Manager, decision: Decision, settings: Settings, *, on: Source
) -> ManagerReload:
    findings = list(decision.findings)
    if on == "project":
        if not decision.errors and decision.project_config is not None:
            # Missing is only a warning at start (the seed takes over); here it would
            # mean re-reading a file that is not there.
            findings.append(
                error(
                    decision.project_config,
                    None,
                    CODE_PROJECT_GONE,
                    f"{manager} runs this project config, which no longer exists; "
                    f"restore it, or run `{stack_command(settings, 'restart', manager)}` "
                    "to move to the seed",
                )
            )
        tail = "nothing was changed and every program keeps running"
    else:
        tail = f"{manager} stays on its seed config"
    return ManagerReload(
        manager, "refused", f"{decision.reason}; {tail}", config=on, findings=findings
    )


def _reload_in_place(
    manager: Manager,
    world: ReloadWorld,
    decision: Decision,
    loader_for: LoaderFor,
    running: DecisionRecord,
) -> ManagerReload:
    """Apply the project config to the manager running on it (`running`: its record)."""
    findings: list[Finding] = list(decision.findings)
    try:
        applied = world.live(manager, world.settings).apply()
    except PartialReloadError as exc:
        applied = exc.applied
        applied.problems.append(str(exc))
    except WorkloadctlError as exc:
        return ManagerReload(manager, "error", str(exc), config="project", findings=findings)
    shown = shown_path(decision.config, world.settings.project_root)
    noun = PROGRAM_NOUN[manager]
    restart = f"`{stack_command(world.settings, 'restart', manager)}`"
    settings_changed = _settings_changed(running, decision, applied_nothing=applied.nothing)
    if applied.problems:
        action: Action = "error"
        message = "; ".join(applied.problems)
    elif applied.nothing and settings_changed:
        # The file changed, yet the manager found nothing to apply: the edit is in the
        # settings it reads only at start ([inet_http_server], process-compose's log
        # settings...). The record keeps the hash the manager really runs.
        action = "unchanged"
        message = (
            f"{shown} changed, but not in its {noun} definitions: {manager} reads its other "
            f"settings only at start; to apply them, run {restart}"
        )
    else:
        _note_reload(world.settings, manager, decision, restart_pending=settings_changed)
        _note_programs(decision, world, loader_for)
        action = "unchanged" if applied.nothing else "reloaded"
        message = (
            f"{shown} has no change to apply"
            if applied.nothing
            else f"applied {shown} without restarting {manager}"
        )
        if settings_changed:
            # Programs applied in the same edit must not hide the rest of it.
            message += (
                f"; {shown} also changed outside its {noun} definitions: {manager} reads "
                f"those settings only at start; to apply them, run {restart}"
            )
    return ManagerReload(
        manager,
        action,
        message,
        config="project",
        added=applied.added,
        changed=applied.changed,
        removed=applied.removed,
        findings=findings,
        restart_needed=bool(settings_changed) and not applied.problems,
    )


def _settings_changed(
    running: DecisionRecord, decision: Decision, *, applied_nothing: bool
) -> bool:
    """Whether the edit touches what the manager reads only at start: the digests of the
    file outside its program definitions, the one it started with against the new one.
    A record without one (an older launcher's) can only tell when the manager found
    nothing to apply in a file that changed."""
    if running.settings_sha256 is not None and decision.settings_sha256 is not None:
        return running.settings_sha256 != decision.settings_sha256
    running_sha256 = running.project_sha256
    return applied_nothing and running_sha256 not in (None, decision.project_sha256)


def _from_seed(
    manager: Manager, world: ReloadWorld, decision: Decision, pid: int | None
) -> ManagerReload:
    if decision.source == "project":
        return switch_to_project(manager, world, pid)
    if decision.errors:
        return _refuse(manager, decision, world.settings, on="seed")
    missing = any(f.code == CODE_PROJECT_MISSING for f in decision.findings)
    why = "there is no project config" if missing else decision.reason
    return ManagerReload(
        manager,
        "unchanged",
        f"{why}; {manager} stays on its seed config",
        config="seed",
        findings=list(decision.findings),
    )


def reload_manager(manager: Manager, world: ReloadWorld, *, explicit: bool) -> ManagerReload:
    """Validate, then apply, switch or refuse for one manager. Never raises for a
    manager's or a file's problem: those are the result's action and message."""
    settings = world.settings
    if settings.disabled_marker(manager).exists():
        return _switched_off(manager, settings, explicit=explicit)
    down, pid = _down_reason(manager, world)
    if down is not None:
        return ManagerReload(manager, "error", down)
    loader_for = launcher_loaders(settings, world.base_env, world.loader_for)
    decision = decide_now(manager, world, loader_for)
    if decision.source == "project" and (
        conflicts := cross_manager_conflicts(decision, world, loader_for)
    ):
        return ManagerReload(
            manager,
            "refused",
            "the project config would run a program the other manager already runs; "
            "nothing was changed and every program keeps running",
            findings=[*decision.findings, *conflicts],
        )
    record = read_decision(settings, manager)
    source = record.started_source if record is not None else None
    if record is not None and source == "project":
        if decision.source != "project":
            return _refuse(manager, decision, settings, on="project")
        return _reload_in_place(manager, world, decision, loader_for, record)
    if source == "seed":
        return _from_seed(manager, world, decision, pid)
    return ManagerReload(
        manager,
        "error",
        f"no usable launch decision at {decision_path(settings, manager)}; "
        f"restart {manager} with `{stack_command(settings, 'restart', manager)}`",
        findings=list(decision.findings),
    )


def reload_stack(world: ReloadWorld, managers: Sequence[Manager] | None = None) -> ReloadReport:
    """Reload the named managers, or both (skipping one that is switched off)."""
    explicit = bool(managers)
    chosen: Sequence[Manager] = managers if managers else MANAGERS
    report = ReloadReport()
    for manager in chosen:
        report.managers.append(reload_manager(manager, world, explicit=explicit))
    return report


def stack_settings(state_dir: Path | None) -> tuple[Settings, StackRecord | None]:
    """Settings for a command on a running stack; `--state-dir` must name a local stack
    (the same rule as every other control command: `ControlContext.load`)."""
    context = ControlContext.load(state_dir)
    return context.settings, context.record


def world_for(settings: Settings, record: StackRecord | None) -> ReloadWorld:
    return ReloadWorld(settings=settings, base_env=launcher_base_env(record))


__all__ = [
    "CODE_PROJECT_GONE",
    "ManagerReload",
    "ReloadReport",
    "ReloadWorld",
    "decide_now",
    "launcher_base_env",
    "reload_manager",
    "reload_stack",
    "stack_settings",
    "world_for",
]
