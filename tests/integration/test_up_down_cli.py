"""`workloadctl up --detach` / `status` / `down` as a user types them (real binaries).
Without process-compose on this machine, with process-compose switched off."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from workloadctl import settings as S

from .stack_support import (
    free_port,
    make_repo,
    process_compose_available,
    process_compose_yaml,
    require_stack_tools,
    supervisord_conf,
    switches,
    wait_for,
)

pytestmark = pytest.mark.integration


def _workloadctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workloadctl", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **switches()},
    )


def test_up_detach_status_down(tmp_path: Path) -> None:
    require_stack_tools()
    port = free_port()
    repo = make_repo(
        tmp_path,
        supervisord_conf({"sv-web": 4501}, inet_port=port),
        process_compose_yaml({"pc-worker": 4601}),
    )
    state = tmp_path / "state"
    up = _workloadctl("up", "--detach", "--root", str(repo), "--state-dir", str(state))
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        assert f"supervisord web UI: http://127.0.0.1:{port}/" in up.stdout
        assert "password: in " in up.stdout and "Traceback" not in up.stderr
        with_pc = process_compose_available()
        if with_pc:
            assert f"workloadctl attach --state-dir {state}" in up.stdout

        def all_running() -> bool:
            return _workloadctl("status", "--state-dir", str(state)).returncode == 0

        wait_for("status to report everything running", all_running, timeout=30)
        status = _workloadctl("status", "--state-dir", str(state))
        assert "sv-web" in status.stdout
        if with_pc:
            assert "pc-worker" in status.stdout
        else:
            assert "pc-worker" not in status.stdout and "disabled" in status.stdout
    finally:
        down = _workloadctl("down", "--state-dir", str(state))
    assert down.returncode == 0, down.stdout + down.stderr
    assert "no process left behind" in down.stdout
    again = _workloadctl("down", "--state-dir", str(state))
    assert again.returncode == 1 and "nothing to stop" in again.stderr


def test_the_commands_up_prints_work_from_another_directory() -> None:
    """`up` run inside the repository, its default state dir: the `status:` line (and every
    other command it prints) is run from a second terminal, wherever that is. It said a bare
    `workloadctl status`, which elsewhere reaches no stack."""
    require_stack_tools()
    # Short: the repository holds the state dir here, and supervisord's socket path must
    # fit in a sockaddr_un (pytest's tmp_path plus repo/.state/run/... does not).
    with tempfile.TemporaryDirectory(prefix="wc-up-") as short:
        _up_inside_the_repository(Path(short))


def _up_inside_the_repository(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, supervisord_conf({"sv-web": 4502}, inet_port=free_port()), None)
    state = repo / ".state"
    env = {k: v for k, v in os.environ.items() if k not in (S.ENV_STATE_DIR, S.ENV_ROOT)}
    env.update(switches())
    env[S.ENV_ENABLE_PROCESS_COMPOSE] = "0"  # one manager is enough here

    def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
        )

    up = run([sys.executable, "-m", "workloadctl", "up", "--detach"], cwd=repo)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        status_lines = [line for line in up.stdout.splitlines() if line.startswith("status: ")]
        assert len(status_lines) == 1, up.stdout
        printed = status_lines[0].removeprefix("status: ")
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()

        def all_running() -> bool:
            status = [sys.executable, "-m", "workloadctl", "status", "--state-dir", str(state)]
            return run(status, cwd=repo).returncode == 0

        wait_for("status to report everything running", all_running, timeout=30, interval=0.5)
        status = run(["sh", "-c", printed], cwd=elsewhere)
        assert status.returncode == 0, f"`{printed}` in {elsewhere}: {status.stdout}{status.stderr}"
        assert "sv-web" in status.stdout
        assert str(state) in printed
        program = shlex.split(printed)[0]
        for command in re.findall(r"`([^`]+)`", up.stdout):
            if shlex.split(command)[0] == program:
                assert f"--state-dir {state}" in command, command
    finally:
        down = run([sys.executable, "-m", "workloadctl", "down", "--state-dir", str(state)], repo)
    assert down.returncode == 0, down.stdout + down.stderr
