"""What `launch` does inside the launchers' decision lock (issue 13): only what needs the
other manager's view. Validating its own config runs outside it, so at boot the two
launchers validate at the same time; reading what the other manager runs and writing our
own records stay inside it, so the other launcher sees all of our records or none."""

from __future__ import annotations

import fcntl
import io
import os
from pathlib import Path

import pytest
from launcher_support import tmp_env, tmp_settings, write_project, write_seed

from workloadctl import settings as S
from workloadctl.checks.programs import LoadResult, ProgramSpec
from workloadctl.runtime import cross_policy as X
from workloadctl.runtime import launcher as L
from workloadctl.runtime.decision_record import DecisionRecord

BINARIES = {S.ENV_SUPERVISORD_BIN: "/bin/true", S.ENV_PROCESS_COMPOSE_BIN: "/bin/true"}


def lock_is_held(settings: S.Settings) -> bool:
    """Whether anyone (this process included: flock locks belong to the open file) holds
    the decision lock."""
    descriptor = os.open(X.lock_path(settings), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


def test_the_own_config_is_validated_outside_the_lock_and_compared_and_recorded_inside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = tmp_settings(tmp_path)
    write_seed(settings)
    write_project(settings)
    settings.decisions_dir.mkdir(parents=True, exist_ok=True)
    seen: list[tuple[str, bool]] = []

    def loader(path: Path) -> LoadResult:
        seen.append(("validate", lock_is_held(settings)))
        return LoadResult(programs=[ProgramSpec("supervisord", "web", ("srv",), str(path), 3)])

    def read_other(settings_: S.Settings, manager: str) -> DecisionRecord | None:
        seen.append((f"read {manager}", lock_is_held(settings)))
        return real_read(settings_, manager)  # type: ignore[arg-type]

    def record_decision(*args: object, **kwargs: object) -> Path:
        seen.append(("record decision", lock_is_held(settings)))
        return real_record_decision(*args, **kwargs)  # type: ignore[arg-type]

    def record_programs(*args: object) -> None:
        seen.append(("record programs", lock_is_held(settings)))
        real_record_programs(*args)  # type: ignore[arg-type]

    real_read, real_record_decision = X.read_decision, L.record_decision
    real_record_programs = L.record_programs
    monkeypatch.setattr(X, "read_decision", read_other)
    monkeypatch.setattr(L, "record_decision", record_decision)
    monkeypatch.setattr(L, "record_programs", record_programs)
    plan = L.prepare(
        "supervisord",
        settings,
        environ=tmp_env(tmp_path, **BINARIES),
        stderr=io.StringIO(),
        loader=loader,
    )
    assert isinstance(plan, L.LaunchPlan) and plan.decision.source == "project"
    assert seen == [
        ("validate", False),
        ("read process-compose", True),
        ("record decision", True),
        ("record programs", True),
        ("read supervisord", True),  # to add the programs to our record
    ]
    assert not lock_is_held(settings)


def test_the_reap_of_our_own_leftovers_runs_after_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The other launcher waits on the lock: our sweep of /proc must not hold it up.
    settings = tmp_settings(tmp_path)
    write_seed(settings)
    held: list[bool] = []
    monkeypatch.setattr(L, "_reap_leftovers", lambda *_args: held.append(lock_is_held(settings)))
    plan = L.prepare(
        "supervisord",
        settings,
        environ=tmp_env(tmp_path, **BINARIES),
        stderr=io.StringIO(),
        loader=lambda _path: LoadResult(),
    )
    assert isinstance(plan, L.LaunchPlan)
    assert held == [False]
