"""`up` refuses a port another stack holds, `stacks` lists the stacks, `down --all` stops
them: on a stand-in stack (a process named s6-svscan, recorded as `up` records one)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from workloadctl import settings as S
from workloadctl.cli import main
from workloadctl.commands import down as down_command
from workloadctl.commands import up as up_command
from workloadctl.errors import WorkloadctlError
from workloadctl.runtime import stack_registry
from workloadctl.runtime.own_command import workloadctl_program

# How the tool names itself in the commands it prints (a checkout's .venv/bin/workloadctl).
PROGRAM = workloadctl_program()

# Listens on a port it prints, then waits: the web UI of the stand-in stack.
LISTENER = """
import socket, sys, time
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen()
print(server.getsockname()[1], flush=True)
time.sleep(300)
"""


@dataclass
class FakeStack:
    top: Path
    pid: int
    port: int


@pytest.fixture
def stacks_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "stacks"
    monkeypatch.setenv(S.ENV_STACKS_DIR, str(directory))
    return directory


@pytest.fixture
def fake_stack(tmp_path: Path, stacks_dir: Path) -> Iterator[FakeStack]:
    """A python named s6-svscan (the kernel names a process after the file it runs)
    holding a port, registered as the stack of state dir `other-state`."""
    link = tmp_path / "bin/s6-svscan"
    link.parent.mkdir()
    link.symlink_to(sys.executable)
    proc = subprocess.Popen([str(link), "-c", LISTENER], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        top = tmp_path / "other-state"
        stack_registry.register(top, tmp_path / "repo", proc.pid, time.time())
        yield FakeStack(top.resolve(), proc.pid, port)
    finally:
        proc.kill()
        proc.wait()


def _repo_wanting(tmp_path: Path, port: int, capsys: pytest.CaptureFixture[str]) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    assert main(["init", str(repo)]) == 0
    conf = repo / S.PROJECT_SUPERVISORD_CONF
    conf.write_text(conf.read_text().replace("port=127.0.0.1:9001", f"port=127.0.0.1:{port}"))
    capsys.readouterr()
    return repo


def _never_start(*args: object, **kwargs: object) -> None:
    raise AssertionError("up started a stack although a port it wants is in use")


def test_up_refuses_a_port_another_stack_holds(
    tmp_path: Path,
    fake_stack: FakeStack,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = _repo_wanting(tmp_path, fake_stack.port, capsys)
    monkeypatch.setattr(up_command, "start_stack", _never_start)
    code = main(["up", "--root", str(repo), "--state-dir", str(tmp_path / "mine")])
    err = capsys.readouterr().err
    assert code == 1, err
    assert f"port {fake_stack.port} (wanted by supervisord web UI" in err
    assert f"the workloadctl stack in {fake_stack.top} (s6-svscan PID {fake_stack.pid}" in err
    assert f"stop it with `{PROGRAM} down --state-dir {fake_stack.top}`" in err
    assert "nothing started" in err and "Traceback" not in err


def test_up_refuses_a_port_any_process_holds(
    tmp_path: Path,
    stacks_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        repo = _repo_wanting(tmp_path, port, capsys)
        monkeypatch.setattr(up_command, "start_stack", _never_start)
        code = main(["up", "--root", str(repo), "--state-dir", str(tmp_path / "mine")])
    err = capsys.readouterr().err
    assert code == 1, err
    assert f"port {port} (wanted by supervisord web UI" in err
    assert f"is in use by PID {os.getpid()} (" in err


def test_stacks_lists_the_live_stacks(
    fake_stack: FakeStack, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stacks"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == [
        "STATE",
        "DIR",
        "S6-SVSCAN",
        "PID",
        "SINCE",
        "REPOSITORY",
    ]
    assert f"{fake_stack.top}  {fake_stack.pid}" in out
    assert f"stop one: {PROGRAM} down --state-dir {fake_stack.top}" in out
    assert main(["stacks", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["stacks"]
    assert [(s["top"], s["svscan_pid"]) for s in listed] == [(str(fake_stack.top), fake_stack.pid)]
    assert listed[0]["down"] == f"{PROGRAM} down --state-dir {fake_stack.top}"


def test_stacks_when_none_runs(stacks_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stacks"]) == 0
    assert capsys.readouterr().out == "no workloadctl stack runs on this machine\n"
    assert main(["stacks", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"stacks": []}


def test_down_all_stops_each_and_says_which_failed(
    tmp_path: Path,
    fake_stack: FakeStack,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stopped: list[Path] = []

    def fail_to_stop(top: Path, say: object) -> int:
        stopped.append(top)
        raise WorkloadctlError("processes left behind: 1234")

    monkeypatch.setattr(down_command, "stop_stack", fail_to_stop)
    assert main(["down", "--all"]) == 1
    out = capsys.readouterr().out
    assert stopped == [fake_stack.top]
    assert f"down: [1/1] {fake_stack.top}: stopping (s6-svscan PID {fake_stack.pid})" in out
    assert f"down:   {fake_stack.top}: FAILED: processes left behind: 1234" in out
    assert f"down: stopped 0 of 1 stacks; still running: {fake_stack.top}" in out


def test_down_all_with_nothing_running(
    stacks_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["down", "--all"]) == 0
    assert "down: no workloadctl stack runs on this machine" in capsys.readouterr().out


def test_down_all_takes_no_state_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["down", "--all", "--state-dir", str(tmp_path)]) == 2
    assert "--all stops every stack" in capsys.readouterr().err
