"""`start difit` when difit's command is not installed: supervisord answers NO_FILE
("can't find command 'difit'") before any spawn, so the program has no state and no log
to look at. The error names the command, the file:line of its `command=` and what the
config says to install, instead of supervisord's bare fault."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
from control_support import make_ctx, supervisord_runs

from workloadctl.clients.supervisord import FAULT_NO_FILE, SupervisordClient, SupervisordError
from workloadctl.control import actions
from workloadctl.control.names import Target
from workloadctl.errors import WorkloadctlError
from workloadctl.managers.base import CommandNotFoundError
from workloadctl.managers.supervisord_live import LiveSupervisord

CONF = """\
[supervisord]

[program:difit]
; GitHub-style view (needs Node >= 21 and `npm install -g difit`).
command=no-such-command-workloadctl . --port 4966
"""


class NoFileClient:
    def start(self, name: str, *, wait: bool = True) -> None:
        raise SupervisordError(
            f"supervisord: supervisor.startProcess: NO_FILE: can't find command '{name}'",
            FAULT_NO_FILE,
        )


def test_supervisord_no_file_is_a_command_not_found() -> None:
    live = LiveSupervisord(cast(SupervisordClient, NoFileClient()))
    with pytest.raises(CommandNotFoundError, match="can't find command 'difit'"):
        live.start("difit")


class MissingCommandDriver:
    def __init__(self, *_args: Any) -> None:
        self.live = self

    def snapshot(self, _name: str) -> Any:
        return type("S", (), {"native_state": "STOPPED", "state": "stopped", "pid": None})()

    def start(self, _name: str) -> str | None:
        raise CommandNotFoundError("NO_FILE: can't find command 'no-such-command-workloadctl'")


def test_start_names_the_missing_command_its_line_and_the_install_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = make_ctx(tmp_path)
    config = supervisord_runs(ctx, tmp_path / "project.conf", CONF)
    monkeypatch.setattr(actions, "ProgramDriver", MissingCommandDriver)
    with pytest.raises(WorkloadctlError) as caught:
        actions.act_on_program(ctx, "start", Target("supervisord", "difit"), 5.0)
    message = str(caught.value)
    assert "\n" not in message
    assert message.endswith(
        f"its command 'no-such-command-workloadctl' is not found where supervisord looks "
        f"(`command=` at {config}:5): install it, or fix the command; its config says: "
        "GitHub-style view (needs Node >= 21 and `npm install -g difit`)."
    )


def test_a_command_that_is_there_but_not_executable_is_not_called_missing(
    tmp_path: Path,
) -> None:
    # supervisord says NOT_EXECUTABLE for it, not NO_FILE: "not found" would mislead.
    from workloadctl.control.program_source import _found

    script = tmp_path / "tool"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o644)
    assert _found(str(script), "")
    assert _found("tool", str(tmp_path))
    assert not _found(str(tmp_path / "absent"), "")
    assert not _found("absent", str(tmp_path))
