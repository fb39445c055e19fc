"""`workloadctl status` through `cli.main`: arguments, output forms, exit codes, and one
line (never a traceback) when there is no stack."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pytest

from workloadctl.cli import main
from workloadctl.commands import status as status_command
from workloadctl.control import status as status_module
from workloadctl.control.status import Answer, RawStatus
from workloadctl.managers.process_compose_live import process_compose_programs
from workloadctl.managers.supervisord_live import supervisord_programs

REPO = Path(__file__).resolve().parents[3]


def _no_stack_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, sub in (
        ("WORKLOADCTL_SERVICE_DIR", "service"),
        ("WORKLOADCTL_RUN_DIR", "run"),
        ("WORKLOADCTL_STATE_DIR", "state"),
    ):
        monkeypatch.setenv(name, str(tmp_path / sub))
    monkeypatch.setenv("WORKLOADCTL_ROOT", str(tmp_path))
    monkeypatch.chdir(tmp_path)


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["status", "--help"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and "--watch" in out and "docs/status-json.md" in out


@pytest.mark.parametrize("argv", [["status", "--watch", "0"], ["status", "--timeout", "x"]])
def test_bad_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_state_dir_without_a_stack_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", "--state-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no stack recorded in" in err and "workloadctl up" in err


def test_no_stack_in_container_mode_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _no_stack_env(monkeypatch, tmp_path)
    assert main(["status", "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "no stack is running" in captured.err


def _fake_raw(monkeypatch: pytest.MonkeyPatch, pc_error: str | None) -> None:
    from workloadctl.clients.s6 import ServiceState

    up = ServiceState(True, True, True, 7, None, None, 3)

    def fetch(_ctx: object) -> RawStatus:
        web = {
            "name": "web",
            "group": "web",
            "statename": "RUNNING",
            "pid": 9,
            "start": 1,
            "now": 2,
        }
        api = {"name": "api", "status": "Running", "pid": 8, "is_running": True}
        return RawStatus(
            s6={"supervisord": Answer(up), "process-compose": Answer(up)},
            programs={
                "supervisord": Answer(partial(supervisord_programs, [web], None)),
                "process-compose": Answer(None, pc_error)
                if pc_error
                else Answer(partial(process_compose_programs, [api], frozenset())),
            },
        )

    monkeypatch.setattr(status_module, "fetch_raw", fetch)


def test_json_output_and_exit_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _no_stack_env(monkeypatch, tmp_path)
    _fake_raw(monkeypatch, None)
    assert main(["status", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [p["name"] for p in data["programs"]] == ["web", "api"]
    assert {m["state"] for m in data["managers"]} == {"running"}


def test_table_output_and_exit_1_when_a_manager_is_unreachable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _no_stack_env(monkeypatch, tmp_path)
    _fake_raw(monkeypatch, "process-compose at /x refused the API token (401)")
    assert main(["status"]) == 1
    out = capsys.readouterr().out
    assert "unreachable" in out and "refused the API token (401)" in out
    assert "web" in out and "NOT all running" in out


def test_watch_redraws_until_ctrl_c(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _no_stack_env(monkeypatch, tmp_path)
    _fake_raw(monkeypatch, None)
    naps: list[float] = []

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(status_command.time, "sleep", sleep)
    assert main(["status", "--watch", "0.5", "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert naps == [0.5, 0.5, 0.5]
    assert len(lines) == 3 and all(json.loads(line)["ok"] for line in lines)
    assert status_command.CLEAR_SCREEN not in "".join(lines)  # not a terminal


def test_watch_off_a_terminal_parts_snapshots_and_says_a_lost_stack_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # In a log the redraws ran together, and after `down` the same error came every second.
    from workloadctl.control.context import NoStackError

    _no_stack_env(monkeypatch, tmp_path)
    _fake_raw(monkeypatch, None)
    naps: list[float] = []

    def gone(_ctx: object) -> RawStatus:
        raise NoStackError("no stack is running: s6 supervises nothing in S")

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 2:
            monkeypatch.setattr(status_module, "fetch_raw", gone)
        if len(naps) == 5:
            raise KeyboardInterrupt

    monkeypatch.setattr(status_command.time, "sleep", sleep)
    assert main(["status", "--watch", "1"]) == 1
    out = capsys.readouterr().out
    assert status_command.CLEAR_SCREEN not in out
    headers = [line for line in out.splitlines() if line.startswith("every 1 s, ")]
    assert len(headers) == 2 and f"\n\n{headers[1]}\n" in out
    assert out.count("no stack is running") == 1 and "(still watching)" in out
    assert len(naps) == 5


def test_status_json_doc_names_every_common_state() -> None:
    from typing import get_args

    from workloadctl.managers.program_status import CommonState

    doc = (REPO / "docs/status-json.md").read_text()
    for state in get_args(CommonState):
        assert f"| `{state}` |" in doc, state
