"""PIDs shown to the caller, and the human tables of `status`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workloadctl.control.render import duration, render_status, table
from workloadctl.control.status import ManagerStatus, StackStatus
from workloadctl.managers.program_status import ProgramStatus
from workloadctl.runtime import pidns as pids
from workloadctl.runtime.pidns import PidTranslator, namespace_pid_map


def _no_map(ns_init: int) -> dict[int, int]:
    raise AssertionError("no namespace to map")


def test_no_namespace_means_no_translation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pids, "namespace_pid_map", _no_map)
    translate = PidTranslator(None)
    translate.prepare()
    assert translate(1234) == 1234
    assert translate(0) is None and translate(None) is None


def test_inside_the_same_namespace_pids_are_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pids, "namespace_pid_map", _no_map)
    translate = PidTranslator(os.getpid())
    translate.prepare()
    assert translate(os.getpid()) == os.getpid()


def test_namespace_map_of_our_own_namespace_maps_pids_to_themselves() -> None:
    mapping = namespace_pid_map(os.getpid())
    assert mapping[os.getpid()] == os.getpid()
    assert mapping[1] == os.getpid()  # PID 1 of "the namespace" is the init we named


def test_namespace_map_of_a_dead_process_is_empty() -> None:
    assert namespace_pid_map(2**22 + 12345) == {}


def test_duration() -> None:
    assert [duration(s) for s in (None, 0, 59, 60, 3599, 3600, 86399, 86400 * 3 + 7200)] == [
        "-",
        "0s",
        "59s",
        "1m00s",
        "59m59s",
        "1h00m",
        "23h59m",
        "3d02h",
    ]


def test_table_pads_columns() -> None:
    assert table(["A", "LONGER", "Z"], [["xx", "y", "last one"]]) == [
        "A   LONGER  Z",
        "xx  y       last one",
    ]


def _manager(name: str, state: str, **more: object) -> ManagerStatus:
    values: dict[str, object] = {
        "name": name,
        "state": state,
        "pid": 10,
        "uptime_seconds": 5,
        "restarts": 0,
        "crashes": 0,
        "config": "seed",
        "config_file": "/etc/supervisor/seed.conf",
        "reason": "the project config is invalid (1 error)",
        "error": None,
    }
    values.update(more)
    return ManagerStatus(**values)  # type: ignore[arg-type]


def _program(state: str, expected: bool = True) -> ProgramStatus:
    return ProgramStatus(
        manager="process-compose",
        name="api",
        state=state,  # type: ignore[arg-type]
        native_state="Completed",
        pid=None,
        uptime_seconds=None,
        restarts=1,
        exit_code=2,
        expected=expected,
        description="",
    )


def test_render_marks_what_should_run_and_does_not() -> None:
    status = StackStatus(
        (
            _manager("supervisord", "running"),
            _manager("process-compose", "unreachable", error="refused the API token (401)"),
        ),
        (_program("failed"),),
    )
    text = render_status(status)
    assert "seed" in text and "the project config is invalid (1 error)" in text
    assert "refused the API token (401)" in text
    assert "failed!" in text
    assert text.rstrip().endswith(
        "NOT all running (a `!` marks a program that should run and does not)"
    )


def test_render_all_running_and_no_programs() -> None:
    # On the project config: a manager on its seed is DEGRADED (test_control_status.py).
    on_project = _manager("supervisord", "running", config="project")
    status = StackStatus((on_project, _manager("process-compose", "disabled")), ())
    text = render_status(status)
    assert text.rstrip().endswith("all running (disabled on purpose: process-compose)")


def _fake_process(proc: Path, pid: int, ppid: int, nspids: str) -> None:
    (proc / str(pid)).mkdir()
    (proc / str(pid) / "stat").write_text(f"{pid} (a (b) c) S {ppid} 1 1 0 -1\n")
    (proc / str(pid) / "status").write_text(f"Name:\tx\nNSpid:\t{nspids}\n")


def test_namespace_map_by_ancestry_when_the_namespace_links_are_not_ours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A member of the stack's group may not read root's /proc/PID/ns/pid (ptrace access):
    the stack's PIDs are still translated, from /proc/PID/stat and status, open to all."""
    proc = tmp_path / "proc"
    proc.mkdir()
    _fake_process(proc, 500, 499, "500 1")  # s6-svscan, PID 1 of the stack
    _fake_process(proc, 510, 500, "510 7")  # supervisord
    _fake_process(proc, 520, 510, "520 9")  # one of its programs
    _fake_process(proc, 600, 1, "600")  # not in the stack
    monkeypatch.setattr(pids, "PROC", str(proc))
    assert pids.namespace_pid_map(500) == {1: 500, 7: 510, 9: 520}
    translate = pids.PidTranslator(500)
    assert (translate(7), translate(9), translate(42)) == (510, 520, None)
