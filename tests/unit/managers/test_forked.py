"""start_forked: a value computed in a child, or None (never a traceback, never a hang)."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable

import pytest

from workloadctl.managers import forked
from workloadctl.managers.forked import start_forked


def collected(
    child: forked.Forked[object] | None, timeout: float = forked.CHILD_TIMEOUT_S
) -> object:
    assert child is not None
    try:
        return child.result(timeout)
    finally:
        child.close()


def test_the_value_comes_back_from_the_child() -> None:
    value = collected(start_forked(lambda: (os.getpid(), [1, (2, "3")])))
    assert isinstance(value, tuple)
    assert value[0] != os.getpid()  # computed in another process
    assert value[1] == [1, (2, "3")]


def _raises() -> object:
    raise RuntimeError("boom")


def _dies() -> object:
    os._exit(3)


def _unpicklable() -> object:
    return lambda: None


@pytest.mark.parametrize("work", [_raises, _dies, _unpicklable])
def test_a_failing_child_yields_none(work: Callable[[], object]) -> None:
    assert collected(start_forked(work)) is None


def test_a_child_over_its_time_is_killed_and_yields_none() -> None:
    child = start_forked(lambda: time.sleep(30))
    assert child is not None
    pid = child._pid
    assert child.result(timeout=0.2) is None
    assert pid is not None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped already: no zombie left behind


def _writes_stderr() -> int:
    print("from the child", file=sys.stderr)
    return 7


def test_the_childs_stderr_is_written_by_the_parent(capsys: pytest.CaptureFixture[str]) -> None:
    assert collected(start_forked(_writes_stderr)) == 7
    assert capsys.readouterr().err == "from the child\n"


def test_no_fork_while_another_thread_runs() -> None:
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert start_forked(lambda: 1) is None
    finally:
        release.set()
        thread.join()
    assert collected(start_forked(lambda: 1)) == 1


def test_streams_closed_at_start_do_not_stop_the_child(monkeypatch: pytest.MonkeyPatch) -> None:
    # Python sets sys.stdout/sys.stderr to None when fd 1/2 were closed at its start.
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    assert collected(start_forked(_writes_stderr)) == 7


class _BrokenStream:
    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")


class _StderrGoneAfterTheFork:
    def flush(self) -> None:
        pass

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_stderr_gone_after_the_fork_loses_the_text_not_the_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Before: BrokenPipeError out of result(), which the CLI turns into exit 0.
    monkeypatch.setattr(sys, "stderr", _StderrGoneAfterTheFork())
    assert collected(start_forked(_writes_stderr)) == 7


def test_a_broken_stream_means_no_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", _BrokenStream())
    assert start_forked(lambda: 1) is None


def test_with_sigchld_ignored_the_payload_decides() -> None:
    # An ignored SIGCHLD is inherited across exec: the kernel reaps our child itself.
    previous = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        assert collected(start_forked(lambda: "value")) == "value"
        assert collected(start_forked(_raises)) is None
        child = start_forked(lambda: time.sleep(30))
        assert child is not None
        assert child.result(timeout=0.2) is None
    finally:
        signal.signal(signal.SIGCHLD, previous)
