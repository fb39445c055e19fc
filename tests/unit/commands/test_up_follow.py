"""`workloadctl up` in the foreground follows the stack's log; a `workloadctl down` from
another terminal ends it (it followed a log nobody wrote, forever, its unshare a zombie)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from workloadctl.commands import up
from workloadctl.runtime.foreground import QuietOutput
from workloadctl.runtime.local_stack import RECORD_NAME, StackRecord

NAPS_BEFORE_GIVING_UP = 50


def _stack_record(top: Path, svscan_pid: int = 4242, started_at: float = 1.0) -> StackRecord:
    """The record `up` wrote for its stack in `top` (S/stack.json)."""
    record = StackRecord(
        root=str(top.parent),
        top=str(top),
        unshare_pid=svscan_pid - 1,
        svscan_pid=svscan_pid,
        services=[],
        longruns=["supervisord", "process-compose"],
        env={},
        started_at=started_at,
    )
    record.write(top / RECORD_NAME)
    return record


def _following(tmp_path: Path, log_text: bytes = b"") -> tuple[Path, StackRecord, Path]:
    """A state dir with our stack's record, and the stack's log holding `log_text`."""
    top = tmp_path / "state"
    top.mkdir()
    log = tmp_path / "stack.log"
    log.write_bytes(log_text)
    return top, _stack_record(top), log


def _output() -> tuple[QuietOutput, io.BytesIO]:
    raw = io.BytesIO()
    return QuietOutput(io.TextIOWrapper(raw, write_through=True)), raw


def test_following_ends_once_down_from_elsewhere_removed_the_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    top, ours, log = _following(tmp_path, b"before up followed\n")
    record = top / RECORD_NAME
    naps: list[float] = []

    def nap(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 1:  # `down` in another terminal: its last lines, then no record
            with log.open("ab") as stack_log:
                stack_log.write(b"down: stack stopped\n")
            record.unlink()
        if len(naps) > NAPS_BEFORE_GIVING_UP:
            raise AssertionError("up still follows the log of a stack that is gone")

    monkeypatch.setattr(up.time, "sleep", nap)
    out, raw = _output()
    assert up._follow(log, out, top, ours) is False
    assert raw.getvalue().endswith(b"down: stack stopped\n")
    assert b"before up followed" not in raw.getvalue()


def test_following_a_running_stack_ends_only_when_nobody_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    top, ours, log = _following(tmp_path)
    out, _ = _output()
    naps: list[float] = []

    def nap(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 3:
            out.gone = True  # the reader of `up | tee` went away

    monkeypatch.setattr(up.time, "sleep", nap)
    assert up._follow(log, out, top, ours) is True
    assert len(naps) == 3


def test_following_ends_when_a_fresh_up_replaced_the_record_before_we_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`down`, then at once `up` of the same state dir: the record is never missing when
    we look, but it is another stack's; following it (and stopping it on Ctrl-C) is wrong."""
    top, ours, log = _following(tmp_path)
    naps: list[float] = []

    def nap(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 1:  # `down` removed ours, a fresh `up` wrote its own
            (top / RECORD_NAME).unlink()
            with log.open("ab") as stack_log:
                stack_log.write(b"up: the fresh stack starts\n")
            _stack_record(top, svscan_pid=5353, started_at=2.0)
        if len(naps) > NAPS_BEFORE_GIVING_UP:
            raise AssertionError("up follows the log of a stack it did not start")

    monkeypatch.setattr(up.time, "sleep", nap)
    out, _ = _output()
    assert up._follow(log, out, top, ours) is False
    assert len(naps) == 1


def test_following_shows_no_terminal_escapes_and_says_what_ctrl_c_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """process-compose's title escape at each start retitled the terminal `up` runs in, and
    its "Press Ctrl+C to quit" at each stop invited the Ctrl-C that stops the whole stack."""
    top, ours, log = _following(tmp_path)
    naps: list[float] = []

    def nap(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 1:
            with log.open("ab") as stack_log:
                stack_log.write(b"\x1b]0;process-compose: vm/project\x07[web\t] listening\n")
                stack_log.write(b"Project Completed. Press Ctrl+C to quit\n")
        if len(naps) == 2:
            (top / RECORD_NAME).unlink()
        if len(naps) > NAPS_BEFORE_GIVING_UP:
            raise AssertionError("up still follows the log of a stack that is gone")

    monkeypatch.setattr(up.time, "sleep", nap)
    out, raw = _output()
    assert up._follow(log, out, top, ours) is False
    shown = raw.getvalue()
    assert b"\x1b" not in shown
    assert b"[web\t] listening\nProject Completed. Press Ctrl+C to quit\nup: (" in shown
    assert b"Ctrl-C here stops the whole stack" in shown


def test_ctrl_c_still_shows_the_unfinished_line_the_view_held(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The view holds back the end of a line that may become process-compose's Ctrl+C line;
    a Ctrl-C during the follow lost it."""
    top, ours, log = _following(tmp_path)
    naps: list[float] = []

    class CtrlC(Exception):
        pass

    def nap(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 1:
            with log.open("ab") as stack_log:
                stack_log.write(b"Project Completed")  # its newline not written yet
        if len(naps) == 2:
            raise CtrlC

    monkeypatch.setattr(up.time, "sleep", nap)
    out, raw = _output()
    with pytest.raises(CtrlC):
        up._follow(log, out, top, ours)
    assert raw.getvalue().endswith(b"Project Completed")
