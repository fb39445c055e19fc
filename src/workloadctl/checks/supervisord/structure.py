"""Checks on the shape of the file that Supervisor does not make itself.

configparser (strict=False) merges duplicate sections and keys without a word, and
Supervisor ignores sections and keys it does not know; each of those is a silent
loss of configuration, reported here with its line.
"""

from __future__ import annotations

from workloadctl.checks.supervisord.context import Context
from workloadctl.checks.supervisord.ini import DEFAULT_SECTION, IniEntry, IniModel, IniSection
from workloadctl.checks.supervisord.tables import (
    FACTORY_KEYS,
    KNOWN_KEYS,
    SectionKind,
    classify_section,
    closest,
    suggest_section,
)
from workloadctl.findings import Finding, error, warning

SV_SYNTAX = "SV003"
SV_DUPLICATE_SECTION = "SV010"
SV_DUPLICATE_KEY = "SV011"
SV_UNKNOWN_SECTION = "SV012"
SV_UNKNOWN_KEY = "SV013"
SV_DEFAULT_SECTION = "SV014"
SV_NO_RPCINTERFACE = "SV020"
SV_NO_SERVER = "SV021"

_MAX_QUOTED = 60


def _where(file: str, line: int, relative_to: str) -> str:
    return f"line {line}" if file == relative_to else f"{file}:{line}"


def _quoted(text: str) -> str:
    text = text.strip()
    return repr(text if len(text) <= _MAX_QUOTED else text[:_MAX_QUOTED] + "...")


def syntax_findings(model: IniModel) -> list[Finding]:
    return [
        error(e.file, e.line, SV_SYNTAX, f"{e.reason}: {_quoted(e.text)}")
        for doc in model.documents
        for e in doc.syntax_errors
    ]


def duplicate_findings(model: IniModel, main_file: str) -> list[Finding]:
    findings: list[Finding] = []
    first_seen: dict[str, IniSection] = {}
    for section in model.occurrences():
        first = first_seen.setdefault(section.name, section)
        if section.name == "include" and section.file != main_file:
            continue  # an included file's [include] is reported as ignored (SV062)
        if first is not section:
            where = _where(first.file, first.line, section.file)
            findings.append(
                error(
                    section.file,
                    section.line,
                    SV_DUPLICATE_SECTION,
                    f"section [{section.name}] is defined again (first at {where}); "
                    "Supervisor silently merges the two and the later keys win",
                )
            )
    for name in model.section_names():
        entries = model.entries(name)
        if name == "include":
            entries = [e for e in entries if e.file == main_file]
        findings.extend(_duplicate_keys(name, entries))
    return findings


def _duplicate_keys(section: str, entries: list[IniEntry]) -> list[Finding]:
    findings: list[Finding] = []
    first_seen: dict[str, IniEntry] = {}
    for entry in entries:
        first = first_seen.setdefault(entry.key, entry)
        if first is not entry:
            where = _where(first.file, first.line, entry.file)
            findings.append(
                error(
                    entry.file,
                    entry.line,
                    SV_DUPLICATE_KEY,
                    f"key '{entry.written_key}' is set again in [{section}] (first at {where}); "
                    "Supervisor silently keeps only the last value",
                )
            )
    return findings


def unknown_findings(model: IniModel) -> list[Finding]:
    findings: list[Finding] = []
    reported: set[str] = set()
    for section in model.occurrences():
        if section.name in reported:
            continue
        kind = classify_section(section.name)
        if section.name == DEFAULT_SECTION:
            reported.add(section.name)
            findings.append(
                warning(
                    section.file,
                    section.line,
                    SV_DEFAULT_SECTION,
                    "[DEFAULT] is configparser's defaults section: its keys are copied "
                    "into every other section, which Supervisor does not expect",
                )
            )
        elif kind is None:
            reported.add(section.name)
            findings.append(_unknown_section(section))
    for name in model.section_names():
        kind = classify_section(name)
        if kind is not None:
            findings.extend(_unknown_keys(name, kind, model.entries(name)))
    return findings


def _unknown_section(section: IniSection) -> Finding:
    suggestion = suggest_section(section.name)
    if suggestion:
        return error(
            section.file,
            section.line,
            SV_UNKNOWN_SECTION,
            f"unknown section [{section.name}] (Supervisor ignores it); "
            f"did you mean [{suggestion}]?",
        )
    return warning(
        section.file,
        section.line,
        SV_UNKNOWN_SECTION,
        f"unknown section [{section.name}]: Supervisor ignores it",
    )


def _unknown_keys(section: str, kind: SectionKind, entries: list[IniEntry]) -> list[Finding]:
    known = KNOWN_KEYS[kind]
    if known is None:
        return _plugin_factory_typo(section, kind, entries)
    findings: list[Finding] = []
    seen: set[str] = set()
    for entry in entries:
        if entry.key in known or entry.key in seen:
            continue
        seen.add(entry.key)
        suggestion = closest(entry.key, known)
        hint = f"; did you mean '{suggestion}'?" if suggestion else ""
        findings.append(
            error(
                entry.file,
                entry.line,
                SV_UNKNOWN_KEY,
                f"unknown key '{entry.written_key}' in [{section}]: "
                f"Supervisor silently ignores it{hint}",
            )
        )
    return findings


def _plugin_factory_typo(section: str, kind: SectionKind, entries: list[IniEntry]) -> list[Finding]:
    """Plugin sections take free-form keys, but a near miss of the factory key is a typo."""
    factory = FACTORY_KEYS[kind]
    if any(entry.key == factory for entry in entries):
        return []
    for entry in entries:
        if closest(entry.key, {factory}, cutoff=0.85):
            return [
                error(
                    entry.file,
                    entry.line,
                    SV_UNKNOWN_KEY,
                    f"[{section}] has no '{factory}' key; did you mean '{factory}' "
                    f"instead of '{entry.written_key}'?",
                )
            ]
    return []


def control_findings(ctx: Context) -> list[Finding]:
    """What supervisorctl and our XML-RPC client need to reach supervisord at all."""
    model = ctx.model
    if not model.has_section("supervisord"):
        return []  # Supervisor's own refusal (no [supervisord]) says it better
    findings: list[Finding] = []
    if not model.has_section("rpcinterface:supervisor"):
        findings.append(
            error(
                ctx.file,
                None,
                SV_NO_RPCINTERFACE,
                "no [rpcinterface:supervisor] section: supervisord starts, but supervisorctl "
                "and workloadctl cannot control it (add supervisor.rpcinterface_factory = "
                "supervisor.rpcinterface:make_main_rpcinterface)",
            )
        )
    servers = [
        n
        for n in model.section_names()
        if classify_section(n) in (SectionKind.UNIX_HTTP_SERVER, SectionKind.INET_HTTP_SERVER)
    ]
    if not servers:
        findings.append(
            warning(
                ctx.file,
                None,
                SV_NO_SERVER,
                "no [unix_http_server] or [inet_http_server] section: nothing can "
                "connect to supervisord to control it",
            )
        )
    return findings
