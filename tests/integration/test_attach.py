"""`workloadctl attach` in a real terminal (tmux): process-compose's TUI shows the stack's
processes, and closing it leaves process-compose running."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .stack_support import (
    make_repo,
    process_compose_yaml,
    require_process_compose,
    require_stack_tools,
    running_stack,
    supervisord_conf,
    wait_for,
)

pytestmark = pytest.mark.integration

PC_PROCESSES = {"pc-attach-alpha": 4501, "pc-attach-beta": 4502}


@pytest.fixture(autouse=True)
def _tools() -> None:
    require_stack_tools()
    require_process_compose()
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")


def _tmux(server: str, *args: str) -> str:
    out = subprocess.run(
        ["tmux", "-L", server, *args], capture_output=True, text=True, timeout=10, check=False
    )
    return out.stdout


def _listed_running(screen: str) -> bool:
    """Every process has a row of the TUI's process table that says Running."""
    rows = [line for line in screen.splitlines() if "Running" in line]
    return all(any(f" {name} " in row for row in rows) for name in PC_PROCESSES)


@contextmanager
def tmux_session(server: str, command: str) -> Iterator[str]:
    """A detached 160x40 tmux session running `command`, on a tmux server of its own."""
    subprocess.run(
        [
            "tmux",
            "-L",
            server,
            "new-session",
            "-d",
            "-s",
            "attach",
            "-x",
            "160",
            "-y",
            "40",
            command,
        ],
        check=True,
        timeout=10,
    )
    try:
        yield "attach"
    finally:
        _tmux(server, "kill-server")


def test_attach_shows_the_processes_and_leaves_process_compose_running(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path, supervisord_conf({"sv-attach": 4511}), process_compose_yaml(PC_PROCESSES)
    )
    with running_stack(repo, tmp_path / "state") as stack:
        running = stack.wait_running("process-compose", set(PC_PROCESSES))
        manager = stack.manager_pid("process-compose")
        home = tmp_path / "home"
        home.mkdir()
        # HOME: process-compose creates its config dir there; keep it off the real home.
        # The trailing sleep keeps the pane (and any error message) around to capture.
        command = (
            f"env HOME={shlex.quote(str(home))} {shlex.quote(sys.executable)} -m workloadctl "
            f"attach --state-dir {shlex.quote(str(stack.top))}; sleep 60"
        )
        server = f"workloadctl-test-{tmp_path.name}"
        with tmux_session(server, command) as session:
            screen = wait_for(
                "the TUI to list every process as Running",
                lambda: (
                    (text := _tmux(server, "capture-pane", "-p", "-t", session))
                    and _listed_running(text)
                    and text
                ),
                timeout=30,
            )
            assert "Processes: 2/2" in screen
        # Closing the TUI (its terminal went away) left the manager and its processes alone.
        assert stack.manager_pid("process-compose") == manager
        assert stack.running_pids("process-compose") == running


def test_attach_without_a_terminal_is_a_one_line_error(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, None, process_compose_yaml(PC_PROCESSES))
    with running_stack(repo, tmp_path / "state") as stack:
        stack.wait_running("process-compose", set(PC_PROCESSES))
        out = subprocess.run(
            [sys.executable, "-m", "workloadctl", "attach", "--state-dir", str(stack.top)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert out.returncode == 1
        assert out.stderr.strip().splitlines() == [
            "workloadctl: error: attach needs a terminal: run it from an interactive shell"
        ]
