"""All the doctor's checks, in the order a newcomer would fix them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from workloadctl import settings as S
from workloadctl.doctor.configs import check_configs
from workloadctl.doctor.model import Check, passed
from workloadctl.doctor.permissions import check_private_dir, check_secrets, check_sockets
from workloadctl.doctor.ports import (
    WantedPort,
    check_port,
    manager_pids,
    running_configs,
    running_owners,
    wanted_ports,
)
from workloadctl.doctor.system import DoctorSystem
from workloadctl.doctor.tools import (
    check_execline,
    check_finish_programs,
    check_manager,
    check_pid1,
    check_pid_namespace,
    check_s6,
    check_unshare,
)
from workloadctl.managers import KINDS, MANAGERS
from workloadctl.managers.layout import validation_settings
from workloadctl.runtime.decision_record import read_decision
from workloadctl.runtime.local_stack import LocalLayout, StackRecord, default_top, find_record
from workloadctl.runtime.own_command import own_command, stack_command
from workloadctl.runtime.stack_registry import StackEntry, live_stacks


@dataclass(frozen=True)
class DoctorContext:
    root: Path  # the repository whose configs say which ports are wanted
    settings: S.Settings  # where the state dir, secrets and sockets are
    record: StackRecord | None  # the local stack (`workloadctl up`), when one is recorded
    env: Mapping[str, str]
    # Set when doctor was run outside a repository using workloadctl and found no stack:
    # the one failing check said instead of checking `root` (the working directory) as one.
    outside: Check | None = None


def context_for(
    state_dir: Path | None,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    *,
    root: Path | None = None,
) -> DoctorContext:
    """Where to look. In the container: its own paths. Elsewhere: the local stack's state
    dir (--state-dir, else $WORKLOADCTL_STATE_DIR, else .state/ of the repository: --root,
    else the one around `cwd`), read through the record `up` leaves there, or laid out as
    `up` would lay it out. Outside any repository using workloadctl, without --state-dir:
    the one stack running on this machine, else nothing (`outside` says what to pass)."""
    # Ours over the container's: sudo drops UNAME and the WORKLOADCTL_* the image set.
    env = S.process_environment() if env is None else dict(env)
    base = S.Settings.from_env(env)
    if base.in_container and state_dir is None:
        root = root or base.project_root or S.find_repo_root(cwd, env)
        return DoctorContext(root, base, None, env)
    explicit_root = root is not None
    root = (root or S.find_repo_root(cwd, env)).resolve()
    top = (state_dir or default_top(root, env)).resolve()
    record = find_record(top)
    if record is None and state_dir is None and not explicit_root:
        outside = _outside_repository(root, env)
        if outside is not None:
            stacks = live_stacks(env)
            if len(stacks) == 1:  # found another way: the only stack on this machine
                top = Path(stacks[0].top)
                record = find_record(top)
            if record is None:
                problem = Check("repository", False, outside, _what_to_pass(stacks))
                return DoctorContext(root, base, None, env, outside=problem)
    if record is not None:
        # The account and repository its services run with too, as settings_for takes them:
        # the supervisord login is the stack's UNAME, whoever runs doctor.
        layout_env = {**env, **record.stack_env}
        return DoctorContext(Path(record.root), S.Settings.from_env(layout_env), record, env)
    layout_env = LocalLayout.create(root, top).environment(env)
    settings = S.Settings.from_env({**layout_env, S.ENV_ROOT: env.get(S.ENV_ROOT, "")})
    return DoctorContext(root, settings, None, env)


def _outside_repository(root: Path, env: Mapping[str, str]) -> str | None:
    """Why `root` (found from the working directory) is no repository using workloadctl;
    None when it is one, or $WORKLOADCTL_ROOT / $WORKLOADCTL_STATE_DIR say where to look."""
    if env.get(S.ENV_ROOT) or env.get(S.ENV_STATE_DIR) or (root / S.DEVCONTAINER_DIR).is_dir():
        return None
    return (
        f"{root} is not inside a repository using workloadctl (no {S.DEVCONTAINER_DIR}/ "
        "at its git top level): no configs to check, and no stack found to check"
    )


def _what_to_pass(stacks: list[StackEntry]) -> str:
    """What to pass instead: a stack that runs (there is more than one), or --root."""
    root = own_command("doctor", "--root", "REPO")
    if not stacks:
        state = own_command("doctor", "--state-dir", "DIR")
        return f"run doctor inside the repository, or pass it: `{root}` (a stack's: `{state}`)"
    named = ", ".join(f"`{own_command('doctor', top=entry.top)}`" for entry in stacks)
    return f"{len(stacks)} stacks run on this machine: pass one ({named}), or `{root}`"


def _unless_switched_off(
    manager: str,
    settings: S.Settings,
    check: Callable[[DoctorSystem, Mapping[str, str]], Check],
    system: DoctorSystem,
    env: Mapping[str, str],
) -> Check:
    """A manager switched off on purpose needs no binary: say so instead of checking it."""
    marker = settings.disabled_marker(manager)
    try:
        off = marker.exists()
    except OSError:
        off = False
    if off:
        return passed(
            manager,
            f"switched off ({marker} exists, from {S.ENABLE_SWITCHES[manager]}=0): not checked",
        )
    return check(system, env)


def _tool_checks(context: DoctorContext, system: DoctorSystem) -> list[Check]:
    """The binaries and the kernel: what any stack on this machine needs."""
    settings = context.settings
    in_container = settings.in_container
    checks = [
        check_s6(system, in_container=in_container),
        check_execline(system, in_container=in_container),
        *(
            _unless_switched_off(
                name, settings, partial(check_manager, KINDS[name]), system, context.env
            )
            for name in MANAGERS
        ),
    ]
    if in_container:
        checks += [check_pid1(system), check_finish_programs(system)]
    else:
        checks += [check_unshare(system), check_pid_namespace(system)]
    return checks


def port_checks(context: DoctorContext, system: DoctorSystem) -> list[tuple[WantedPort, Check]]:
    """Each TCP port the configs want, with its check (who holds it, what frees it).
    Also what `start`/`restart` name as the cause of a manager that keeps dying."""
    if not (context.root / S.DEVCONTAINER_DIR).is_dir():
        return []
    settings = context.settings
    in_container = settings.in_container
    vsettings = validation_settings(settings, context.root)
    configs = running_configs(context.root, vsettings)
    wanted = wanted_ports(configs, context.root)
    busy = any(system.port_in_use(entry.port) for entry in wanted)
    running = running_owners(settings) if busy else frozenset()
    stacks = live_stacks(context.env) if busy else []
    managers = manager_pids(settings) if busy and in_container else None
    return [
        (
            entry,
            _with_quarantine(
                context,
                entry,
                check_port(
                    system,
                    entry,
                    context.record,
                    in_container=in_container,
                    running=running,
                    stacks=stacks,
                    managers=managers,
                ),
            ),
        )
        for entry in wanted
    ]


def held_port_cause(settings: S.Settings, record: StackRecord | None, manager: str) -> str | None:
    """The doctor's word on a port `manager` itself wants (its web UI) that something else
    holds: who, and what frees it; None when none is held. What `start`/`restart` name as
    the cause of a manager that keeps dying (commands pass it to the control layer)."""
    from workloadctl.doctor.system import RealSystem

    root = Path(record.root) if record is not None else settings.project_root
    if root is None:
        return None
    env = S.process_environment()
    context = DoctorContext(root, settings, record, env)
    for wanted, check in port_checks(context, RealSystem(env)):
        if manager in wanted.owners and not check.ok:
            return f"{check.name} is {check.detail}; fix: {check.fix}"
    return None


def _with_quarantine(context: DoctorContext, wanted: WantedPort, check: Check) -> Check:
    """A held port that got its manager quarantined: freeing it is not enough, the
    quarantine must be lifted too (the launcher's decision record says it is in force)."""
    if check.ok or check.fix is None:
        return check
    for manager in MANAGERS:
        if manager not in wanted.owners:
            continue
        decision = read_decision(context.settings, manager)
        if decision is None or decision.quarantine is None:
            continue
        again = stack_command(context.settings, "restart", manager, "--clear-quarantine")
        detail = (
            f"{check.detail}; {manager} is quarantined and runs its SEED config ({decision.reason})"
        )
        fix = f"{check.fix}; then `{again}`"
        return replace(check, detail=detail, fix=fix)
    return check


def run_checks(context: DoctorContext, system: DoctorSystem) -> list[Check]:
    settings = context.settings
    in_container = settings.in_container
    if context.outside is not None:
        # Nothing here to check as a repository or a stack: say so once, plainly, instead
        # of `init` for the working directory and a state dir under it.
        return [*_tool_checks(context, system), context.outside]
    checks = _tool_checks(context, system)
    stack = settings if in_container or context.record is not None else None
    checks.append(check_configs(context.root, context.env, stack))
    checks += [check for _, check in port_checks(context, system)]
    checks += [
        check_private_dir("state-dir", settings.state_dir, settings.control_group),
        check_secrets(settings.secrets_dir, settings.control_group),
        check_sockets(settings),
    ]
    return checks
