"""All the doctor's checks, in the order a newcomer would fix them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from workloadctl import settings as S
from workloadctl.doctor.configs import check_configs
from workloadctl.doctor.model import Check, passed
from workloadctl.doctor.permissions import check_private_dir, check_secrets, check_sockets
from workloadctl.doctor.ports import (
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
from workloadctl.runtime.local_stack import LocalLayout, StackRecord, default_top, find_record
from workloadctl.runtime.stack_registry import live_stacks


@dataclass(frozen=True)
class DoctorContext:
    root: Path  # the repository whose configs say which ports are wanted
    settings: S.Settings  # where the state dir, secrets and sockets are
    record: StackRecord | None  # the local stack (`workloadctl up`), when one is recorded
    env: Mapping[str, str]


def context_for(
    state_dir: Path | None, cwd: Path, env: Mapping[str, str] | None = None
) -> DoctorContext:
    """Where to look. In the container: its own paths. Elsewhere: the local stack's state
    dir (--state-dir, else $WORKLOADCTL_STATE_DIR, else .state/ of the repository), read
    through the record `up` leaves there, or laid out as `up` would lay it out."""
    # Ours over the container's: sudo drops UNAME and the WORKLOADCTL_* the image set.
    env = S.process_environment() if env is None else dict(env)
    base = S.Settings.from_env(env)
    if base.in_container and state_dir is None:
        root = base.project_root or S.find_repo_root(cwd, env)
        return DoctorContext(root, base, None, env)
    root = S.find_repo_root(cwd, env)
    top = (state_dir or default_top(root, env)).resolve()
    record = find_record(top)
    if record is not None:
        # The account and repository its services run with too, as settings_for takes them:
        # the supervisord login is the stack's UNAME, whoever runs doctor.
        layout_env = {**env, **record.stack_env}
        return DoctorContext(Path(record.root), S.Settings.from_env(layout_env), record, env)
    layout_env = LocalLayout.create(root, top).environment(env)
    settings = S.Settings.from_env({**layout_env, S.ENV_ROOT: env.get(S.ENV_ROOT, "")})
    return DoctorContext(root, settings, None, env)


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


def run_checks(context: DoctorContext, system: DoctorSystem) -> list[Check]:
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
    checks.append(check_configs(context.root, context.env))
    if (context.root / S.DEVCONTAINER_DIR).is_dir():
        vsettings = validation_settings(settings, context.root)
        configs = running_configs(context.root, vsettings)
        wanted = wanted_ports(configs, context.root)
        busy = any(system.port_in_use(entry.port) for entry in wanted)
        running = running_owners(settings) if busy else frozenset()
        stacks = live_stacks(context.env) if busy else []
        managers = manager_pids(settings) if busy and in_container else None
        for entry in wanted:
            checks.append(
                check_port(
                    system,
                    entry,
                    context.record,
                    in_container=in_container,
                    running=running,
                    stacks=stacks,
                    managers=managers,
                )
            )
    checks += [
        check_private_dir("state-dir", settings.state_dir, settings.control_group),
        check_secrets(settings.secrets_dir, settings.control_group),
        check_sockets(settings),
    ]
    return checks
