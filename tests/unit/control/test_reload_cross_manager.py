"""`reload` refuses a project config that would run a program the other manager runs."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from reload_support import (
    FakeS6,
    FakeSupervisord,
    make_world,
    tmp_settings,
    write_project,
    write_record,
)

from workloadctl.checks.programs import LoadResult, Manager, ProgramSpec
from workloadctl.control.reload import reload_manager
from workloadctl.runtime.cross_policy import record_programs
from workloadctl.runtime.decision import Loader, decision_path


def loader_of_web(manager: Manager, env: Mapping[str, str], cwd: Path | None) -> Loader:
    """Every config of `manager` runs one program, `web`."""

    def load(path: Path) -> LoadResult:
        return LoadResult(programs=[ProgramSpec(manager, "web", ("srv",), str(path), 9)])

    return load


def test_a_program_the_other_manager_runs_refuses_the_reload(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    write_record(settings, "process-compose", "project", pid=7)
    running = ProgramSpec("process-compose", "web", ("srv2",), "project.yaml", 3)
    record_programs(settings, "process-compose", [running])
    write_project(settings, "supervisord", "[supervisord]\n")
    write_record(settings, "supervisord", "project", pid=42)
    before = decision_path(settings, "supervisord").read_text()
    client, s6 = FakeSupervisord((["web"], [], [])), FakeS6()
    world = make_world(settings, s6=s6, supervisord=client)
    world = dataclasses.replace(world, loader_for=loader_of_web)

    result = reload_manager("supervisord", world, explicit=True)

    assert result.action == "refused" and not result.ok
    assert "a program the other manager already runs" in result.message
    assert [f.code for f in result.findings] == ["XM001"]
    assert client.calls == [] and s6.calls == []  # nothing was changed
    assert decision_path(settings, "supervisord").read_text() == before
