"""The record `init` leaves in a repository (`.workloadctl-template.json`): which version
of workloadctl wrote the template, with which --user/--repo defaults, and per file the
hash, executable bit and full content of what it wrote.

`init --update` needs all three: the hash tells a file the user never touched (replace
it), and the content is the base of the three-way merge for one the user edited (the
installed workloadctl has only its own version of the template, not the one that wrote
the repository). Content that is not UTF-8 is kept as base64.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workloadctl.template.selection import TemplateError
from workloadctl.template.source import Template, TemplateFile

RECORD_FORMAT = 1


@dataclass(frozen=True)
class Record:
    version: str  # of the workloadctl that wrote the files
    user: str | None = None
    repo: str | None = None
    # Per path, what init wrote: the base of the next update's merge.
    files: dict[str, TemplateFile] = field(default_factory=dict)


def files_of(template: Template) -> dict[str, TemplateFile]:
    return template.by_path()


def _file_to_json(entry: TemplateFile) -> dict[str, Any]:
    item: dict[str, Any] = {"sha256": entry.sha256, "executable": entry.executable}
    try:
        item["text"] = entry.content.decode("utf-8")
    except UnicodeDecodeError:
        item["base64"] = base64.b64encode(entry.content).decode("ascii")
    return item


def dumps(record: Record) -> str:
    data = {
        "format": RECORD_FORMAT,
        "comment": "written by `workloadctl init`; read by `workloadctl init --update`. "
        "Do not edit: it holds what init wrote, the base of the next update's merge.",
        "workloadctl_version": record.version,
        "defaults": {"user": record.user, "repo": record.repo},
        "files": {path: _file_to_json(record.files[path]) for path in sorted(record.files)},
    }
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def loads(text: str, origin: Path) -> Record:
    """Parse a record. Raises TemplateError naming `origin` (and the line for bad JSON)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(f"{origin}:{exc.lineno}: not valid JSON: {exc.msg}") from exc
    try:
        if data["format"] != RECORD_FORMAT:
            raise TemplateError(f"{origin}: record format {data['format']!r} is not supported")
        defaults = data.get("defaults") or {}
        files = {
            str(path): _file_from_json(str(path), item, origin)
            for path, item in data["files"].items()
        }
        return Record(
            version=str(data["workloadctl_version"]),
            user=defaults.get("user"),
            repo=defaults.get("repo"),
            files=files,
        )
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise TemplateError(f"{origin}: damaged record ({exc!r}); {REPAIR}") from exc


REPAIR = "restore it from git (git checkout -- .workloadctl-template.json) or delete it"


def _file_from_json(path: str, item: dict[str, Any], origin: Path) -> TemplateFile:
    if "text" in item:
        content = str(item["text"]).encode("utf-8")
    else:
        content = base64.b64decode(str(item["base64"]), validate=True)
    entry = TemplateFile(path, content, bool(item["executable"]))
    if entry.sha256 != item["sha256"]:
        raise TemplateError(f"{origin}: the recorded content of {path} does not match its hash")
    return entry


def read(root: Path, name: Path) -> Record | None:
    """The record of the repository at `root`, or None when it has none."""
    path = root / name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"{path}: cannot read the template record: {exc}") from exc
    return loads(text, path)
