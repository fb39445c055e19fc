from __future__ import annotations

import argparse
import io
import json
import signal
import time
from pathlib import Path

import pytest
from launcher_support import FakeLoader, tmp_env, tmp_settings, write_project

from workloadctl.commands import finish as F
from workloadctl.runtime import decision as D
from workloadctl.runtime import quarantine as Q
from workloadctl.runtime import reaper as R
from workloadctl.runtime.reaper import ReapedProcess


@pytest.fixture
def reaped(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, float]]:
    """Replace the reaper: these tests are about recording; test_reaper.py kills for real."""
    calls: list[tuple[str, str, float]] = []

    def fake_reap(
        manager: str, instance: str, *, session: object = None, grace: float
    ) -> list[ReapedProcess]:
        calls.append((manager, instance, grace))
        return [ReapedProcess(pid=4321, name="sleep", cmdline=("sleep", "9"), signal=15)]

    monkeypatch.setattr(R, "reap", fake_reap)
    return calls


def started_on_project(tmp_path: Path, at: float = 100.0) -> str:
    settings = tmp_settings(tmp_path)
    write_project(settings)
    decision = D.decide("supervisord", settings, loader=FakeLoader())
    D.record_decision(settings, decision, pid=1, now=at)
    assert decision.project_sha256 is not None
    return decision.project_sha256


def run_finish(
    tmp_path: Path, exit_code: int | None, signal: int | None, now: float = 100.0
) -> str:
    err = io.StringIO()
    code = F.finish(
        "supervisord",
        exit_code,
        signal,
        settings=tmp_settings(tmp_path),
        environ=tmp_env(tmp_path, WORKLOADCTL_REAP_GRACE="0.25"),
        stderr=err,
        now=now,
    )
    assert code == 0
    return err.getvalue()


def test_a_crash_is_recorded_with_the_project_hash_and_counted(
    tmp_path: Path, reaped: list[tuple[str, str, float]]
) -> None:
    digest = started_on_project(tmp_path)
    out = run_finish(tmp_path, 256, 9)
    [death] = Q.load_deaths(tmp_settings(tmp_path), "supervisord")
    assert (death.exit_code, death.signal, death.intentional) == (256, 9, False)
    assert (death.source, death.project_sha256) == ("project", digest)
    assert "was killed by signal 9: crash 1 of 5 within 60 s" in out
    assert "killed a leftover program: pid 4321 (sleep 9) SIGTERM" in out
    assert reaped[0][0] == "supervisord"
    assert reaped[0][2] == 0.25


def test_an_intentional_stop_is_recorded_but_not_counted(
    tmp_path: Path, reaped: list[tuple[str, str, float]]
) -> None:
    started_on_project(tmp_path)
    out = run_finish(tmp_path, 256, 15)
    assert "an intentional stop; not counted" in out
    [death] = Q.load_deaths(tmp_settings(tmp_path), "supervisord")
    assert death.intentional is True
    assert reaped, "leftovers are reaped after an intentional stop too"


def test_five_crashes_quarantine_the_next_start(
    tmp_path: Path, reaped: list[tuple[str, str, float]]
) -> None:
    started_on_project(tmp_path)
    for n in range(5):
        run_finish(tmp_path, 1, None, now=100.0 + n)
    decision = D.decide("supervisord", tmp_settings(tmp_path), loader=FakeLoader(), now=105.0)
    assert decision.source == "seed"
    assert decision.quarantine is not None


def test_a_launcher_that_never_started_is_not_a_counted_death(
    tmp_path: Path, reaped: list[tuple[str, str, float]]
) -> None:
    settings = tmp_settings(tmp_path)
    decision = D.decide("supervisord", settings, loader=FakeLoader())
    D.record_decision(settings, decision, pid=1, started=False)
    out = run_finish(tmp_path, 111, None)
    assert "exited with code 111: not on the project config; not counted" in out
    assert Q.load_deaths(settings, "supervisord")[0].source is None


def test_run_tolerates_odd_arguments_and_always_exits_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reaped: list[tuple[str, str, float]]
) -> None:
    for name, value in tmp_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    parser = argparse.ArgumentParser()
    F.register(parser.add_subparsers())
    args = parser.parse_args(["finish", "supervisord", "junk", "9", "supervisord", "123"])
    assert args.handler(args) == 0
    [death] = Q.load_deaths(tmp_settings(tmp_path), "supervisord")
    assert death.exit_code is None


def test_run_reports_an_unexpected_failure_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def explode(*args: object, **kwargs: object) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(F, "finish", explode)
    args = argparse.Namespace(manager="process-compose", exit_code="1", signal=None)
    assert F.run(args) == 0
    assert "finish process-compose: RuntimeError: disk on fire" in capsys.readouterr().err


def test_outside_kills_of_a_manager_that_ran_fine_never_quarantine(
    tmp_path: Path, reaped: list[tuple[str, str, float]]
) -> None:
    """Issue 9, failure 3: five kill -9s from outside, each after a full recovery."""
    settings = tmp_settings(tmp_path)
    for n in range(5):
        start = 100.0 + 15.0 * n
        started_on_project(tmp_path, at=start)
        out = run_finish(tmp_path, 256, 9, now=start + 12.0)
        assert "a signal from outside after 12 s of running" in out
        assert "not counted" in out
    decision = D.decide("supervisord", settings, loader=FakeLoader(), now=200.0)
    assert decision.source == "project"
    assert all(d.outside_signal for d in Q.load_deaths(settings, "supervisord"))


def test_kills_within_the_start_period_still_quarantine(
    tmp_path: Path, reaped: list[tuple[str, str, float]]
) -> None:
    for n in range(5):
        start = 100.0 + 3.0 * n
        started_on_project(tmp_path, at=start)
        out = run_finish(tmp_path, 256, 9, now=start + 1.0)
        assert f"crash {n + 1} of 5" in out
    decision = D.decide("supervisord", tmp_settings(tmp_path), loader=FakeLoader(), now=120.0)
    assert decision.source == "seed"
    assert decision.quarantine is not None


def test_the_start_period_restarts_at_a_reload(
    tmp_path: Path, reaped: list[tuple[str, str, float]]
) -> None:
    started_on_project(tmp_path, at=100.0)
    path = D.decision_path(tmp_settings(tmp_path), "supervisord")
    record = json.loads(path.read_text())
    path.write_text(json.dumps({**record, "reloaded_epoch": 200.0}))
    out = run_finish(tmp_path, 256, 9, now=203.0)
    assert "crash 1 of 5" in out


def test_run_gives_up_at_its_bound_and_still_exits_0(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """In the background s6 no longer kills a stuck finish, and it holds the lock the
    next launch waits for: it must end by itself."""

    def stuck(*args: object, **kwargs: object) -> int:
        time.sleep(5)
        return 0

    monkeypatch.setattr(F, "finish", stuck)
    monkeypatch.setattr(F, "finish_bound_seconds", lambda environ: 0.05)
    args = argparse.Namespace(manager="supervisord", exit_code="256", signal="9")
    assert F.run(args) == 0
    err = capsys.readouterr().err
    assert "workloadctl: finish supervisord: gave up after 0.05 s; the next launch kills" in err
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # no timer left behind
