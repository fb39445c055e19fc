"""The loader's codes are registered; every finding it produces on the corpus is well
formed and registered with its severity."""

from __future__ import annotations

from pathlib import Path

import pytest

from workloadctl.checks.process_compose import codes, load_process_compose
from workloadctl.finding_codes import CODES

ROOT = Path(__file__).resolve().parents[4]
CORPUS = ROOT / "tests" / "fixtures" / "process_compose" / "corpus"


def test_every_code_constant_is_registered() -> None:
    constants = {
        value
        for name, value in vars(codes).items()
        if name.isupper() and isinstance(value, str) and value.startswith("PC")
    }
    assert constants == {c.code for c in CODES.values() if c.family == "PC"}


@pytest.mark.parametrize("path", sorted(CORPUS.rglob("*.yaml")), ids=lambda p: p.name)
def test_findings_are_registered_and_well_formed(path: Path) -> None:
    env = {"HOME": "/nonexistent-home", "PATH": "/usr/local/bin:/usr/bin:/bin"}
    for finding in load_process_compose(path, env=env).findings:
        assert finding.code in CODES and CODES[finding.code].family in ("PC", "IO")
        assert str(finding.severity) == CODES[finding.code].severity
        assert finding.line is None or finding.line >= 1
        assert finding.message and "\n" not in finding.message
