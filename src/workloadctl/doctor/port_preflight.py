"""Before `workloadctl up` starts anything: are the TCP ports its configs want free?

A manager whose port is taken does not fail where `up` would see it: supervisord exits
at once on its web UI's port, s6 restarts it, forever, while `up` says the stack is up.
So `up` checks first, with the doctor's reading of the configs (`doctor.ports`: the config
the launcher would run, supervisord's `[inet_http_server]` port and every port the
cross-manager rules find in a program's command and environment) and refuses, naming
each port, who holds it, and, for another stack of ours, the `down` command that stops
it. process-compose's API is a unix socket (the launcher passes -u): no TCP port.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from workloadctl import settings as S
from workloadctl.doctor.ports import WantedPort, running_configs, wanted_ports
from workloadctl.doctor.system import DoctorSystem
from workloadctl.errors import WorkloadctlError
from workloadctl.managers.layout import validation_settings
from workloadctl.runtime.boot import switch_is_off
from workloadctl.runtime.local_stack import LocalLayout
from workloadctl.runtime.stack_registry import StackEntry, stack_holding


@dataclass(frozen=True)
class Holder:
    pid: int
    command: str
    stack: StackEntry | None  # the stack of ours it belongs to, if any


@dataclass(frozen=True)
class BusyPort:
    wanted: WantedPort
    holders: tuple[Holder, ...]  # empty: this user cannot see who listens there

    def describe(self) -> str:
        head = f"port {self.wanted.port} (wanted by {self.wanted.describe()}) is in use"
        if not self.holders:
            return (
                f"{head} by a process this user cannot see (another user's, or outside this "
                "PID namespace); stop it or change the port"
            )
        stacks = list(dict.fromkeys(h.stack for h in self.holders if h.stack is not None))
        others = [h for h in self.holders if h.stack is None]
        parts = [
            f"the workloadctl stack in {stack.top} (s6-svscan PID {stack.svscan_pid}: "
            + ", ".join(f"PID {h.pid} {h.command}" for h in self.holders if h.stack == stack)
            + f"); stop it with `{stack.down_command}`"
            for stack in stacks
        ]
        if others:
            shown = ", ".join(f"PID {h.pid} ({h.command})" for h in others)
            where = ", ".join(dict.fromkeys(self.wanted.config_lines))
            parts.append(f"{shown}; stop it or change the port in {where}")
        return f"{head} by " + "; and by ".join(parts)


def wanted_by_up(root: Path, top: Path, env: Mapping[str, str]) -> list[WantedPort]:
    """The ports the stack `up` is about to start would listen on (managers switched off
    by their $WORKLOADCTL_ENABLE_* variable excluded)."""
    layout_env = LocalLayout.create(root, top).environment(env)
    # As the doctor does: the repository is `root` itself, not the link `up` creates later.
    settings = S.Settings.from_env({**layout_env, S.ENV_ROOT: env.get(S.ENV_ROOT, "")})
    configs = [
        choice
        for choice in running_configs(root, validation_settings(settings, root))
        if not switch_is_off(env.get(S.ENABLE_SWITCHES[choice.manager]))
    ]
    return wanted_ports(configs, root)


def busy_ports(
    wanted: list[WantedPort], system: DoctorSystem, stacks: list[StackEntry]
) -> list[BusyPort]:
    busy: list[BusyPort] = []
    for entry in wanted:
        if not system.port_in_use(entry.port):
            continue
        holders = tuple(
            Holder(
                pid,
                system.describe_process(pid),
                stack_holding(pid, stacks, system.ancestors, system.same_pid_namespace),
            )
            for pid in system.port_holders(entry.port)
        )
        busy.append(BusyPort(entry, holders))
    return busy


def refusal(busy: list[BusyPort]) -> str:
    """One line per port in use, after one saying that nothing was started."""
    count = f"{len(busy)} port{'s' if len(busy) > 1 else ''}"
    lines = [f"{count} the configs want {'are' if len(busy) > 1 else 'is'} in use; nothing started"]
    lines += [f"  {port.describe()}" for port in busy]
    return "\n".join(lines)


def refuse_busy_ports(root: Path, top: Path, env: Mapping[str, str]) -> None:
    """Raise (naming each port and who holds it) when a port the stack wants is in use."""
    from workloadctl.doctor.system import RealSystem
    from workloadctl.runtime.stack_registry import live_stacks

    wanted = wanted_by_up(root, top, env)
    system = RealSystem(env)
    if not any(system.port_in_use(entry.port) for entry in wanted):
        return
    busy = busy_ports(wanted, system, live_stacks(env))
    if busy:
        raise WorkloadctlError(refusal(busy))
