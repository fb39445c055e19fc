"""Where this installation of workloadctl finds its template (see `selection` for why).

1. A wheel install carries a copy under `workloadctl/data/` with a manifest: use it.
2. An editable install (`pip install -e .`) runs from a checkout of workloadctl: read the
   checkout's own `.devcontainer/` and `workloads/`, the canonical files, as its HEAD
   commit holds them (a git checkout; see `committed`): the checkout's uncommitted
   edits are not the template of this version, and are named in a warning.
"""

from __future__ import annotations

import hashlib
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, replace
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import workloadctl
from workloadctl import settings
from workloadctl.template import committed
from workloadctl.template.selection import (
    MANIFEST_NAME,
    PACKAGE_DATA_DIR,
    PACKAGE_TEMPLATE_DIR,
    TemplateEntry,
    TemplateError,
    collect,
    parse_manifest,
)

_PROJECT_NAME = re.compile(r'^name\s*=\s*"workloadctl"\s*$', re.MULTILINE)


@dataclass(frozen=True)
class TemplateFile:
    path: str  # POSIX, relative to the repository root
    content: bytes
    executable: bool

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class Template:
    origin: str  # where it was read from, for messages
    files: tuple[TemplateFile, ...]
    warnings: tuple[str, ...] = ()  # what the reader should know about where it came from

    def by_path(self) -> dict[str, TemplateFile]:
        return {f.path: f for f in self.files}


def load_template() -> Template:
    """The template of this installation (or of `$WORKLOADCTL_TEMPLATE_DIR`). Raises
    TemplateError when it has none."""
    override = settings.template_dir_override()
    if override is not None:
        if not override.is_dir():
            raise TemplateError(
                f"{override}: ${settings.ENV_TEMPLATE_DIR} names no directory (it must hold "
                "the template's .devcontainer/ and workloads/)"
            )
        return from_checkout(override)
    packaged = _packaged_data()
    if packaged is not None:
        return _from_package(packaged)
    checkout = source_checkout()
    if checkout is not None:
        return (
            from_commit(checkout)
            if committed.is_git_checkout(checkout)
            else from_checkout(checkout)
        )
    raise TemplateError(
        "this installation of workloadctl has no template: it was installed without its "
        "package data. Reinstall it from a wheel (pip install workloadctl-*.whl) or from a "
        "checkout (pip install -e /path/to/workloadctl)"
    )


def _packaged_data() -> Traversable | None:
    data = resources.files(workloadctl).joinpath(PACKAGE_DATA_DIR)
    return data if data.joinpath(MANIFEST_NAME).is_file() else None


def _from_package(data: Traversable) -> Template:
    entries = parse_manifest(data.joinpath(MANIFEST_NAME).read_text(encoding="utf-8"))
    template_dir = data.joinpath(PACKAGE_TEMPLATE_DIR)
    files = []
    for entry in entries:
        node = template_dir.joinpath(*entry.path.split("/"))
        try:
            content = node.read_bytes()
        except OSError as exc:
            raise TemplateError(f"the packaged template lacks {entry.path}: {exc}") from exc
        files.append(TemplateFile(entry.path, content, entry.executable))
    return Template(f"the workloadctl package ({data})", tuple(files))


def source_checkout() -> Path | None:
    """The workloadctl checkout this package runs from (editable install), if it is one."""
    package_dir = Path(workloadctl.__file__).resolve().parent
    candidate = package_dir.parent.parent  # <checkout>/src/workloadctl
    pyproject = candidate / "pyproject.toml"
    try:
        is_ours = bool(_PROJECT_NAME.search(pyproject.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError):
        return None
    return candidate if is_ours and (candidate / ".devcontainer").is_dir() else None


def from_checkout(root: Path) -> Template:
    files = tuple(_read(root, entry) for entry in collect(root))
    return Template(f"the workloadctl checkout {root}", files)


def from_commit(root: Path) -> Template:
    """The template of the git checkout `root` as HEAD holds it, with a warning naming the
    template files its working tree has edited, added or deleted (left out)."""
    files = tuple(
        TemplateFile(path, content, executable)
        for path, content, executable in committed.committed_files(root)
    )
    template = Template(f"the workloadctl checkout {root} (its HEAD commit)", files)
    try:
        edited = differing_paths(template.by_path(), from_checkout(root).by_path())
    except TemplateError as exc:
        edited = [str(exc)]
    if not edited:
        return template
    override = f"{settings.ENV_TEMPLATE_DIR}={shlex.quote(str(root))}"
    warning = (
        f"{root}: uncommitted changes to template files left out ({', '.join(edited)}): "
        f"init uses the template as committed (HEAD); to use the files as they are, "
        f"commit them or set {override}"
    )
    return replace(template, warnings=(warning,))


def differing_paths(
    ours: Mapping[str, TemplateFile], theirs: Mapping[str, TemplateFile]
) -> list[str]:
    """The paths whose content or executable bit differ, or that only one of them has."""
    return sorted(path for path in set(ours) | set(theirs) if ours.get(path) != theirs.get(path))


def _read(root: Path, entry: TemplateEntry) -> TemplateFile:
    try:
        content = (root / entry.path).read_bytes()
    except OSError as exc:
        raise TemplateError(f"cannot read {root / entry.path}: {exc.strerror}") from exc
    return TemplateFile(entry.path, content, entry.executable)
