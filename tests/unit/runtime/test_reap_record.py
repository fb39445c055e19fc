"""`launch` skips its own sweep of every process only when the finish after the previous
instance's death is known to have reaped it to the last leftover (issue 13); in every
case where that is not known it sweeps as before."""

from __future__ import annotations

import io
import json
import signal
from pathlib import Path

import pytest
from launcher_support import launch_supervisord, tmp_env, tmp_settings, write_seed

from workloadctl.runtime import finish as F
from workloadctl.runtime import launcher as L
from workloadctl.runtime import reap_record as RR
from workloadctl.runtime import reaper as R
from workloadctl.runtime.reaper import ReapedProcess


class Reaps:
    """Stands in for reaper.reap: counts the scans, finds nothing."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(
        self, manager: str, instance: str, *, session: object = None, grace: float
    ) -> list[ReapedProcess]:
        self.calls += 1
        return []


@pytest.fixture
def reaps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Reaps:
    monkeypatch.chdir(tmp_path)
    write_seed(tmp_settings(tmp_path))
    counter = Reaps()
    monkeypatch.setattr(R, "reap", counter)
    return counter


def launch(tmp_path: Path) -> str:
    code, err = launch_supervisord(tmp_path)
    assert code == 0
    return err


def finish(tmp_path: Path) -> None:
    F.finish(
        "supervisord",
        256,
        signal.SIGKILL,
        settings=tmp_settings(tmp_path),
        environ=tmp_env(tmp_path),
        stderr=io.StringIO(),
    )


def test_launch_does_not_sweep_again_what_the_finish_reaped(tmp_path: Path, reaps: Reaps) -> None:
    launch(tmp_path)
    finish(tmp_path)
    before = reaps.calls
    launch(tmp_path)
    assert reaps.calls == before  # the finish's reap was the last word


def test_the_first_start_sweeps(tmp_path: Path, reaps: Reaps) -> None:
    launch(tmp_path)
    assert reaps.calls == 1


def test_a_death_without_a_finish_is_swept_after(tmp_path: Path, reaps: Reaps) -> None:
    # The finish of the second death was killed before it reaped: the note of the first
    # death's finish was consumed by the launch after it, so the third launch sweeps.
    launch(tmp_path)
    finish(tmp_path)
    launch(tmp_path)
    before = reaps.calls
    launch(tmp_path)
    assert reaps.calls == before + 1


def test_a_finish_that_left_survivors_leaves_no_note(
    tmp_path: Path, reaps: Reaps, monkeypatch: pytest.MonkeyPatch
) -> None:
    launch(tmp_path)
    survivor = ReapedProcess(4242, "sleep", ("sleep", "1000"), signal.SIGKILL)
    monkeypatch.setattr(F, "reap_and_confirm", lambda *_args: ([survivor], False))
    finish(tmp_path)
    before = reaps.calls
    launch(tmp_path)
    assert reaps.calls == before + 1


def test_a_finish_killed_midway_leaves_no_older_note(
    tmp_path: Path, reaps: Reaps, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A note from an older death, unconsumed, then a finish killed during its reap.
    launch(tmp_path)
    settings = tmp_settings(tmp_path)
    finish(tmp_path)
    note = RR.reap_record_path(settings.run_dir, "supervisord").read_text()

    def killed_midway(*_args: object) -> tuple[list[ReapedProcess], bool]:
        raise KeyboardInterrupt  # stands in for the SIGKILL

    monkeypatch.setattr(F, "reap_and_confirm", killed_midway)
    RR.reap_record_path(settings.run_dir, "supervisord").write_text(note)
    with pytest.raises(KeyboardInterrupt):
        finish(tmp_path)
    before = reaps.calls
    launch(tmp_path)
    assert reaps.calls == before + 1


def test_a_note_naming_an_older_death_is_not_trusted(tmp_path: Path, reaps: Reaps) -> None:
    # An older finish that ran past the launch's wait writes its note after the next
    # manager started: it names the older incarnation, not the one that died now.
    launch(tmp_path)
    finish(tmp_path)
    settings = tmp_settings(tmp_path)
    path = RR.reap_record_path(settings.run_dir, "supervisord")
    note = json.loads(path.read_text())
    path.write_text(json.dumps({**note, "epoch": note["epoch"] - 60}))
    before = reaps.calls
    launch(tmp_path)
    assert reaps.calls == before + 1


@pytest.mark.parametrize("text", ["{not json", "[]", "{}"])
def test_an_unreadable_note_means_a_sweep(tmp_path: Path, reaps: Reaps, text: str) -> None:
    launch(tmp_path)
    finish(tmp_path)
    RR.reap_record_path(tmp_settings(tmp_path).run_dir, "supervisord").write_text(text)
    before = reaps.calls
    launch(tmp_path)
    assert reaps.calls == before + 1


def test_a_finish_still_running_when_the_wait_ended_means_a_sweep(
    tmp_path: Path, reaps: Reaps, monkeypatch: pytest.MonkeyPatch
) -> None:
    launch(tmp_path)
    finish(tmp_path)
    monkeypatch.setattr(L, "wait_for_finish", lambda _lock: "finish.lock is still held")
    before = reaps.calls
    launch(tmp_path)
    assert reaps.calls == before + 1
    # The note was consumed: the launch after that sweeps too.
    monkeypatch.setattr(L, "wait_for_finish", lambda _lock: None)
    launch(tmp_path)
    assert reaps.calls == before + 2


def test_the_note_is_consumed_by_the_launch_that_trusts_it(tmp_path: Path, reaps: Reaps) -> None:
    launch(tmp_path)
    finish(tmp_path)
    launch(tmp_path)
    assert not RR.reap_record_path(tmp_settings(tmp_path).run_dir, "supervisord").exists()
