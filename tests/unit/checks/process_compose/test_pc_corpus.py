"""Our loader on every corpus file: valid ones give no errors, invalid ones the code (and
line) their first line names (`# expect: PCnnn at line N`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workloadctl.checks.process_compose import load_process_compose
from workloadctl.findings import Severity

CORPUS = Path(__file__).resolve().parents[3] / "fixtures" / "process_compose" / "corpus"
EXPECT = re.compile(r"# expect: (PC\d{3}) at line (\d+)$")
# A fixed environment: no PC_* or COMPOSE_SHELL from the developer's shell.
ENV = {"HOME": "/nonexistent-home", "PATH": "/usr/local/bin:/usr/bin:/bin"}


def corpus_files(prefix: str) -> list[Path]:
    return sorted(p for p in CORPUS.rglob(f"{prefix}-*.yaml"))


def test_corpus_is_big_enough() -> None:
    assert len(corpus_files("valid")) >= 20
    assert len(corpus_files("invalid")) >= 40


@pytest.mark.parametrize("path", corpus_files("valid"), ids=lambda p: p.name)
def test_valid_file_has_no_errors(path: Path) -> None:
    result = load_process_compose(path, env=ENV)
    errors = [f.render() for f in result.findings if f.severity is Severity.ERROR]
    assert errors == []
    assert result.project is not None


@pytest.mark.parametrize("path", corpus_files("invalid"), ids=lambda p: p.name)
def test_invalid_file_reports_expected_code_at_line(path: Path) -> None:
    match = EXPECT.match(path.read_text(encoding="utf-8").splitlines()[0])
    assert match, f"{path.name}: first line must be '# expect: PCnnn at line N'"
    code, line = match.group(1), int(match.group(2))
    result = load_process_compose(path, env=ENV)
    found = [(f.code, f.line) for f in result.findings if f.severity is Severity.ERROR]
    assert (code, line) in found, found
    assert not result.ok


def test_invalid_files_cover_every_error_code() -> None:
    from workloadctl.finding_codes import CODES

    error_codes = {c.code for c in CODES.values() if c.family == "PC" and c.severity == "error"}
    named = {
        EXPECT.match(p.read_text(encoding="utf-8").splitlines()[0]).group(1)  # type: ignore[union-attr]
        for p in corpus_files("invalid")
    }
    assert error_codes - named == set()
