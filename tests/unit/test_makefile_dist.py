"""The Makefile's `dist` (the wheel an adopter installs before a release) and
`devcontainer-cli` (the step of `make test`'s set-up that lets the Dev Containers CLI test
run; `make up` has no need of it)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from workloadctl import __version__

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")


def dry_run(target: str) -> str:
    make = shutil.which("make")
    if make is None:
        pytest.skip("`make` is not on PATH")
    done = subprocess.run(
        [make, "-n", "-C", str(REPO), target],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_dist_builds_and_checks_the_wheel_and_sdist() -> None:
    commands = dry_run("dist")
    assert "-m build --outdir dist ." in commands
    assert "twine check --strict dist/*" in commands


def test_the_readme_installs_the_wheel_make_dist_writes() -> None:
    assert "make dist\n" in README
    assert f"pipx install dist/workloadctl-{__version__}-py3-none-any.whl\n" in README


def test_make_test_sets_up_the_dev_containers_cli_without_failing() -> None:
    commands = dry_run("devcontainer-cli")
    assert "npm install --prefix .venv/node" in commands
    assert "npm install --prefix .venv/node" in dry_run("test")


def test_make_up_installs_no_dev_containers_cli() -> None:
    # Only the Dev Container Template's test uses it: `make up` has no need of npm.
    assert "npm install" not in dry_run("up")
    assert "devcontainer-cli" not in make_rule("setup").split()
    assert "devcontainer-cli" in make_rule("test").split()


def make_rule(target: str) -> str:
    return next(
        line
        for line in (REPO / "Makefile").read_text().splitlines()
        if line.startswith(f"{target}:")
    )
