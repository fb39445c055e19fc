"""A machine the doctor's unit tests describe instead of probing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from workloadctl.doctor.system import Completed


@dataclass
class FakeSystem:
    programs: dict[str, str] = field(default_factory=dict)  # name -> path
    answers: dict[str, Completed] = field(default_factory=dict)  # argv[0] basename -> result
    uid: int = 0
    pid1: str | None = "s6-svscan"
    busy_ports: dict[int, list[int]] = field(default_factory=dict)  # port -> holder pids
    parents: dict[int, list[int]] = field(default_factory=dict)
    namespaces: dict[int, str] = field(default_factory=dict)
    ran: list[list[str]] = field(default_factory=list)
    on_run: Callable[[Sequence[str]], Completed] | None = None

    def which(self, name: str) -> str | None:
        return self.programs.get(name)

    def run(self, argv: Sequence[str], timeout: float = 15.0) -> Completed:
        self.ran.append(list(argv))
        if self.on_run is not None:
            return self.on_run(argv)
        key = argv[0].rsplit("/", 1)[-1]
        return self.answers.get(key, Completed(None, "", f"{key}: not faked"))

    def euid(self) -> int:
        return self.uid

    def pid1_name(self) -> str | None:
        return self.pid1

    def port_in_use(self, port: int) -> bool:
        return port in self.busy_ports

    def port_holders(self, port: int) -> list[int]:
        return self.busy_ports.get(port, [])

    def describe_process(self, pid: int) -> str:
        return f"proc-{pid}"

    def ancestors(self, pid: int) -> list[int]:
        return self.parents.get(pid, [])

    def same_pid_namespace(self, first: int, second: int) -> bool:
        a, b = self.namespaces.get(first), self.namespaces.get(second)
        return a is not None and a == b


S6_ALL = {
    name: f"/usr/bin/{name}"
    for name in (
        "s6-svscan",
        "s6-svscanctl",
        "s6-supervise",
        "s6-svc",
        "s6-svok",
        "s6-svstat",
        "s6-svwait",
        "execlineb",
        "unshare",
    )
}
