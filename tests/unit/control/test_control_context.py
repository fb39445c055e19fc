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
    (repo / S.S6_RC_SOURCE_DIR).mkdir(parents=True)
    monkeypatch.setenv(S.ENV_ROOT, str(repo))
    monkeypatch.chdir(repo)
    with pytest.raises(NoStackError) as caught:
        ControlContext.load(Path(".state"))
    assert f"`{PROGRAM} up --root {repo} --state-dir {repo / '.state'}`" in str(caught.value)


def test_a_stopped_state_dir_names_the_repository_it_ran_not_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # After `down` the record is gone, the link TOP/home/USER/REPO_NAME is not; read from
    # `/` (or another repository) `up --root /` said: "not a workloadctl repository".
    repo = tmp_path / "repo"
    (repo / S.S6_RC_SOURCE_DIR).mkdir(parents=True)
    top = tmp_path / "state"
    (top / "home/dev").mkdir(parents=True)
    (top / "home/dev/repo").symlink_to(repo)
    elsewhere = tmp_path / "other"
    (elsewhere / S.S6_RC_SOURCE_DIR).mkdir(parents=True)
    monkeypatch.setenv(S.ENV_ROOT, str(elsewhere))
    monkeypatch.chdir(elsewhere)
    with pytest.raises(NoStackError) as caught:
        ControlContext.load(top)
    assert f"`{PROGRAM} up --root {repo} --state-dir {top}`" in str(caught.value)


def test_a_state_dir_that_names_no_repository_says_repo_is_to_be_filled_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # From `/` (no repository here, none linked in TOP) no path would be right.
    monkeypatch.delenv(S.ENV_ROOT, raising=False)
    monkeypatch.chdir("/")
    top = tmp_path / "state"
    with pytest.raises(NoStackError) as caught:
        ControlContext.load(top)
    message = str(caught.value)
    assert f"`{PROGRAM} up --root REPO --state-dir {top}` (REPO: your workloadctl" in message
    assert "--root /" not in message
