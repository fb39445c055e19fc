"""A program defined in both managers never runs twice (issue 9, failure 4): edit both
project files to define it, restart both managers, and the second one to start is
refused (its seed runs, its banner names the conflict)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from workloadctl.clients import s6

from .stack_support import (
    make_repo,
    process_compose_yaml,
    require_process_compose,
    require_stack_tools,
    running_stack,
    supervisord_conf,
    wait_for,
)

pytestmark = pytest.mark.integration

SV_PROGRAMS = {"sv-own": 4401}
PC_PROCESSES = {"pc-own": 4402}
DUPLICATE = {"dup": 4499}


@pytest.fixture(autouse=True)
def _tools() -> None:
    require_stack_tools()
    require_process_compose()


def test_a_program_in_both_configs_runs_once_after_restarting_both(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, supervisord_conf(SV_PROGRAMS), process_compose_yaml(PC_PROCESSES))
    with running_stack(repo, tmp_path / "state") as stack:
        stack.wait_running("supervisord", set(SV_PROGRAMS))
        stack.wait_running("process-compose", set(PC_PROCESSES))
        (repo / "workloads/supervisord/project.conf").write_text(
            supervisord_conf({**SV_PROGRAMS, **DUPLICATE})
        )
        (repo / "workloads/process-compose/project.yaml").write_text(
            process_compose_yaml({**PC_PROCESSES, **DUPLICATE})
        )
        for manager in ("supervisord", "process-compose"):
            before = stack.decision(manager)["epoch"]
            s6.control(stack.service(manager), "-r")
            wait_for(
                f"{manager} restarted",
                lambda m=manager, e=before: (
                    stack.decision(m).get("epoch") != e and stack.manager_pid(m) is not None
                ),
                timeout=30,
            )
        assert stack.decision("supervisord")["source"] == "project"
        stack.wait_running("supervisord", {*SV_PROGRAMS, *DUPLICATE})
        time.sleep(2)  # give a second copy, if any, the time to start
        copies = [
            cmd for cmd in stack.namespace_commands() if cmd[-1:] == ["4499"] and "sleep" in cmd[0]
        ]
        assert len(copies) == 1, copies
        refused = stack.decision("process-compose")
        assert refused["source"] == "seed"
        assert "supervisord already runs" in str(refused["reason"])
        log = (stack.top / "log/stack.log").read_text(errors="replace")
        assert "process-compose is running the SEED config" in log
        assert "program name 'dup' of this process-compose process is also used by" in log
        # The files the user edits, not the stack's link to the repository (S/home/USER/).
        assert f"{repo.resolve()}/workloads/process-compose/project.yaml:" in log
        assert "/home/" not in "\n".join(line for line in log.splitlines() if "[XM00" in line)
        assert "define each program in one manager only" in log
