"""Scenario 6b: each manager switched off with its WORKLOADCTL_ENABLE_*=0 stays down while
the other runs; `workloadctl start MANAGER` brings it up later (README)."""

from __future__ import annotations

import time

import pytest

from .harness import Containers
from .podman import Container, ps_table
from .stack import MANAGERS, TEMPLATE_AUTOSTART, managers, must, wait_ready

pytestmark = pytest.mark.container

SWITCHES = {
    "supervisord": "WORKLOADCTL_ENABLE_SUPERVISORD",
    "process-compose": "WORKLOADCTL_ENABLE_PROCESS_COMPOSE",
}
STAYS_DOWN_SECONDS = 5.0


def manager_processes(container: Container, manager: str) -> list[str]:
    found = []
    for proc in container.processes():
        binary = proc.argv[1] if proc.argv[:1] and "python" in proc.argv[0] else proc.comm
        if manager in (proc.comm, binary.rsplit("/", 1)[-1]):
            found.append(proc.line())
    return found


@pytest.mark.parametrize("manager", MANAGERS)
def test_a_manager_switched_off_stays_down(containers: Containers, manager: str) -> None:
    other = next(m for m in MANAGERS if m != manager)
    container = containers.create(f"off-{manager}", env={SWITCHES[manager]: "0"})
    try:
        doc, _ = wait_ready(container, up=(other,), running={other: TEMPLATE_AUTOSTART[other]})
        assert managers(doc)[manager]["pid"] is None, managers(doc)[manager]

        # It stays down: s6 does not restart it, and nothing of it runs.
        for _ in range(int(STAYS_DOWN_SECONDS / 0.5)):
            now, result = container.status()
            assert result.returncode == 0, result.describe()
            assert now is not None and managers(now)[manager]["state"] == "disabled", (
                result.describe()
            )
            assert manager_processes(container, manager) == [], ps_table(container.processes())
            time.sleep(0.5)

        # Started by hand, it runs its project config next to the other one.
        must(container.root(f"workloadctl start {manager}"))
        wait_ready(container)
    finally:
        containers.remove(container)
