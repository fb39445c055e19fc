"""`workloadctl up` in the foreground stops its stack whatever ends it: Ctrl-C (SIGINT),
SIGTERM, the terminal closing (SIGHUP), the pipe it prints into going away (`up | tee`,
then Ctrl-C kills tee first), and a second Ctrl-C while it stops does not cut the stop short.

Each test runs the real command in its own session, as a terminal's foreground job,
signals its process group as a terminal does, and checks that no process of the stack is
left. Each cleans up with `workloadctl down` whatever happened."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import psutil
import pytest

from workloadctl.runtime import pidns
from workloadctl.runtime.local_stack import StackRecord

from .stack_support import (
    make_repo,
    process_compose_yaml,
    require_stack_tools,
    supervisord_conf,
    switches,
    wait_for,
)

pytestmark = pytest.mark.integration

FOLLOWING = b"following the stack's log"
STARTUP_TIMEOUT = 120.0
EXIT_TIMEOUT = 90.0  # the stop is bounded (about 25 s); generous on a busy machine

# Ignores SIGTERM (an ignored signal stays ignored across exec), so supervisord waits
# stopwaitsecs before its SIGKILL: the stop lasts long enough for a second Ctrl-C.
SLOW_TO_STOP = """
[program:sv-slow]
command=/bin/sh -c 'trap "" TERM; exec /bin/sleep 301'
autostart=true
startsecs=1
stopwaitsecs=4
stdout_logfile=/dev/null
stderr_logfile=/dev/null
"""


def _repo(tmp_path: Path, extra_sv: str = "") -> Path:
    return make_repo(
        tmp_path,
        supervisord_conf({"sv-a": 300}) + extra_sv,
        process_compose_yaml({"pc-a": 302}),
    )


def _read_until(stream: IO[bytes], marker: bytes, seen: bytearray, timeout: float) -> None:
    """Read `stream` into `seen` until `marker` appears (or EOF with b""), bounded."""
    fd = stream.fileno()
    deadline = time.monotonic() + timeout
    while not marker or marker not in seen:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"no {marker!r} from up within {timeout} s; got:\n{seen.decode()}")
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                if marker:
                    raise AssertionError(f"up ended before {marker!r}; got:\n{seen.decode()}")
                return
            seen += chunk


@contextmanager
def _foreground_up(repo: Path, state: Path, stderr: IO[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    """`workloadctl up` as a terminal's foreground job (its own session and process group),
    stdout to a pipe; whatever happens, its stack is brought down afterwards."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "workloadctl", "up", "--root", str(repo), "--state-dir", str(state)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr,
        start_new_session=True,
        env={**os.environ, **switches()},
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        if proc.stdout is not None and not proc.stdout.closed:
            proc.stdout.close()
        if (state / "stack.json").exists():
            subprocess.run(
                [sys.executable, "-m", "workloadctl", "down", "--state-dir", str(state)],
                capture_output=True,
                timeout=120,
                check=False,
            )


@dataclass
class _RunningUp:
    proc: subprocess.Popen[bytes]
    stdout: IO[bytes]  # proc.stdout, the pipe up prints into
    seen: bytearray  # what up printed so far
    state: Path  # its --state-dir
    stderr_file: Path  # where its stderr goes


@contextmanager
def _up_following(tmp_path: Path, extra_sv: str = "") -> Iterator[_RunningUp]:
    """The start-up every test shares: `up` of a repository of supervisord's sv-a (plus
    `extra_sv`) and process-compose's pc-a as a foreground job, read until it follows the
    stack's log; brought down afterwards whatever happened."""
    require_stack_tools()
    state = tmp_path / "state"
    stderr_file = tmp_path / "stderr"
    repo = _repo(tmp_path, extra_sv)
    with stderr_file.open("wb") as stderr, _foreground_up(repo, state, stderr) as proc:
        assert proc.stdout is not None
        up = _RunningUp(proc, proc.stdout, bytearray(), state, stderr_file)
        _read_until(up.stdout, FOLLOWING, up.seen, STARTUP_TIMEOUT)
        yield up


def _stack_members(state: Path) -> list[int]:
    """Every process of the running stack: s6-svscan (PID 1 of its namespace) and below."""
    record = StackRecord.read(state / "stack.json")
    assert record is not None, "up is following the log but wrote no stack.json"
    members = pidns.members(record.svscan_pid)
    assert record.svscan_pid in members and len(members) > 3, members
    return members


def _slow_program_runs(state: Path) -> bool:
    return any(
        psutil.Process(pid).cmdline()[-1:] == ["301"] for pid in _alive(_stack_members(state))
    )


def _alive(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.Error:
            continue
    return alive


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_stops_the_stack(tmp_path: Path, stop_signal: signal.Signals) -> None:
    with _up_following(tmp_path) as up:
        members = _stack_members(up.state)
        os.killpg(up.proc.pid, stop_signal)
        _read_until(up.stdout, b"", up.seen, EXIT_TIMEOUT)
        returncode = up.proc.wait(timeout=EXIT_TIMEOUT)
        left = _alive(members)
    out, err = up.seen.decode(), up.stderr_file.read_text()
    assert left == [], f"stack processes left running: {left}\n{out}\n{err}"
    assert returncode == 128 + stop_signal, out + err
    assert f"up: {stop_signal.name}: stopping the stack" in out
    assert "no process left behind" in out and "Traceback" not in err
    assert not (up.state / "stack.json").exists()


def test_a_broken_pipe_then_ctrl_c_stops_the_stack(tmp_path: Path) -> None:
    """`up 2>&1 | tee log`, Ctrl-C: tee dies first, up's output is a dead pipe."""
    with _up_following(tmp_path) as up:
        members = _stack_members(up.state)
        up.stdout.close()  # tee is gone
        os.killpg(up.proc.pid, signal.SIGINT)
        returncode = up.proc.wait(timeout=EXIT_TIMEOUT)
        left = _alive(members)
    err = up.stderr_file.read_text()
    assert left == [], f"stack processes left running: {left}\n{err}"
    # SIGINT, or SIGPIPE if a log line hit the dead pipe before the signal arrived.
    assert returncode in (128 + signal.SIGINT, 128 + signal.SIGPIPE), err
    # stdout is gone; what up still has to say goes to stderr, without a traceback.
    assert "stopping the stack" in err and "no process left behind" in err, err
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert not (up.state / "stack.json").exists()


def test_a_second_ctrl_c_does_not_cut_the_stop_short(tmp_path: Path) -> None:
    with _up_following(tmp_path, SLOW_TO_STOP) as up:
        wait_for("sv-slow running", lambda: _slow_program_runs(up.state), timeout=30)
        members = _stack_members(up.state)
        os.killpg(up.proc.pid, signal.SIGINT)
        _read_until(up.stdout, b"stopping the stack", up.seen, EXIT_TIMEOUT)
        os.killpg(up.proc.pid, signal.SIGINT)  # sv-slow keeps supervisord stopping for 4 s
        _read_until(up.stdout, b"", up.seen, EXIT_TIMEOUT)
        returncode = up.proc.wait(timeout=EXIT_TIMEOUT)
        left = _alive(members)
    out, err = up.seen.decode(), up.stderr_file.read_text()
    assert left == [], f"stack processes left running: {left}\n{out}\n{err}"
    assert returncode == 130, out + err
    assert "SIGINT: already stopping the stack" in err, err
    assert "no process left behind" in out and "Traceback" not in err
