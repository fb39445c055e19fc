"""What `workloadctl up` in the foreground shows of the stack's log, with the real
process-compose: its terminal-title escape at each start and its "Press Ctrl+C to quit"
at each stop stay in log/stack.log, but `up` shows no escape and says what Ctrl-C does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .stack_support import process_compose_available, wait_for
from .test_up_signals import EXIT_TIMEOUT, _read_until, _up_following

pytestmark = pytest.mark.integration

TITLE = b"\x1b]0;process-compose: "
NOTE = b"Ctrl-C here stops the whole stack"


def state_dir_args(state: Path) -> list[str]:
    return ["--state-dir", str(state)]


MARKER = b"test: the restart's lines are all in the log\n"


def test_up_shows_a_process_compose_restart_without_escapes(tmp_path: Path) -> None:
    if not process_compose_available():
        pytest.skip("process-compose is not installed (`make up` installs it)")
    with _up_following(tmp_path) as up:
        stack_log = up.state / "log/stack.log"
        # `up` follows once s6 started the launcher; process-compose writes its title later.
        wait_for("process-compose's first title", lambda: TITLE in stack_log.read_bytes())
        restart = subprocess.run(
            [
                sys.executable,
                "-m",
                "workloadctl",
                "restart",
                "process-compose",
                *state_dir_args(up.state),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert restart.returncode == 0, restart.stdout + restart.stderr
        # The first start and the restart each wrote a title.
        wait_for(
            f"a second title in {stack_log} after: {restart.stdout}",
            lambda: stack_log.read_bytes().count(TITLE) >= 2,
            EXIT_TIMEOUT,
        )
        with stack_log.open("ab") as log:
            log.write(MARKER)
        _read_until(up.stdout, MARKER, up.seen, EXIT_TIMEOUT)
        os.killpg(up.proc.pid, signal.SIGINT)
        _read_until(up.stdout, b"", up.seen, EXIT_TIMEOUT)
    assert b"\x1b" not in up.seen
    assert b"Project Completed. Press Ctrl+C to quit\nup: (" in up.seen
    assert NOTE in up.seen
