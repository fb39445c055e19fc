"""Ctrl-C in a foreground `up` stops the stack that `up` started, and no other: a `down`
then a fresh `up` of the same state dir from another terminal, between two of the
follow's looks at the record (0.2 s apart), left the record another stack's, and the
Ctrl-C stopped that one (and removed its record)."""

from __future__ import annotations

import argparse
import signal
import subprocess
from pathlib import Path

import pytest

from workloadctl import settings as S
from workloadctl.clients import s6
from workloadctl.commands import up
from workloadctl.runtime import local_runner
from workloadctl.runtime.foreground import StopRequested, exit_status
from workloadctl.runtime.local_runner import StackStarted
from workloadctl.runtime.local_stack import RECORD_NAME, StackRecord

# Above any pid_max: no process has it, so stopping "our" stack signals nobody.
NO_SUCH_PID = 1 << 23


def _record(top: Path, unshare_pid: int, svscan_pid: int, started_at: float) -> StackRecord:
    return StackRecord(
        root=str(top.parent / "repo"),
        top=str(top),
        unshare_pid=unshare_pid,
        svscan_pid=svscan_pid,
        services=[],
        longruns=[],
        env={},
        started_at=started_at,
    )


def test_ctrl_c_after_a_down_and_a_fresh_up_from_elsewhere_leaves_the_live_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, live_process: subprocess.Popen[bytes]
) -> None:
    root = tmp_path / "repo"
    (root / S.S6_RC_SOURCE_DIR).mkdir(parents=True)
    top = tmp_path / "state"
    top.mkdir()
    ours = _record(top, NO_SUCH_PID, NO_SUCH_PID + 1, started_at=1.0)
    theirs = _record(top, live_process.pid, live_process.pid, started_at=2.0)
    terminated: list[Path] = []

    def start_stack(*_args: object) -> StackStarted:
        ours.write(top / RECORD_NAME)
        return StackStarted(ours, 0.1)

    def follow(*_args: object) -> bool:
        # Between two looks at the record: `down` removed ours, a fresh `up` wrote its
        # own; then Ctrl-C.
        (top / RECORD_NAME).unlink()
        theirs.write(top / RECORD_NAME)
        raise StopRequested(signal.SIGINT)

    def terminate(service_dir: Path) -> None:  # s6-svscanctl -t: the end of the stack it is sent to
        terminated.append(service_dir)
        live_process.kill()
        live_process.wait()

    monkeypatch.setattr(up, "refuse_busy_ports", lambda *_args: None)
    monkeypatch.setattr(up, "start_stack", start_stack)
    monkeypatch.setattr(up, "describe_access", lambda _layout: [])
    monkeypatch.setattr(up, "_follow", follow)
    monkeypatch.setattr(s6, "terminate", terminate)
    args = argparse.Namespace(root=root, state_dir=top, detach=False, timeout=60.0)

    assert up.run(args) == exit_status(signal.SIGINT)
    assert terminated == []
    assert live_process.poll() is None, "the fresh stack's s6-svscan was stopped"
    assert StackRecord.read(top / RECORD_NAME) == theirs


def test_stop_stack_removes_the_record_only_while_it_is_the_stopped_stacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, live_process: subprocess.Popen[bytes]
) -> None:
    """A fresh `up` from elsewhere may write its record while we still stop the old stack."""
    top = tmp_path / "state"
    top.mkdir()
    ours = _record(top, live_process.pid, live_process.pid, started_at=1.0)
    ours.write(top / RECORD_NAME)
    theirs = _record(top, NO_SUCH_PID, NO_SUCH_PID + 1, started_at=2.0)

    def terminate(_service_dir: Path) -> None:
        live_process.kill()
        live_process.wait()
        theirs.write(top / RECORD_NAME)  # the other terminal's `up`, while we look

    monkeypatch.setattr(s6, "terminate", terminate)
    lines: list[str] = []
    assert local_runner.stop_stack(top, lines.append) == 0
    assert StackRecord.read(top / RECORD_NAME) == theirs
    assert lines[-1] == "stack stopped; no process left behind"
