"""start/stop/restart wait for what they promise (issue 9, failures 2 and 6), on a real stack.

- A manager started or restarted while s6 is still stopping it ends up wanted up and
  running: s6's "want down" never survives a `start`.
- A program whose port is held does not start: `start` exits 1 and names its state, and
  once the port is free supervisord brings it back by itself (its retry schedule).

One stack for the module; each test leaves every manager up.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from workloadctl.cli import main
from workloadctl.clients import s6

from .stack_support import (
    SUPERVISORD_HEADER,
    Stack,
    free_port,
    make_repo,
    managers,
    process_compose_available,
    require_process_compose,
    require_stack_tools,
    running_stack,
    wait_for,
)

pytestmark = pytest.mark.integration


SV_PORT = free_port()
PC_PORT = free_port()

# slow-stop ignores SIGTERM (SIG_IGN survives exec), so supervisord takes stopwaitsecs to
# stop: a `start` right after `s6-svc -d` finds it still up, on its way down.
# porty retries 6 times: 1+2+...+6 = 21 s of backoff, long enough for the test to free
# its port while supervisord is still retrying.
SUPERVISORD_CONF = (
    SUPERVISORD_HEADER
    + f"""
[program:slow-stop]
command=/bin/sh -c 'trap "" TERM; exec sleep 5311'
startsecs=0
stopwaitsecs=3
stdout_logfile=/dev/null
stderr_logfile=/dev/null

[program:porty]
command=python3 -m http.server {SV_PORT} --bind 127.0.0.1
autostart=false
autorestart=true
startsecs=1
startretries=6
stdout_logfile=/dev/null
stderr_logfile=/dev/null
"""
)

# pc-porty lives 0.5 s before it tries its port: long enough to be seen running.
PROCESS_COMPOSE_YAML = f"""\
processes:
  pc-sleeper:
    command: sleep 5411
  pc-porty:
    command: sleep 0.5; exec python3 -m http.server {PC_PORT} --bind 127.0.0.1
    disabled: true
    availability:
      restart: on_failure
      backoff_seconds: 1
      max_restarts: 0
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    require_stack_tools()
    tmp = tmp_path_factory.mktemp("control-waits")
    repo = make_repo(tmp, SUPERVISORD_CONF, PROCESS_COMPOSE_YAML)
    with running_stack(repo, tmp / "state") as started:
        started.wait_running("supervisord", {"slow-stop"})
        if process_compose_available():
            started.wait_running("process-compose", {"pc-sleeper"})
        yield started


@pytest.fixture(autouse=True)
def _managers_up_after(stack: Stack) -> Iterator[None]:
    yield
    for manager in managers():
        s6.control(stack.service(manager), "-u")
    stack.wait_running("supervisord", {"slow-stop"})
    if process_compose_available():
        stack.wait_running("process-compose", {"pc-sleeper"})


def cli(stack: Stack, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main([*argv, "--state-dir", str(stack.top)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _held(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:port: the program's own bind fails."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", port))
    holder.listen()
    return holder


@pytest.mark.parametrize("action", ["start", "restart"])
def test_a_manager_started_while_s6_stops_it_ends_wanted_up(
    stack: Stack, capsys: pytest.CaptureFixture[str], action: str
) -> None:
    service = stack.service("supervisord")
    s6.control(service, "-d")  # s6-supervise reads it a moment later
    stopping = wait_for(
        "s6 to want it down", lambda: None if (st := s6.state(service)).wanted_up else st
    )
    assert stopping.up, stopping  # slow-stop holds it up for 3 s

    code, out = cli(stack, capsys, action, "supervisord")

    assert code == 0, out
    final = s6.state(service)
    assert final.up and final.wanted_up, (final, out)
    assert final.pid != stopping.pid
    assert "slow-stop" in stack.running_pids("supervisord")


def test_stop_leaves_a_manager_wanted_down_and_down(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    service = stack.service("supervisord")
    code, out = cli(stack, capsys, "stop", "supervisord")
    assert code == 0, out
    final = s6.state(service)
    assert not final.up and not final.wanted_up, (final, out)


def test_a_supervisord_program_with_its_port_held_fails_then_comes_back_by_itself(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    holder = _held(SV_PORT)
    try:
        code, out = cli(stack, capsys, "start", "porty")
    finally:
        holder.close()
    try:
        assert code == 1, out
        line = out.splitlines()[0]
        assert line.startswith("supervisord:porty: did not start: it "), out
        assert "supervisord keeps retrying it" in line, out
        # Nobody starts it again: supervisord's own retries bring it up.
        stack.wait_running("supervisord", {"porty"}, timeout=40)
    finally:
        cli(stack, capsys, "stop", "porty")


def test_a_process_compose_program_with_its_port_held_is_not_reported_running(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    require_process_compose()
    holder = _held(PC_PORT)
    try:
        code, out = cli(stack, capsys, "start", "pc-porty")
        assert code == 1, out
        line = out.splitlines()[0]
        assert line.startswith("process-compose:pc-porty: "), out
        assert "exit code 1" in line, out
    finally:
        holder.close()
        cli(stack, capsys, "stop", "pc-porty")
    try:
        code, out = cli(stack, capsys, "start", "pc-porty")
        assert code == 0, out
        assert "pc-porty" in stack.running_pids("process-compose")
    finally:
        cli(stack, capsys, "stop", "pc-porty")
