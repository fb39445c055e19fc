"""`workloadctl doctor` on this machine, with and without a running stack (without
process-compose on this machine, a stack with process-compose switched off)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .stack_support import (
    free_port,
    make_repo,
    process_compose_available,
    process_compose_yaml,
    require_stack_tools,
    supervisord_conf,
    switches,
)

pytestmark = pytest.mark.integration
WORKLOADCTL = Path(sys.executable).parent / "workloadctl"


def doctor(top: Path, cwd: Path) -> tuple[int, dict[str, dict[str, Any]]]:
    run = subprocess.run(
        [str(WORKLOADCTL), "doctor", "--json", "--state-dir", str(top)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    data = json.loads(run.stdout)
    assert data["ok"] is (run.returncode == 0)
    return run.returncode, {c["name"]: c for c in data["checks"]}


def test_doctor_with_a_running_stack_and_a_stranger_on_a_port(tmp_path: Path) -> None:
    require_stack_tools()
    ui_port, claimed_port = free_port(), free_port()
    program = (
        "\n[program:claims]\n"
        f"command=python3 -c 'import time; time.sleep(1000)' --port {claimed_port}\n"
        "autostart=false\nstdout_logfile=/dev/null\nstderr_logfile=/dev/null\n"
    )
    # A project.yaml: without one process-compose runs its seed, and `up --detach` says
    # DEGRADED (exit 3).
    pc_yaml = process_compose_yaml({"pc-idle": 1000})
    repo = make_repo(tmp_path, supervisord_conf({}, inet_port=ui_port) + program, pc_yaml)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    top = tmp_path / "state"

    code, checks = doctor(top, repo)  # nothing running yet
    for name in ("s6", "execline", "supervisord", "unshare", "pid-namespace"):
        assert checks[name]["ok"], checks[name]
    if process_compose_available():
        assert checks["process-compose"]["ok"], checks["process-compose"]
        assert checks["process-compose"]["detail"].endswith("version v1.122.0")
    assert checks[f"port {ui_port}"]["ok"] and "free" in checks[f"port {ui_port}"]["detail"]
    assert "does not exist yet" in checks["secrets"]["detail"]

    up = subprocess.run(
        [str(WORKLOADCTL), "up", "--detach", "--root", str(repo), "--state-dir", str(top)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **switches()},
    )
    assert up.returncode == 0, up.stdout + up.stderr
    try:
        with socket.socket() as stranger:
            stranger.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            stranger.bind(("127.0.0.1", claimed_port))
            stranger.listen()
            code, checks = doctor(top, repo)
        assert code == 1
        ui = checks[f"port {ui_port}"]
        assert ui["ok"] and "our own running stack" in ui["detail"], ui
        claimed = checks[f"port {claimed_port}"]
        assert not claimed["ok"] and "supervisord program 'claims'" in claimed["detail"]
        assert "kill" in claimed["fix"] and "project.conf" in claimed["fix"]
        for name in ("state-dir", "secrets", "sockets"):
            assert checks[name]["ok"], checks[name]
        assert "2 file(s)" in checks["secrets"]["detail"]
        assert "supervisord.sock 0700" in checks["sockets"]["detail"]
    finally:
        down = subprocess.run(
            [str(WORKLOADCTL), "down", "--state-dir", str(top)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert down.returncode == 0, down.stdout + down.stderr
