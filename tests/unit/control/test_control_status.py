"""One view of the stack from raw answers: manager states, program rows, the exit code
and the JSON schema documented in docs/status-json.md."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import get_args

import pytest
from control_support import make_ctx, pc_process, service, snapshot, sv_config, sv_info

from workloadctl.control.context import ControlContext
from workloadctl.control.render import render_status
from workloadctl.control.status import Answer, ManagerState, RawStatus, build_status
from workloadctl.managers.process_compose_live import process_compose_programs
from workloadctl.managers.supervisord_live import supervisord_programs
from workloadctl.runtime.own_command import workloadctl_program
from workloadctl.runtime.quarantine import Death, record_death
from workloadctl.runtime.statefile import write_json_atomic

# How the tool names itself in the commands it prints (a checkout's .venv/bin/workloadctl).
PROGRAM = workloadctl_program()

MANAGER_KEYS = {"name", "state", "pid", "config", "reason"}
PROGRAM_KEYS = {"manager", "name", "state", "native_state", "pid", "restarts", "exit_code"}


def raw(
    *,
    sv_service: Answer | None = None,
    pc_service: Answer | None = None,
    sv: Answer | None = None,
    pc: Answer | None = None,
) -> RawStatus:
    """Answers as the managers give them: supervisord's (processes, configs), and
    process-compose's (processes, deferred names)."""
    sv = sv if sv is not None else Answer(([sv_info("web", "RUNNING", pid=50)], None))
    pc = pc if pc is not None else Answer(([pc_process("api", "Running", pid=60)], frozenset()))
    return RawStatus(
        s6={
            "supervisord": sv_service or Answer(service(pid=40)),
            "process-compose": pc_service or Answer(service(pid=41)),
        },
        programs={
            "supervisord": snapshot(sv, supervisord_programs),
            "process-compose": snapshot(pc, process_compose_programs),
        },
    )


@pytest.fixture
def ctx(tmp_path: Path) -> ControlContext:
    return make_ctx(tmp_path)


def test_everything_running_is_ok_and_matches_the_schema(ctx: ControlContext) -> None:
    write_json_atomic(
        ctx.settings.decisions_dir / "supervisord.json",
        {"source": "project", "reason": "the project config is valid", "config": "/p.conf"},
    )
    status = build_status(ctx, raw())
    data = json.loads(json.dumps(status.as_json()))
    assert status.exit_code == 0 and data["ok"] is True
    assert [m["name"] for m in data["managers"]] == ["supervisord", "process-compose"]
    for manager in data["managers"]:
        assert set(manager) >= MANAGER_KEYS
    for program in data["programs"]:
        assert set(program) >= PROGRAM_KEYS
    sv, pc = data["managers"]
    assert (sv["state"], sv["pid"], sv["config"], sv["reason"]) == (
        "running",
        40,
        "project",
        "the project config is valid",
    )
    assert (pc["config"], pc["reason"]) == (None, None)  # no decision recorded yet
    web, api = data["programs"]
    assert (web["manager"], web["name"], web["state"], web["native_state"], web["pid"]) == (
        "supervisord",
        "web",
        "running",
        "RUNNING",
        50,
    )
    assert web["uptime_seconds"] == 42 and web["restarts"] is None
    assert (api["manager"], api["state"], api["pid"], api["uptime_seconds"]) == (
        "process-compose",
        "running",
        60,
        5,
    )


def test_restarts_are_the_deaths_finish_recorded(ctx: ControlContext) -> None:
    for intentional in (True, False, False):
        record_death(
            ctx.settings,
            "supervisord",
            Death(time.time(), 0 if intentional else 1, None, intentional, "project", None, None),
        )
    sv = build_status(ctx, raw()).managers[0]
    assert (sv.restarts, sv.crashes) == (3, 2)


def test_unsupervised_manager(ctx: ControlContext) -> None:
    status = build_status(ctx, raw(pc_service=Answer(None, "s6-svstat: not supervised")))
    pc = status.managers[1]
    assert (pc.state, pc.error) == ("unsupervised", "s6-svstat: not supervised")
    assert [p.manager for p in status.programs] == ["supervisord"]
    assert status.exit_code == 1


def test_unreachable_manager_still_shows_the_other(ctx: ControlContext) -> None:
    answer = Answer(None, "process-compose at /x.sock refused the API token (401)")
    status = build_status(ctx, raw(pc=answer))
    pc = status.managers[1]
    assert (pc.state, pc.pid) == ("unreachable", 41)
    assert "401" in (pc.error or "")
    assert [p.name for p in status.programs] == ["web"]
    assert status.exit_code == 1


def test_disabled_at_boot_is_ok(ctx: ControlContext) -> None:
    ctx.settings.disabled_marker("process-compose").touch()
    status = build_status(
        ctx,
        raw(pc_service=Answer(service(up=False, wanted_up=False)), pc=Answer(None, "no socket")),
    )
    pc = status.managers[1]
    assert (pc.state, pc.pid, pc.config) == ("disabled", None, None)
    assert f"switched off at boot; start it with `{PROGRAM} start process-compose`" == pc.reason
    assert status.exit_code == 0


def test_stopped_through_s6_is_disabled_too(ctx: ControlContext) -> None:
    status = build_status(
        ctx, raw(sv_service=Answer(service(up=False, wanted_up=False)), sv=Answer(None, "x"))
    )
    assert status.managers[0].state == "disabled"
    reason = status.managers[0].reason
    assert reason == f"stopped through s6; start it with `{PROGRAM} start supervisord`"
    assert status.exit_code == 0


def test_down_but_wanted_up_is_down(ctx: ControlContext) -> None:
    down = service(up=False, wanted_up=True, exit_code=None, signal=9, seconds=1)
    status = build_status(ctx, raw(sv_service=Answer(down), sv=Answer(None, "no socket")))
    sv = status.managers[0]
    assert sv.state == "down"
    assert "killed by signal 9" in (sv.error or "")
    assert status.exit_code == 1


def test_a_manager_shutting_down_shows_no_programs(ctx: ControlContext) -> None:
    status = build_status(ctx, raw(sv_service=Answer(service(up=False, wanted_up=False))))
    assert [p.manager for p in status.programs] == ["process-compose"]


def test_supervisord_autostart_decides_what_should_run(ctx: ControlContext) -> None:
    infos = [
        sv_info("web", "RUNNING", pid=50),
        sv_info("tool", "STOPPED"),
        sv_info("job", "EXITED", exitstatus=0, stopped=True),
        sv_info("crash", "EXITED", exitstatus=3, stopped=True),
        sv_info("w1", "RUNNING", group="pool", pid=51),
    ]
    configs = [
        sv_config("web"),
        sv_config("tool", autostart=False),
        sv_config("job"),
        sv_config("crash", exitcodes=[0]),
        sv_config("w1", group="pool"),
    ]
    status = build_status(ctx, raw(sv=Answer((infos, configs))))
    rows = {p.name: p for p in status.programs if p.manager == "supervisord"}
    assert set(rows) == {"web", "tool", "job", "crash", "pool:w1"}
    assert (rows["tool"].state, rows["tool"].expected, rows["tool"].ok) == ("stopped", False, True)
    assert (rows["job"].state, rows["job"].exit_code, rows["job"].ok) == ("exited", 0, True)
    assert (rows["crash"].state, rows["crash"].exit_code, rows["crash"].ok) == ("failed", 3, False)
    assert rows["web"].exit_code is None  # never exited
    assert status.exit_code == 1  # crash


def test_a_program_stopped_on_purpose_is_not_missing(ctx: ControlContext) -> None:
    # supervisord reaches STOPPED only through a stop; a crash ends EXITED/BACKOFF/FATAL.
    infos = [sv_info("web", "STOPPED", stopped=True)]
    status = build_status(ctx, raw(sv=Answer((infos, [sv_config("web")]))))
    assert status.programs[0].ok is True and status.programs[0].expected is False
    assert status.exit_code == 0


def test_a_crashed_autostart_program_fails_the_exit_code(ctx: ControlContext) -> None:
    infos = [sv_info("web", "FATAL", stopped=True)]
    status = build_status(ctx, raw(sv=Answer((infos, [sv_config("web")]))))
    assert status.programs[0].ok is False
    assert status.exit_code == 1


def test_without_the_config_every_program_counts_as_autostart(ctx: ControlContext) -> None:
    status = build_status(ctx, raw(sv=Answer(([sv_info("tool", "BACKOFF")], None))))
    assert status.programs[0].expected is True


def test_process_compose_rows(ctx: ControlContext) -> None:
    processes = [
        pc_process("api", "Running", pid=60, restarts=2),
        pc_process("off", "Disabled"),
        pc_process("job", "Completed", pid=61, exit_code=0),
        pc_process("bad", "Completed", pid=62, exit_code=2),
        pc_process("halted", "Completed", pid=63, exit_code=-1),
        pc_process("was-off", "Completed", pid=64, exit_code=-1),
    ]
    status = build_status(ctx, raw(pc=Answer((processes, frozenset({"was-off"})))))
    rows = {p.name: p for p in status.programs}
    assert (rows["api"].restarts, rows["api"].exit_code) == (2, 0)
    assert (rows["off"].state, rows["off"].ok) == ("stopped", True)
    assert (rows["job"].state, rows["job"].pid, rows["job"].ok) == ("exited", None, True)
    assert (rows["bad"].state, rows["bad"].exit_code, rows["bad"].ok) == ("failed", 2, False)
    # Stopped through the API (exit -1): someone's decision, not a missing process.
    assert (rows["halted"].state, rows["halted"].ok) == ("stopped", True)
    assert (rows["was-off"].state, rows["was-off"].expected) == ("stopped", False)


def test_manager_states_are_documented() -> None:
    doc = (Path(__file__).parents[3] / "docs/status-json.md").read_text()
    for state in get_args(ManagerState):
        assert f"`{state}`" in doc, state


# --- degraded: a manager on its seed --------------------------------------------------

SV001 = {
    "file": "/repo/workloads/supervisord/project.conf",
    "line": 58,
    "severity": "error",
    "code": "SV001",
    "message": "Supervisor refuses this file",
}
SV004 = {**SV001, "line": 26, "severity": "warning", "code": "SV004", "message": "pidfile"}


def _on_the_seed(ctx: ControlContext, manager: str = "supervisord", **extra: object) -> None:
    write_json_atomic(
        ctx.settings.decisions_dir / f"{manager}.json",
        {
            "source": "seed",
            "reason": "the project config is invalid (1 error)",
            "config": "/etc/supervisor/seed.conf",
            "project_config": "/repo/workloads/supervisord/project.conf",
            # A warning first: the first finding shown is the first error, as in the banner.
            "findings": [SV004, SV001],
            "quarantine": None,
            **extra,
        },
    )


def test_a_manager_on_its_seed_is_degraded_with_its_own_exit_code(ctx: ControlContext) -> None:
    _on_the_seed(ctx)
    status = build_status(ctx, raw())
    sv = status.managers[0]
    assert sv.degraded is True and sv.ok is False
    assert sv.first_finding == (
        "/repo/workloads/supervisord/project.conf:58: error: Supervisor refuses this file [SV001]"
    )
    assert sv.retry == f"{PROGRAM} restart supervisord"
    assert status.exit_code == 3  # EXIT_DEGRADED
    data = json.loads(json.dumps(status.as_json()))
    assert data["ok"] is False and data["degraded"] == ["supervisord"]
    assert data["managers"][0]["degraded"] is True
    assert data["managers"][0]["first_finding"] == sv.first_finding
    assert data["managers"][1]["degraded"] is False and data["managers"][1]["ok"] is True


def test_the_degraded_line_names_the_manager_its_finding_and_the_retry(
    ctx: ControlContext,
) -> None:
    _on_the_seed(ctx)
    text = render_status(build_status(ctx, raw()))
    lines = [line for line in text.splitlines() if line.startswith("DEGRADED: supervisord")]
    assert len(lines) == 1, text
    assert "runs its SEED config" in lines[0]
    assert "project.conf:58: error: Supervisor refuses this file [SV001]" in lines[0]
    assert f"`{PROGRAM} restart supervisord`" in lines[0]
    assert "all running" not in text.splitlines()[-1]


def test_a_quarantined_seed_retries_with_clear_quarantine(ctx: ControlContext) -> None:
    _on_the_seed(ctx, "process-compose", quarantine={"deaths": 5}, findings=[])
    pc = build_status(ctx, raw()).managers[1]
    assert pc.degraded and pc.first_finding is None
    assert pc.retry == f"{PROGRAM} restart process-compose --clear-quarantine"
    # Without a finding the line still says why: the launcher's reason.
    assert "the project config is invalid (1 error)" in render_status(build_status(ctx, raw()))


def test_a_manager_switched_off_on_purpose_is_not_degraded(ctx: ControlContext) -> None:
    _on_the_seed(ctx)
    ctx.settings.disabled_marker("supervisord").touch()
    status = build_status(
        ctx, raw(sv_service=Answer(service(up=False, wanted_up=False)), sv=Answer(None, "x"))
    )
    assert status.managers[0].degraded is False and status.degraded == []
    assert status.exit_code == 0
    assert "DEGRADED" not in render_status(status)


def test_the_seeds_own_failing_program_is_degraded_not_not_running(ctx: ControlContext) -> None:
    # The trial's stack: supervisord on its seed, whose code-server is not installed
    # (BACKOFF, can't find command). `up --detach` exits 3; status must too: the seed is
    # the cause. The JSON still lists the failing program.
    _on_the_seed(ctx)
    infos = [sv_info("code-server", "BACKOFF")]
    status = build_status(ctx, raw(sv=Answer((infos, [sv_config("code-server")]))))
    assert status.exit_code == 3 and status.degraded == ["supervisord"]
    data = status.as_json()
    assert [(p["name"], p["ok"]) for p in data["programs"]] == [
        ("code-server", False),
        ("api", True),
    ]
    text = render_status(status)
    assert "DEGRADED: supervisord" in text and "NOT all running" not in text
    assert "code-server  starting!" in text
    assert "a `!` marks a program of the seed" in text.splitlines()[-1]


def test_a_failure_beside_the_seed_outranks_degraded(ctx: ControlContext) -> None:
    # process-compose runs its project config and its api crashed: the seed does not
    # explain that, so 1 outranks 3.
    _on_the_seed(ctx)
    processes = [pc_process("api", "Error", exit_code=2)]
    status = build_status(ctx, raw(pc=Answer((processes, frozenset()))))
    assert status.exit_code == 1 and status.degraded == ["supervisord"]
    text = render_status(status)
    assert "DEGRADED: supervisord" in text and "NOT all running" in text


def test_a_manager_down_beside_the_seed_outranks_degraded(ctx: ControlContext) -> None:
    _on_the_seed(ctx)
    status = build_status(
        ctx, raw(pc_service=Answer(service(up=False, wanted_up=True)), pc=Answer(None, "x"))
    )
    assert status.exit_code == 1 and status.degraded == ["supervisord"]


def test_every_json_key_and_the_degraded_exit_code_are_documented(ctx: ControlContext) -> None:
    _on_the_seed(ctx)
    data = build_status(ctx, raw()).as_json()
    doc = (Path(__file__).parents[3] / "docs/status-json.md").read_text()
    for key in [*data, *data["managers"][0], *data["programs"][0]]:
        assert f"`{key}`" in doc, key
    assert "| 3 |" in doc


def test_restarts_count_from_this_start_and_outside_kills_are_no_crashes(
    ctx: ControlContext,
) -> None:
    from workloadctl.control.status import manager_records
    from workloadctl.runtime.quarantine import Death, record_death

    def death(at: float, *, outside: bool = False, intentional: bool = False) -> Death:
        return Death(at, 256, 9, intentional, "project", "/p.conf", "x", None, outside)

    for entry in (death(100.0), death(200.0), death(300.0, outside=True), death(400.0)):
        record_death(ctx.settings, "supervisord", entry)
    # A previous stack's (or container's) deaths stay in the state volume: not this one's.
    write_json_atomic(ctx.settings.boot_record, {"epoch": 250.0})
    records = manager_records(ctx, "supervisord")
    assert (records.restarts, records.crashes) == (2, 1)


def test_a_program_within_its_start_time_is_starting_not_a_failure(ctx: ControlContext) -> None:
    # Right after `restart supervisord`: STARTING is supervisord's state until startsecs
    # have passed; Pending/Launching are process-compose's before the process ran.
    infos = [sv_info("web", "RUNNING", pid=50), sv_info("docs", "STARTING", pid=51)]
    processes = [pc_process("api", "Pending"), pc_process("d", "Launching", pid=61)]
    status = build_status(
        ctx,
        raw(
            sv=Answer((infos, [sv_config("web"), sv_config("docs")])),
            pc=Answer((processes, frozenset())),
        ),
    )
    rows = {p.name: p for p in status.programs}
    assert {n: (rows[n].state, rows[n].ok, rows[n].within_start) for n in ("docs", "api", "d")} == {
        n: ("starting", True, True) for n in ("docs", "api", "d")
    }
    assert status.exit_code == 4 and status.starting == ["docs", "api", "d"]
    data = status.as_json()
    assert data["starting"] == ["docs", "api", "d"] and data["ok"] is False
    text = render_status(status)
    assert "starting!" not in text and "NOT all running" not in text
    assert "STARTING: docs, api, d" in text.splitlines()[-1]


def test_a_retry_after_a_quick_exit_is_still_a_failure(ctx: ControlContext) -> None:
    # BACKOFF (supervisord) and Restarting (process-compose) follow an exit: not the start time.
    infos = [sv_info("docs", "BACKOFF")]
    processes = [pc_process("api", "Restarting", restarts=1)]
    status = build_status(
        ctx, raw(sv=Answer((infos, [sv_config("docs")])), pc=Answer((processes, frozenset())))
    )
    assert [(p.ok, p.within_start) for p in status.programs] == [(False, False)] * 2
    assert status.exit_code == 1 and "starting!" in render_status(status)


def test_degraded_outranks_starting(ctx: ControlContext) -> None:
    _on_the_seed(ctx)
    infos = [sv_info("web", "STARTING", pid=50)]
    status = build_status(ctx, raw(sv=Answer((infos, [sv_config("web")]))))
    assert status.exit_code == 3 and status.starting == ["web"]


def test_the_starting_exit_code_is_documented() -> None:
    root = Path(__file__).parents[3]
    assert "| 4 |" in (root / "docs/status-json.md").read_text()
    assert "4 (STARTING)" in " ".join(
        (root / "src/workloadctl/commands/status.py").read_text().split()
    )


def _decided_on(ctx: ControlContext, manager: str, source: str, text: str) -> Path:
    """A decision record made on a project config holding `text`; returns its path."""
    import hashlib

    path = ctx.settings.state_dir.parent / f"{manager}-project.conf"
    path.write_text(text)
    write_json_atomic(
        ctx.settings.decisions_dir / f"{manager}.json",
        {
            "source": source,
            "reason": "the project config is valid"
            if source == "project"
            else "the project config is invalid (1 error)",
            "config": str(path),
            "project_config": str(path),
            "project_sha256": hashlib.sha256(text.encode()).hexdigest(),
            "findings": [] if source == "project" else [SV001],
            "started": True,
        },
    )
    return path


def test_a_reason_about_a_file_edited_since_says_so(ctx: ControlContext) -> None:
    # After a refused reload the record still says "valid": the file on disk is not that file.
    path = _decided_on(ctx, "supervisord", "project", "[program:web]\n")
    assert build_status(ctx, raw()).managers[0].config_changed is None
    path.write_text("[program:web\n")
    status = build_status(ctx, raw())
    note = status.managers[0].config_changed
    assert note is not None and note.startswith(f"{path} changed since (sha256 "), note
    assert (
        f"`{PROGRAM} reload supervisord` applies its programs, "
        f"`{PROGRAM} restart supervisord` all of it"
    ) in note
    assert "validate" in note
    assert status.as_json()["managers"][0]["config_changed"] == note
    row = next(
        line for line in render_status(status).splitlines() if line.startswith("supervisord")
    )
    assert row.endswith(f"the project config is valid; {note}"), row


def test_a_seed_finding_about_a_file_fixed_since_says_it_may_be_stale(ctx: ControlContext) -> None:
    path = _decided_on(ctx, "supervisord", "seed", "[program:web\n")
    path.write_text("[program:web]\n")
    status = build_status(ctx, raw())
    assert status.exit_code == 3
    line = next(
        x for x in render_status(status).splitlines() if x.startswith("DEGRADED: supervisord")
    )
    assert "Supervisor refuses this file [SV001]" in line
    assert f"that finding may be stale: {path} changed since" in line, line


def test_a_project_config_deleted_since_says_so(ctx: ControlContext) -> None:
    path = _decided_on(ctx, "process-compose", "project", "processes: {}\n")
    path.unlink()
    note = build_status(ctx, raw()).managers[1].config_changed
    assert note is not None and note.startswith(f"{path} no longer exists"), note


def test_a_file_untouched_since_the_decision_is_not_hashed_again(ctx: ControlContext) -> None:
    import os

    path = _decided_on(ctx, "supervisord", "project", "[program:web]\n")
    record = ctx.settings.decisions_dir / "supervisord.json"
    path.write_text("[program:web\n")
    decided = json.loads(record.read_text())
    # Edited after the decision (a refused reload leaves the record as it was): told.
    write_json_atomic(record, {**decided, "epoch": time.time() - 100})
    assert build_status(ctx, raw()).managers[0].config_changed is not None
    # Last modified well before the decision: the decision hashed this very file.
    os.utime(path, (time.time() - 200, time.time() - 200))
    assert build_status(ctx, raw()).managers[0].config_changed is None


def test_a_restart_left_pending_by_a_reload_is_shown_until_the_manager_restarts(
    ctx: ControlContext,
) -> None:
    # A reload that applied programs and found settings read only at start changed too:
    # status said nothing of the restart still needed (a trial; only another reload did).
    _decided_on(ctx, "supervisord", "project", "[program:web]\n")
    record = ctx.settings.decisions_dir / "supervisord.json"
    assert build_status(ctx, raw()).managers[0].restart_pending is None
    write_json_atomic(record, {**json.loads(record.read_text()), "restart_pending": True})
    status = build_status(ctx, raw())
    note = status.managers[0].restart_pending
    assert note is not None and f"`{PROGRAM} restart supervisord` applies them" in note, note
    assert status.as_json()["managers"][0]["restart_pending"] == note
    row = next(
        line for line in render_status(status).splitlines() if line.startswith("supervisord")
    )
    assert row.endswith(f"the project config is valid; {note}"), row
