"""`workloadctl up --detach` / `status` / `down` as a user types them (real binaries).
Without process-compose on this machine, with process-compose switched off."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
