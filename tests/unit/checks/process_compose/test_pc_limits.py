"""Values that crash process-compose or exhaust its memory are errors on their line (PC055).
The numbers were checked against the real v1.122.0 binary (see limits.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workloadctl.checks.process_compose import load_process_compose
from workloadctl.checks.process_compose.limits import MAX_LOG_LENGTH, MAX_REPLICAS
from workloadctl.findings import Severity

ENV = {"HOME": "/nonexistent-home", "PATH": "/usr/bin:/bin"}


def _errors(tmp_path: Path, text: str) -> list[tuple[int | None, str, str]]:
    path = tmp_path / "project.yaml"
    path.write_text(text)
    result = load_process_compose(path, env=ENV, cwd=tmp_path)
    return [(f.line, f.code, f.message) for f in result.findings if f.severity is Severity.ERROR]


def _processes(count: int, *, replicas: int | None = None) -> str:
    extra = f"    replicas: {replicas}\n" if replicas is not None else ""
    return "processes:\n" + "".join(
        f"  p{i}:\n    command: /bin/sleep 3\n{extra}" for i in range(count)
    )


@pytest.mark.parametrize(
    "log_length",
    [
        300_000_000_000_000,  # process-compose panics: makeslice: len out of range
        1_000_000_000,  # process-compose asks for one 16 GB block
        MAX_LOG_LENGTH + 1,
    ],
)
def test_a_log_length_process_compose_cannot_allocate_is_an_error_on_its_line(
    tmp_path: Path, log_length: int
) -> None:
    errors = _errors(tmp_path, f"version: '0.5'\nlog_length: {log_length}\n" + _processes(1))
    assert [(line, code) for line, code, _ in errors] == [(2, "PC055")]
    assert f"log_length: {log_length} is more than {MAX_LOG_LENGTH}" in errors[0][2]


def test_log_length_at_the_bound_and_the_default_are_fine(tmp_path: Path) -> None:
    assert _errors(tmp_path, f"log_length: {MAX_LOG_LENGTH}\n" + _processes(2)) == []
    assert _errors(tmp_path, "log_length: -5\n" + _processes(2)) == []


def test_log_rings_of_all_processes_together_are_bounded(tmp_path: Path) -> None:
    # 70 processes x 2**20 lines x 16 bytes: 1.09 GiB (the real binary died out of memory
    # under a 1.5 GB address-space limit); 60 of them: 0.94 GiB.
    errors = _errors(tmp_path, f"log_length: {MAX_LOG_LENGTH}\n" + _processes(70))
    assert [(line, code) for line, code, _ in errors] == [(1, "PC055")]
    assert "for 70 processes" in errors[0][2] and "1.09 GiB" in errors[0][2]
    assert _errors(tmp_path, f"log_length: {MAX_LOG_LENGTH}\n" + _processes(60)) == []


def test_replicas_process_compose_cannot_hold_are_an_error_on_their_line(tmp_path: Path) -> None:
    errors = _errors(tmp_path, _processes(1, replicas=MAX_REPLICAS + 1))
    assert [(line, code) for line, code, _ in errors] == [(4, "PC055")]
    assert f"replicas: {MAX_REPLICAS + 1} is more than {MAX_REPLICAS}" in errors[0][2]
    assert _errors(tmp_path, _processes(1, replicas=MAX_REPLICAS)) == []
