"""Several stacks on one machine (issue 10, point 2), as a user types the commands: a
second `up` on a port the first holds refuses and names the first's `down`; `stacks`
lists what runs; doctor advises that `down`, never a kill; `down --all` stops them all;
`up --detach` returns once the managers answer, DEGRADED when one is on its seed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from workloadctl.runtime.own_command import workloadctl_program

from .stack_support import (
    free_port,
    make_repo,
    managers,
    process_compose_yaml,
    require_process_compose,
    require_stack_tools,
    supervisord_conf,
    switches,
)

pytestmark = pytest.mark.integration


def _workloadctl(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workloadctl", *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=cwd,
        env={**os.environ, **switches()},
    )


def _repo(tmp_path: Path, name: str, ui_port: int, pc_yaml: str | None = None) -> Path:
    base = tmp_path / name
    base.mkdir()
    pc_yaml = process_compose_yaml({"pc-worker": 4601}) if pc_yaml is None else pc_yaml
    repo = make_repo(base, supervisord_conf({"sv-web": 4501}, inet_port=ui_port), pc_yaml)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo


def _stacks() -> list[dict[str, Any]]:
    listed = _workloadctl("stacks", "--json")
    assert listed.returncode == 0, listed.stderr
    stacks: list[dict[str, Any]] = json.loads(listed.stdout)["stacks"]
    return stacks


def _stop_everything(*tops: Path) -> None:
    _workloadctl("down", "--all")
    for top in tops:
        if (top / "stack.json").exists():
            _workloadctl("down", "--state-dir", str(top))


def test_a_second_stack_on_the_same_port_is_refused_listed_and_all_stopped(
    tmp_path: Path,
) -> None:
    require_stack_tools()
    port = free_port()
    repo = _repo(tmp_path, "a", port)
    first, second = (tmp_path / "state-a").resolve(), (tmp_path / "state-b").resolve()
    try:
        up = _workloadctl("up", "--detach", "--root", str(repo), "--state-dir", str(first))
        assert up.returncode == 0, up.stdout + up.stderr
        for manager in managers():
            assert f"up: {manager}: answers, PID " in up.stdout, up.stdout

        # Same configs, another state dir: refused before anything starts.
        again = _workloadctl("up", "--detach", "--root", str(repo), "--state-dir", str(second))
        assert again.returncode == 1, again.stdout + again.stderr
        assert f"port {port} (wanted by supervisord web UI" in again.stderr
        assert f"the workloadctl stack in {first} (s6-svscan PID " in again.stderr
        assert f"stop it with `{workloadctl_program()} down --state-dir {first}`" in again.stderr
        assert "stack up" not in again.stdout and "Traceback" not in again.stderr
        assert not (second / "stack.json").exists()
        assert [s["top"] for s in _stacks()] == [str(first)]

        # The doctor, asked about the refused state dir, names that same command.
        doctor = _workloadctl("doctor", "--json", "--state-dir", str(second), cwd=repo)
        checks = {c["name"]: c for c in json.loads(doctor.stdout)["checks"]}
        held = checks[f"port {port}"]
        assert not held["ok"] and f"the workloadctl stack in {first}" in held["detail"]
        assert held["fix"].startswith(
            f"`{workloadctl_program()} down --state-dir {first}` stops it"
        )
        assert "kill" not in held["fix"]

        # With its own port, the second stack runs beside the first.
        other = _repo(tmp_path, "b", free_port())
        up_b = _workloadctl("up", "--detach", "--root", str(other), "--state-dir", str(second))
        assert up_b.returncode == 0, up_b.stdout + up_b.stderr
        listed = _stacks()
        assert [s["top"] for s in listed] == [str(first), str(second)]
        assert all(s["svscan_pid"] > 1 for s in listed)
        table = _workloadctl("stacks")
        assert str(first) in table.stdout and str(second) in table.stdout

        down = _workloadctl("down", "--all")
        assert down.returncode == 0, down.stdout + down.stderr
        assert f"down: [1/2] {first}: stopping" in down.stdout
        assert f"down: [2/2] {second}: stopping" in down.stdout
        assert "down: stopped 2 of 2 stacks" in down.stdout
        assert _stacks() == []
        assert not (first / "stack.json").exists() and not (second / "stack.json").exists()
    finally:
        _stop_everything(first, second)


def test_up_detach_on_a_seed_says_degraded(tmp_path: Path) -> None:
    require_stack_tools()
    require_process_compose()
    broken = "processes:\n  pc-worker:\n    command: [unclosed\n"
    repo = _repo(tmp_path, "a", free_port(), broken)
    top = (tmp_path / "state").resolve()
    try:
        up = _workloadctl("up", "--detach", "--root", str(repo), "--state-dir", str(top))
        assert up.returncode == 3, up.stdout + up.stderr
        assert "up: DEGRADED: process-compose runs its SEED config" in up.stdout
        assert "workloads/process-compose/project.yaml" in up.stdout
        assert f"up: stop it with: {workloadctl_program()} down --state-dir {top}" in up.stdout
        assert _workloadctl("status", "--state-dir", str(top)).returncode == 3
    finally:
        _stop_everything(top)


def test_a_seed_whose_own_program_fails_is_degraded_in_up_and_status_alike(
    tmp_path: Path,
) -> None:
    # The trial: supervisord on its seed, whose code-server is not installed (BACKOFF):
    # `up --detach` exited 3 but `status` 1. The seed is the cause: both say 3.
    import shutil
    import socket

    require_stack_tools()
    if shutil.which("code-server") is not None:
        pytest.skip("code-server is installed here: the seed's program would run")
    with socket.socket() as probe:  # the seed's web UI port; the seed would crash-loop
        if probe.connect_ex(("127.0.0.1", 9001)) == 0:
            pytest.skip("127.0.0.1:9001 (the supervisord seed's web UI) is in use")
    broken = supervisord_conf({"sv-web": 4501}) + "\n[program:broken]\nautostart=maybe\n"
    base = tmp_path / "a"
    base.mkdir()
    repo = make_repo(base, broken, process_compose_yaml({"pc-worker": 4601}))
    top = (tmp_path / "state").resolve()
    try:
        up = _workloadctl("up", "--detach", "--root", str(repo), "--state-dir", str(top))
        assert up.returncode == 3, up.stdout + up.stderr
        assert "up: DEGRADED: supervisord runs its SEED config" in up.stdout
        # Until the seed's program has failed (BACKOFF, then FATAL), not while it starts.
        deadline = time.monotonic() + 60
        while True:
            status = _workloadctl("status", "--json", "--state-dir", str(top))
            data = json.loads(status.stdout)
            seed = {p["name"]: p for p in data["programs"]}.get("code-server", {})
            if seed.get("native_state") in ("BACKOFF", "FATAL") or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert seed.get("native_state") in ("BACKOFF", "FATAL") and not seed["ok"], data
        assert status.returncode == 3, status.stdout + status.stderr
        assert data["degraded"] == ["supervisord"], data
        text = _workloadctl("status", "--state-dir", str(top))
        assert text.returncode == 3, text.stdout
        assert "DEGRADED: supervisord runs its SEED config" in text.stdout
        assert "NOT all running" not in text.stdout
    finally:
        if (top / "stack.json").exists():
            _workloadctl("down", "--state-dir", str(top))
