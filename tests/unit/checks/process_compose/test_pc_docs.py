"""docs/validate-codes.md and the loader's codes stay in step; every finding the loader
produces on the corpus is well formed and documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workloadctl.checks.process_compose import codes, load_process_compose

ROOT = Path(__file__).resolve().parents[4]
CORPUS = ROOT / "tests" / "fixtures" / "process_compose" / "corpus"
ROW = re.compile(r"^\| (PC\d{3}) \| (error|warning) \| (.+) \|$", re.MULTILINE)


def documented() -> dict[str, str]:
    text = (ROOT / "docs" / "validate-codes.md").read_text(encoding="utf-8")
    section = text.split("## process-compose (PCnnn)", 1)[1].split("\n## ", 1)[0]
    return {code: severity for code, severity, _ in ROW.findall(section)}


def test_docs_table_matches_the_code_list() -> None:
    expected = {code: severity for code, (severity, _) in codes.DESCRIPTIONS.items()}
    assert documented() == expected


def test_every_code_constant_is_described() -> None:
    constants = {
        value
        for name, value in vars(codes).items()
        if name.isupper() and isinstance(value, str) and value.startswith("PC")
    }
    assert constants == set(codes.DESCRIPTIONS)


@pytest.mark.parametrize("path", sorted(CORPUS.rglob("*.yaml")), ids=lambda p: p.name)
def test_findings_are_documented_and_well_formed(path: Path) -> None:
    severities = documented()
    env = {"HOME": "/nonexistent-home", "PATH": "/usr/local/bin:/usr/bin:/bin"}
    for finding in load_process_compose(path, env=env).findings:
        assert finding.code in severities or finding.code.startswith("IO")
        if finding.code in severities:
            assert str(finding.severity) == severities[finding.code]
        assert finding.line is None or finding.line >= 1
        assert finding.message and "\n" not in finding.message
