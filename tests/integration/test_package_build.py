"""workloadctl is a publishable package: `python -m build` makes a wheel and an sdist
from a clean copy of the checkout, `twine check --strict` passes, and both carry the one
version (workloadctl.__version__), the metadata, the license and the template."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from workloadctl import __version__

from .repo_copy import copy_working_tree

pytestmark = pytest.mark.integration


def _missing(module: str) -> bool:
    return importlib.util.find_spec(module) is None


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    for module in ("build", "twine"):
        if _missing(module):
            pytest.skip(f"{module} is not installed (pip install -e '.[dev]')")
    source = copy_working_tree(tmp_path_factory.mktemp("clean-clone"))
    out = tmp_path_factory.mktemp("dist")
    # An isolated build: setuptools comes from the package index, as on any machine.
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


def test_wheel_and_sdist_carry_the_one_version(dist: Path) -> None:
    names = sorted(p.name for p in dist.iterdir())
    assert names == [
        f"workloadctl-{__version__}-py3-none-any.whl",
        f"workloadctl-{__version__}.tar.gz",
    ]


def test_twine_check_passes(dist: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, sorted(dist.iterdir()))],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASSED") == 2, done.stdout


def test_wheel_metadata(dist: Path) -> None:
    [wheel] = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        metadata = Parser().parsestr(
            archive.read(f"workloadctl-{__version__}.dist-info/METADATA").decode()
        )
        names = archive.namelist()
    assert metadata["Version"] == __version__
    assert metadata["License-Expression"] == "MIT"
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert "# workloadctl" in metadata.get_payload()
    classifiers = metadata.get_all("Classifier") or []
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert "Typing :: Typed" in classifiers
    urls = dict(u.split(", ", 1) for u in metadata.get_all("Project-URL") or [])
    assert {"Homepage", "Source", "Issues"} <= set(urls)
    assert f"workloadctl-{__version__}.dist-info/licenses/LICENSE" in names
    assert "workloadctl/data/template/.devcontainer/Dockerfile" in names
    assert "workloadctl/py.typed" in names


def test_sdist_holds_what_a_wheel_build_needs(dist: Path) -> None:
    [sdist] = dist.glob("*.tar.gz")
    prefix = f"workloadctl-{__version__}/"
    with tarfile.open(sdist) as archive:
        names = {n.removeprefix(prefix) for n in archive.getnames()}
    assert {"setup.py", "pyproject.toml", "README.md", "LICENSE"} <= names
    assert ".devcontainer/Dockerfile" in names and "workloads/supervisord/project.conf" in names
    assert not any(n.endswith("/.env") or n == ".devcontainer/.env" for n in names)
