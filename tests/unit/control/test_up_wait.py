"""`up --detach` waits until both managers answer, says DEGRADED on a seed, and gives up
at its bound with the reason (a fake clock: no test waits for real)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from workloadctl.control.status import ManagerStatus, StackStatus
from workloadctl.control.up_wait import wait_for_managers


def manager(name: str, state: str, config: str | None = "project", **more: Any) -> ManagerStatus:
    fields: dict[str, Any] = {
        "name": name,
        "state": state,
        "pid": 42 if state == "running" else None,
        "uptime_seconds": None,
        "restarts": 0,
        "crashes": 0,
        "config": config,
        "config_file": None,
        "reason": "the project config is valid",
        "error": None if state in ("running", "disabled") else "no answer on its socket",
    }
    fields.update(more)
    return ManagerStatus(**fields)


def stack(*managers: ManagerStatus) -> StackStatus:
    return StackStatus(tuple(managers), ())


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def run(
    statuses: list[StackStatus], timeout: float = 10.0
) -> tuple[int, tuple[str, ...], list[str]]:
    answers: Iterator[StackStatus] = iter(statuses)
    last = statuses[-1]
    lines: list[str] = []
    clock = Clock()
    outcome = wait_for_managers(
        lambda: next(answers, last), lines.append, timeout, clock=clock, sleep=clock.sleep
    )
    return outcome.exit_code, outcome.waiting_for, lines


def test_it_waits_until_both_answer() -> None:
    code, waiting, lines = run(
        [
            stack(manager("supervisord", "unreachable"), manager("process-compose", "down")),
            stack(manager("supervisord", "running"), manager("process-compose", "down")),
            stack(manager("supervisord", "running"), manager("process-compose", "running")),
        ]
    )
    assert (code, waiting) == (0, ())
    assert lines == [
        "waiting for supervisord, process-compose to answer (at most 10 s)",
        "supervisord: answers, PID 42, project config",
        "process-compose: answers, PID 42, project config",
    ]


def test_a_manager_switched_off_counts_as_there() -> None:
    code, _, lines = run(
        [stack(manager("supervisord", "running"), manager("process-compose", "disabled", None))]
    )
    assert code == 0
    assert "process-compose: switched off on purpose" in lines


def test_a_manager_on_its_seed_is_degraded() -> None:
    seed = manager(
        "process-compose",
        "running",
        "seed",
        first_finding="workloads/process-compose/project.yaml:3: error: bad [PC001]",
        retry="workloadctl restart process-compose",
    )
    code, _, lines = run([stack(manager("supervisord", "running"), seed)])
    assert code == 3
    assert lines[-1].startswith(
        "DEGRADED: process-compose runs its SEED config, not the project config: "
        "workloads/process-compose/project.yaml:3: error: bad [PC001]"
    )


def test_it_gives_up_at_its_bound_and_says_why() -> None:
    code, waiting, lines = run(
        [stack(manager("supervisord", "down", error="down for 1 s (exited 2); s6 restarts it"))],
        timeout=5,
    )
    assert (code, waiting) == (1, ("supervisord",))
    assert lines[-1] == (
        "supervisord: no answer within 5 s (down for 1 s (exited 2); s6 restarts it)"
    )
