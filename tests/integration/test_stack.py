"""The running stack (issue 3): real s6-svscan as PID 1 of a fresh PID namespace, the real
supervisord and process-compose, temp dirs only. Without process-compose on this machine
the supervisord half runs, with process-compose switched off."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import psutil
import pytest

from workloadctl.clients import s6
from workloadctl.runtime.local_runner import stop_stack

from .stack_support import (
    make_repo,
    managers,
    process_compose_available,
    process_compose_yaml,
    require_process_compose,
    require_stack_tools,
    running_stack,
    supervisord_conf,
    wait_for,
)

pytestmark = pytest.mark.integration

SV_PROGRAMS = {"sv-alpha": 4101, "sv-beta": 4102}
PC_PROCESSES = {"pc-alpha": 4201, "pc-beta": 4202}


@pytest.fixture(autouse=True)
def _tools() -> None:
    require_stack_tools()


def _repo(tmp_path: Path, *, sv: str | None = "good", pc: str | None = "good") -> Path:
    sv_text = {
        "good": supervisord_conf(SV_PROGRAMS),
        "bad": "[supervisord]\nnodaemon=maybe\n[progam:x]\n",
    }
    pc_text = {
        "good": process_compose_yaml(PC_PROCESSES),
        "bad": "processes:\n  a:\n    command: 1\n    restart_polcy: x\n",
    }
    return make_repo(tmp_path, sv_text[sv] if sv else None, pc_text[pc] if pc else None)


def test_boot_both_managers_on_project_configs(tmp_path: Path) -> None:
    with running_stack(_repo(tmp_path), tmp_path / "state") as stack:
        assert stack.wait_running("supervisord", set(SV_PROGRAMS))
        assert stack.decision("supervisord")["source"] == "project"
        if process_compose_available():
            assert stack.wait_running("process-compose", set(PC_PROCESSES))
            assert stack.decision("process-compose")["source"] == "project"
        else:
            stack.assert_switched_off("process-compose")
        # s6-svscan really is PID 1 of the stack's namespace.
        status = Path(f"/proc/{stack.record.svscan_pid}/status").read_text()
        nspid = next(line for line in status.splitlines() if line.startswith("NSpid:"))
        assert nspid.split()[-1] == "1"


@pytest.mark.parametrize(
    ("disabled", "enabled", "programs"),
    [
        ("process-compose", "supervisord", SV_PROGRAMS),
        ("supervisord", "process-compose", PC_PROCESSES),
    ],
)
def test_only_one_manager_enabled(
    tmp_path: Path, disabled: str, enabled: str, programs: dict[str, int]
) -> None:
    if enabled == "process-compose":
        require_process_compose()
    switch = f"WORKLOADCTL_ENABLE_{disabled.upper().replace('-', '_')}"
    with running_stack(_repo(tmp_path), tmp_path / "state", {switch: "0"}) as stack:
        assert stack.wait_running(enabled, set(programs))
        wait_for(
            f"{disabled} to stay down", lambda: not s6.state(stack.service(disabled)).wanted_up
        )
        time.sleep(1.5)  # s6 would have restarted it by now if it were looping
        assert not s6.state(stack.service(disabled)).up
        if disabled == "process-compose" and not process_compose_available():
            return  # nothing to start later
        # One command starts it later (what `workloadctl start MANAGER` does).
        (stack.settings.run_dir / f"{disabled}.disabled").unlink()
        s6.control(stack.service(disabled), "-u")
        other = PC_PROCESSES if disabled == "process-compose" else SV_PROGRAMS
        assert stack.wait_running(disabled, set(other))


@pytest.mark.parametrize(("sv", "pc"), [("bad", "good"), ("good", "bad"), ("bad", "bad")])
def test_invalid_project_config_falls_back_to_seed(tmp_path: Path, sv: str, pc: str) -> None:
    if pc == "bad":
        require_process_compose()
    with running_stack(_repo(tmp_path, sv=sv, pc=pc), tmp_path / "state") as stack:
        for manager, verdict, programs in (
            ("supervisord", sv, SV_PROGRAMS),
            ("process-compose", pc, PC_PROCESSES),
        ):
            if manager not in managers():
                continue
            decision = wait_for(f"{manager} decision", lambda m=manager: stack.decision(m))
            if verdict == "bad":
                assert decision["source"] == "seed"
                assert decision["findings"], decision
            else:
                assert decision["source"] == "project"
                assert stack.wait_running(manager, set(programs))
        log = (stack.top / "log/stack.log").read_text(errors="replace")
        if sv == "bad":
            assert "project.conf" in log and "running the SEED config" in log
        if pc == "bad":
            assert "project.yaml" in log


def test_fix_and_restart_returns_to_project(tmp_path: Path) -> None:
    repo = _repo(tmp_path, sv="bad")
    with running_stack(repo, tmp_path / "state") as stack:
        assert wait_for("seed decision", lambda: stack.decision("supervisord"))["source"] == "seed"
        (repo / "workloads/supervisord/project.conf").write_text(supervisord_conf(SV_PROGRAMS))
        s6.control(stack.service("supervisord"), "-r")
        wait_for("project decision", lambda: stack.decision("supervisord")["source"] == "project")
        assert stack.wait_running("supervisord", set(SV_PROGRAMS))


def test_restart_each_manager_twenty_times(tmp_path: Path) -> None:
    with running_stack(_repo(tmp_path), tmp_path / "state") as stack:
        programs = {"supervisord": SV_PROGRAMS, "process-compose": PC_PROCESSES}
        running = managers()
        for manager in running:
            stack.wait_running(manager, set(programs[manager]))
        svscan = stack.record.svscan_pid
        for manager, other in (
            ("supervisord", "process-compose"),
            ("process-compose", "supervisord"),
        ):
            if manager not in running:
                continue
            other_before = (
                stack.wait_running(other, set(programs[other])) if other in running else None
            )
            for _ in range(20):
                old = stack.manager_pid(manager)
                s6.control(stack.service(manager), "-r")
                wait_for(
                    f"{manager} back",
                    lambda m=manager, o=old: (p := stack.manager_pid(m)) and p != o,
                )
            stack.wait_running(manager, set(programs[manager]))
            assert psutil.pid_exists(svscan)
            if other_before is None:
                stack.assert_switched_off(other)  # restarts did not wake it
            else:
                assert stack.running_pids(other) == other_before
        # No twins after all that: one copy of each program.
        ours = {name: seconds for m in running for name, seconds in programs[m].items()}
        for name, seconds in ours.items():
            assert (
                stack.copies_of(["/bin/sleep" if name.startswith("sv") else "sleep", str(seconds)])
                == 1
            ), name


@pytest.mark.parametrize("manager", ["supervisord", "process-compose"])
def test_kill_9_recovers_without_orphans_or_twins(tmp_path: Path, manager: str) -> None:
    if manager == "process-compose":
        require_process_compose()
    programs = SV_PROGRAMS if manager == "supervisord" else PC_PROCESSES
    argv0 = "/bin/sleep" if manager == "supervisord" else "sleep"
    with running_stack(_repo(tmp_path), tmp_path / "state") as stack:
        before = stack.wait_running(manager, set(programs))
        old = stack.manager_pid(manager)
        assert old is not None
        os.kill(old, signal.SIGKILL)
        wait_for(
            f"{manager} back", lambda: (p := stack.manager_pid(manager)) and p != old, timeout=10
        )
        after = stack.wait_running(manager, set(programs), timeout=10)
        # How fast is measured by `make bench` (bench/bench.py), not asserted here (timings are noisy).
        assert set(after) == set(before)
        for name, seconds in programs.items():
            assert stack.copies_of([argv0, str(seconds)]) == 1, name


def test_quarantine_on_crash_loop_and_back_on_change(tmp_path: Path) -> None:
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    port = blocker.getsockname()[1]
    repo = make_repo(
        tmp_path, supervisord_conf(SV_PROGRAMS, inet_port=port), process_compose_yaml(PC_PROCESSES)
    )
    env = {"WORKLOADCTL_QUARANTINE_DEATHS": "3", "WORKLOADCTL_QUARANTINE_WINDOW": "60"}
    try:
        with running_stack(repo, tmp_path / "state", env) as stack:
            decision = wait_for(
                "supervisord quarantined on the seed",
                lambda: (d := stack.decision("supervisord")).get("source") == "seed" and d,
                timeout=30,
            )
            assert "quarantin" in str(decision["reason"]).lower()
            # Still on the seed after another restart: the file has not changed.
            s6.control(stack.service("supervisord"), "-r")
            time.sleep(2)
            assert stack.decision("supervisord")["source"] == "seed"
            blocker.close()
            (repo / "workloads/supervisord/project.conf").write_text(
                supervisord_conf(SV_PROGRAMS, inet_port=port) + "\n# fixed\n"
            )
            s6.control(stack.service("supervisord"), "-r")
            wait_for(
                "project again",
                lambda: stack.decision("supervisord")["source"] == "project",
                timeout=30,
            )
            assert stack.wait_running("supervisord", set(SV_PROGRAMS))
    finally:
        blocker.close()


def test_down_leaves_nothing(tmp_path: Path) -> None:
    with running_stack(_repo(tmp_path), tmp_path / "state") as stack:
        stack.wait_running("supervisord", set(SV_PROGRAMS))
        if process_compose_available():
            stack.wait_running("process-compose", set(PC_PROCESSES))
        members = [stack.record.unshare_pid, stack.record.svscan_pid]
        stop_stack(stack.top, lambda _line: None)  # raises if anything is left after its deadline
        assert not any(psutil.pid_exists(pid) for pid in members)
        ours = [[str(n)] for n in (*SV_PROGRAMS.values(), *PC_PROCESSES.values())]
        leftovers = [
            cmdline
            for proc in psutil.process_iter(["cmdline"])
            if (cmdline := proc.info["cmdline"] or [])
            and "sleep" in cmdline[0]
            and cmdline[-1:] in ours
        ]
        assert leftovers == []
