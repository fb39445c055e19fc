"""`workloadctl reload` on a real stack: refuses a bad edit without touching anything,
applies a good one without restarting the manager, and moves a manager off its seed.
Without process-compose on this machine the supervisord half runs, with process-compose
switched off."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psutil
import pytest

from workloadctl import cli
from workloadctl.clients import s6
from workloadctl.runtime.own_command import workloadctl_program

from .stack_support import (
    Stack,
    make_repo,
    process_compose_available,
    process_compose_yaml,
    require_process_compose,
    require_stack_tools,
    running_stack,
    supervisord_conf,
    wait_for,
)

pytestmark = pytest.mark.integration

SV_PROGRAMS = {"sv-keep": 4301, "sv-edit": 4302, "sv-drop": 4303}
PC_PROCESSES = {"pc-keep": 4401, "pc-edit": 4402, "pc-drop": 4403}
# The edit: keep one program as it is, change one's command, remove one, add one.
SV_EDITED = {"sv-keep": 4301, "sv-edit": 4312, "sv-new": 4304}
PC_EDITED = {"pc-keep": 4401, "pc-edit": 4412, "pc-new": 4404}

# Line 6 is the typo; both loaders report it with its line.
SV_INVALID = "[supervisord]\nnodaemon=true\n\n[program:x]\ncommand=/bin/sleep 5\nautorestrat=true\n"
PC_INVALID = "processes:\n  a:\n    command: sleep 5\n    restart_polcy: x\n"
INVALID = {
    "supervisord": (SV_INVALID, "workloads/supervisord/project.conf:6", "SV013"),
    "process-compose": (PC_INVALID, "workloads/process-compose/project.yaml:4", "PC007"),
}
PROJECT_FILE = {
    "supervisord": "workloads/supervisord/project.conf",
    "process-compose": "workloads/process-compose/project.yaml",
}


@pytest.fixture(autouse=True)
def _tools() -> None:
    require_stack_tools()


def _reload(
    stack: Stack, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = cli.main(["reload", *args, "--json", "--state-dir", str(stack.top)])
    out = capsys.readouterr().out
    return code, json.loads(out)


def _entry(report: dict[str, Any], manager: str) -> dict[str, Any]:
    return next(entry for entry in report["managers"] if entry["name"] == manager)


def _snapshot(stack: Stack) -> dict[str, object]:
    """Every PID that a reload must not change: both managers and all their programs
    (a switched-off process-compose: None and {})."""
    with_pc = process_compose_available()
    return {
        "supervisord": stack.manager_pid("supervisord"),
        "process-compose": stack.manager_pid("process-compose"),
        "sv": stack.wait_running("supervisord", set(SV_PROGRAMS)),
        "pc": stack.wait_running("process-compose", set(PC_PROCESSES)) if with_pc else {},
    }


def _write(stack: Stack, manager: str, text: str) -> None:
    (stack.root / PROJECT_FILE[manager]).write_text(text)


def _repo(tmp_path: Path, *, sv: str | None = None, pc: str | None = None) -> Path:
    return make_repo(
        tmp_path,
        sv if sv is not None else supervisord_conf(SV_PROGRAMS),
        pc if pc is not None else process_compose_yaml(PC_PROCESSES),
    )


@pytest.mark.parametrize("manager", ["supervisord", "process-compose"])
def test_invalid_edit_is_refused_and_no_pid_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], manager: str
) -> None:
    if manager == "process-compose":
        require_process_compose()
    with running_stack(_repo(tmp_path), tmp_path / "state") as stack:
        before = _snapshot(stack)
        text, where, code = INVALID[manager]
        _write(stack, manager, text)

        capsys.readouterr()
        exit_code = cli.main(["reload", manager, "--state-dir", str(stack.top)])
        out = capsys.readouterr().out
        assert exit_code == 1
        assert f"{manager}: refused:" in out
        assert f"{where}: error:" in out and f"[{code}]" in out

        # Both at once: the bad one refused, the other one has nothing to apply.
        exit_code, report = _reload(stack, capsys)
        assert exit_code == 1
        assert _entry(report, manager)["action"] == "refused"
        finding = next(f for f in _entry(report, manager)["findings"] if f["code"] == code)
        assert f"{finding['file']}:{finding['line']}" == where
        other = "process-compose" if manager == "supervisord" else "supervisord"
        assert _entry(report, other)["action"] == "unchanged"

        assert _snapshot(stack) == before
        assert stack.decision(manager)["source"] == "project"

        # status no longer says only "the project config is valid": that was another file.
        capsys.readouterr()
        cli.main(["status", "--json", "--state-dir", str(stack.top)])
        status = json.loads(capsys.readouterr().out)
        entry = next(m for m in status["managers"] if m["name"] == manager)
        assert entry["reason"] == "the project config is valid", entry
        assert f"{PROJECT_FILE[manager]} changed since (sha256 " in entry["config_changed"], entry


def test_supervisord_valid_edit_applies_without_restart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_stack(_repo(tmp_path), tmp_path / "state") as stack:
        before = _snapshot(stack)
        _write(stack, "supervisord", supervisord_conf(SV_EDITED))

        exit_code, report = _reload(stack, capsys, "supervisord")
        assert exit_code == 0, report
        entry = _entry(report, "supervisord")
        assert entry["action"] == "reloaded"
        assert (entry["added"], entry["changed"], entry["removed"]) == (
            ["sv-new"],
            ["sv-edit"],
            ["sv-drop"],
        )

        after = stack.wait_running("supervisord", {"sv-keep", "sv-edit", "sv-new"})
        assert "sv-drop" not in stack.supervisord()
        assert stack.manager_pid("supervisord") == before["supervisord"]
        assert after["sv-keep"] == before["sv"]["sv-keep"]  # type: ignore[index]
        assert after["sv-edit"] != before["sv"]["sv-edit"]  # type: ignore[index]
        assert stack.copies_of(["/bin/sleep", "4312"]) == 1
        assert stack.copies_of(["/bin/sleep", "4302"]) == 0
        assert stack.copies_of(["/bin/sleep", "4303"]) == 0
        # The other manager never noticed.
        assert stack.manager_pid("process-compose") == before["process-compose"]
        if process_compose_available():
            assert stack.running_pids("process-compose") == before["pc"]
        # The decision record now names the file that runs.
        assert stack.decision("supervisord")["reloaded_epoch"]


def test_supervisord_edit_of_programs_and_settings_names_the_restart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The trial: a program removed and a setting supervisord reads only at start changed
    # in one edit printed only "reloaded: ... [removed ...]".
    with running_stack(_repo(tmp_path), tmp_path / "state") as stack:
        before = _snapshot(stack)
        edited = supervisord_conf(SV_EDITED).replace(
            "[supervisorctl]\n", "[supervisorctl]\nprompt=edited\n"
        )
        assert edited != supervisord_conf(SV_EDITED)
        _write(stack, "supervisord", edited)

        exit_code, report = _reload(stack, capsys, "supervisord")
        assert exit_code == 0, report
        entry = _entry(report, "supervisord")
        assert (entry["action"], entry["removed"], entry["restart_needed"]) == (
            "reloaded",
            ["sv-drop"],
            True,
        )
        assert (
            "also changed outside its program definitions: supervisord reads those settings "
            "only at start; to apply them, run "
        ) in entry["message"], entry
        assert f"restart supervisord --state-dir {stack.top}`" in entry["message"], entry
        assert stack.manager_pid("supervisord") == before["supervisord"]


def test_process_compose_valid_edit_applies_without_restart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_process_compose()
    with running_stack(_repo(tmp_path), tmp_path / "state") as stack:
        before = _snapshot(stack)
        _write(stack, "process-compose", process_compose_yaml(PC_EDITED))

        exit_code, report = _reload(stack, capsys, "process-compose")
        assert exit_code == 0, report
        entry = _entry(report, "process-compose")
        assert entry["action"] == "reloaded"
        assert (entry["added"], entry["changed"], entry["removed"]) == (
            ["pc-new"],
            ["pc-edit"],
            ["pc-drop"],
        )

        after = stack.wait_running("process-compose", {"pc-keep", "pc-edit", "pc-new"})
        assert "pc-drop" not in stack.process_compose()
        assert stack.manager_pid("process-compose") == before["process-compose"]
        assert after["pc-keep"] == before["pc"]["pc-keep"]  # type: ignore[index]
        assert after["pc-edit"] != before["pc"]["pc-edit"]  # type: ignore[index]
        wait_for("the edited command", lambda: stack.copies_of(["sleep", "4412"]) == 1)
        wait_for("the removed process gone", lambda: stack.copies_of(["sleep", "4403"]) == 0)
        assert stack.copies_of(["sleep", "4402"]) == 0
        assert stack.manager_pid("supervisord") == before["supervisord"]
        assert stack.running_pids("supervisord") == before["sv"]

        # Reloading again has nothing left to do.
        exit_code, report = _reload(stack, capsys, "process-compose")
        assert (exit_code, _entry(report, "process-compose")["action"]) == (0, "unchanged")


@pytest.mark.parametrize("manager", ["supervisord", "process-compose"])
def test_reload_switches_a_manager_from_seed_to_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], manager: str
) -> None:
    if manager == "process-compose":
        require_process_compose()
    bad = INVALID[manager][0]
    repo = _repo(tmp_path, **({"sv": bad} if manager == "supervisord" else {"pc": bad}))
    other = "process-compose" if manager == "supervisord" else "supervisord"
    programs = SV_PROGRAMS if manager == "supervisord" else PC_PROCESSES
    with running_stack(repo, tmp_path / "state") as stack:
        assert wait_for("seed decision", lambda: stack.decision(manager))["source"] == "seed"
        seed_pid = wait_for(f"{manager} up", lambda: stack.manager_pid(manager))
        other_pid = stack.manager_pid(other)
        other_on = other == "supervisord" or process_compose_available()
        other_programs = (
            stack.wait_running(
                other, set(PC_PROCESSES if other == "process-compose" else SV_PROGRAMS)
            )
            if other_on
            else {}
        )

        # Still invalid: refused, and it stays on the seed.
        exit_code, report = _reload(stack, capsys, manager)
        assert (exit_code, _entry(report, manager)["action"]) == (1, "refused")
        assert stack.manager_pid(manager) == seed_pid

        # Fixed: reload switches it, and says so.
        good = (
            supervisord_conf(SV_PROGRAMS)
            if manager == "supervisord"
            else process_compose_yaml(PC_PROCESSES)
        )
        _write(stack, manager, good)
        capsys.readouterr()
        assert cli.main(["reload", manager, "--state-dir", str(stack.top)]) == 0
        assert "switched from seed to project" in capsys.readouterr().out
        assert stack.decision(manager)["source"] == "project"
        assert stack.manager_pid(manager) != seed_pid
        stack.wait_running(manager, set(programs))
        assert stack.manager_pid(other) == other_pid
        if other_on:
            assert stack.running_pids(other) == other_programs
        else:
            stack.assert_switched_off(other)


def test_down_or_switched_off_manager_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    switch = {"WORKLOADCTL_ENABLE_PROCESS_COMPOSE": "0"}
    with running_stack(_repo(tmp_path), tmp_path / "state", switch) as stack:
        stack.wait_running("supervisord", set(SV_PROGRAMS))
        # Named explicitly: an error. Implied by "both": skipped, the other one reloads.
        exit_code, report = _reload(stack, capsys, "process-compose")
        assert (exit_code, _entry(report, "process-compose")["action"]) == (1, "error")
        assert "switched off" in _entry(report, "process-compose")["message"]
        exit_code, report = _reload(stack, capsys)
        assert exit_code == 0
        assert _entry(report, "process-compose")["action"] == "unchanged"
        assert _entry(report, "supervisord")["action"] == "unchanged"

        s6.control(stack.service("supervisord"), "-d")
        wait_for("supervisord down", lambda: not s6.state(stack.service("supervisord")).up)
        capsys.readouterr()
        assert cli.main(["reload", "supervisord", "--state-dir", str(stack.top)]) == 1
        out = capsys.readouterr().out.strip().splitlines()
        assert out == [
            f"supervisord: error: supervisord is down (s6 service "
            f"{stack.service('supervisord')}); start it with "
            f"`{workloadctl_program()} start supervisord --state-dir {stack.top}`"
        ]
        assert psutil.pid_exists(stack.record.svscan_pid)


def test_edit_that_duplicates_the_other_managers_program_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_process_compose()
    with running_stack(_repo(tmp_path), tmp_path / "state") as stack:
        before = _snapshot(stack)
        # process-compose would start a second `sv-keep` (same name, same command).
        _write(stack, "process-compose", process_compose_yaml({**PC_PROCESSES, "sv-keep": 4301}))

        exit_code, report = _reload(stack, capsys, "process-compose")

        assert exit_code == 1
        entry = _entry(report, "process-compose")
        assert entry["action"] == "refused"
        assert {"XM001", "XM002"} <= {f["code"] for f in entry["findings"]}
        assert _snapshot(stack) == before
