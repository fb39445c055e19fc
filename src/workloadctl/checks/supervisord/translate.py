"""Supervisor's verdict turned into findings with a file and a line.

Supervisor's messages name a section at best (`in section 'program:web'`,
`[group:g]`), sometimes only a value (`bad logging level name 'loud'`) and, for
`[group:]`, the wrong section. The line is found by matching those clues against
the parsed file; the message is cleaned of what does not help (the file name it
already has, the dump of every environment variable).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from workloadctl.checks.supervisord.context import Context
from workloadctl.checks.supervisord.expand import ENV_PREFIX, expand
from workloadctl.checks.supervisord.include import SV_INCLUDE_UNUSABLE, SV_NOT_REGULAR
from workloadctl.checks.supervisord.ini import IniEntry
from workloadctl.checks.supervisord.programs import SV_MACHINE
from workloadctl.checks.supervisord.refs import (
    SV_UNKNOWN_NAME,
    bad_format_finding,
    expanded_entries,
    unknown_name_finding,
    unset_env_finding,
)
from workloadctl.checks.supervisord.structure import SV_SYNTAX
from workloadctl.checks.supervisord.tables import SectionKind, classify_section
from workloadctl.checks.supervisord.verdict import MachineKind, MachineProblem, Verdict
from workloadctl.findings import Finding, Severity, error, warning

SV_REFUSED = "SV001"
SV_NO_SUPERVISORD = "SV002"
SV_SUPERVISOR_WARNING = "SV009"

NO_SUPERVISORD_MESSAGE = ".ini file does not include supervisord section"
_PARSE_ERROR_PREFIXES = ("File contains no section headers", "Source contains parsing errors")
_IN_SECTION_RE = re.compile(r" in section '(?P<section>[^']*)' \(file: .*\)$", re.DOTALL)
_BRACKETED_RE = re.compile(r"\[(?P<section>[^\]\n]+)\]")
_QUOTED_RE = re.compile(r"'([^'\n]+)'")
_GROUP_BUG_RE = re.compile(
    r"^\[(?P<named>[^\]]*)\] (?:names unknown program or fcgi-program (?P<unknown>.+)"
    r"|name (?P<ambiguous>.+) is ambiguous .*)$"
)
_FORMAT_RE = re.compile(
    r"^Format string .* for '(?P<name>[^']*)' "
    r"(?:contains names \((?P<names>.*?)\) which cannot be expanded(?:\..*)?"
    r"|is badly formatted: (?P<reason>.*?))$",
    re.DOTALL,
)
_PARSE_LINE_RES = (
    re.compile(r"file: '(?P<file>.*)', line: (?P<line>\d+)"),
    re.compile(r"Source contains parsing errors: '(?P<file>.*)'\n\t\[line\s+(?P<line>\d+)\]"),
)


@dataclass
class _Place:
    file: str
    line: int | None
    section: str | None = None
    entry: IniEntry | None = None


def _all_entries(ctx: Context, section: str | None) -> Iterator[tuple[str, IniEntry]]:
    names = [section] if section else ctx.model.section_names()
    for name in names:
        for entry in ctx.model.effective(name).values():
            yield name, entry


def _score(entry: IniEntry, message: str, quoted: list[str]) -> int:
    value = entry.value.strip()
    if value and repr(value) in message:
        return 4
    if len(entry.key) >= 4 and re.search(rf"(?<![\w.]){re.escape(entry.key)}(?![\w.])", message):
        return 3
    if len(value) >= 3 and value in message:
        return 2
    if any(len(q) >= 2 and q in value for q in quoted):
        return 1
    return 0


def locate(ctx: Context, message: str) -> _Place:
    """The file and line a Supervisor message is about, as well as it can be told."""
    section = _section_named(ctx, message)
    quoted = _QUOTED_RE.findall(message)
    best: tuple[tuple[int, bool], str, IniEntry] | None = None
    for name, entry in _all_entries(ctx, section):
        # On a tie, the value with a stand-in for an unset variable is the likelier
        # culprit (its empty stand-in is what Supervisor choked on).
        score = (_score(entry, message, quoted), ctx.uses_placeholder(entry.value))
        if score[0] and (best is None or score > best[0]):
            best = (score, name, entry)
    if best is not None:
        _, name, entry = best
        return _Place(entry.file, entry.line, name, entry)
    hinted = _hinted_entry(ctx, message, section)
    if hinted is not None:
        return hinted
    header = ctx.model.first(section) if section else None
    if header is not None:
        return _Place(header.file, header.line, section)
    return _Place(ctx.file, None, section)


# Messages that name neither section nor value, but only one key can produce.
_KEY_HINTS = (
    ("is below lower bound", "port"),
    ("is above upper bound", "port"),
    ("port number", "port"),
    ("sockchown value", "chown"),
    ("chmod value", "chmod"),
)


def _hinted_entry(ctx: Context, message: str, section: str | None) -> _Place | None:
    for fragment, key in _KEY_HINTS:
        if fragment not in message:
            continue
        for name, entry in _all_entries(ctx, section):
            if entry.key == key:
                return _Place(entry.file, entry.line, name, entry)
    return None


def _section_named(ctx: Context, message: str) -> str | None:
    match = _IN_SECTION_RE.search(message)
    if match and ctx.model.has_section(match.group("section")):
        return match.group("section")
    for candidate in _BRACKETED_RE.finditer(message):
        if ctx.model.has_section(candidate.group("section")):
            return candidate.group("section")
    return None


_AVAILABLE_NAMES_RE = re.compile(r"\. Available names: .*$", re.DOTALL)


def _clean(message: str) -> str:
    # Drop the file (the finding has it) and never echo the list of every
    # environment variable Supervisor appends to an expansion error.
    cleaned = _AVAILABLE_NAMES_RE.sub("", _IN_SECTION_RE.sub("", message)).strip()
    return cleaned.replace("\n", " ")  # a finding is one line


# --- refusals ----------------------------------------------------------------------


def _refusal(ctx: Context, message: str, own: list[Finding]) -> list[Finding]:
    if message == NO_SUPERVISORD_MESSAGE:
        return [_no_supervisord(ctx)]
    if _unreadable_include(own) and (
        "codec can't decode" in message or message.startswith(_PARSE_ERROR_PREFIXES)
    ):
        return []  # Supervisor choked on an included file we already reported (SV061)
    if message.startswith(_PARSE_ERROR_PREFIXES):
        return _parse_error(ctx, message, own)
    cleaned = _clean(message)
    group = _GROUP_BUG_RE.match(cleaned)
    if group:
        found = _group_error(ctx, group)
        if found:
            return [found]
    fmt = _FORMAT_RE.match(cleaned)
    if fmt:
        found = _format_error(ctx, message, fmt)
        if found:
            return [found]
    place = locate(ctx, message)
    if place.entry is not None and ctx.uses_placeholder(place.entry.value):
        return []  # caused by an unset variable or a typo already reported by name
    where = f"[{place.section}]: " if place.section and f"[{place.section}]" not in cleaned else ""
    return [
        error(
            place.file,
            place.line,
            SV_REFUSED,
            f"Supervisor refuses this file: {where}{cleaned}",
        )
    ]


def _unreadable_include(own: list[Finding]) -> bool:
    return any(f.code == SV_INCLUDE_UNUSABLE and f.severity is Severity.ERROR for f in own)


def _no_supervisord(ctx: Context) -> Finding:
    empty = not any(True for _ in ctx.model.occurrences()) and not any(
        doc.syntax_errors for doc in ctx.model.documents
    )
    detail = "the file is empty" if empty else "there is no [supervisord] section"
    return error(
        ctx.file,
        None,
        SV_NO_SUPERVISORD,
        f"not a supervisord config: {detail}, and Supervisor refuses to start without one "
        f"({NO_SUPERVISORD_MESSAGE!r})",
    )


def _parse_error(ctx: Context, message: str, own: list[Finding]) -> list[Finding]:
    if any(f.code == SV_SYNTAX for f in own):
        return []  # our reading already reported each bad line
    for pattern in _PARSE_LINE_RES:
        match = pattern.search(message)
        if match:
            first = message.splitlines()[0]
            return [error(match.group("file"), int(match.group("line")), SV_SYNTAX, first)]
    return [error(ctx.file, None, SV_SYNTAX, message.splitlines()[0])]


def _group_error(ctx: Context, match: re.Match[str]) -> Finding | None:
    program = (match.group("unknown") or match.group("ambiguous") or "").strip()
    for name in ctx.model.section_names():
        if classify_section(name) is not SectionKind.GROUP:
            continue
        entry = ctx.model.get(name, "programs")
        if entry is None or program not in [p.strip() for p in entry.value.split(",")]:
            continue
        if match.group("unknown"):
            problem = "which is not the name of any [program:] or [fcgi-program:] section"
        else:
            problem = "which exists both as [program:] and as [fcgi-program:]"
        blamed = match.group("named")
        # Supervisor reuses its loop variable, so past the first program it names
        # the previous program's section instead of the group.
        note = f" (Supervisor's own message wrongly blames [{blamed}])" if blamed != name else ""
        return error(
            entry.file,
            entry.line,
            SV_REFUSED,
            f"Supervisor refuses this file: [{name}] programs= lists '{program}', {problem}{note}",
        )
    return None


def _format_error(ctx: Context, message: str, match: re.Match[str]) -> Finding | None:
    place = _format_place(ctx, message, match.group("name"))
    if place.entry is None or place.section is None:
        return None
    section, entry = place.section, place.entry
    kind = classify_section(section)
    if match.group("reason") is not None:
        return bad_format_finding(section, entry, match.group("reason"))
    asked = _QUOTED_RE.findall(match.group("names") or "")
    if not asked or kind is None:
        return None
    name = asked[0]
    if not name.startswith(ENV_PREFIX):
        return unknown_name_finding(section, kind, entry, name)
    variable = name[len(ENV_PREFIX) :]
    if variable in ctx.env:
        return None  # not ours to explain: keep Supervisor's words
    if f"{ENV_PREFIX}{variable}" in ctx.names_for(section):
        return _out_of_scope_env(section, entry, variable)
    return unset_env_finding(ctx, section, entry, variable)


def _out_of_scope_env(section: str, entry: IniEntry, variable: str) -> Finding:
    return error(
        entry.file,
        entry.line,
        SV_UNKNOWN_NAME,
        f"[{section}] {entry.written_key}= uses %(ENV_{variable})s, but {variable} only comes "
        "from an environment= of this file, which Supervisor does not offer here "
        "([supervisord] environment= is read after its own keys; a program's only applies "
        "to its command, directory and log files): Supervisor refuses the file",
    )


def _format_place(ctx: Context, message: str, name: str) -> _Place:
    """`name` is 'section.key' or just 'key' (then the message names the section)."""
    candidates = [
        (section, name[len(section) + 1 :])
        for section in ctx.model.section_names()
        if name.startswith(section + ".")
    ]
    if in_section := _IN_SECTION_RE.search(message):
        candidates.append((in_section.group("section"), name))
    if name == "include.files":
        candidates.append(("include", "files"))
    for section, key in candidates:
        entry = ctx.model.get(section, key.lower())
        if entry is not None:
            return _Place(entry.file, entry.line, section, entry)
    return _Place(ctx.file, None)


# --- machine-dependent problems ----------------------------------------------------

_MACHINE_KEYS = {
    MachineKind.USER: frozenset({"user", "chown", "socket_owner"}),
    MachineKind.GROUP: frozenset({"chown", "socket_owner"}),
    MachineKind.DIRECTORY: frozenset({"directory", "childlogdir"}),
    MachineKind.PARENT_DIRECTORY: frozenset(
        {"logfile", "pidfile", "stdout_logfile", "stderr_logfile"}
    ),
    MachineKind.MODULE: frozenset({"supervisor.rpcinterface_factory", "result_handler"}),
}
_MACHINE_WHAT = {
    MachineKind.USER: "user '{}' does not exist",
    MachineKind.GROUP: "group '{}' does not exist",
    MachineKind.DIRECTORY: "directory {} does not exist",
    MachineKind.PARENT_DIRECTORY: "the directory of {} does not exist",
    MachineKind.MODULE: "the Python module of {} cannot be imported",
}


def _machine_value_matches(problem: MachineProblem, key: str, value: str) -> bool:
    if key in ("chown", "socket_owner"):
        user, _, group = value.partition(":")
        wanted = user if problem.kind == MachineKind.USER else group
        return wanted == problem.value
    return value == problem.value


def _machine_entries(ctx: Context, problem: MachineProblem) -> list[tuple[str, IniEntry]]:
    keys = _MACHINE_KEYS.get(problem.kind, frozenset())
    found: list[tuple[str, IniEntry]] = []
    for section, _kind, entry in expanded_entries(ctx):
        if entry.key not in keys:
            continue
        # Expanded as Supervisor saw it: stand-ins included.
        value = expand(entry.value, {**ctx.placeholders(), **ctx.names_for(section)})
        if value is not None and _machine_value_matches(problem, entry.key, value.strip()):
            found.append((section, entry))
    return found


def machine_findings(ctx: Context, problems: list[MachineProblem]) -> list[Finding]:
    """Each lookup that failed here, at every line that asks for it."""
    findings: list[Finding] = []
    for problem in problems:
        what = _MACHINE_WHAT.get(problem.kind, "{}").format(problem.value)
        places = _machine_entries(ctx, problem)
        if not places:
            findings.append(
                ctx.depends_on_machine(
                    ctx.file, None, SV_MACHINE, what, "supervisord refuses to start"
                )
            )
        for section, entry in places:
            if ctx.uses_placeholder(entry.value):
                continue  # the unset variable is the real problem, already reported
            findings.append(
                ctx.depends_on_machine(
                    entry.file,
                    entry.line,
                    SV_MACHINE,
                    f"[{section}] {entry.written_key}=: {what}",
                    "supervisord refuses to start",
                )
            )
    return findings


# --- the whole verdict ---------------------------------------------------------------


def _supervisor_warnings(ctx: Context, messages: list[str]) -> list[Finding]:
    findings: list[Finding] = []
    for message in messages:
        if message.startswith("No file matches via include"):
            continue  # reported with the pattern and its line (SV060)
        place = locate(ctx, message)
        findings.append(
            warning(place.file, place.line, SV_SUPERVISOR_WARNING, f"Supervisor warns: {message}")
        )
    return findings


def _crash(ctx: Context, crash: str, own: list[Finding]) -> list[Finding]:
    if _unreadable_include(own):
        return []  # an included file it cannot read, already reported
    return [
        error(
            ctx.file,
            None,
            SV_REFUSED,
            f"Supervisor fails while reading this file ({_clean(crash)}); "
            "supervisord would stop with a traceback",
        )
    ]


def _unsafe_file(ctx: Context, unsafe: tuple[str, str], own: list[Finding]) -> list[Finding]:
    path, reason = unsafe
    if any(f.severity is Severity.ERROR and path in f.message for f in own):
        return []  # our own reading of the includes already said so
    entry = ctx.model.get("include", "files")
    file, line = (entry.file, entry.line) if entry is not None else (ctx.file, None)
    return [
        error(
            file,
            line,
            SV_NOT_REGULAR,
            f"Supervisor would read {path}, which {reason}; not read, as reading it "
            "could block forever or exhaust memory",
        )
    ]


def verdict_findings(ctx: Context, verdict: Verdict, own: list[Finding]) -> list[Finding]:
    findings = machine_findings(ctx, verdict.machine_problems)
    if verdict.unsafe_file is not None:
        findings.extend(_unsafe_file(ctx, verdict.unsafe_file, own))
    if verdict.error is not None:
        findings.extend(_refusal(ctx, verdict.error, own))
    if verdict.crash is not None:
        findings.extend(_crash(ctx, verdict.crash, own))
    findings.extend(_supervisor_warnings(ctx, verdict.parse_warnings))
    return findings
