"""`down` says which longrun it is stopping before the wait (supervisord waits for its
programs, seconds of silence), then the result."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from workloadctl.clients import s6
from workloadctl.runtime import local_runner
from workloadctl.runtime.local_stack import RECORD_NAME, StackRecord


def test_each_longrun_is_named_before_its_stop_is_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, live_process: subprocess.Popen[bytes]
) -> None:
    top = tmp_path / "state"
    top.mkdir()
    StackRecord(
        root=str(tmp_path / "repo"),
        top=str(top),
        unshare_pid=live_process.pid,
        svscan_pid=live_process.pid,
        services=[],
        longruns=["process-compose", "supervisord"],
        env={},
        started_at=1.0,
    ).write(top / RECORD_NAME)
    lines: list[str] = []

    def wait(path: Path, *, up: bool, timeout: float) -> bool:
        lines.append(f"(waited for {path.name})")
        return True

    def terminate(_service_dir: Path) -> None:
        live_process.kill()
        live_process.wait()

    monkeypatch.setattr(s6, "control", lambda *_args: None)
    monkeypatch.setattr(s6, "wait", wait)
    monkeypatch.setattr(s6, "terminate", terminate)
    local_runner.stop_stack(top, lines.append, timeout=30.0)
    assert [line.split(" (waiting")[0] for line in lines[:6]] == [
        "longrun supervisord: stopping",
        "(waited for supervisord)",
        "longrun supervisord: down",
        "longrun process-compose: stopping",
        "(waited for process-compose)",
        "longrun process-compose: down",
    ]
