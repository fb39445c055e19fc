"""`[include] files=`: find the files Supervisor would read, and read them safely.

Supervisor globs each pattern relative to the main file's directory, reads every
match with configparser and merges it into the same parser. A pattern matching
nothing is only logged; a directory, a dangling link or an unreadable file is
skipped silently (configparser.read swallows OSError); a binary or non-UTF-8
file stops it (a parse error, or a UnicodeDecodeError it does not even catch).
"""

from __future__ import annotations

import glob
import os
import platform
import stat
from pathlib import Path

from workloadctl.checks.supervisord.context import Context
from workloadctl.checks.supervisord.expand import env_names, expand
from workloadctl.checks.supervisord.ini import IniEntry, scan_ini
from workloadctl.fileio import read_config_text
from workloadctl.findings import Finding, error, warning

SV_INCLUDE_NO_MATCH = "SV060"
SV_INCLUDE_UNUSABLE = "SV061"
SV_INCLUDE_NESTED = "SV062"
SV_INCLUDE_SELF = "SV064"
SV_NOT_REGULAR = "SV015"

# fileio codes for files Supervisor skips without a word (OSError when opening).
_SKIPPED_SILENTLY = frozenset({"IO001", "IO002", "IO003", "IO004"})


def _patterns(ctx: Context, entry: IniEntry) -> list[str] | None:
    # Supervisor replaces %(here)s first, then expands with here, host_node_name and
    # ENV_ names only ([supervisord] environment= is not read yet at that point).
    raw = entry.value.replace("%(here)s", ctx.here)
    names = {"here": ctx.here, "host_node_name": platform.node(), **env_names(ctx.env)}
    expanded = expand(raw, names)
    return None if expanded is None else expanded.split()


def read_includes(ctx: Context) -> list[Finding]:
    """Add every included file to `ctx.model`; report patterns and files Supervisor cannot use."""
    entry = ctx.model.get("include", "files")
    if entry is None or entry.file != ctx.file:
        return []  # no [include] (or only in an included file, reported as nested)
    patterns = _patterns(ctx, entry)
    if patterns is None:
        return []  # the expansion problem itself is reported with the other %() checks
    base = os.path.dirname(os.path.abspath(ctx.path))
    findings: list[Finding] = []
    seen: set[str] = set()
    for pattern in patterns:
        full = os.path.join(base, pattern)
        matches = sorted(glob.glob(full))
        if not matches:
            findings.append(
                warning(
                    entry.file,
                    entry.line,
                    SV_INCLUDE_NO_MATCH,
                    f"[include] pattern '{pattern}' ({full}) matches no file; "
                    "Supervisor only logs this and starts without it",
                )
            )
        for match in matches:
            if match not in seen:
                seen.add(match)
                findings.extend(_read_one(ctx, entry, Path(match)))
    return findings


def _read_one(ctx: Context, entry: IniEntry, path: Path) -> list[Finding]:
    if _same_file(path, ctx.path):
        return [
            warning(
                entry.file,
                entry.line,
                SV_INCLUDE_SELF,
                f"[include] matches this file itself ({path}): Supervisor reads it twice",
            )
        ]
    special = special_file_finding(path, Path(entry.file), entry.line, "included file")
    if special is not None:
        return [special]
    text = read_config_text(path, what="included file")
    if isinstance(text, Finding):
        if text.code in _SKIPPED_SILENTLY:
            return [
                warning(
                    entry.file,
                    entry.line,
                    SV_INCLUDE_UNUSABLE,
                    f"[include] matches {path}, which Supervisor skips without a word: "
                    f"{text.message}",
                )
            ]
        return [
            error(
                entry.file,
                entry.line,
                SV_INCLUDE_UNUSABLE,
                f"[include] matches {path}, which Supervisor cannot read: {text.message}",
            )
        ]
    document = scan_ini(text.text, str(path))
    ctx.model.documents.append(document)
    return [
        warning(
            section.file,
            section.line,
            SV_INCLUDE_NESTED,
            "[include] in an included file is ignored: Supervisor only follows "
            "the [include] of the main file",
        )
        for section in document.sections
        if section.name == "include"
    ]


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def special_file_finding(path: Path, file: Path, line: int | None, what: str) -> Finding | None:
    """A FIFO, socket or device: reading it could block forever, so it is never read."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None  # missing, loop, unreadable: the shared reader says which
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return error(
        file,
        line,
        SV_NOT_REGULAR,
        f"{what} {path} is not a regular file (a FIFO, socket or device); not read, "
        "as reading it could block forever",
    )
