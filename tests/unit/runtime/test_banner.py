from __future__ import annotations

from pathlib import Path

import pytest
from launcher_support import FakeLoader, invalid_loader, tmp_settings, write_project

from workloadctl import settings as S
from workloadctl.runtime import banner as B
from workloadctl.runtime import decision as D
from workloadctl.runtime import quarantine as Q
from workloadctl.runtime.local_stack import RECORD_NAME, StackRecord
from workloadctl.runtime.own_command import workloadctl_program

# How the tool names itself in the commands it prints (a checkout's .venv/bin/workloadctl).
PROGRAM = workloadctl_program()


def test_invalid_config_banner_names_file_line_problem_and_retry(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    project = write_project(settings)
    decision = D.decide("supervisord", settings, loader=invalid_loader())
    text = B.seed_banner(decision, settings)
    assert "supervisord is running the SEED config" in text
    assert f"{project}:7: error: unknown key 'autorestrat' in [program:web] [SUP999]" in text
    assert f"running: {settings.seed_supervisord_conf}" in text
    assert f"    {PROGRAM} restart supervisord\n" in text
    assert f"s6-svc -r {tmp_path / 'service' / 'supervisord'}" in text
    # Errors come before warnings.
    assert text.index("SUP999") < text.index("SUP998")
    assert all(line.startswith("#") for line in text.splitlines())


def test_missing_config_banner_says_to_create_it(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    assert settings.project_root is not None
    settings.project_root.mkdir(parents=True, exist_ok=True)  # the repository, without the file
    decision = D.decide("process-compose", settings, loader=FakeLoader())
    text = B.seed_banner(decision, settings)
    assert f"create {decision.project_config}" in text
    assert "workloadctl restart process-compose" in text


def test_no_repository_at_the_project_root_says_where_it_should_be(tmp_path: Path) -> None:
    # The image's REPO_NAME names another directory than the one mounted: "create the
    # file" would be the wrong cure.
    import dataclasses

    settings = dataclasses.replace(tmp_settings(tmp_path), root_override=tmp_path / "workspace")
    decision = D.decide("supervisord", settings, loader=FakeLoader())
    assert (
        decision.source == "seed"
        and decision.reason == f"no repository at {tmp_path / 'workspace'}"
    )
    text = B.seed_banner(decision, settings)
    assert f"mount the repository at {tmp_path / 'workspace'}" in text
    assert "REPO_NAME" in text and "create " not in text


def test_quarantine_banner_offers_clear_quarantine(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    project = write_project(settings)
    digest = D.file_sha256(project)
    for at in (1.0, 2.0):
        Q.record_death(
            settings, "supervisord", Q.Death(at, 1, None, False, "project", None, digest)
        )
    policy = Q.QuarantinePolicy(deaths=2, window_seconds=60)
    decision = D.decide("supervisord", settings, loader=FakeLoader(), policy=policy, now=3.0)
    text = B.seed_banner(decision, settings)
    assert "quarantined: died 2 times in 60 s on the project config" in text
    assert "workloadctl restart supervisord --clear-quarantine" in text


def test_many_findings_are_cut_short(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    write_project(settings)
    loader = FakeLoader([("error", n, "SUP999", f"problem {n}") for n in range(1, 31)])
    text = B.seed_banner(D.decide("supervisord", settings, loader=loader), settings)
    assert "problem 20 " in text
    assert "problem 21 " not in text
    assert "... and 10 more" in text


def test_project_notice_is_short_and_carries_warnings(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    write_project(settings)
    loader = FakeLoader([("warning", 4, "SUP100", "just saying")])
    decision = D.decide("supervisord", settings, loader=loader)
    lines = B.project_notice(decision).splitlines()
    assert lines[0].startswith(f"workloadctl: supervisord: starting {decision.config} (sha256 ")
    assert lines[1].endswith(":4: warning: just saying [SUP100]")


def test_missing_binary_banner_says_what_to_install(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    text = B.missing_binary_banner("process-compose", settings)
    assert "the process-compose binary was not found" in text
    assert "/usr/local/bin/process-compose" in text
    assert "$WORKLOADCTL_PROCESS_COMPOSE" in text


def test_missing_seed_is_one_line(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    decision = D.decide("supervisord", settings, loader=FakeLoader())
    text = B.missing_seed_line(decision)
    assert text.count("\n") == 1
    assert str(settings.seed_supervisord_conf) in text


def test_a_local_stacks_banner_names_its_state_dir_and_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In a local stack's service $WORKLOADCTL_STATE_DIR is TOP/var/lib/workloadctl and
    # $WORKLOADCTL_ROOT the repository: a bare command reached the stack only from inside
    # the repository (the trial's default .state/), and the reader of the log is anywhere.
    repo, top = tmp_path / "repo", tmp_path / "repo" / ".state"
    internal = top / "var/lib/workloadctl"
    internal.mkdir(parents=True)
    StackRecord(str(repo), str(top), 1, 2, [], [], {}, 0.0).write(top / RECORD_NAME)
    monkeypatch.setenv(S.ENV_STATE_DIR, str(internal))
    monkeypatch.setenv(S.ENV_ROOT, str(repo))
    monkeypatch.chdir(repo)
    settings = tmp_settings(tmp_path, **{S.ENV_STATE_DIR: str(internal), S.ENV_ROOT: str(repo)})
    write_project(settings)
    text = B.seed_banner(D.decide("supervisord", settings, loader=invalid_loader()), settings)
    assert f"    {PROGRAM} restart supervisord --state-dir {top}\n" in text
    assert f"`{PROGRAM} validate --root {repo}` shows the same findings" in text
