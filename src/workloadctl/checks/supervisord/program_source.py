"""Where a supervisord program is written: its section's kind ([program:] or
[eventlistener:]), the file and line of its `command=`, and the comment the section opens
with (the template names what to install there). For the words of `logs` and `start`
when a program has no log or its command is missing; the loader's model, no Supervisor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from workloadctl.checks.supervisord.context import Context
from workloadctl.checks.supervisord.include import read_includes
from workloadctl.checks.supervisord.ini import scan_ini
from workloadctl.checks.supervisord.tables import PROGRAM_LIKE, classify_section, section_suffix
from workloadctl.fileio import read_config_text
from workloadctl.findings import Finding


@dataclass(frozen=True)
class ProgramSource:
    section: str  # "eventlistener:log-echo"
    file: str
    line: int  # the section's header
    command_where: str | None  # FILE:LINE of its command=
    comment: str  # the comment lines right under the header, joined into one line

    @property
    def kind(self) -> str:
        """program | eventlistener | fcgi-program"""
        return self.section.split(":", 1)[0]

    @property
    def header(self) -> str:
        return f"[{self.section}]"


def _opening_comment(file: str, header_line: int) -> str:
    """The `;`/`#` lines right after the header, as one line."""
    try:
        lines = Path(file).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    words: list[str] = []
    for text in lines[header_line:]:
        stripped = text.strip()
        if not stripped.startswith((";", "#")):
            break
        words.append(stripped.lstrip(";#").strip())
    return " ".join(word for word in words if word)


def program_source(path: Path, name: str, env: Mapping[str, str]) -> ProgramSource | None:
    """The section of process `name` in the config at `path` (includes read with `env`);
    None when the file cannot be read or has no such section."""
    text = read_config_text(path, what="supervisord config")
    if isinstance(text, Finding):
        return None
    ctx = Context(path=path, env=dict(env), on_target=True)
    ctx.model.documents.append(scan_ini(text.text, ctx.file))
    read_includes(ctx)
    for section in ctx.model.section_names():
        if classify_section(section) not in PROGRAM_LIKE or section_suffix(section) != name:
            continue
        header = ctx.model.first(section)
        if header is None:
            return None
        command = ctx.model.get(section, "command")
        where = f"{command.file}:{command.line}" if command is not None else None
        return ProgramSource(
            section, header.file, header.line, where, _opening_comment(header.file, header.line)
        )
    return None
