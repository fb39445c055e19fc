"""The launcher never stays blocked on checking the project config: past its deadline the
seed runs, and the banner says why."""

from __future__ import annotations

import io
import json
import os
import threading
from pathlib import Path

from launcher_support import FakeLoader, tmp_env, tmp_settings, write_project, write_seed

from workloadctl import settings as S
from workloadctl.checks.programs import LoadResult
from workloadctl.runtime import launcher as L
from workloadctl.runtime.deadline import (
    CODE_BAD_DECISION_TIMEOUT,
    CODE_DECISION_TIMEOUT,
    decision_timeout_from_env,
)
from workloadctl.runtime.decision import file_sha256

BINARIES = {S.ENV_SUPERVISORD_BIN: "/bin/true", S.ENV_PROCESS_COMPOSE_BIN: "/bin/true"}
# A hang guard, not a measurement: a regression fails here instead of hanging the suite.
HANG_GUARD_SECONDS = 120


class BlockingLoader:
    """A loader stuck like Supervisor's parser on a FIFO, until the test releases it."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def __call__(self, path: Path) -> LoadResult:
        self.release.wait()
        return LoadResult()


def _prepare_in_thread(tmp_path: Path, loader: object, **extra: str) -> tuple[object, str]:
    """`prepare` in a thread of its own, so a launcher that blocks fails the test."""
    err = io.StringIO()
    outcome: list[object] = []
    environ = tmp_env(tmp_path, **BINARIES, **extra)

    def run() -> None:
        outcome.append(
            L.prepare(
                "supervisord",
                tmp_settings(tmp_path),
                environ=environ,
                stderr=err,
                loader=loader,  # type: ignore[arg-type]
            )
        )

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(HANG_GUARD_SECONDS)
    assert outcome, "the launcher is still blocked on the decision"
    return outcome[0], err.getvalue()


def test_a_blocked_check_falls_back_to_the_seed_with_a_banner(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    write_project(settings)
    seed = write_seed(settings)
    loader = BlockingLoader()
    try:
        plan, err = _prepare_in_thread(tmp_path, loader, **{S.ENV_DECISION_TIMEOUT: "0.2"})
    finally:
        loader.release.set()
    assert isinstance(plan, L.LaunchPlan)
    assert plan.argv[-1] == str(seed)
    assert "running the SEED config" in err
    assert "could not be checked within 0.2 s" in err
    assert f"[{CODE_DECISION_TIMEOUT}]" in err
    record = json.loads((settings.decisions_dir / "supervisord.json").read_text())
    assert record["source"] == "seed"
    assert record["reason"] == "the project config could not be checked within 0.2 s"


def test_a_quick_check_is_not_affected_by_the_deadline(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    project = write_project(settings)
    plan, err = _prepare_in_thread(tmp_path, FakeLoader())
    assert isinstance(plan, L.LaunchPlan)
    assert plan.argv[-1] == str(project)
    assert "SEED" not in err


def test_timeout_from_env() -> None:
    assert decision_timeout_from_env({}) == (S.DEFAULT_DECISION_TIMEOUT_SECONDS, [])
    assert decision_timeout_from_env({S.ENV_DECISION_TIMEOUT: "2.5"}) == (2.5, [])
    for bad in ("0", "-1", "soon", "nan", "inf"):
        value, problems = decision_timeout_from_env({S.ENV_DECISION_TIMEOUT: bad})
        assert value == S.DEFAULT_DECISION_TIMEOUT_SECONDS
        assert [p.code for p in problems] == [CODE_BAD_DECISION_TIMEOUT]


def test_the_project_hash_never_reads_a_fifo_or_a_device(tmp_path: Path) -> None:
    fifo = tmp_path / "project.conf"
    os.mkfifo(fifo)
    digests: list[str | None] = []
    worker = threading.Thread(target=lambda: digests.append(file_sha256(fifo)), daemon=True)
    worker.start()
    worker.join(HANG_GUARD_SECONDS)
    assert digests == [None]
    assert file_sha256(Path("/dev/null")) is None
