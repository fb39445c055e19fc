"""Session fixtures of the container suite: what is missing (then every test skips, saying
so), the base image, the release mirror, ONE image built per session, and containers that
are always removed at teardown."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from . import base_image, mirror
from .build import IMAGE_TAG, build, copy_working_tree
from .dockerfile import base_image as from_image
from .harness import Containers, Timings, missing_prerequisites
from .podman import Podman

Progress = Callable[[str], None]
ENV_TIMINGS = "WORKLOADCTL_CONTAINER_TIMINGS"


@pytest.fixture(scope="session")
def progress(request: pytest.FixtureRequest) -> Progress:
    """One line on the terminal now, even while pytest captures output (slow steps)."""
    capture = request.config.pluginmanager.getplugin("capturemanager")

    def say(message: str) -> None:
        line = f"[container] {message}"
        if capture is None:
            print(line, file=sys.stderr, flush=True)
            return
        with capture.global_and_fixture_disabled():
            print(line, file=sys.stderr, flush=True)

    return say


@pytest.fixture(scope="session")
def podman(tmp_path_factory: pytest.TempPathFactory) -> Podman:
    missing = missing_prerequisites()
    if missing:
        pytest.skip("container suite: " + "; ".join(missing))
    engine = Podman.with_config_in(tmp_path_factory.mktemp("podman"))
    base = base_image.qualified_name(from_image())
    if not base_image.exists(engine, base):
        reason = base_image.missing_tools_reason(base_image.debian_suite(base))
        if reason is not None:
            pytest.skip(f"container suite: {reason}, and the base image {base} is not in podman")
    runtime = engine("info", "--format", "{{.Host.OCIRuntime.Name}}", check=True)
    assert runtime.stdout.strip() == "runc", runtime.describe()
    return engine


@pytest.fixture(scope="session")
def timings(tmp_path_factory: pytest.TempPathFactory, progress: Progress) -> Iterator[Timings]:
    recorded = Timings()
    yield recorded
    if not recorded.values:
        return
    target = os.environ.get(ENV_TIMINGS, "").strip()
    path = Path(target) if target else tmp_path_factory.getbasetemp() / "container-timings.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(recorded.values, indent=2, sort_keys=True) + "\n")
    for name, seconds in sorted(recorded.values.items()):
        progress(f"timing {name}: {seconds:.2f} s")
    progress(f"timings written to {path}")


@pytest.fixture(scope="session")
def image(podman: Podman, tmp_path_factory: pytest.TempPathFactory, progress: Progress) -> str:
    """The image of this working tree (committed or not), built once per session."""
    started = time.monotonic()
    base_image.ensure(podman, from_image(), progress)
    work = tmp_path_factory.mktemp("build")
    context = copy_working_tree(work / "context")
    with mirror.MirrorServer(mirror.mirror_dir()) as server:
        progress(f"release mirror {mirror.mirror_dir()} served at {server.url}")
        image_id = build(podman, context, server.url, work / "build.log", progress)
    shutil.rmtree(context, ignore_errors=True)
    progress(f"image {IMAGE_TAG} ({image_id[:12]}) ready after {time.monotonic() - started:.0f} s")
    return image_id


@pytest.fixture(scope="session")
def containers(
    podman: Podman, image: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Containers]:
    factory = Containers(podman, image, tmp_path_factory.mktemp("containers"))
    try:
        yield factory
    finally:
        factory.remove_all()
