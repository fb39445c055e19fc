"""`reload_manager`/`reload_stack`: validate as the launcher would, then apply, switch or
refuse, with every outside part faked."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from reload_support import (
    FakeProcessCompose,
    FakeS6,
    FakeSupervisord,
    make_world,
    tmp_settings,
    write_project,
    write_record,
)

from workloadctl.checks.programs import LoadResult
from workloadctl.control.reload import (
    CODE_PROJECT_GONE,
    launcher_base_env,
    reload_manager,
    reload_stack,
    stack_settings,
)
from workloadctl.control.reload_model import ManagerReload
from workloadctl.control.reload_render import summary_line
from workloadctl.errors import WorkloadctlError
from workloadctl.findings import error, warning
from workloadctl.manager_names import Manager
from workloadctl.runtime import own_command
from workloadctl.runtime.decision import Loader, decision_path, read_decision
from workloadctl.runtime.local_stack import StackRecord
from workloadctl.runtime.own_command import workloadctl_program
from workloadctl.settings import Settings

BAD = [error("project.conf", 6, "SV013", "unknown key 'autorestrat'")]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return tmp_settings(tmp_path)


def test_valid_edit_is_applied_in_place(settings: Settings) -> None:
    project = write_project(settings, "supervisord", "[supervisord]\n")
    write_record(settings, "supervisord", "project", pid=42)
    client = FakeSupervisord((["new"], ["edited"], ["gone"]))
    s6 = FakeS6()
    result = reload_manager(
        "supervisord", make_world(settings, s6=s6, supervisord=client), explicit=True
    )
    assert result.action == "reloaded"
    assert (result.added, result.changed, result.removed) == (["new"], ["edited"], ["gone"])
    assert result.config == "project"
    assert result.message == (
        "applied workloads/supervisord/project.conf without restarting supervisord"
    )
    assert s6.calls == []  # never restarted
    record = read_decision(settings, "supervisord")
    assert record is not None and record.reloaded_epoch is not None
    assert record.reloaded_epoch > 0
    assert record.pid == 42  # still the launcher's record, brought up to date
    assert record.project_sha256 is not None and len(record.project_sha256) == 64
    assert project.exists()


def test_an_applied_reload_loads_the_project_config_once(settings: Settings) -> None:
    # The decision loads it; the cross-manager check and the programs recorded after the
    # reload reuse that load (a second one cost ~100 ms with 50 supervisord programs).
    project = write_project(settings, "supervisord", "[supervisord]\n")
    write_record(settings, "supervisord", "project", pid=42)
    loaded: list[Path] = []

    def factory(manager: Manager, env: Mapping[str, str], cwd: Path | None) -> Loader:
        def load(path: Path) -> LoadResult:
            loaded.append(path)
            return LoadResult()

        return load

    world = dataclasses.replace(
        make_world(settings, supervisord=FakeSupervisord((["new"], [], []))), loader_for=factory
    )
    assert reload_manager("supervisord", world, explicit=True).action == "reloaded"
    assert loaded == [project]


def test_warnings_travel_with_an_applied_reload(settings: Settings) -> None:
    write_project(settings, "process-compose")
    write_record(settings, "process-compose", "project", pid=7)
    note = warning("project.yaml", 3, "PC099", "a warning")
    world = make_world(
        settings, process_compose=FakeProcessCompose({"web": "updated"}), findings=[note]
    )
    result = reload_manager("process-compose", world, explicit=True)
    assert (result.action, result.changed, result.findings) == ("reloaded", ["web"], [note])


def test_no_change_is_unchanged(settings: Settings) -> None:
    write_project(settings, "process-compose")
    write_record(settings, "process-compose", "project", pid=7)
    result = reload_manager("process-compose", make_world(settings), explicit=True)
    assert result.action == "unchanged"
    assert result.ok


def test_invalid_edit_is_refused_without_touching_the_manager(settings: Settings) -> None:
    write_project(settings, "supervisord")
    write_record(settings, "supervisord", "project", pid=42)
    before = decision_path(settings, "supervisord").read_text()
    client, s6 = FakeSupervisord((["new"], [], [])), FakeS6()
    world = make_world(settings, s6=s6, supervisord=client, findings=BAD)
    result = reload_manager("supervisord", world, explicit=True)
    assert result.action == "refused"
    assert not result.ok
    assert result.findings == BAD
    assert "nothing was changed" in result.message
    assert client.calls == [] and s6.calls == []
    assert decision_path(settings, "supervisord").read_text() == before


def test_project_file_gone_is_refused_with_its_own_code(settings: Settings) -> None:
    write_record(settings, "supervisord", "project", pid=42)
    client = FakeSupervisord()
    result = reload_manager("supervisord", make_world(settings, supervisord=client), explicit=True)
    assert result.action == "refused"
    codes = [f.code for f in result.findings]
    assert codes == ["LCH002", CODE_PROJECT_GONE]
    assert client.calls == []


def test_manager_refusing_a_step_is_an_error(settings: Settings) -> None:
    write_project(settings, "process-compose")
    write_record(settings, "process-compose", "project", pid=7)
    pc = FakeProcessCompose(refuse="process-compose: POST /project/configuration: 400 bad")
    result = reload_manager(
        "process-compose", make_world(settings, process_compose=pc), explicit=True
    )
    assert result.action == "error"
    assert result.message == "process-compose: POST /project/configuration: 400 bad"


def test_partly_applied_supervisord_update_is_an_error_listing_what_was_done(
    settings: Settings,
) -> None:
    write_project(settings, "supervisord")
    write_record(settings, "supervisord", "project", pid=42)
    client = FakeSupervisord((["new"], [], ["gone"]), refuse="add_group")
    result = reload_manager("supervisord", make_world(settings, supervisord=client), explicit=True)
    assert (result.action, result.removed, result.added) == ("error", ["gone"], [])
    assert "add_group" in result.message
    record = read_decision(settings, "supervisord")
    assert record is not None and record.reloaded_epoch is None


def _restart_onto(
    settings: Settings,
    s6: FakeS6,
    source: str,
    *,
    new_pid: int = 43,
    then: Callable[[], None] | None = None,
) -> None:
    """Make `s6-svc -r` start the manager again under `new_pid`, its launcher choosing `source`."""

    def restart() -> None:
        s6.pid = new_pid
        write_record(settings, "supervisord", source, pid=new_pid)
        if then is not None:
            then()

    s6.on_restart = restart


def test_seed_to_project_switch_restarts_through_s6(settings: Settings) -> None:
    write_project(settings, "supervisord")
    write_record(settings, "supervisord", "seed", pid=42)
    client = FakeSupervisord(groups=("seed-ui", "shared"))
    s6 = FakeS6(pid=42)
    _restart_onto(
        settings, s6, "project", then=lambda: setattr(client, "groups", ["shared", "web"])
    )
    result = reload_manager(
        "supervisord", make_world(settings, s6=s6, supervisord=client), explicit=True
    )
    assert result.action == "switched", result.message
    assert result.message == (
        "switched from seed to project: restarted supervisord through s6 on "
        "workloads/supervisord/project.conf"
    )
    assert s6.calls == [("supervisord", "-r")]
    assert (result.added, result.changed, result.removed) == (["web"], ["shared"], ["seed-ui"])
    assert result.config == "project"
    assert ("reload_config",) not in client.calls  # a switch never re-reads the seed


def _switch_from_a_seed_whose_code_server_never_ran(
    settings: Settings, project_started: Callable[[FakeSupervisord], None]
) -> ManagerReload:
    """A reload switching supervisord from its seed (code-server in BACKOFF, `shared`
    running) to the project config; `project_started` sets what the new one runs."""
    write_project(settings, "supervisord")
    write_record(settings, "supervisord", "seed", pid=42)
    client = FakeSupervisord(groups=("code-server", "shared"), backoff=frozenset({"code-server"}))
    s6 = FakeS6(pid=42)
    _restart_onto(settings, s6, "project", then=lambda: project_started(client))
    return reload_manager(
        "supervisord", make_world(settings, s6=s6, supervisord=client), explicit=True
    )


def test_a_switch_says_started_not_restarted_for_a_seed_program_that_never_ran(
    settings: Settings,
) -> None:
    # The template seed's code-server where it is not installed: BACKOFF, never ran. The
    # switch started it; it did not restart it.
    def project_started(client: FakeSupervisord) -> None:
        client.groups = ["code-server", "shared", "web"]

    result = _switch_from_a_seed_whose_code_server_never_ran(settings, project_started)
    assert result.action == "switched", result.message
    assert (result.added, result.changed, result.started, result.removed) == (
        ["web"],
        ["shared"],
        ["code-server"],
        [],
    )
    line = summary_line(result)
    assert "changed (restarted) shared;" in line, line
    assert "started (not running before) code-server" in line, line
    assert result.as_json()["started"] == ["code-server"]


def test_switch_that_lands_on_the_seed_again_is_an_error(settings: Settings) -> None:
    write_project(settings, "supervisord")
    write_record(settings, "supervisord", "seed", pid=42)
    s6 = FakeS6(pid=42)
    _restart_onto(settings, s6, "seed")
    result = reload_manager("supervisord", make_world(settings, s6=s6), explicit=True)
    assert result.action == "error"
    assert "chose the seed again" in result.message


def test_switch_that_never_comes_back_times_out(settings: Settings) -> None:
    write_project(settings, "supervisord")
    write_record(settings, "supervisord", "seed", pid=42)
    s6 = FakeS6(pid=42)  # the restart does nothing: same PID forever
    result = reload_manager(
        "supervisord", make_world(settings, s6=s6, switch_timeout=2), explicit=True
    )
    assert result.action == "error"
    assert "did not come back within 2 s" in result.message


def test_on_seed_with_a_still_invalid_project_is_refused(settings: Settings) -> None:
    write_project(settings, "process-compose")
    write_record(settings, "process-compose", "seed", pid=42)
    s6 = FakeS6()
    result = reload_manager(
        "process-compose", make_world(settings, s6=s6, findings=BAD), explicit=True
    )
    assert (result.action, result.config, result.findings) == ("refused", "seed", BAD)
    assert "stays on its seed config" in result.message
    assert s6.calls == []


def test_on_seed_without_a_project_config_is_unchanged(settings: Settings) -> None:
    write_record(settings, "process-compose", "seed", pid=42)
    s6 = FakeS6()
    result = reload_manager("process-compose", make_world(settings, s6=s6), explicit=True)
    assert result.action == "unchanged"
    assert result.message.startswith("there is no project config")
    assert [f.code for f in result.findings] == ["LCH002"]
    assert s6.calls == []


@pytest.mark.parametrize(
    ("s6", "expected"),
    [
        (FakeS6(up=False), "supervisord is down (s6 service "),
        (FakeS6(supervised=False), "supervisord is not running: s6 does not supervise"),
    ],
)
def test_down_manager_is_a_one_line_error(settings: Settings, s6: FakeS6, expected: str) -> None:
    write_project(settings, "supervisord")
    write_record(settings, "supervisord", "project", pid=42)
    client = FakeSupervisord((["new"], [], []))
    result = reload_manager(
        "supervisord", make_world(settings, s6=s6, supervisord=client), explicit=True
    )
    assert result.action == "error"
    assert result.message.startswith(expected)
    assert "\n" not in result.message
    assert client.calls == []


def test_missing_decision_record_is_an_error(settings: Settings) -> None:
    write_project(settings, "supervisord")
    result = reload_manager("supervisord", make_world(settings), explicit=True)
    assert result.action == "error"
    assert "no usable launch decision" in result.message


def test_switched_off_manager_error_only_when_named(settings: Settings) -> None:
    settings.run_dir.mkdir(parents=True)
    settings.disabled_marker("process-compose").touch()
    write_record(settings, "supervisord", "project", pid=42)
    write_project(settings, "supervisord")
    world = make_world(settings)
    named = reload_stack(world, ["process-compose"])
    assert [(m.name, m.action) for m in named.managers] == [("process-compose", "error")]
    assert (
        f"start it with `{workloadctl_program()} start process-compose`"
        in named.managers[0].message
    )
    assert not named.ok
    both = reload_stack(world)
    assert [(m.name, m.action) for m in both.managers] == [
        ("supervisord", "unchanged"),
        ("process-compose", "unchanged"),
    ]
    assert both.ok
    assert json.loads(json.dumps(both.as_json()))["managers"][1]["name"] == "process-compose"


def test_json_shape(settings: Settings) -> None:
    write_project(settings, "supervisord")
    write_record(settings, "supervisord", "project", pid=42)
    world = make_world(settings, supervisord=FakeSupervisord((["a"], [], [])), findings=BAD)
    data = reload_stack(world, ["supervisord"]).as_json()
    assert data["ok"] is False
    (entry,) = data["managers"]
    assert set(entry) == {
        "name",
        "action",
        "message",
        "config",
        "added",
        "changed",
        "removed",
        "started",
        "findings",
        "restart_needed",
    }
    assert entry["action"] == "refused" and entry["added"] == []
    assert entry["findings"][0]["line"] == 6


def test_base_env_is_the_local_runners_or_the_container_environment(tmp_path: Path) -> None:
    record = StackRecord("/r", "/t", 1, 2, [], [], {"ONLY_IN_RECORD": "1"}, 0.0)
    assert launcher_base_env(record) == {"ONLY_IN_RECORD": "1"}
    env_dir = tmp_path / "container_environment"
    env_dir.mkdir()
    (env_dir / "FROM_DOCKER").write_text("yes")
    env = launcher_base_env(None, container_env_dir=env_dir)
    assert env["FROM_DOCKER"] == "yes"
    assert "PATH" in env  # ours underneath
    assert "FROM_DOCKER" not in launcher_base_env(None, container_env_dir=tmp_path / "none")


def test_base_env_strips_the_newline_s6_overlay_3_2_writes(tmp_path: Path) -> None:
    # s6-linux-init 1.2 dumps "developer\n"; with-contenv hands the services "developer".
    env_dir = tmp_path / "container_environment"
    env_dir.mkdir()
    (env_dir / "UNAME").write_text("developer\n")
    assert launcher_base_env(None, container_env_dir=env_dir)["UNAME"] == "developer"


def test_state_dir_without_a_stack_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(WorkloadctlError) as caught:
        stack_settings(tmp_path)
    assert "no stack recorded in" in str(caught.value)


@pytest.mark.parametrize(
    ("manager", "noun"), [("supervisord", "program"), ("process-compose", "process")]
)
def test_an_edit_the_manager_cannot_apply_in_place_names_the_restart(
    settings: Settings, manager: Manager, noun: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only [inet_http_server]'s port changed: supervisord's reloadConfig finds no group to
    # add, change or remove. "has no change to apply" was untrue, and the port stayed.
    monkeypatch.setattr(own_command, "workloadctl_program", lambda: "/co/.venv/bin/workloadctl")
    write_project(settings, manager, "[inet_http_server]\nport = 127.0.0.1:9011\n")
    write_record(settings, manager, "project", pid=42)
    path = decision_path(settings, manager)
    running = {**json.loads(path.read_text()), "project_sha256": "0" * 64}
    path.write_text(json.dumps(running))
    result = reload_manager(manager, make_world(settings), explicit=True)
    assert result.action == "unchanged"
    shown = f"workloads/{manager}/project.{'conf' if manager == 'supervisord' else 'yaml'}"
    assert result.message == (
        f"{shown} changed, but not in its {noun} definitions: {manager} reads its other "
        f"settings only at start; to apply them, run "
        f"`/co/.venv/bin/workloadctl restart {manager}`"
    )
    record = read_decision(settings, manager)
    assert record is not None and record.project_sha256 == "0" * 64  # what still runs


def test_refusals_name_restart_as_the_caller_runs_it(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(own_command, "workloadctl_program", lambda: "/co/.venv/bin/workloadctl")
    write_project(settings, "supervisord")
    result = reload_manager("supervisord", make_world(settings), explicit=True)  # no record
    assert result.action == "error"
    assert "`/co/.venv/bin/workloadctl restart supervisord`" in result.message


SETTINGS_EDIT = {
    "supervisord": (
        "[inet_http_server]\nport = 127.0.0.1:9001\n[program:hello]\ncommand = sleep 1\n",
        "[inet_http_server]\nport = 127.0.0.1:9011\n",
    ),
    "process-compose": (
        "log_level: info\nprocesses:\n  hello:\n    command: sleep 1\n",
        "log_level: debug\nprocesses: {}\n",
    ),
}


@pytest.mark.parametrize(
    ("manager", "noun"), [("supervisord", "program"), ("process-compose", "process")]
)
def test_an_edit_of_programs_and_settings_applies_the_programs_and_names_the_restart(
    settings: Settings, manager: Manager, noun: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The trial: [inet_http_server]'s port and a removed program in one edit printed only
    # "reloaded: ... [removed hello]": the port stayed, and nothing said so.
    from workloadctl.runtime.decision import settings_sha256

    monkeypatch.setattr(own_command, "workloadctl_program", lambda: "/co/.venv/bin/workloadctl")
    before, after = SETTINGS_EDIT[manager]
    path = write_project(settings, manager, before)
    started_with = settings_sha256(manager, path)
    write_record(settings, manager, "project", pid=42)
    record_path = decision_path(settings, manager)
    running = {**json.loads(record_path.read_text()), "settings_sha256": started_with}
    record_path.write_text(json.dumps(running))
    write_project(settings, manager, after)
    world = make_world(
        settings,
        supervisord=FakeSupervisord(([], [], ["hello"])),
        process_compose=FakeProcessCompose({"hello": "removed"}),
    )
    result = reload_manager(manager, world, explicit=True)
    assert (result.action, result.removed, result.restart_needed) == ("reloaded", ["hello"], True)
    shown = path.relative_to(settings.project_root or Path("/")).as_posix()
    assert result.message == (
        f"applied {shown} without restarting {manager}; {shown} also changed outside its "
        f"{noun} definitions: {manager} reads those settings only at start; to apply "
        f"them, run `/co/.venv/bin/workloadctl restart {manager}`"
    )
    assert result.as_json()["restart_needed"] is True
    record = read_decision(settings, manager)
    # What runs: the new programs, the old settings (the next reload says it again).
    assert record is not None and record.settings_sha256 == started_with
    # ... and `status` says the restart is still pending (it said nothing: a trial).
    assert record.restart_pending is True


def test_an_edit_of_programs_only_names_no_restart(settings: Settings) -> None:
    from workloadctl.runtime.decision import settings_sha256

    path = write_project(settings, "supervisord", SETTINGS_EDIT["supervisord"][0])
    started_with = settings_sha256("supervisord", path)
    write_record(settings, "supervisord", "project", pid=42)
    record_path = decision_path(settings, "supervisord")
    running = {**json.loads(record_path.read_text()), "settings_sha256": started_with}
    record_path.write_text(json.dumps(running))
    # A comment, and the program gone: nothing outside the programs changed.
    write_project(settings, "supervisord", "; edited\n[inet_http_server]\nport = 127.0.0.1:9001\n")
    world = make_world(settings, supervisord=FakeSupervisord(([], [], ["hello"])))
    result = reload_manager("supervisord", world, explicit=True)
    assert (result.action, result.restart_needed) == ("reloaded", False)
    assert "outside" not in result.message and "`" not in result.message
    record = read_decision(settings, "supervisord")
    assert record is not None and record.restart_pending is False


def test_a_switch_does_not_say_started_for_a_program_the_project_config_leaves_stopped(
    settings: Settings,
) -> None:
    # code-server in BACKOFF on the seed, `autostart=false` in the project config: after
    # the switch it is STOPPED ("Not started"), and the reload said "started" (a trial).
    def project_started(client: FakeSupervisord) -> None:
        client.groups = ["code-server", "shared"]
        client.backoff = frozenset()
        client.stopped = frozenset({"code-server"})

    result = _switch_from_a_seed_whose_code_server_never_ran(settings, project_started)
    assert result.action == "switched", result.message
    assert (result.changed, result.started) == (["shared"], [])
    assert "code-server" not in summary_line(result)
