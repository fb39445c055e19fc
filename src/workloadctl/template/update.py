"""`init --update`: bring a repository's template files to this version of workloadctl.

Per file of the new template, with the record `init` left (see `record`):
- unchanged  it already holds the new template's version;
- create     new in the template (or named with --restore);
- replace    the user never edited it (its hash is the recorded one): the new version;
- merge      the user edited it and the template changed it: `git merge-file` of the
             recorded base, the user's file and the new version merged cleanly;
- keep       the user edited it and the template did not change it: left alone;
- conflict   both changed the same lines: the user's file is left alone; the merge with
             conflict blocks goes to PATH.workloadctl-merge for the user to finish, and
             the record takes the new version as the base (the user's `mv` of the
             finished merge is then an edit of it). While PATH.workloadctl-merge exists
             the conflict is pending: reported again, that file never rewritten;
- deleted    the user deleted it: not brought back (--restore PATH brings it back);
- blocked    a directory, special file or symbolic link is there: left alone.
A recorded file the new template no longer has is `dropped`: left in place and reported.
Nothing the user wrote is overwritten: only files whose content is exactly what init
wrote are replaced, and merges keep every edit or stop at a conflict.

A repository without a record (init by an older workloadctl) is updated the same way
with an empty base: identical files are adopted, absent ones created, and every file
that differs is a conflict.
"""

from __future__ import annotations

import difflib
import enum
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from workloadctl.template.install import Action, plan, write_file
from workloadctl.template.merge import merge3
from workloadctl.template.record import Record, dumps
from workloadctl.template.selection import TemplateError
from workloadctl.template.source import Template, TemplateFile

CONFLICT_SUFFIX = ".workloadctl-merge"


class Outcome(enum.StrEnum):
    UNCHANGED = "unchanged"
    CREATE = "create"
    REPLACE = "replace"
    MERGE = "merge"
    KEEP = "keep"
    CONFLICT = "conflict"
    DELETED = "deleted"
    BLOCKED = "blocked"
    DROPPED = "dropped"


# What changes the file at PATH itself.
WRITES = (Outcome.CREATE, Outcome.REPLACE, Outcome.MERGE)


@dataclass(frozen=True)
class Change:
    path: str
    outcome: Outcome
    content: bytes | None = None  # create/replace/merge: what PATH becomes
    executable: bool = False
    merge_with_conflicts: bytes | None = None  # conflict: written to PATH + CONFLICT_SUFFIX
    diff: str = ""  # conflict: unified diff from the user's file to that merge
    pending: bool = False  # conflict: PATH.workloadctl-merge was already there, left alone
    reason: str = ""  # blocked: why; dropped: whether the user edited it
    edited: bool = False  # dropped: the user changed it since init

    @property
    def conflict_path(self) -> str:
        return self.path + CONFLICT_SUFFIX


@dataclass(frozen=True)
class UpdatePlan:
    root: Path
    record_name: Path
    old_version: str | None  # None: the repository had no record
    record: Record  # what the record says after the update
    changes: tuple[Change, ...] = field(default_factory=tuple)
    record_changes: bool = True  # the record it writes differs from the one there

    def with_outcome(self, outcome: Outcome) -> list[Change]:
        return [c for c in self.changes if c.outcome is outcome]

    @property
    def blocked(self) -> bool:
        return bool(self.with_outcome(Outcome.BLOCKED))

    @property
    def writes_nothing(self) -> bool:
        """Up to date: no file, merge or record to write, no conflict (edits kept and files
        the user deleted are already as they stay)."""
        quiet = (Outcome.UNCHANGED, Outcome.KEEP, Outcome.DELETED)
        return not self.record_changes and all(c.outcome in quiet for c in self.changes)


def plan_update(
    template: Template,
    root: Path,
    *,
    old: Record | None,
    new_record: Record,
    record_name: Path,
    restore: frozenset[str] = frozenset(),
) -> UpdatePlan:
    """What the update does; reads the repository, writes nothing. `new_record` carries the
    version and defaults to record; its files are filled in here."""
    new_paths = {f.path for f in template.files}
    unknown = sorted(restore - new_paths)
    if unknown:
        raise TemplateError(f"--restore {unknown[0]}: not a file of this template")
    old_files = old.files if old is not None else {}
    steps = {s.path: s for s in plan(template, root).steps if s.path in new_paths}
    changes: list[Change] = []
    recorded: dict[str, TemplateFile] = {}
    for file in template.files:
        base = old_files.get(file.path)
        change = _decide(root, file, steps[file.path].action, steps[file.path].reason, base)
        if change.outcome is Outcome.DELETED and file.path in restore:
            change = Change(file.path, Outcome.CREATE, file.content, file.executable)
        changes.append(change)
        if change.pending or change.outcome in (Outcome.DELETED, Outcome.BLOCKED):
            if base is not None:
                recorded[file.path] = base  # nothing of this version reached the file
        else:
            recorded[file.path] = file
    for path in sorted(set(old_files) - new_paths):
        changes.append(_dropped(root, old_files[path]))
    record = Record(new_record.version, new_record.user, new_record.repo, recorded)
    old_version = old.version if old is not None else None
    record_changes = old is None or dumps(old) != dumps(record)
    return UpdatePlan(root, record_name, old_version, record, tuple(changes), record_changes)


def _decide(
    root: Path, file: TemplateFile, action: Action, reason: str, base: TemplateFile | None
) -> Change:
    target = root / file.path
    if action is Action.BLOCKED:
        return Change(file.path, Outcome.BLOCKED, reason=reason)
    if action is Action.UNCHANGED:
        return Change(file.path, Outcome.UNCHANGED)
    if action is Action.CREATE:
        if base is not None:
            return Change(file.path, Outcome.DELETED)
        return Change(file.path, Outcome.CREATE, file.content, file.executable)
    if os.path.islink(target):
        return Change(file.path, Outcome.BLOCKED, reason="is a symbolic link; it is left alone")
    try:
        yours = target.read_bytes()
    except OSError as exc:
        return Change(file.path, Outcome.BLOCKED, reason=f"cannot be read: {exc.strerror}")
    side = Path(str(target) + CONFLICT_SUFFIX)
    if base is not None and os.path.lexists(side):
        return _pending(file, yours, side)
    untouched = base is not None and yours == base.content
    if yours == file.content or untouched:
        # Only the executable bit differs, or the user never edited it.
        return Change(file.path, Outcome.REPLACE, file.content, file.executable)
    base_content = base.content if base is not None else b""
    if base is not None and base_content == file.content:
        return Change(file.path, Outcome.KEEP)
    result = merge3(
        yours,
        base_content,
        file.content,
        (f"yours ({file.path})", "base (what init wrote)", "template (this version)"),
    )
    if result.merged and result.conflicts == 0:
        return Change(file.path, Outcome.MERGE, result.content, file.executable)
    return Change(
        file.path,
        Outcome.CONFLICT,
        executable=file.executable,
        merge_with_conflicts=result.content,
        diff=_diff(file.path, yours, result.content),
    )


def _pending(file: TemplateFile, yours: bytes, side: Path) -> Change:
    try:
        unfinished = side.read_bytes()
    except OSError:
        unfinished = b""
    return Change(
        file.path,
        Outcome.CONFLICT,
        executable=file.executable,
        diff=_diff(file.path, yours, unfinished),
        pending=True,
        reason="the merge in " + file.path + CONFLICT_SUFFIX + " is not finished",
    )


def _diff(path: str, yours: bytes, merged: bytes) -> str:
    lines = difflib.unified_diff(
        yours.decode("utf-8", errors="replace").splitlines(keepends=True),
        merged.decode("utf-8", errors="replace").splitlines(keepends=True),
        fromfile=path,
        tofile=path + CONFLICT_SUFFIX,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _dropped(root: Path, base: TemplateFile) -> Change:
    target = root / base.path
    try:
        st = os.lstat(target)
    except OSError:
        return Change(base.path, Outcome.DROPPED, reason="already gone")
    if not stat.S_ISREG(st.st_mode):
        return Change(base.path, Outcome.DROPPED, reason="not a regular file", edited=True)
    try:
        edited = target.read_bytes() != base.content
    except OSError:
        edited = True
    reason = "you edited it" if edited else "unchanged since init"
    return Change(base.path, Outcome.DROPPED, reason=reason, edited=edited)


def apply_update(the_plan: UpdatePlan) -> None:
    """Write the plan: files, conflict merges, then the record. Raises OSError."""
    for change in the_plan.changes:
        if change.outcome in WRITES and change.content is not None:
            write_file(
                the_plan.root / change.path,
                TemplateFile(change.path, change.content, change.executable),
            )
        elif change.outcome is Outcome.CONFLICT and change.merge_with_conflicts is not None:
            write_file(
                the_plan.root / change.conflict_path,
                TemplateFile(change.conflict_path, change.merge_with_conflicts, False),
            )
    write_record(the_plan.root, the_plan.record_name, the_plan.record)


def write_record(root: Path, name: Path, record: Record) -> None:
    write_file(root / name, TemplateFile(name.as_posix(), dumps(record).encode("utf-8"), False))
