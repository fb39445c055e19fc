"""The command lines the tool prints of itself work as printed, from any directory: the
program as the caller runs it (a checkout's .venv/bin/workloadctl is not on PATH), an
absolute --state-dir for every local stack, --root for its validate; the bare command
for the container's own stack."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from workloadctl import settings as S
from workloadctl.runtime import own_command as O
from workloadctl.runtime.local_stack import RECORD_NAME, StackRecord


def _record(top: Path, root: Path) -> None:
    top.mkdir(parents=True, exist_ok=True)
    StackRecord(
        root=str(root),
        top=str(top),
        unshare_pid=1,
        svscan_pid=2,
        services=[],
        longruns=[],
        env={},
        started_at=0.0,
    ).write(top / RECORD_NAME)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    monkeypatch.chdir(root)
    monkeypatch.setenv(S.ENV_ROOT, str(root))
    monkeypatch.delenv(S.ENV_STATE_DIR, raising=False)
    return root


def test_the_program_is_the_full_path_when_path_does_not_find_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    beside = Path(sys.executable).parent / "workloadctl"
    if not beside.is_file():
        pytest.skip(f"no workloadctl beside {sys.executable} (not run from the venv)")
    monkeypatch.setenv("PATH", "/nonexistent")
    assert O.workloadctl_program() == str(beside)
    monkeypatch.setenv("PATH", str(beside.parent))
    assert O.workloadctl_program() == "workloadctl"


def test_a_service_of_a_stack_judges_the_program_by_the_path_up_was_run_with(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `up` puts S/bin and this venv's bin first on its services' PATH; the banner the
    # launcher prints is read by a developer whose PATH lacks the venv (a bare
    # `workloadctl` there exits 127).
    beside = Path(sys.executable).parent / "workloadctl"
    if not beside.is_file():
        pytest.skip(f"no workloadctl beside {sys.executable} (not run from the venv)")
    top = tmp_path / "stack"
    _record(top, repo)
    (top / "bin").mkdir()
    developers = tmp_path / "developer-bin"
    developers.mkdir()
    services_path = os.pathsep.join([str(top / "bin"), str(beside.parent), str(developers)])
    monkeypatch.setenv("PATH", services_path)
    assert O.workloadctl_program() == str(beside)
    settings = S.Settings.from_env({S.ENV_STATE_DIR: str(top / "var/lib/workloadctl")})
    assert O.stack_command(settings, "restart", "supervisord").startswith(f"{beside} restart")
    # A developer who has the venv on PATH too gets the bare name.
    monkeypatch.setenv("PATH", services_path + os.pathsep + str(beside.parent))
    assert O.workloadctl_program() == "workloadctl"


def test_another_stack_is_named_with_its_state_dir(repo: Path, tmp_path: Path) -> None:
    other = tmp_path / "other stack"
    _record(other, repo)
    line = O.own_command("start", "difit", top=other)
    assert line == f"{O.workloadctl_program()} start difit --state-dir '{other}'"


def test_the_default_stack_is_named_with_its_state_dir_too(repo: Path) -> None:
    # `.state/` of the repository is what a bare command reaches from inside the
    # repository only; the reader may be anywhere (the trial ran `creds`' lines from /tmp).
    _record(repo / ".state", repo)
    assert O.own_command("status", top=repo / ".state") == (
        f"{O.workloadctl_program()} status --state-dir {repo / '.state'}"
    )


def test_the_state_dir_in_the_environment_is_named_too(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = tmp_path / "chosen"
    _record(chosen, repo)
    monkeypatch.setenv(S.ENV_STATE_DIR, str(chosen))
    assert O.state_dir_words(chosen) == ["--state-dir", str(chosen)]


def test_a_relative_state_dir_is_printed_absolute(repo: Path) -> None:
    # `creds --state-dir .state` must not print `--state-dir .state`: run elsewhere, that
    # names another directory.
    assert O.state_dir_words(".state") == ["--state-dir", str(repo / ".state")]
    assert O.state_dir_words(Path("a/../.state")) == ["--state-dir", str(repo / ".state")]


def test_a_service_of_a_stack_names_the_state_dir_the_developer_passes(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Inside the stack $WORKLOADCTL_STATE_DIR is its internal state dir, which the person
    # reading the hint does not have set.
    top = tmp_path / "elsewhere"
    _record(top, repo)
    internal = top / "var" / "lib" / "workloadctl"
    internal.mkdir(parents=True)
    monkeypatch.setenv(S.ENV_STATE_DIR, str(internal))
    settings = S.Settings.from_env({S.ENV_STATE_DIR: str(internal)})
    assert O.stack_command(settings, "restart", "supervisord") == (
        f"{O.workloadctl_program()} restart supervisord --state-dir {top}"
    )


def test_the_container_needs_no_state_dir(repo: Path) -> None:
    settings = S.Settings.from_env({S.ENV_STATE_DIR: str(repo / "var-lib")})
    assert O.stack_command(settings, "start", "process-compose") == (
        f"{O.workloadctl_program()} start process-compose"
    )


def test_a_pass_through_command_takes_the_state_dir_before_the_clients_words(
    repo: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    _record(other, repo)
    assert O.own_command("process-compose", "process", "list", top=other) == (
        f"{O.workloadctl_program()} process-compose --state-dir {other} process list"
    )


def test_validate_of_a_local_stack_names_its_repository(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A bare `validate` checks the git root of the reader's directory, not the stack's.
    top = tmp_path / "stack"
    _record(top, repo)
    internal = top / "var" / "lib" / "workloadctl"
    internal.mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    settings = S.Settings.from_env({S.ENV_STATE_DIR: str(internal)})
    assert O.validate_command(settings) == f"{O.workloadctl_program()} validate --root {repo}"


def test_validate_in_the_container_is_bare(repo: Path) -> None:
    settings = S.Settings.from_env({S.ENV_STATE_DIR: str(repo / "var-lib")})
    assert O.validate_command(settings) == f"{O.workloadctl_program()} validate"
