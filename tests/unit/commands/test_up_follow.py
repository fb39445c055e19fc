"""`workloadctl up` in the foreground follows the stack's log; a `workloadctl down` from
another terminal ends it (it followed a log nobody wrote, forever, its unshare a zombie)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from workloadctl.commands import up
from workloadctl.runtime.foreground import QuietOutput
from workloadctl.runtime.local_stack import RECORD_NAME

NAPS_BEFORE_GIVING_UP = 50


def _output() -> tuple[QuietOutput, io.BytesIO]:
    raw = io.BytesIO()
    return QuietOutput(io.TextIOWrapper(raw, write_through=True)), raw


def test_following_ends_once_down_from_elsewhere_removed_the_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    top = tmp_path / "state"
    top.mkdir()
    record = top / RECORD_NAME
    record.write_text("{}")
    log = tmp_path / "stack.log"
    log.write_bytes(b"before up followed\n")
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
    assert up._follow(log, out, top) is False
    assert raw.getvalue().endswith(b"down: stack stopped\n")
    assert b"before up followed" not in raw.getvalue()


def test_following_a_running_stack_ends_only_when_nobody_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    top = tmp_path / "state"
    top.mkdir()
    (top / RECORD_NAME).write_text("{}")
    log = tmp_path / "stack.log"
    log.write_bytes(b"")
    out, _ = _output()
    naps: list[float] = []

    def nap(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 3:
            out.gone = True  # the reader of `up | tee` went away

    monkeypatch.setattr(up.time, "sleep", nap)
    assert up._follow(log, out, top) is True
    assert len(naps) == 3
