"""Which files of a repository make up the workloadctl template, and how they are packaged.

ONE source of truth: the template IS this repository's own `.devcontainer/` and
`workloads/` (the files the dev container of this repository runs on). Nothing is copied
by hand:

- a wheel or sdist build runs `setup.py`, whose build step calls `write_package_data`
  to put a copy of those files, plus a manifest with their executable bits, into the
  wheel under `workloadctl/data/` (so `init` works from a plain `pip install`);
- an editable install (`pip install -e .`) has no such copy: `init` reads the checkout
  it was installed from (see `workloadctl.template.source`).

A test builds a wheel and compares its copy with the checkout, and another compares what
`init` writes with the checkout, so the two can never drift.

This module must import nothing but the standard library: `setup.py` loads it by path,
before workloadctl or its dependencies are installed.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import stat
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

# Top-level directories of the template, relative to a repository root.
TEMPLATE_DIRS: tuple[str, ...] = (".devcontainer", "workloads")

# Never part of the template: what host-env.sh writes on each machine (`.env`, its
# temporary `.env.tmp.PID`), local secrets a user may keep next to a config, caches,
# editor droppings and unfinished merges.
EXCLUDED_NAMES: tuple[str, ...] = (
    ".env",
    ".env.*",
    "__pycache__",
    "*.pyc",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "node_modules",
    ".DS_Store",
    "*.swp",
    "*~",
    # what `init --update` leaves beside a file whose merge has a conflict
    "*.workloadctl-merge",
)

# Where a build puts the copy, relative to the `workloadctl` package directory.
PACKAGE_DATA_DIR = "data"
PACKAGE_TEMPLATE_DIR = "template"
MANIFEST_NAME = "template-manifest.json"
MANIFEST_FORMAT = 1


class TemplateError(Exception):
    """The template cannot be collected or read; the message says what to do."""


class TemplateEntry(NamedTuple):
    path: str  # POSIX path relative to the repository root, e.g. ".devcontainer/Dockerfile"
    executable: bool


def is_excluded(relative: str) -> bool:
    """True when any component of `relative` (a POSIX path) matches `EXCLUDED_NAMES`."""
    return any(
        fnmatch.fnmatchcase(part, pattern)
        for part in PurePosixPath(relative).parts
        for pattern in EXCLUDED_NAMES
    )


def collect(root: Path) -> list[TemplateEntry]:
    """The template files under `root`, sorted. Raises TemplateError on anything that
    cannot be packaged faithfully (a missing directory, a symbolic link, a special file)."""
    entries: list[TemplateEntry] = []
    for top in TEMPLATE_DIRS:
        base = root / top
        if not base.is_dir() or base.is_symlink():
            raise TemplateError(f"{base}: the template directory is missing or not a directory")
        for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
            here = Path(dirpath)
            dirnames[:] = sorted(d for d in dirnames if not is_excluded(d))
            for name in dirnames:
                if (here / name).is_symlink():
                    raise TemplateError(f"{here / name}: symbolic links cannot be templated")
            for name in filenames:
                if is_excluded(name):
                    continue
                entries.append(_entry(root, here / name))
    return sorted(entries)


def _entry(root: Path, path: Path) -> TemplateEntry:
    mode = os.lstat(path).st_mode
    if stat.S_ISLNK(mode):
        raise TemplateError(f"{path}: symbolic links cannot be templated")
    if not stat.S_ISREG(mode):
        raise TemplateError(f"{path}: not a regular file")
    relative = path.relative_to(root).as_posix()
    return TemplateEntry(relative, bool(mode & 0o111))


def manifest_data(entries: list[TemplateEntry]) -> dict[str, Any]:
    return {
        "format": MANIFEST_FORMAT,
        "files": [{"path": e.path, "executable": e.executable} for e in entries],
    }


def parse_manifest(text: str) -> list[TemplateEntry]:
    """The entries of a manifest written by `write_package_data`. Raises TemplateError."""
    try:
        data = json.loads(text)
        if data["format"] != MANIFEST_FORMAT:
            raise TemplateError(f"template manifest format {data['format']} is not supported")
        entries = [TemplateEntry(str(f["path"]), bool(f["executable"])) for f in data["files"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise TemplateError(f"the packaged template manifest is damaged: {exc}") from exc
    for entry in entries:
        parts = PurePosixPath(entry.path).parts
        if (
            not parts
            or parts[0] not in TEMPLATE_DIRS
            or ".." in parts
            or entry.path.startswith("/")
        ):
            raise TemplateError(f"the packaged template manifest names {entry.path!r}")
    return entries


def write_package_data(root: Path, package_dir: Path) -> list[TemplateEntry]:
    """Copy the template of `root` into `package_dir/data/` (the built `workloadctl`
    package) with its manifest. Replaces an older copy. Returns what it copied."""
    entries = collect(root)
    data_dir = package_dir / PACKAGE_DATA_DIR
    template_dir = data_dir / PACKAGE_TEMPLATE_DIR
    if template_dir.exists():
        shutil.rmtree(template_dir)
    for entry in entries:
        target = template_dir / entry.path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / entry.path, target)
        target.chmod(0o755 if entry.executable else 0o644)
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / MANIFEST_NAME).write_text(
        json.dumps(manifest_data(entries), indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    return entries
