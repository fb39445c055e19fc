"""A manager that keeps dying while `start`/`restart` wait for it: the wait ends as soon as
the records say so (a new quarantine, the seed dying), naming the cause and the log.

New-user trial 2: with the web UI's port held, `start supervisord` waited the full 30 s
and said only 'started, but exited again before its API answered ...; its last lines in
the log say why', naming neither the log nor the quarantine that had happened in ~7 s."""

from __future__ import annotations

import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from control_support import make_ctx, service

from workloadctl.clients.s6 import ServiceState
from workloadctl.control import actions, crash_watch
from workloadctl.control.names import Target
from workloadctl.doctor import run as doctor_run
from workloadctl.doctor.model import failed
from workloadctl.doctor.ports import WantedPort
from workloadctl.runtime import quarantine
from workloadctl.runtime.statefile import write_json_atomic

HOLDER = "port 9001 is in use by PID 4242 (python3 -m http.server 9001)"
# Long enough that a wait that ignores the records fails the test by its message, not by
# hanging it.
WAIT_SECONDS = 3.0


def _death(source: str) -> quarantine.Death:
    return quarantine.Death(
        time=time.time(),
        exit_code=2,
        signal=None,
        intentional=False,
        source=source,
        config=None,
        project_sha256="abc",
        uptime=0.3,
    )


def _crash_loop(ctx: actions.ControlContext, *, quarantine_after: int | None) -> Iterator[None]:
    """Each step is one death the `finish` script records; after `quarantine_after`
    project deaths the launcher writes its quarantine and the seed dies from then on."""
    project_deaths = 0
    while True:
        on_seed = quarantine_after is None or project_deaths >= quarantine_after
        quarantine.record_death(
            ctx.settings, "supervisord", _death("seed" if on_seed else "project")
        )
        if not on_seed:
            project_deaths += 1
            if project_deaths == quarantine_after:
                record = quarantine.QuarantineRecord(time.time(), "abc", project_deaths, 60.0)
                write_json_atomic(
                    quarantine.quarantine_path(ctx.settings, "supervisord"), vars(record)
                )
        yield


def _dying_service(
    monkeypatch: pytest.MonkeyPatch, ctx: actions.ControlContext, quarantine_after: int | None
) -> None:
    loop = _crash_loop(ctx, quarantine_after=quarantine_after)
    pids = iter(range(100, 100_000))

    def state(_service: Path) -> ServiceState:
        next(loop)
        return service(pid=next(pids))  # a new PID each time: s6 restarted it

    monkeypatch.setattr(actions.s6, "state", state)
    monkeypatch.setattr(actions, "_api_answers", lambda _ctx, _manager: next(loop) and False)
    ctx.pids = lambda _ns_pid: None  # type: ignore[assignment,method-assign]


def _port_held(monkeypatch: pytest.MonkeyPatch, ctx: actions.ControlContext) -> None:
    """The doctor's port check (reused, not redone) finds 9001 held by someone else; the
    commands layer hands the doctor's finder to the control layer (`run_action`)."""
    wanted = WantedPort(9001, ["supervisord web UI (x.conf)"], ["x.conf"], {"supervisord"})
    check = failed(
        "port 9001",
        "in use by PID 4242 (python3 -m http.server 9001); wanted by supervisord web UI",
        "stop it (kill 4242), or change the port in x.conf",
    )
    monkeypatch.setattr(doctor_run, "port_checks", lambda _context, _system: [(wanted, check)])
    monkeypatch.setattr(Path, "is_dir", lambda _self: True, raising=False)
    ctx.port_cause = partial(doctor_run.held_port_cause, ctx.settings, ctx.record)


def _with_root(ctx: actions.ControlContext, monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    monkeypatch.setattr(type(ctx.settings), "project_root", property(lambda _self: root))


def test_a_start_that_gets_quarantined_and_whose_seed_dies_stops_waiting_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = make_ctx(tmp_path)
    _with_root(ctx, monkeypatch, tmp_path)
    _dying_service(monkeypatch, ctx, quarantine_after=5)
    _port_held(monkeypatch, ctx)
    ok, message = actions._wait_manager_up(ctx, "supervisord", None, WAIT_SECONDS)
    assert ok is False
    assert "did not answer" not in message, message
    assert "keeps dying: it was quarantined (died 5 times in 60 s" in message, message
    assert "SEED config dies too" in message, message
    assert f"cause: {HOLDER}" in message and "kill 4242" in message, message
    assert "restart supervisord --clear-quarantine" in message, message
    assert "its log: the container's log" in message, message


def test_a_restart_whose_seed_keeps_dying_stops_waiting_and_names_the_stack_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Already quarantined before the wait: only the seed's deaths say it."""
    ctx = make_ctx(tmp_path)
    _with_root(ctx, monkeypatch, tmp_path)
    record = quarantine.QuarantineRecord(time.time() - 100, "abc", 5, 60.0)
    write_json_atomic(quarantine.quarantine_path(ctx.settings, "supervisord"), vars(record))
    _dying_service(monkeypatch, ctx, quarantine_after=None)
    _port_held(monkeypatch, ctx)
    monkeypatch.setattr(crash_watch, "log_place", lambda _ctx: "/S/log/stack.log")
    ok, message = actions._wait_manager_up(ctx, "supervisord", None, WAIT_SECONDS)
    assert ok is False
    assert "SEED config (the project config is quarantined) died 3 times" in message, message
    assert f"cause: {HOLDER}" in message, message
    assert message.endswith("its log: /S/log/stack.log"), message


def test_restart_clear_quarantine_that_is_quarantined_again_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The banner's own advice, followed with the port still held: the line said only
    'quarantine lifted; started, but exited again ...' after 30 s."""
    ctx = make_ctx(tmp_path)
    _with_root(ctx, monkeypatch, tmp_path)
    old = quarantine.QuarantineRecord(time.time() - 100, "abc", 5, 60.0)
    write_json_atomic(quarantine.quarantine_path(ctx.settings, "supervisord"), vars(old))
    monkeypatch.setattr(actions.s6, "is_supervised", lambda _service: True)
    monkeypatch.setattr(actions.s6, "control", lambda _service, *flags: None)
    _dying_service(monkeypatch, ctx, quarantine_after=5)
    _port_held(monkeypatch, ctx)
    target = Target(manager="supervisord", program=None)
    outcome = actions.act(ctx, "restart", target, WAIT_SECONDS, clear_quarantine=True)
    assert outcome.ok is False
    assert outcome.message.startswith("quarantine lifted; started, but keeps dying: "), outcome
    assert "it was quarantined (died 5 times" in outcome.message, outcome
    assert HOLDER in outcome.message, outcome


def test_without_a_held_port_the_cause_is_the_launchers_first_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = make_ctx(tmp_path)
    monkeypatch.setattr(type(ctx.settings), "project_root", property(lambda _self: None))
    message = crash_watch.explain(ctx, "supervisord", "it died")
    assert "cause: not known here; its log says" in message, message
