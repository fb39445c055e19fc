"""What `make lint` type-checks: bench/ too (a TypeError in bench/bench_status.py once
went unseen because mypy did not cover it)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_mypy_checks_the_package_and_the_benchmarks() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["mypy"]
    assert {"src/workloadctl", "bench"} <= set(config["files"])


def test_make_lint_runs_mypy_on_its_configured_files() -> None:
    makefile = (REPO / "Makefile").read_text()
    lint = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]
    # Bare `mypy` reads [tool.mypy] files; naming paths there would override them.
    assert re.search(r"^\t\$\(BIN\)/mypy$", lint, re.MULTILINE)
