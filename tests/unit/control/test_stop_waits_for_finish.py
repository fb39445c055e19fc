"""`workloadctl stop MANAGER`: s6 says "down" once the finish script returned, while
`workloadctl finish` may still be killing what the manager left behind in the
background; stop waits for its lock before it says the programs are stopped (issue 13)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

from workloadctl import settings as S
from workloadctl.clients import s6
from workloadctl.control import actions
from workloadctl.control.context import ControlContext
from workloadctl.control.names import Target


def _settings(tmp_path: Path) -> S.Settings:
    return S.Settings.from_env(
        {
            S.ENV_STATE_DIR: str(tmp_path / "state"),
            S.ENV_RUN_DIR: str(tmp_path / "run"),
            S.ENV_SERVICE_DIR: str(tmp_path / "service"),
        }
    )


@pytest.fixture
def s6_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    """s6 as after `s6-svc -d`: the service went down and the finish script returned."""
    states = iter([True])

    def state(service: Path) -> s6.ServiceState:
        up = next(states, False)
        return s6.ServiceState(
            up=up,
            wanted_up=up,
            ready=up,
            pid=4242 if up else None,
            exit_code=None,
            signal=None,
            seconds_in_state=1,
        )

    monkeypatch.setattr(s6, "is_supervised", lambda service: True)
    monkeypatch.setattr(s6, "state", state)
    monkeypatch.setattr(s6, "control", lambda service, *flags: None)
    monkeypatch.setattr(s6, "wait", lambda service, *, up, timeout: True)


def _stop(tmp_path: Path, timeout: float) -> actions.Outcome:
    ctx = ControlContext(_settings(tmp_path), None)
    return actions._stop_manager(ctx, Target("supervisord", None), timeout)


def test_stop_says_the_programs_are_stopped_once_finish_is_done(
    tmp_path: Path, s6_stops: None
) -> None:
    outcome = _stop(tmp_path, 0.05)
    assert outcome.ok
    assert outcome.message.startswith("stopped, and its programs with it;"), outcome.message


def test_stop_does_not_claim_the_programs_stopped_while_finish_still_runs(
    tmp_path: Path, s6_stops: None
) -> None:
    lock = _settings(tmp_path).finish_lock("supervisord")
    lock.parent.mkdir(parents=True)
    fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # the background finish, still reaping
        outcome = _stop(tmp_path, 0.05)
    finally:
        os.close(fd)
    assert outcome.ok  # the manager is down
    assert "its programs with it" not in outcome.message
    assert f"WARNING: {lock} is still held after" in outcome.message
