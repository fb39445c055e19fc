"""The one-line errors of a command that finds no stack: the commands they name work as
printed from any directory, and say where to find the running stacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from workloadctl import settings as S
from workloadctl.control.context import ControlContext, NoStackError
from workloadctl.runtime.own_command import workloadctl_program

PROGRAM = workloadctl_program()


def test_no_stack_here_names_the_command_that_lists_the_stacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stack of `up` runs elsewhere; a bare command (the container's paths) finds none.
    for variable, sub in (
        (S.ENV_SERVICE_DIR, "service"),
        (S.ENV_RUN_DIR, "run"),
        (S.ENV_STATE_DIR, "state"),
    ):
        monkeypatch.setenv(variable, str(tmp_path / sub))
    monkeypatch.setenv(S.ENV_ROOT, str(tmp_path))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NoStackError) as caught:
        ControlContext.load(None).require_stack()
    message = str(caught.value)
    assert "pass --state-dir DIR" in message
    assert f"`{PROGRAM} stacks` lists the stacks running on this machine" in message


def test_a_state_dir_without_a_stack_names_an_up_that_works_from_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `--state-dir .state` printed back as it was typed names another directory elsewhere,
    # and `up` takes its repository from the current directory.
    repo = tmp_path / "repo"
    repo.mkdir()
    monkeypatch.setenv(S.ENV_ROOT, str(repo))
    monkeypatch.chdir(repo)
    with pytest.raises(NoStackError) as caught:
        ControlContext.load(Path(".state"))
    assert f"`{PROGRAM} up --root {repo} --state-dir {repo / '.state'}`" in str(caught.value)
