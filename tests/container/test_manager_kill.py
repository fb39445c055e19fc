"""Scenario 3: `kill -9` of each manager (as root, from `podman exec`) while programs run
as the developer: s6 restarts it, `finish` reaps what the dead one left, and afterwards
every program runs exactly once with nothing left outside the managers."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from .harness import Containers, Timings
from .podman import Container, Result, ps_table
from .stack import (
    WITH_DEVELOPER_PROGRAMS,
    add_developer_programs,
    managers,
    must,
    not_ready,
    process_problems,
    programs,
    wait_ready,
)
from .waiting import wait_for

pytestmark = pytest.mark.container

RECOVERY_TIMEOUT = 60.0
SETTLE_SECONDS = 4.0  # longer than the programs' startsecs: a copy that fails shows by then


@pytest.fixture(params=["supervisord", "process-compose"])
def manager(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def killable(containers: Containers, manager: str) -> Iterator[Container]:
    """A container per manager: what one test breaks never shows up in the other."""
    container = containers.create(f"kill-{manager}", edit_repo=add_developer_programs)
    yield container
    containers.remove(container)


def healthy(container: Container, *, old_pid: int | None, manager: str) -> tuple[bool, str]:
    doc, result = container.status()
    why = not_ready(doc, running=WITH_DEVELOPER_PROGRAMS)
    if why is None and doc is not None and managers(doc)[manager]["pid"] == old_pid:
        why = f"{manager} still has PID {old_pid}"
    procs = container.processes()
    problems = ([why] if why else []) + process_problems(procs)
    seen = "\n".join(problems) + f"\n{result.describe()}\n{ps_table(procs)}"
    return not problems, seen


def test_kill_9_of_a_manager(killable: Container, manager: str, timings: Timings) -> None:
    doc, _ = wait_ready(killable, running=WITH_DEVELOPER_PROGRAMS)
    ok, seen = healthy(killable, old_pid=None, manager=manager)
    assert ok, "before the kill:\n" + seen
    old_pid = managers(doc)[manager]["pid"]
    assert old_pid

    started = time.monotonic()
    must(killable.root(f"kill -9 {old_pid}"))
    _, seconds = wait_for(
        f"{manager} to recover from kill -9",
        lambda: healthy(killable, old_pid=old_pid, manager=manager),
        timeout=RECOVERY_TIMEOUT,
        interval=0.2,
        describe=lambda seen: seen + "\n\npodman logs (end):\n" + killable.log_tail(),
    )
    timings.record(f"recovery_after_kill_9_{manager}", time.monotonic() - started)
    print(f"{manager} recovered in {seconds:.2f} s")

    # Still so once the programs are past startsecs: no copy failing on a taken port.
    recovered, _ = killable.status()
    pids = {key: p["pid"] for key, p in programs(recovered or {}).items()}
    time.sleep(SETTLE_SECONDS)
    ok, seen = healthy(killable, old_pid=old_pid, manager=manager)
    assert ok, f"{SETTLE_SECONDS:.0f} s after recovering:\n" + seen
    later, result = killable.status()
    assert {key: p["pid"] for key, p in programs(later or {}).items()} == pids, (
        "programs restarted after the recovery:\n" + Result.describe(result)
    )
