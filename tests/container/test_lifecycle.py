"""Scenarios 5 and 6a: `podman stop` (SIGTERM to PID 1) with programs of root and of the
developer running, then a second start of the same container, its state volume kept."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .harness import STOP_GRACE_SECONDS, Containers, Timings
from .podman import Container
from .stack import (
    MANAGERS,
    WITH_DEVELOPER_PROGRAMS,
    add_developer_programs,
    managers,
    must,
    process_problems,
    wait_ready,
)
from .waiting import wait_for

pytestmark = pytest.mark.container

SECRETS = ("supervisord-password", "process-compose-token")


@pytest.fixture(scope="module")
def lifecycle(containers: Containers) -> Iterator[Container]:
    container = containers.create("life", edit_repo=add_developer_programs)
    yield container
    containers.remove(container)


@pytest.fixture(scope="module")
def first_boot() -> dict[str, str]:
    """What the first boot generated, for the second one to find again."""
    return {}


def host_processes_of(container_id: str) -> list[str]:
    """Processes on this machine still tied to the container (its cgroup, or conmon's
    command line naming it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cgroup = (entry / "cgroup").read_text(errors="replace")
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if container_id in cgroup or container_id in cmdline:
            found.append(f"{entry.name}: {cmdline}")
    return found


def test_podman_stop_is_clean(
    lifecycle: Container, first_boot: dict[str, str], timings: Timings
) -> None:
    wait_ready(lifecycle, running=WITH_DEVELOPER_PROGRAMS)
    assert process_problems(lifecycle.processes()) == [], lifecycle.diagnostics()
    for name in SECRETS:
        first_boot[name] = must(lifecycle.root(f"cat /var/lib/workloadctl/secrets/{name}")).stdout
    container_id = lifecycle.inspect()["Id"]
    log_lines_before = len(lifecycle.logs().splitlines())

    started = time.monotonic()
    stopped = lifecycle.stop(timeout=STOP_GRACE_SECONDS)
    seconds = time.monotonic() - started
    timings.record("podman_stop", seconds)
    print(f"podman stop: {seconds:.2f} s")
    assert stopped.returncode == 0, stopped.describe()

    state = lifecycle.state()
    assert state["Running"] is False, state
    assert state["ExitCode"] == 0, state

    # Every process of the container is gone, conmon too.
    wait_for(
        "the container's processes to be gone",
        lambda: (not (left := host_processes_of(container_id)), left),
        timeout=15,
    )

    # s6-rc brought both managers down in order; nothing needed SIGKILL.
    shutdown = "\n".join(lifecycle.logs().splitlines()[log_lines_before:])
    for manager in MANAGERS:
        assert f"service {manager} successfully stopped" in shutdown, shutdown
    assert "SIGKILL" not in shutdown, shutdown


def test_second_start_of_the_same_container(
    lifecycle: Container, first_boot: dict[str, str], timings: Timings
) -> None:
    if lifecycle.is_running():  # the stop test failed: stop it here
        lifecycle.stop(timeout=STOP_GRACE_SECONDS)
    log_lines_before = len(lifecycle.logs().splitlines())
    lifecycle.start()
    doc, _ = wait_ready(lifecycle, running=WITH_DEVELOPER_PROGRAMS)
    seconds = time.monotonic() - lifecycle.started
    timings.record("second_start_to_ready", seconds)
    print(f"second start to ready: {seconds:.2f} s")

    assert process_problems(lifecycle.processes()) == [], lifecycle.diagnostics()
    # The deaths of the stop were intentional: no crash counted.
    for manager in MANAGERS:
        assert managers(doc)[manager]["crashes"] == 0, managers(doc)[manager]
    # The generated secrets survived in the state volume.
    for name, first in first_boot.items():
        again = must(lifecycle.root(f"cat /var/lib/workloadctl/secrets/{name}")).stdout
        assert again == first, f"{name} changed at the second start"

    log = "\n".join(lifecycle.logs().splitlines()[log_lines_before:])
    assert "SEED config" not in log, log
    assert "Traceback" not in log, log
