"""A wheel carries the template, and `init` from that wheel writes this repository's files."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from workloadctl import __version__
from workloadctl.template.package_source import install_from_index
from workloadctl.template.selection import collect
from workloadctl.template.source import from_checkout

from .repo_copy import REPO, copy_working_tree

pytestmark = pytest.mark.integration
PIP = Path(sys.executable).parent / "pip"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = copy_working_tree(tmp_path_factory.mktemp("source"), commit=False)
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [str(PIP), "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    [built] = out.glob("workloadctl-*.whl")
    return built


def test_wheel_holds_the_template_with_modes(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        manifest = json.loads(archive.read("workloadctl/data/template-manifest.json"))
        packaged = {f["path"]: f["executable"] for f in manifest["files"]}
        expected = {e.path: e.executable for e in collect(REPO)}
        assert packaged == expected
        for path, executable in expected.items():
            info = archive.getinfo(f"workloadctl/data/template/{path}")
            assert archive.read(info) == (REPO / path).read_bytes(), path
            assert bool((info.external_attr >> 16) & 0o111) == executable, path
        assert not any(n.endswith("/.env") for n in archive.namelist())


def test_init_from_the_wheel_writes_this_repositorys_files(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir()
    # The wheel first on sys.path: workloadctl is imported from the zip, whose package
    # data is the only template it can find (no checkout next to it).
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import workloadctl; assert workloadctl.__file__.startswith(sys.argv[1]), workloadctl.__file__;"
        "from workloadctl.cli import main; raise SystemExit(main(['init', sys.argv[2]]))"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(wheel), str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    # The target has no workloadctl source: its Dockerfile installs the package instead.
    expected = install_from_index(from_checkout(REPO), __version__).by_path()
    for entry in collect(REPO):
        written = target / entry.path
        assert written.read_bytes() == expected[entry.path].content, entry.path
        assert bool(written.stat().st_mode & 0o111) == entry.executable, entry.path
