"""`workloadctl creds` through `cli.main`: output forms and unreadable secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workloadctl.cli import main
from workloadctl.commands.creds import render_creds
from workloadctl.control.creds import Creds
from workloadctl.managers.process_compose_access import ProcessComposeAccess
from workloadctl.managers.supervisord_access import SupervisordAccess, WebUi


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["creds", "--help"])
    assert caught.value.code == 0
    assert "examples:" in capsys.readouterr().out


def test_no_stack_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["creds", "--state-dir", str(tmp_path)]) == 1
    assert "no stack recorded" in capsys.readouterr().err


def _creds(problems: tuple[str, ...] = ()) -> Creds:
    return Creds(
        supervisord=SupervisordAccess(
            config="/w/project.conf",
            config_source="decision",
            web_ui=WebUi("http://127.0.0.1:9001/", "me", None if problems else "pw", "generated"),
            socket="/run/workloadctl/supervisord.sock",
            client="workloadctl supervisorctl status",
            supervisorctl="supervisorctl -s unix:///run/workloadctl/supervisord.sock status",
        ),
        process_compose=ProcessComposeAccess(
            socket="/run/workloadctl/process-compose.sock",
            token_file="/var/lib/workloadctl/secrets/process-compose-token",
            token=None if problems else "tok",
            client="workloadctl process-compose process list",
            attach="sudo process-compose attach -u /run/workloadctl/process-compose.sock --token-file /t",
            curl="sudo curl ...",
        ),
        problems=problems,
        notes=(),
    )


def test_render_shows_everything_needed_to_log_in() -> None:
    text = render_creds(_creds())
    for expected in (
        "http://127.0.0.1:9001/",
        "user:          me",
        "password:      pw",
        "token:         tok",
        "attach -u",
        "supervisorctl: workloadctl supervisorctl status",
        "client:        workloadctl process-compose process list",
    ):
        assert expected in text, expected
    assert "problem" not in text


def test_render_unreadable_secrets() -> None:
    text = render_creds(
        _creds(
            ("cannot read /s/supervisord-password: it is root-only; run `sudo workloadctl creds`",)
        )
    )
    assert "password:      (not shown: see below)" in text
    assert "problem: cannot read /s/supervisord-password: it is root-only" in text


def test_json_and_exit_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from workloadctl.control import context, creds

    monkeypatch.setattr(
        context.ControlContext, "load", classmethod(lambda cls, _d, timeout=10.0: None)
    )
    monkeypatch.setattr(creds, "collect_creds", lambda _ctx: _creds(("x",)))
    assert main(["creds", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["supervisord"]["web_ui"]["url"] == "http://127.0.0.1:9001/"
    assert data["problems"] == ["x"]
