"""The reaper against real process trees (sleep, sh), marked the way the launcher marks them."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from workloadctl.managers.environment import ENV_INSTANCE, ENV_MANAGER
from workloadctl.runtime import reaper as R

GRACE = 0.5


@pytest.fixture
def instance(tmp_path: Path) -> str:
    # Unique per test, so a run never touches another test's (or a real stack's) processes.
    return f"test-{os.getpid()}-{tmp_path.name}"


@pytest.fixture
def spawned() -> Iterator[list[int]]:
    """PIDs to kill at the end whatever happened."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def marked_env(manager: str, instance: str) -> dict[str, str]:
    return {**os.environ, ENV_MANAGER: manager, ENV_INSTANCE: instance}


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_for_sleeps(parent: int, count: int) -> list[int]:
    """The `count` sleep processes under `parent`, once each has exec'd sleep (so any
    `setsid` before it is done)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        children = psutil.Process(parent).children(recursive=True)
        with contextlib.suppress(psutil.Error):
            sleeps = [child.pid for child in children if child.name() == "sleep"]
            if len(sleeps) >= count:
                return sleeps
        time.sleep(0.02)
    raise AssertionError(f"pid {parent} did not start {count} sleeps")


def start_orphaned_tree(
    env: dict[str, str], spawned: list[int], script: str, children: int
) -> list[int]:
    """Start `sh -c script` as a group leader, then SIGKILL it like a dead manager's program."""
    parent = subprocess.Popen(["sh", "-c", script], env=env, start_new_session=True)
    spawned.append(parent.pid)
    pids = wait_for_sleeps(parent.pid, children)
    spawned.extend(pids)
    parent.kill()
    parent.wait()
    return pids


def test_reap_kills_orphans_and_their_groups_and_spares_the_unmarked(
    instance: str, spawned: list[int]
) -> None:
    env = marked_env("supervisord", instance)
    # One child in the leader's group, one grandchild that made its own session/group.
    orphans = start_orphaned_tree(env, spawned, "sleep 300 & setsid sleep 301 & wait", 2)
    assert len({os.getpgid(pid) for pid in orphans}) == 2
    bystander = subprocess.Popen(["sleep", "302"], start_new_session=True)
    other_manager = subprocess.Popen(
        ["sleep", "303"], env=marked_env("process-compose", instance), start_new_session=True
    )
    other_instance = subprocess.Popen(
        ["sleep", "304"], env=marked_env("supervisord", instance + "-x"), start_new_session=True
    )
    spawned.extend([bystander.pid, other_manager.pid, other_instance.pid])

    reaped = R.reap("supervisord", instance, grace=GRACE)

    assert sorted(entry.pid for entry in reaped) == sorted(orphans)
    assert all(entry.signal == signal.SIGTERM for entry in reaped)
    assert {entry.name for entry in reaped} == {"sleep"}
    assert not any(alive(pid) for pid in orphans)
    assert R.find_marked("supervisord", instance) == []
    for untouched in (bystander, other_manager, other_instance):
        assert untouched.poll() is None


def test_reap_sigkills_what_ignores_sigterm(instance: str, spawned: list[int]) -> None:
    env = marked_env("process-compose", instance)
    # An ignored signal stays ignored across exec: both sh and sleep shrug SIGTERM off.
    orphans = start_orphaned_tree(env, spawned, "trap '' TERM; sleep 305 & wait", 1)

    started = time.monotonic()
    reaped = R.reap("process-compose", instance, grace=GRACE)

    assert time.monotonic() - started >= GRACE
    assert [(entry.pid, entry.signal) for entry in reaped] == [(orphans[0], signal.SIGKILL)]
    assert not alive(orphans[0])


def test_reap_never_kills_itself_or_its_ancestors(instance: str, tmp_path: Path) -> None:
    """A reaper started from inside a marked program (a developer's shell) survives."""
    code = (
        "import sys; from workloadctl.runtime.reaper import reap; "
        f"print(len(reap('supervisord', {instance!r}, grace=0.2)))"
    )
    # sh (marked, our parent) -> python (marked, the reaper)
    out = subprocess.run(
        ["sh", "-c", f'"{sys.executable}" -c "{code}"; echo survived'],
        env=marked_env("supervisord", instance),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert out.stdout.split() == ["0", "survived"]


def test_reap_with_nothing_marked_returns_nothing(instance: str) -> None:
    assert R.reap("supervisord", instance, grace=GRACE) == []


@pytest.mark.parametrize(
    ("raw", "grace"), [("", 3.0), ("1.5", 1.5), ("0", 0.0), ("x", 3.0), ("-1", 3.0)]
)
def test_grace_from_env(raw: str, grace: float) -> None:
    assert R.grace_from_env({R.ENV_REAP_GRACE: raw}) == grace


def ticks(pid: int) -> int:
    found = R.proc_stat(pid)
    assert found is not None
    return found[1]


def test_proc_stat_reads_session_and_start_time_past_a_tricky_name() -> None:
    # A command name may hold ") (": fields are counted from the last ")".
    proc = subprocess.Popen(["bash", "-c", "exec -a 'x) (y' sleep 30"])
    try:
        time.sleep(0.2)
        found = R.proc_stat(proc.pid)
        assert found is not None and found[0] == os.getsid(proc.pid)
        assert found[1] >= ticks(os.getpid())
    finally:
        proc.kill()
        proc.wait()


def orphan_in_dead_session(spawned: list[int]) -> tuple[int, int]:
    """A session leader (sh, started as s6-supervise starts `run`: a new session) that
    starts an unmarked `sleep` and dies: (the dead leader's PID, the orphan's PID)."""
    leader = subprocess.Popen(
        ["sh", "-c", "sleep 300 >/dev/null & echo $!"],
        start_new_session=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    orphan = int((leader.stdout.read() if leader.stdout else "").strip())
    spawned.append(orphan)
    leader.wait(timeout=5)
    return leader.pid, orphan


def test_session_finds_an_unmarked_leftover_of_a_dead_leader(
    instance: str, spawned: list[int]
) -> None:
    # Under Docker's default capabilities root cannot read another user's environment:
    # the session id in /proc/PID/stat is what identifies such a leftover.
    leader, orphan = orphan_in_dead_session(spawned)
    assert os.getsid(orphan) == leader
    session = R.ManagerSession(leader, ticks(os.getpid()), ticks(1))
    reaped = R.reap("supervisord", instance, session=session, grace=GRACE)
    assert [entry.pid for entry in reaped] == [orphan]
    assert not alive(orphan)


def test_session_of_a_live_leader_is_left_alone(instance: str, spawned: list[int]) -> None:
    leader = subprocess.Popen(["sleep", "300"], start_new_session=True)
    spawned.append(leader.pid)
    session = R.ManagerSession(leader.pid, ticks(os.getpid()), ticks(1))
    assert R.reap("supervisord", instance, session=session, grace=GRACE) == []
    assert alive(leader.pid)


def test_session_members_older_than_the_manager_are_not_its_own(
    instance: str, spawned: list[int]
) -> None:
    leader, orphan = orphan_in_dead_session(spawned)
    session = R.ManagerSession(leader, ticks(orphan) + 1, ticks(1))
    assert R.reap("supervisord", instance, session=session, grace=GRACE) == []
    assert alive(orphan)


def test_session_record_round_trip_and_a_record_from_another_boot(tmp_path: Path) -> None:
    init_started = ticks(1)
    R.record_session(tmp_path, "process-compose", R.ManagerSession(4242, 15, init_started))
    assert R.read_session(tmp_path, "process-compose") == R.ManagerSession(4242, 15, init_started)
    R.record_session(tmp_path, "supervisord", R.ManagerSession(4242, 15, init_started + 1))
    assert R.read_session(tmp_path, "supervisord") is None  # PID 1 is not that one
    (tmp_path / "supervisord.session").write_text("{not json")
    assert R.read_session(tmp_path, "supervisord") is None
    R.forget_session(tmp_path, "process-compose")
    assert R.read_session(tmp_path, "process-compose") is None
    R.forget_session(tmp_path, "process-compose")  # twice is fine
