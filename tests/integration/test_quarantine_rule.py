"""The quarantine counts only deaths that say something about the config (issue 9,
failure 3): kill -9s from outside of a supervisord that ran fine never quarantine its
valid project config. Start-up crashes still do: test_stack.py's
`test_quarantine_on_crash_loop_and_back_on_change` (a held port kills it as it starts)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from workloadctl.runtime import quarantine as Q

from .stack_support import (
    make_repo,
    process_compose_yaml,
    require_stack_tools,
    running_stack,
    supervisord_conf,
    wait_for,
)

pytestmark = pytest.mark.integration

SV_PROGRAMS = {"sv-quiet": 4301}
START_PERIOD = 2.0
KILLS = 5  # as many as quarantine: 5 deaths in the window


@pytest.fixture(autouse=True)
def _tools() -> None:
    require_stack_tools()


def test_outside_kill_9s_of_a_healthy_supervisord_never_quarantine(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, supervisord_conf(SV_PROGRAMS), process_compose_yaml({}))
    env = {
        Q.ENV_QUARANTINE_DEATHS: "5",
        Q.ENV_QUARANTINE_WINDOW: "600",
        Q.ENV_QUARANTINE_START_PERIOD: str(START_PERIOD),
    }
    with running_stack(repo, tmp_path / "state", env) as stack:

        def restarted(epoch: object, old: int) -> Callable[[], bool]:
            def probe() -> bool:
                record = stack.decision("supervisord")
                return record.get("epoch") != epoch and stack.manager_pid("supervisord") not in (
                    None,
                    old,
                )

            return probe

        for _ in range(KILLS):
            stack.wait_running("supervisord", set(SV_PROGRAMS))
            decision = stack.decision("supervisord")
            assert decision["source"] == "project", decision["reason"]
            # Full recovery: it has run its start period on the project config.
            started = float(str(decision["epoch"]))
            time.sleep(max(0.0, started + START_PERIOD + 0.5 - time.time()))
            pid = stack.manager_pid("supervisord")
            assert pid is not None
            os.kill(pid, signal.SIGKILL)
            wait_for("supervisord restarted by s6", restarted(decision["epoch"], pid), timeout=30)
        stack.wait_running("supervisord", set(SV_PROGRAMS))
        assert stack.decision("supervisord")["source"] == "project"
        assert Q.load_quarantine(stack.settings, "supervisord") is None
        deaths = Q.load_deaths(stack.settings, "supervisord")
        assert len(deaths) == KILLS
        assert all(d.outside_signal and d.signal == signal.SIGKILL for d in deaths)
