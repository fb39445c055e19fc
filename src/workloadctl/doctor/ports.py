"""The TCP ports the configs want, and whether something else already listens there.

Which config: the one the launcher would run, the project config when it has no errors,
else the seed. Wanted ports: supervisord's `[inet_http_server]` (the web UI, 9001) and
every port `cross_manager.ports_of` finds in a program's command and environment, for
programs that do not start automatically too (they would fail when started).

A port held by our own running stack is fine: the holder descends from the local
stack's s6-svscan (or shares its PID namespace), or, in the container, descends from PID 1
(s6-overlay), where a shell from `docker exec` or VS Code never does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from workloadctl import settings as S
from workloadctl.checks.cross_manager import ports_of
from workloadctl.checks.programs import LoadResult
from workloadctl.doctor.model import Check, failed, passed
from workloadctl.doctor.system import DoctorSystem
from workloadctl.errors import WorkloadctlError
from workloadctl.managers import KINDS
from workloadctl.managers import kind as manager_kind
from workloadctl.managers.layout import Kind, Target, load_one
from workloadctl.runtime.local_stack import StackRecord
from workloadctl.runtime.own_command import own_command
from workloadctl.runtime.stack_registry import StackEntry, stack_holding


@dataclass
class WantedPort:
    port: int
    wanted_by: list[str] = field(default_factory=list)  # "supervisord web UI (file:line)"
    config_lines: list[str] = field(default_factory=list)  # where to change it
    # Who wants it, as running_owners names them: MANAGER (supervisord's web UI) or
    # "MANAGER:PROGRAM".
    owners: set[str] = field(default_factory=set)

    def describe(self) -> str:
        return "; ".join(self.wanted_by)


@dataclass(frozen=True)
class ConfigChoice:
    manager: str
    path: Path
    result: LoadResult


def _choose(
    root: Path, settings: S.Settings, kind: Kind, project: Path, seeds: list[Path]
) -> ConfigChoice | None:
    candidates = [root / project] + [s for s in seeds if s.exists()]
    for path in candidates:
        if not path.exists():
            continue
        result = load_one(Target(path, kind), settings)
        if result.ok:
            return ConfigChoice(kind, path, result)
    return None


def running_configs(root: Path, settings: S.Settings) -> list[ConfigChoice]:
    """Per manager, the config the launcher would run (None skipped: nothing valid)."""
    choices = [
        _choose(
            root,
            settings,
            name,
            manager.project_config,
            [root / manager.seed_source, manager.seed_config(settings)],
        )
        for name, manager in KINDS.items()
    ]
    return [c for c in choices if c is not None]


def _shown(path: Path, root: Path) -> str:
    return str(path.relative_to(root) if path.is_relative_to(root) else path)


def wanted_ports(configs: list[ConfigChoice], root: Path) -> list[WantedPort]:
    by_port: dict[int, WantedPort] = {}

    def want(port: int, who: str, where: str, owner: str) -> None:
        entry = by_port.setdefault(port, WantedPort(port))
        entry.wanted_by.append(f"{who} ({where})")
        entry.config_lines.append(where)
        entry.owners.add(owner)

    for choice in configs:
        server = getattr(choice.result, "server", None)
        inet_port = getattr(server, "inet_port", None)
        if isinstance(inet_port, int):
            where = _shown(choice.path, root)
            want(inet_port, f"{choice.manager} web UI", where, choice.manager)
        for program in choice.result.programs:
            kind = manager_kind(program.manager).noun
            where = (
                f"{_shown(Path(program.file), root)}:{program.line}"
                if program.line
                else _shown(Path(program.file), root)
            )
            for port in sorted(ports_of(program)):
                owner = f"{program.manager}:{program.name}"
                want(port, f"{program.manager} {kind} '{program.name}'", where, owner)
    return [by_port[p] for p in sorted(by_port)]


def stack_roots(
    record: StackRecord | None, *, in_container: bool, manager_pids: frozenset[int] | None = None
) -> set[int]:
    """The processes whose descendants are our stack's. In the container: the managers
    (`manager_pids`, as s6 reports them), not PID 1, which also adopts any detached
    process (`setsid`, `nohup ... &` from a closed shell); PID 1 only when s6 could not
    be asked (None)."""
    roots: set[int] = set()
    if record is not None:
        roots.add(record.svscan_pid)
    if in_container:
        roots.update({1} if manager_pids is None else manager_pids)
    return roots


def manager_pids(settings: S.Settings) -> frozenset[int] | None:
    """The running managers' PIDs as s6 reports them (in the container, our PID namespace),
    or None when s6 cannot be asked."""
    from workloadctl.clients import s6

    pids: set[int] = set()
    for manager in KINDS.values():
        try:
            state = s6.state(manager.service(settings))
        except (WorkloadctlError, OSError):
            return None
        if state.up and state.pid is not None:
            pids.add(state.pid)
    return frozenset(pids)


def _is_ours(system: DoctorSystem, pid: int, record: StackRecord | None, roots: set[int]) -> bool:
    if pid in roots or roots.intersection(system.ancestors(pid)):
        return True
    # A program orphaned inside the local stack's namespace is re-parented to its s6-svscan,
    # which the check above sees; this catches one whose parent chain we cannot read.
    return record is not None and system.same_pid_namespace(pid, record.svscan_pid)


def running_owners(settings: S.Settings, timeout: float = 3.0) -> frozenset[str]:
    """What the live managers say runs: MANAGER when it answers (supervisord's web UI),
    and "MANAGER:PROGRAM" for each running program. Empty when none can be asked.

    Without root, /proc does not say who holds a port that root's (or another user's)
    process listens on; the managers do (their clients are imported on use)."""
    owners: set[str] = set()
    for name, manager in KINDS.items():
        try:
            running = manager.live(settings, timeout).running_programs()
        except WorkloadctlError:
            continue
        owners.add(name)
        owners.update(f"{name}:{program}" for program in running)
    return frozenset(owners)


def check_port(
    system: DoctorSystem,
    wanted: WantedPort,
    record: StackRecord | None,
    *,
    in_container: bool,
    running: frozenset[str] = frozenset(),
    stacks: Sequence[StackEntry] = (),
    managers: frozenset[int] | None = None,
) -> Check:
    name = f"port {wanted.port}"
    if not system.port_in_use(wanted.port):
        return passed(name, f"free on 127.0.0.1; wanted by {wanted.describe()}")
    holders = system.port_holders(wanted.port)
    ours = sorted(wanted.owners & running)
    if not holders and ours:
        return passed(
            name,
            f"in use; its manager says {', '.join(ours)} runs (this user cannot see the "
            "listening process itself); that is fine",
        )
    roots = stack_roots(record, in_container=in_container, manager_pids=managers)
    if holders and all(_is_ours(system, pid, record, roots) for pid in holders):
        shown = ", ".join(f"PID {pid} ({system.describe_process(pid)})" for pid in holders)
        return passed(name, f"in use by our own running stack: {shown}; that is fine")
    others = [pid for pid in holders if not _is_ours(system, pid, record, roots)]
    # Another stack of ours (`workloadctl up --state-dir ELSEWHERE`): its `down` stops it
    # cleanly; a kill of its manager only makes s6 restart it.
    holding = {
        pid: stack_holding(pid, stacks, system.ancestors, system.same_pid_namespace)
        for pid in others
    }
    other_stacks = list(dict.fromkeys(s for s in holding.values() if s is not None))
    if other_stacks:
        shown = "; ".join(
            f"the workloadctl stack in {stack.top} (PID "
            + ", ".join(
                f"{pid} {system.describe_process(pid)}" for pid, s in holding.items() if s == stack
            )
            + ")"
            for stack in other_stacks
        )
        return failed(
            name,
            f"in use by {shown}; wanted by {wanted.describe()}",
            " and ".join(f"`{stack.down_command}`" for stack in other_stacks)
            + f" stops it, or change the port in {', '.join(dict.fromkeys(wanted.config_lines))}",
        )
    if others:
        shown = ", ".join(f"PID {pid} ({system.describe_process(pid)})" for pid in others)
        who = f"in use by {shown}"
        stop = f"stop it (kill {' '.join(map(str, others))})"
    else:
        who = (
            "in use by a process this user cannot see (another user's, or outside this PID "
            "namespace: the host or another container sharing this network)"
        )
        stop = (
            f"if you are not root, `sudo {own_command('doctor', top=record.top if record else None)}` "
            "names the process when it is inside; stop it"
        )
    return failed(
        name,
        f"{who}; wanted by {wanted.describe()}",
        f"{stop}, or change the port in {', '.join(dict.fromkeys(wanted.config_lines))}",
    )
