"""Which files are the template, and the packaged copy a wheel build writes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from workloadctl.template import selection
from workloadctl.template.selection import TemplateEntry, TemplateError, collect, is_excluded
from workloadctl.template.source import _from_package, from_checkout

REPO = Path(__file__).resolve().parents[3]


def make_tree(root: Path) -> None:
    (root / ".devcontainer/s6-rc.d/x").mkdir(parents=True)
    (root / ".devcontainer/s6-rc.d/x/run").write_text("#!/bin/sh\n")
    (root / ".devcontainer/s6-rc.d/x/run").chmod(0o755)
    (root / ".devcontainer/Dockerfile").write_text("FROM scratch\n")
    (root / ".devcontainer/.env").write_text("UNAME=me\n")
    (root / ".devcontainer/.env.tmp.123").write_text("UNAME=me\n")
    (root / ".devcontainer/__pycache__").mkdir()
    (root / ".devcontainer/__pycache__/x.pyc").write_bytes(b"\0")
    (root / "workloads/supervisord").mkdir(parents=True)
    (root / "workloads/supervisord/project.conf").write_text("[supervisord]\n")
    (root / "workloads/supervisord/project.conf~").write_text("old\n")


@pytest.mark.parametrize(
    ("path", "excluded"),
    [
        (".devcontainer/.env", True),
        (".devcontainer/.env.tmp.42", True),
        ("workloads/process-compose/.env", True),
        (".devcontainer/x/__pycache__/a.pyc", True),
        ("workloads/a/node_modules/b", True),
        (".devcontainer/.envrc-not", False),
        (".devcontainer/Dockerfile", False),
        (".devcontainer/Dockerfile.dockerignore", False),
        (".devcontainer/.gitignore", False),
    ],
)
def test_is_excluded(path: str, excluded: bool) -> None:
    assert is_excluded(path) is excluded


def test_collect_skips_local_files_and_keeps_exec_bits(tmp_path: Path) -> None:
    make_tree(tmp_path)
    assert collect(tmp_path) == [
        TemplateEntry(".devcontainer/Dockerfile", False),
        TemplateEntry(".devcontainer/s6-rc.d/x/run", True),
        TemplateEntry("workloads/supervisord/project.conf", False),
    ]


def test_collect_refuses_a_symbolic_link(tmp_path: Path) -> None:
    make_tree(tmp_path)
    os.symlink("/etc/passwd", tmp_path / "workloads/supervisord/link.conf")
    with pytest.raises(TemplateError, match="symbolic link"):
        collect(tmp_path)


def test_collect_needs_both_directories(tmp_path: Path) -> None:
    (tmp_path / ".devcontainer").mkdir()
    with pytest.raises(TemplateError, match="workloads"):
        collect(tmp_path)


def test_package_data_round_trip(tmp_path: Path) -> None:
    make_tree(tmp_path / "repo")
    package = tmp_path / "build/workloadctl"
    entries = selection.write_package_data(tmp_path / "repo", package)
    assert [e.path for e in entries] == [e.path for e in collect(tmp_path / "repo")]
    packaged = _from_package(package / "data")
    assert packaged.files == from_checkout(tmp_path / "repo").files
    assert (package / "data/template/.devcontainer/s6-rc.d/x/run").stat().st_mode & 0o111
    assert not (package / "data/template/.devcontainer/.env").exists()


def test_packaged_copy_of_this_repository_equals_the_checkout(tmp_path: Path) -> None:
    selection.write_package_data(REPO, tmp_path / "workloadctl")
    assert _from_package(tmp_path / "workloadctl/data").files == from_checkout(REPO).files


@pytest.mark.parametrize(
    "files",
    [
        [{"path": "../etc/passwd", "executable": False}],
        [{"path": "/etc/passwd", "executable": False}],
        [{"path": "src/x.py", "executable": False}],
        [{"path": ".devcontainer/../../x", "executable": False}],
    ],
)
def test_manifest_outside_the_template_is_refused(files: list[dict[str, object]]) -> None:
    with pytest.raises(TemplateError, match="names"):
        selection.parse_manifest(json.dumps({"format": 1, "files": files}))


@pytest.mark.parametrize("text", ["", "[]", '{"format": 2, "files": []}', '{"files": 1}'])
def test_damaged_manifest_is_a_template_error(text: str) -> None:
    with pytest.raises(TemplateError):
        selection.parse_manifest(text)


def test_this_repository_template_has_the_contract_files() -> None:
    paths = {e.path: e.executable for e in collect(REPO)}
    for executable in (
        ".devcontainer/host-env.sh",
        ".devcontainer/s6-rc.d/supervisord/run",
        ".devcontainer/s6-rc.d/supervisord/finish",
        ".devcontainer/s6-rc.d/process-compose/run",
        ".devcontainer/s6-rc.d/process-compose/finish",
    ):
        assert paths[executable] is True, executable
    for plain in (
        ".devcontainer/Dockerfile",
        ".devcontainer/devcontainer.json",
        ".devcontainer/docker-compose.yml",
        ".devcontainer/supervisord/seed.conf",
        ".devcontainer/process-compose/seed.yaml",
        ".devcontainer/s6-rc.d/workloadctl-boot/up",
        ".devcontainer/s6-rc.d/workloadctl-boot/dependencies.d/base",
        "workloads/supervisord/project.conf",
        "workloads/process-compose/project.yaml",
    ):
        assert paths[plain] is False, plain
    assert ".devcontainer/.env" not in paths
