"""`workloadctl supervisorctl` and `workloadctl process-compose`: each hands its ARGS,
untouched, to its own client's exec on the stack in use."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from workloadctl.cli import main
from workloadctl.control import passthrough
from workloadctl.control.context import ControlContext
from workloadctl.runtime.local_stack import StackRecord
from workloadctl.settings import Settings


@pytest.mark.parametrize(
    ("command", "exec_name", "args"),
    [
        ("supervisorctl", "exec_supervisorctl", ["tail", "-f", "docs"]),
        ("process-compose", "exec_process_compose", ["process", "list", "--", "-x"]),
    ],
)
def test_client_command_execs_its_own_client(
    command: str,
    exec_name: str,
    args: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctx = ControlContext(Settings.from_env({"WORKLOADCTL_STATE_DIR": str(tmp_path)}), None)
    monkeypatch.setattr(ControlContext, "load", classmethod(lambda cls, _d, timeout=10.0: ctx))
    monkeypatch.setattr(ControlContext, "require_stack", lambda self: None)
    seen: list[tuple[str, list[str]]] = []
    for name in ("exec_supervisorctl", "exec_process_compose"):

        def fake_exec(
            settings: Settings,
            record: StackRecord | None,
            passed: Sequence[str],
            name: str = name,
        ) -> int:
            assert settings is ctx.settings and record is None
            seen.append((name, list(passed)))
            return 7

        monkeypatch.setattr(passthrough, name, fake_exec)
    assert main([command, *args]) == 7
    assert seen == [(exec_name, args)]
