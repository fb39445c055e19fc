"""`workloadctl start|stop|restart` through `cli.main`: arguments, help, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workloadctl.cli import main
from workloadctl.commands import command_support
from workloadctl.control import actions, names
from workloadctl.control.actions import Outcome
from workloadctl.control.context import ControlContext
from workloadctl.control.names import Catalog, Target
from workloadctl.settings import Settings


@pytest.mark.parametrize("command", ["start", "stop", "restart"])
def test_help_has_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main([command, "--help"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out
    assert "supervisord:" in out


@pytest.mark.parametrize(
    "argv",
    [["start"], ["stop", "web", "--timeout", "0"], ["restart", "web", "--timeout", "-3"]],
)
def test_bad_arguments_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2


@pytest.mark.parametrize("command", ["start", "stop", "restart"])
def test_no_stack_is_one_line(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, "web", "--state-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no stack recorded" in err


@pytest.fixture
def fake_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Target, bool]]:
    """A stack whose managers are fakes: records every act() call."""
    ctx = ControlContext(Settings.from_env({"WORKLOADCTL_STATE_DIR": str(tmp_path)}), None)
    monkeypatch.setattr(ControlContext, "load", classmethod(lambda cls, _d, timeout=10.0: ctx))
    monkeypatch.setattr(ControlContext, "require_stack", lambda self: None)
    catalog = Catalog({"supervisord": ("web", "both"), "process-compose": ("api", "both")}, {})
    monkeypatch.setattr(names, "fetch_catalog", lambda _ctx, _managers: catalog)
    calls: list[tuple[str, Target, bool]] = []

    def act(
        _ctx: object, action: str, target: Target, _timeout: float, *, clear_quarantine: bool
    ) -> Outcome:
        calls.append((action, target, clear_quarantine))
        return Outcome(
            target, action, target.program != "api", "running", "RUNNING", 5, None, "running"
        )  # type: ignore[arg-type]

    monkeypatch.setattr(actions, "act", act)
    return calls


def test_each_name_reaches_its_manager(
    fake_stack: list[tuple[str, Target, bool]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["restart", "web", "process-compose:both", "supervisord"]) == 0
    assert fake_stack == [
        ("restart", Target("supervisord", "web"), False),
        ("restart", Target("process-compose", "both"), False),
        ("restart", Target("supervisord", None), False),
    ]
    assert capsys.readouterr().out.splitlines() == [
        "supervisord:web: running",
        "process-compose:both: running",
        "supervisord: running",
    ]


def test_ambiguous_name_changes_nothing(
    fake_stack: list[tuple[str, Target, bool]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stop", "web", "both"]) == 2
    assert fake_stack == []  # `web` was not stopped either
    err = capsys.readouterr().err
    assert "supervisord:both" in err and "process-compose:both" in err and err.count("\n") == 1


def test_unknown_name_lists_close_matches(
    fake_stack: list[tuple[str, Target, bool]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["start", "wbe"]) == 2
    assert "did you mean: supervisord:web" in capsys.readouterr().err


def test_a_failed_action_exits_1_with_json(
    fake_stack: list[tuple[str, Target, bool]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["start", "web", "api", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False
    assert [r["target"] for r in data["results"]] == ["supervisord:web", "process-compose:api"]


def test_clear_quarantine_needs_a_manager(
    fake_stack: list[tuple[str, Target, bool]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["restart", "web", "--clear-quarantine"]) == 2
    assert "--clear-quarantine applies to a manager" in capsys.readouterr().err
    assert main(["restart", "supervisord", "--clear-quarantine"]) == 0
    assert fake_stack[-1] == ("restart", Target("supervisord", None), True)


def test_duplicate_names_act_once(fake_stack: list[tuple[str, Target, bool]]) -> None:
    assert main(["stop", "web", "web"]) == 0
    assert len(fake_stack) == 1


def test_run_action_is_what_the_commands_use() -> None:
    assert command_support.run_action.__module__ == "workloadctl.commands.command_support"


@pytest.mark.parametrize(
    ("action", "line"),
    [
        ("restart", "restarting supervisord: stopping its programs, then starting it again"),
        ("stop", "stopping supervisord: stopping its programs"),
    ],
)
def test_a_manager_stop_or_restart_says_what_it_waits_for_first(
    fake_stack: list[tuple[str, Target, bool]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    action: str,
    line: str,
) -> None:
    """supervisord waits for its programs to stop (~6 s with the template's): the line
    comes on stderr before that wait, the result after it on stdout."""
    fake_act = actions.act
    seen_before: list[str] = []

    def act(*args: object, **kwargs: object) -> Outcome:
        seen_before.append(capsys.readouterr().err)
        return fake_act(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(actions, "act", act)
    assert main([action, "supervisord", "--timeout", "12"]) == 0
    assert seen_before == [f"{line} (waiting up to 12 s)...\n"]
    assert capsys.readouterr().out == "supervisord: running\n"


def test_no_progress_line_for_a_program_or_with_json(
    fake_stack: list[tuple[str, Target, bool]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["restart", "web"]) == 0
    assert capsys.readouterr().err == ""
    assert main(["restart", "supervisord", "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and json.loads(captured.out)["ok"] is True


def test_start_hands_the_doctors_port_check_to_the_control_layer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A manager that keeps dying is explained with the doctor's word on a held port; the
    control layer may not import the doctor, so the command hands it over (lint-imports)."""
    from workloadctl.doctor import run as doctor_run

    ctx = ControlContext(Settings.from_env({"WORKLOADCTL_STATE_DIR": str(tmp_path)}), None)
    monkeypatch.setattr(ControlContext, "load", classmethod(lambda cls, _d, timeout=10.0: ctx))
    monkeypatch.setattr(ControlContext, "require_stack", lambda self: None)
    catalog = Catalog({"supervisord": ("web", "both"), "process-compose": ("api", "both")}, {})
    monkeypatch.setattr(names, "fetch_catalog", lambda _ctx, _managers: catalog)
    asked: list[str] = []

    def held(_settings: Settings, _record: object, manager: str) -> str:
        asked.append(manager)
        return "port 9001 is in use by PID 4242"

    monkeypatch.setattr(doctor_run, "held_port_cause", held)
    causes: list[str | None] = []

    def act(
        given: ControlContext, action: str, target: Target, _timeout: float, **_kw: bool
    ) -> Outcome:
        assert given.port_cause is not None
        causes.append(given.port_cause("supervisord"))
        return Outcome(target, action, True, "running", "RUNNING", 5, None, "running")  # type: ignore[arg-type]

    monkeypatch.setattr(actions, "act", act)
    assert main(["start", "supervisord"]) == 0
    assert causes == ["port 9001 is in use by PID 4242"] and asked == ["supervisord"]
