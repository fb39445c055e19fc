"""The tables of finding codes in docs/ are the registry's (workloadctl.finding_codes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workloadctl.findings_doc import main

REPO = Path(__file__).resolve().parents[2]


def test_the_committed_docs_equal_the_generated_tables(capsys: pytest.CaptureFixture[str]) -> None:
    # Out of step: run `python -m workloadctl.findings_doc` and commit the docs it rewrites.
    assert main(["--check", str(REPO)]) == 0, capsys.readouterr().out


def test_a_code_defined_twice_is_refused() -> None:
    from workloadctl.finding_codes import _parse

    with pytest.raises(ValueError, match="S6044 is defined twice"):
        _parse("S6044 | warning | an ignored entry\nS6044 | warning | an ignored log/")
