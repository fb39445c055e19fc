"""An adopter, end to end: `workloadctl init` into an empty git repository, whose
Dockerfile installs workloadctl==<this version> from a package source; its image builds
with podman and boots, and `status` as the developer shows both managers running.

The package source is the wheel built from this checkout, served on 127.0.0.1 and named
with PIP_FIND_LINKS (the build reaches it through --network host); everything else pip
needs (Supervisor, ...) comes from the package index, as in the other builds."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from workloadctl import __version__

from . import base_image, mirror
from .build import build, copy_working_tree
from .dockerfile import REPO, REPO_NAME, UNAME
from .dockerfile import base_image as from_image
from .harness import Containers
from .podman import Container, Podman
from .stack import not_ready, wait_ready

pytestmark = pytest.mark.container

TAG = "localhost/wctl-adopter-test:latest"
WORKLOADCTL = Path(sys.executable).parent / "workloadctl"
Progress = Callable[[str], None]


def run(argv: list[str], cwd: Path | None = None) -> str:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"$ {' '.join(argv)}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of this checkout (committed or not), alone in a directory."""
    source = copy_working_tree(tmp_path_factory.mktemp("adopter-source"))
    out = tmp_path_factory.mktemp("adopter-wheels")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)])
    shutil.rmtree(source, ignore_errors=True)
    assert [p.name for p in out.iterdir()] == [f"workloadctl-{__version__}-py3-none-any.whl"]
    return out


@pytest.fixture(scope="module")
def adopter_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty git repository, then `workloadctl init` as an adopter runs it."""
    repo = tmp_path_factory.mktemp("adopter") / REPO_NAME
    repo.mkdir()
    run(["git", "init", "-q", str(repo)])
    out = run([str(WORKLOADCTL), "init", str(repo), "--user", UNAME], cwd=repo)
    assert "init: 0 created" not in out, out
    dockerfile = (repo / ".devcontainer" / "Dockerfile").read_text(encoding="utf-8")
    assert f"\nARG WORKLOADCTL_PACKAGE=workloadctl=={__version__}\n" in dockerfile
    assert not (repo / "src").exists() and not (repo / "pyproject.toml").exists()
    return repo


@pytest.fixture(scope="module")
def adopter_image(
    podman: Podman,
    wheels: Path,
    adopter_repo: Path,
    tmp_path_factory: pytest.TempPathFactory,
    progress: Progress,
) -> Iterator[str]:
    base_image.ensure(podman, from_image(), progress)
    log = tmp_path_factory.mktemp("adopter-build") / "build.log"
    with (
        mirror.MirrorServer(mirror.mirror_dir()) as releases,
        mirror.MirrorServer(wheels) as packages,
    ):
        progress(f"adopter image: wheel served at {packages.url}/")
        image_id = build(
            podman,
            adopter_repo,
            releases.url,
            log,
            progress,
            tag=TAG,
            extra_build_args={"PIP_FIND_LINKS": f"{packages.url}/"},
        )
    yield image_id
    podman("rmi", "--force", TAG, timeout=120, check=False)


@pytest.fixture(scope="module")
def booted(
    podman: Podman,
    adopter_image: str,
    adopter_repo: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Container]:
    factory = Containers(podman, adopter_image, tmp_path_factory.mktemp("adopter-containers"))

    def as_the_adopter_repo(target: Path) -> None:
        # The mounted repository is the adopter's, not this checkout.
        for child in target.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()
        shutil.copytree(
            adopter_repo, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".git")
        )

    try:
        yield factory.create("adopter", edit_repo=as_the_adopter_repo)
    finally:
        factory.remove_all()


def test_the_image_has_the_wheel_of_this_checkout(booted: Container) -> None:
    shown = booted.root("/opt/workloadctl/bin/pip show workloadctl; workloadctl --version")
    assert shown.returncode == 0, shown.describe()
    assert f"Version: {__version__}" in shown.stdout, shown.describe()
    installed = booted.root(
        "cat \"$(/opt/workloadctl/bin/python -c 'import workloadctl.cli as m; print(m.__file__)')\""
    )
    assert installed.stdout == (REPO / "src/workloadctl/cli.py").read_text(), "not this wheel"


def test_boots_and_status_as_the_developer_shows_both_managers_running(
    booted: Container,
) -> None:
    wait_ready(booted)
    doc, result = booted.status(as_developer=True)
    assert result.returncode == 0, result.describe()
    assert not_ready(doc) is None, result.describe()
    text = booted.dev("workloadctl status")
    assert text.returncode == 0, text.describe()
    for word in ("supervisord", "process-compose", "docs", "static-site"):
        assert word in text.stdout, text.describe()
