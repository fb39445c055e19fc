"""One cross-manager policy for launch and reload (issue 9, failure 4): a program defined
in both managers never starts twice, whichever file changed."""

from __future__ import annotations

import fcntl
import io
import json
import os
from pathlib import Path

import pytest
from launcher_support import tmp_env, tmp_settings, write, write_project, write_seed

from workloadctl import settings as S
from workloadctl.checks.programs import LoadResult, Manager, ProgramSpec
from workloadctl.runtime import cross_policy as X
from workloadctl.runtime import decision as D
from workloadctl.runtime import launcher as L
from workloadctl.runtime.decision import Loader

BINARIES = {S.ENV_SUPERVISORD_BIN: "/bin/true", S.ENV_PROCESS_COMPOSE_BIN: "/bin/true"}


class ProgramsLoader:
    """A loader that finds the given (name, argv) programs in any file of `manager`."""

    def __init__(self, manager: Manager, *programs: tuple[str, tuple[str, ...]]) -> None:
        self.manager = manager
        self.programs = programs

    def __call__(self, path: Path) -> LoadResult:
        return LoadResult(
            programs=[
                ProgramSpec(self.manager, name, argv, str(path), 3 + index)
                for index, (name, argv) in enumerate(self.programs)
            ]
        )


def loaders(sv: ProgramsLoader, pc: ProgramsLoader) -> X.LoaderFor:
    chosen: dict[Manager, Loader] = {"supervisord": sv, "process-compose": pc}
    return chosen.__getitem__


def process_compose_runs(settings: S.Settings, *, started: bool = True) -> Path:
    config = write(settings.state_dir / "home/repo/project.yaml", "processes: {}\n")
    D.decision_path(settings, "process-compose").parent.mkdir(parents=True, exist_ok=True)
    D.decision_path(settings, "process-compose").write_text(
        json.dumps({"source": "project", "config": str(config), "started": started})
    )
    return config


def supervisord_project(settings: S.Settings) -> D.Decision:
    write_project(settings)
    return D.decide("supervisord", settings, loader=lambda _path: LoadResult())


def test_a_program_the_other_manager_runs_sends_the_project_config_to_the_seed(
    tmp_path: Path,
) -> None:
    settings = tmp_settings(tmp_path)
    running = process_compose_runs(settings)
    decision = supervisord_project(settings)
    both = loaders(
        ProgramsLoader("supervisord", ("web", ("vite", "--port", "5173"))),
        ProgramsLoader("process-compose", ("web", ("vite", "--port", "5173"))),
    )
    refused, programs = X.refuse_duplicates(decision, settings, both)
    assert programs == []
    assert refused.source == "seed"
    assert refused.config == D.seed_config_path(settings, "supervisord")
    assert refused.reason == (
        "the project config defines a program process-compose already runs (XM001, XM002, XM003)"
    )
    # Attached to the refused file, naming the other one.
    assert {f.file for f in refused.errors} == {str(decision.config)}
    assert all(str(running) in f.message for f in refused.errors)


def test_no_conflict_when_the_other_manager_did_not_start_or_shares_nothing(
    tmp_path: Path,
) -> None:
    settings = tmp_settings(tmp_path)
    decision = supervisord_project(settings)
    same = loaders(
        ProgramsLoader("supervisord", ("web", ("srv",))),
        ProgramsLoader("process-compose", ("web", ("srv",))),
    )
    assert X.refuse_duplicates(decision, settings, same)[0] == decision  # no record at all
    process_compose_runs(settings, started=False)
    assert X.refuse_duplicates(decision, settings, same)[0] == decision
    process_compose_runs(settings)
    other = loaders(
        ProgramsLoader("supervisord", ("web", ("srv",))),
        ProgramsLoader("process-compose", ("api", ("api-srv",))),
    )
    assert X.refuse_duplicates(decision, settings, other)[0] == decision


def test_a_guessed_shared_port_does_not_refuse(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    process_compose_runs(settings)
    decision = supervisord_project(settings)
    guessed = loaders(
        ProgramsLoader("supervisord", ("web", ("srv", "0.0.0.0:8080"))),
        ProgramsLoader("process-compose", ("api", ("api-srv", "--port", "8080"))),
    )
    assert X.refuse_duplicates(decision, settings, guessed)[0] == decision


def test_the_seed_is_left_alone(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    process_compose_runs(settings)
    seed = D.decide("supervisord", settings, loader=lambda _path: LoadResult())  # no project
    assert seed.source == "seed"
    explode = loaders(ProgramsLoader("supervisord"), ProgramsLoader("process-compose"))
    assert X.refuse_duplicates(seed, settings, explode) == (seed, [])


def test_the_launcher_refuses_a_duplicate_with_a_banner_naming_it(tmp_path: Path) -> None:
    """The launcher applies the policy (it did not: both managers ran the program)."""
    settings = tmp_settings(tmp_path)
    write_seed(settings)
    running = process_compose_runs(settings)
    running.write_text("processes:\n  web:\n    command: sleep 1000\n")
    project = write_project(settings)
    err = io.StringIO()
    plan = L.prepare(
        "supervisord",
        settings,
        environ=tmp_env(tmp_path, **BINARIES),
        stderr=err,
        loader=ProgramsLoader("supervisord", ("web", ("sleep", "1000"))),
    )
    assert isinstance(plan, L.LaunchPlan)
    assert plan.decision.source == "seed"
    banner = err.getvalue()
    assert "running the SEED config" in banner
    assert "defines a program process-compose already runs (XM001, XM002)" in banner
    assert f"{project}:3: error: program name 'web' of this supervisord program" in banner
    assert str(running) in banner
    assert "define each program in one manager only" in banner
    record = json.loads(D.decision_path(settings, "supervisord").read_text())
    assert (record["source"], record["started"]) == ("seed", True)


def test_the_decision_lock_is_exclusive_and_its_wait_bounded(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    with X.decision_lock(settings) as first:
        assert first is True
        with X.decision_lock(settings, wait=0.0) as second:
            assert second is False
    with X.decision_lock(settings, wait=0.0) as again:
        assert again is True


def test_the_decision_lock_is_taken_soon_after_the_other_launcher_lets_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # At boot the second launcher's manager starts only when it has the lock.
    settings = tmp_settings(tmp_path)
    settings.decisions_dir.mkdir(parents=True, exist_ok=True)
    holder = os.open(X.lock_path(settings), os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(holder, fcntl.LOCK_EX)
    naps: list[float] = []

    def nap(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 3:
            os.close(holder)  # the other launcher has recorded its decision

    monkeypatch.setattr(X.time, "sleep", nap)
    with X.decision_lock(settings) as taken:
        assert taken is True
    assert len(naps) == 3 and max(naps) <= 0.01


def test_what_the_other_manager_runs_is_its_recorded_programs_not_its_edited_file(
    tmp_path: Path,
) -> None:
    """An edit to the other manager's file runs only once that manager restarts: the
    manager restarted first is compared with what the other one runs, and starts."""
    settings = tmp_settings(tmp_path)
    process_compose_runs(settings)
    own = ProgramSpec(
        "process-compose", "api", ("api-srv",), "p.yaml", 2, {"PORT": "9", "KEY": "x"}
    )
    X.record_programs(settings, "process-compose", [own])
    record = json.loads(D.decision_path(settings, "process-compose").read_text())
    assert record["programs"][0]["environment"] == {"PORT": "9"}  # never the other values
    assert record["started"] is True
    # Its file on disk now has `web` too (loaded only when nothing is recorded).
    edited = loaders(
        ProgramsLoader("supervisord", ("web", ("srv",))),
        ProgramsLoader("process-compose", ("web", ("srv",))),
    )
    assert [p.name for p in X.running_programs(settings, "process-compose", edited)] == ["api"]
    decision = supervisord_project(settings)
    kept, programs = X.refuse_duplicates(decision, settings, edited)
    assert kept == decision
    assert [p.name for p in programs] == ["web"]


def test_conflicts_name_the_files_the_user_edits_not_the_stack_link(tmp_path: Path) -> None:
    # Under `workloadctl up` the launcher reads the repository through a link in the
    # state dir (S/home/USER/REPO): the findings name the project files themselves.
    settings = tmp_settings(tmp_path)
    running = process_compose_runs(settings)
    repo = tmp_path / "repo"
    (repo / "workloads").mkdir(parents=True)
    link = tmp_path / "state/home/me/repo"
    link.parent.mkdir(parents=True)
    link.symlink_to(repo)
    both = loaders(
        ProgramsLoader("supervisord"), ProgramsLoader("process-compose", ("web", ("a",)))
    )
    candidate = [ProgramSpec("supervisord", "web", ("b",), str(link / "workloads/p.conf"), 9)]
    found = X.conflicts_of("supervisord", candidate, settings, both)
    assert [(f.code, f.file, f.line) for f in found] == [
        ("XM001", str(repo / "workloads/p.conf"), 9)
    ]
    assert str(link) not in found[0].message
    assert f"at {running.resolve()}:3;" in found[0].message


def test_each_file_is_resolved_once_not_once_per_program(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A config's programs share its file: `launch` resolves it once (issue 13: a
    realpath per program was ~10 ms of every 100-program launch)."""
    settings = tmp_settings(tmp_path)
    process_compose_runs(settings)
    both = loaders(
        ProgramsLoader("supervisord"), ProgramsLoader("process-compose", ("api", ("a",)))
    )
    candidate = [
        ProgramSpec("supervisord", f"web{n}", ("b",), str(tmp_path / "p.conf"), n)
        for n in range(50)
    ]
    resolved: list[str] = []
    real = os.path.realpath

    def counting(path: str) -> str:
        resolved.append(path)
        return real(path)

    monkeypatch.setattr(X.os.path, "realpath", counting)
    assert X.conflicts_of("supervisord", candidate, settings, both) == []
    # Once each: the file the other manager runs and the candidate's.
    assert sorted(resolved) == sorted(set(resolved))
    assert str(tmp_path / "p.conf") in resolved
