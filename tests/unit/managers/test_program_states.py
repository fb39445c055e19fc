"""Every native state of both managers maps to one of the common words."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest
from supervisor.states import ProcessStates

from workloadctl.managers.process_compose_live import (
    process_compose_expected,
    process_compose_state,
)
from workloadctl.managers.program_status import CommonState
from workloadctl.managers.supervisord_live import supervisord_state

STATES = get_args(CommonState)

# src/types/process.go of process-compose v1.122.0 (the const block of ProcessState*).
PROCESS_COMPOSE_STATUSES = (
    "Disabled",
    "Foreground",
    "Pending",
    "Running",
    "Launching",
    "Launched",
    "Restarting",
    "Terminating",
    "Completed",
    "Skipped",
    "Error",
    "Scheduled",
    "Watching",
)
PC_SOURCE = Path("/tmp/pc-src/src/types/process.go")


def test_every_supervisord_state_has_a_known_word() -> None:
    names = [n for n in vars(ProcessStates) if n.isupper()]
    assert len(names) == 8
    for name in names:
        word = supervisord_state(name, 0, [0])
        assert word in STATES
        assert word != "unknown" or name == "UNKNOWN", name


@pytest.mark.parametrize(
    ("statename", "expected"),
    [
        ("STOPPED", "stopped"),
        ("STARTING", "starting"),
        ("RUNNING", "running"),
        ("BACKOFF", "starting"),
        ("STOPPING", "stopping"),
        ("FATAL", "failed"),
        ("UNKNOWN", "unknown"),
        ("SOMETHING-NEW", "unknown"),
    ],
)
def test_supervisord_states(statename: str, expected: str) -> None:
    assert supervisord_state(statename, 0, [0]) == expected


def test_supervisord_exited_depends_on_exitcodes() -> None:
    assert supervisord_state("EXITED", 0, [0]) == "exited"
    assert supervisord_state("EXITED", 2, [0, 2]) == "exited"
    assert supervisord_state("EXITED", 1, [0]) == "failed"


@pytest.mark.parametrize("status", PROCESS_COMPOSE_STATUSES)
def test_every_process_compose_status_has_a_known_word(status: str) -> None:
    assert process_compose_state(status, 0, None) in set(STATES) - {"unknown"}


def test_the_status_list_matches_the_process_compose_source() -> None:
    if not PC_SOURCE.is_file():
        pytest.skip("process-compose source not checked out at /tmp/pc-src")
    found = re.findall(r'ProcessState\w+\s*=\s*"(\w+)"', PC_SOURCE.read_text())
    assert set(found) == set(PROCESS_COMPOSE_STATUSES)


@pytest.mark.parametrize(
    ("exit_code", "success", "expected"),
    [
        (0, None, "exited"),
        (3, None, "failed"),
        (3, [3], "exited"),
        (-1, None, "stopped"),  # killed by a signal: what a stop through the API leaves
    ],
)
def test_process_compose_completed(
    exit_code: int, success: list[int] | None, expected: str
) -> None:
    assert process_compose_state("Completed", exit_code, success) == expected


def test_process_compose_unknown_status() -> None:
    assert process_compose_state("Hibernating", 0, None) == "unknown"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("Running", True),
        ("Completed", True),
        ("Disabled", False),
        ("Foreground", False),
        ("Scheduled", False),
    ],
)
def test_process_compose_expected(status: str, expected: bool) -> None:
    assert process_compose_expected(status) is expected
