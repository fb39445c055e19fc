"""`up` checks the ports its configs want before it starts anything."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from workloadctl import settings as S
from workloadctl.cli import main
from workloadctl.doctor.port_preflight import busy_ports, refusal, wanted_by_up
from workloadctl.doctor.ports import WantedPort
from workloadctl.doctor.system import Completed
from workloadctl.runtime.own_command import workloadctl_program
from workloadctl.runtime.stack_registry import StackEntry

# How the tool names itself in the commands it prints (a checkout's .venv/bin/workloadctl).
PROGRAM = workloadctl_program()


@dataclass
class Machine:
    """Just what the port check asks: who listens where, and who descends from whom."""

    listening: dict[int, list[int]] = field(default_factory=dict)
    parents: dict[int, list[int]] = field(default_factory=dict)

    def which(self, name: str) -> str | None:
        return None

    def run(self, argv: Sequence[str], timeout: float = 15.0) -> Completed:
        return Completed(None, "", "")

    def euid(self) -> int:
        return 0

    def pid1_name(self) -> str | None:
        return None

    def port_in_use(self, port: int) -> bool:
        return port in self.listening

    def port_holders(self, port: int) -> list[int]:
        return self.listening[port]

    def describe_process(self, pid: int) -> str:
        return f"cmd-{pid}"

    def ancestors(self, pid: int) -> list[int]:
        return self.parents.get(pid, [])

    def same_pid_namespace(self, first: int, second: int) -> bool:
        return False


WEB_UI = WantedPort(
    9001,
    ["supervisord web UI (workloads/supervisord/project.conf)"],
    ["workloads/supervisord/project.conf"],
)
SITE = WantedPort(
    8000,
    ["process-compose process 'static-site' (workloads/process-compose/project.yaml:30)"],
    ["workloads/process-compose/project.yaml:30"],
)
OTHER_STACK = StackEntry("/srv/stack-a", "/srv/repo", 500, 0.0, 0.0)


def test_free_ports_refuse_nothing() -> None:
    assert busy_ports([WEB_UI, SITE], Machine(), [OTHER_STACK]) == []


def test_a_port_held_by_another_stack_names_it_and_its_down_command() -> None:
    machine = Machine(listening={9001: [777]}, parents={777: [500, 499, 1]})
    busy = busy_ports([WEB_UI, SITE], machine, [OTHER_STACK])
    assert [b.wanted.port for b in busy] == [9001]
    text = refusal(busy)
    assert text.splitlines()[0] == "1 port the configs want is in use; nothing started"
    assert "port 9001 (wanted by supervisord web UI (workloads/supervisord/project.conf))" in text
    assert "the workloadctl stack in /srv/stack-a (s6-svscan PID 500: PID 777 cmd-777)" in text
    assert f"stop it with `{PROGRAM} down --state-dir /srv/stack-a`" in text
    assert "kill" not in text


def test_a_port_held_by_something_else_names_the_process() -> None:
    machine = Machine(listening={9001: [777], 8000: [4242]}, parents={777: [500], 4242: [1]})
    text = refusal(busy_ports([WEB_UI, SITE], machine, [OTHER_STACK]))
    assert text.splitlines()[0] == "2 ports the configs want are in use; nothing started"
    assert (
        "port 8000 (wanted by process-compose process 'static-site' "
        "(workloads/process-compose/project.yaml:30)) is in use by PID 4242 (cmd-4242); stop "
        "it or change the port in workloads/process-compose/project.yaml:30"
    ) in text


def test_a_holder_nobody_may_see() -> None:
    text = refusal(busy_ports([WEB_UI], Machine(listening={9001: []}), []))
    assert "by a process this user cannot see" in text


def test_the_ports_of_the_template_and_a_switched_off_manager(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path)]) == 0
    capsys.readouterr()
    top = tmp_path / "state"
    ports = {w.port for w in wanted_by_up(tmp_path, top, {})}
    assert {9001, 4035, 8000} <= ports  # web UI, code-server, static-site
    off = {S.ENV_ENABLE_PROCESS_COMPOSE: "0"}
    assert 8000 not in {w.port for w in wanted_by_up(tmp_path, top, off)}
