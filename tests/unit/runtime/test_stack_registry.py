"""Which stacks run on this machine: records `up` leaves, counted only while their
s6-svscan lives."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from workloadctl import settings as S
from workloadctl.runtime import stack_registry as R
from workloadctl.runtime.own_command import workloadctl_program

# How the tool names itself in the commands it prints (a checkout's .venv/bin/workloadctl).
PROGRAM = workloadctl_program()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {S.ENV_STACKS_DIR: str(tmp_path / "stacks")}


@pytest.fixture
def svscan(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A process named s6-svscan (a copy of sleep), as the kernel names it."""
    sleep = shutil.which("sleep")
    assert sleep is not None
    fake = tmp_path / "bin/s6-svscan"
    fake.parent.mkdir()
    shutil.copy(sleep, fake)
    proc = subprocess.Popen([str(fake), "300"])
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait()


def test_a_registered_stack_is_listed_until_unregistered(
    tmp_path: Path, env: dict[str, str], svscan: subprocess.Popen[bytes]
) -> None:
    top = tmp_path / "state-a"
    entry = R.register(top, tmp_path / "repo", svscan.pid, 1000.0, env)
    assert R.live_stacks(env) == [entry]
    assert entry.top == str(top.resolve())
    assert entry.down_command == f"{PROGRAM} down --state-dir {top.resolve()}"
    assert R.entry_path(top, env).stat().st_mode & 0o777 == R.ENTRY_MODE
    R.unregister(top, env)
    assert R.live_stacks(env) == []


def test_stale_records_are_ignored_and_removed(
    tmp_path: Path, env: dict[str, str], svscan: subprocess.Popen[bytes]
) -> None:
    live = R.register(tmp_path / "live", tmp_path / "repo", svscan.pid, 1.0, env)
    directory = S.stacks_dir(env)
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = {
        # its process is gone
        "dead.json": {**live.as_json(), "top": "/dead", "svscan_pid": dead.pid},
        # the PID now belongs to another process, started at another time
        "reused.json": {**live.as_json(), "top": "/reused", "svscan_started": 5.0},
        # a live process, but not an s6-svscan (our own PID, start time right)
        "not-svscan.json": {
            **live.as_json(),
            "top": "/other",
            "svscan_pid": os.getpid(),
            "svscan_started": R.process_start_time(os.getpid()),
        },
        "garbage.json": "not json",
    }
    for name, data in stale.items():
        (directory / name).write_text(json.dumps(data) if isinstance(data, dict) else data)
    assert R.live_stacks(env) == [live]
    assert sorted(p.name for p in directory.iterdir()) == [
        R.entry_path(tmp_path / "live", env).name
    ]


def test_no_directory_means_no_stacks(env: dict[str, str]) -> None:
    assert R.live_stacks(env) == []


def test_stacks_are_listed_oldest_first(
    tmp_path: Path, env: dict[str, str], svscan: subprocess.Popen[bytes]
) -> None:
    newer = R.register(tmp_path / "b", tmp_path / "repo", svscan.pid, 2000.0, env)
    older = R.register(tmp_path / "a", tmp_path / "repo", svscan.pid, 1000.0, env)
    assert R.live_stacks(env) == [older, newer]


def entry(top: str, svscan_pid: int) -> R.StackEntry:
    return R.StackEntry(top, "/repo", svscan_pid, 0.0, 0.0)


def test_the_stack_a_process_belongs_to() -> None:
    stacks = [entry("/a", 100), entry("/b", 200)]
    parents = {777: [250, 200, 1], 888: [1]}
    namespaces = {999: "ns-a", 100: "ns-a"}

    def holding(pid: int) -> R.StackEntry | None:
        return R.stack_holding(
            pid,
            stacks,
            lambda p: parents.get(p, []),
            lambda a, b: namespaces.get(a) is not None and namespaces.get(a) == namespaces.get(b),
        )

    assert holding(777) == stacks[1]  # a descendant of the second stack's s6-svscan
    assert holding(200) == stacks[1]  # that s6-svscan itself
    assert holding(999) == stacks[0]  # an orphan inside the first stack's namespace
    assert holding(888) is None  # anything else
