"""Writing the template into a repository: plan first, then write all or nothing.

A plan sorts every file into one of:
- create     the path does not exist;
- unchanged  the same bytes and executable bit are already there (nothing to write);
- overwrite  a different regular file (or a symbolic link) is there: needs --force;
- blocked    something --force must not replace: a directory where a file goes, a parent
             that is a file or a symbolic link (writing through it could land outside the
             repository), a FIFO or device.
Nothing is written unless the plan has no blocked step and no overwrite without
--force; an error of the system while writing (disk full) can still leave part of it.
"""

from __future__ import annotations

import enum
import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from workloadctl.runtime.statefile import write_atomic
from workloadctl.template.source import Template, TemplateFile

# The `docs` program of workloads/supervisord/project.conf serves the repository's docs/
# on http://127.0.0.1:8001. A repository without docs/ gets this page, so the program
# shows something; an existing docs/ is never touched.
DOCS_INDEX = TemplateFile(
    "docs/index.html",
    b"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>docs</title></head>
<body>
<h1>docs/</h1>
<p>This page is served by the <code>docs</code> program of
<code>workloads/supervisord/project.conf</code> (http://127.0.0.1:8001).
Put this repository's documentation here, or remove the program from that file.</p>
</body>
</html>
""",
    executable=False,
)
EXTRAS_IF_ABSENT: tuple[tuple[str, TemplateFile], ...] = (("docs", DOCS_INDEX),)


class Action(enum.StrEnum):
    CREATE = "create"
    UNCHANGED = "unchanged"
    OVERWRITE = "overwrite"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class Step:
    file: TemplateFile
    action: Action
    reason: str = ""  # why it is blocked or overwritten

    @property
    def path(self) -> str:
        return self.file.path


@dataclass(frozen=True)
class Plan:
    root: Path
    steps: tuple[Step, ...]

    def with_action(self, action: Action) -> list[Step]:
        return [step for step in self.steps if step.action is action]

    @property
    def blocked(self) -> list[Step]:
        return self.with_action(Action.BLOCKED)

    @property
    def conflicts(self) -> list[Step]:
        return self.with_action(Action.OVERWRITE)


def plan(template: Template, root: Path) -> Plan:
    files = list(template.files)
    for directory, extra in EXTRAS_IF_ABSENT:
        if not os.path.lexists(root / directory):
            files.append(extra)
    return Plan(root, tuple(_step(root, f) for f in files))


def _step(root: Path, file: TemplateFile) -> Step:
    parts = PurePosixPath(file.path).parts
    current = root
    for part in parts[:-1]:
        current = current / part
        problem = _parent_problem(current)
        if problem is not None:
            return Step(file, Action.BLOCKED, f"{current.relative_to(root)} {problem}")
    target = root / file.path
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return Step(file, Action.CREATE)
    except OSError as exc:
        return Step(file, Action.BLOCKED, f"cannot inspect it: {exc.strerror}")
    if stat.S_ISLNK(st.st_mode):
        return Step(file, Action.OVERWRITE, "is a symbolic link (it is replaced, not followed)")
    if stat.S_ISDIR(st.st_mode):
        return Step(file, Action.BLOCKED, "is a directory")
    if not stat.S_ISREG(st.st_mode):
        return Step(file, Action.BLOCKED, "is not a regular file")
    return _compare(file, target, st)


def _parent_problem(path: Path) -> str | None:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot be inspected: {exc.strerror}"
    if stat.S_ISLNK(st.st_mode):
        return "is a symbolic link; workloadctl does not write through links"
    if not stat.S_ISDIR(st.st_mode):
        return "is a file where the template needs a directory"
    return None


def _compare(file: TemplateFile, target: Path, st: os.stat_result) -> Step:
    # Sizes first: a file of another size differs, whatever it holds (and may be huge).
    try:
        same_content = st.st_size == len(file.content) and target.read_bytes() == file.content
    except OSError as exc:
        return Step(file, Action.BLOCKED, f"cannot be read: {exc.strerror}")
    same_mode = bool(st.st_mode & 0o111) == file.executable
    if same_content and same_mode:
        return Step(file, Action.UNCHANGED)
    reason = "differs" if not same_content else "differs in its executable bit"
    return Step(file, Action.OVERWRITE, reason)


def apply(plan_: Plan) -> None:
    """Write every create/overwrite step. Raises OSError (the caller reports it)."""
    for step in plan_.steps:
        if step.action in (Action.CREATE, Action.OVERWRITE):
            write_file(plan_.root / step.path, step.file)


def write_file(target: Path, file: TemplateFile) -> None:
    """Replace `target` atomically (a reader never sees half a file); 0755 or 0644."""
    write_atomic(target, file.content, mode=0o755 if file.executable else 0o644)
