"""A manager's `finish` runs in the background (issue 13), yet the order stays: the death is
recorded, and what the dead manager left behind is gone, before the next `launch` decides
and starts the manager's programs again. The programs here ignore SIGTERM, so each finish
outlasts the second s6 waits before it runs `run` again: only the launcher's wait for the
finish lock keeps the order."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from workloadctl.runtime import quarantine as Q

from .stack_support import (
    SUPERVISORD_HEADER,
    make_repo,
    process_compose_yaml,
    require_stack_tools,
    running_stack,
    wait_for,
)

pytestmark = pytest.mark.integration

DEATHS = 3
STUBBORN = """\
[program:{name}]
command=/bin/sh -c "trap '' TERM; exec /bin/sleep {seconds}"
autostart=true
autorestart=true
startsecs=1
stopwaitsecs=1
stdout_logfile=/dev/null
stderr_logfile=/dev/null
"""
PROGRAMS = {"sv-stubborn": 4401}
# The launcher's first line: its notice on the project config, or the seed's banner.
LAUNCHER_MARKS = ("workloadctl: supervisord: starting ", "supervisord is running the SEED config")


@pytest.fixture(autouse=True)
def _tools() -> None:
    require_stack_tools()


def _index(lines: list[str], start: int, needle: str) -> int:
    return next(i for i in range(start, len(lines)) if needle in lines[i])


def test_each_kill_9_is_counted_and_reaped_before_the_next_launch_decides(
    tmp_path: Path,
) -> None:
    conf = (
        SUPERVISORD_HEADER
        + "\n"
        + "".join(STUBBORN.format(name=n, seconds=s) for n, s in PROGRAMS.items())
    )
    repo = make_repo(tmp_path, conf, process_compose_yaml({}))
    env = {
        Q.ENV_QUARANTINE_DEATHS: str(DEATHS),
        Q.ENV_QUARANTINE_WINDOW: "600",
        # Every kill falls within the start period: each one says the config crash-loops.
        Q.ENV_QUARANTINE_START_PERIOD: "600",
        "WORKLOADCTL_REAP_GRACE": "2",  # each finish takes over 2 s: longer than s6's 1 s
    }
    leftovers: list[int] = []
    with running_stack(repo, tmp_path / "state", env) as stack:
        for round_ in range(1, DEATHS + 1):
            pids = stack.wait_running("supervisord", set(PROGRAMS))
            decision = stack.decision("supervisord")
            assert decision["source"] == "project", decision["reason"]
            leftovers.append(pids["sv-stubborn"])
            manager = stack.manager_pid("supervisord")
            assert manager is not None
            os.kill(manager, signal.SIGKILL)
            old_epoch = decision["epoch"]
            after = wait_for(
                f"a new decision after kill {round_}",
                lambda old=old_epoch: (
                    (d := stack.decision("supervisord")).get("epoch") != old and d
                ),
                timeout=30,
            )
            # The very next decision counts this death: the third one quarantines.
            assert after["source"] == ("seed" if round_ == DEATHS else "project"), after
        assert "quarantin" in str(stack.decision("supervisord")["reason"]).lower()
        deaths = Q.load_deaths(stack.settings, "supervisord")
        assert len(deaths) == DEATHS
        assert all(d.signal == signal.SIGKILL and not d.outside_signal for d in deaths)
        lines = (stack.top / "log/stack.log").read_text(errors="replace").splitlines()
    # In the stack's log, per death: the death recorded, its leftover killed by `finish`,
    # and only then the next launcher's decision.
    position = 0
    for round_, pid in enumerate(leftovers, start=1):
        death = _index(lines, position, f"supervisord was killed by signal 9: crash {round_} of")
        reaped = _index(lines, death, f"supervisord: killed a leftover program: pid {pid} ")
        launched = next(
            i for i in range(death, len(lines)) if any(mark in lines[i] for mark in LAUNCHER_MARKS)
        )
        assert death < reaped < launched, lines[death : launched + 1]
        position = launched
    # The launcher's own sweep (belt and braces) never found anything: finish had done it.
    assert not [line for line in lines if "killed a leftover of the previous run" in line]
