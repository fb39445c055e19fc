"""`%(name)s` references: every unset variable and every typo, each with its line.

Supervisor stops at the first value it cannot expand and, for an unknown name,
prints every environment variable it knows. Here each value Supervisor would
expand is checked on its own, and an unset `%(ENV_X)s` is reported by name only.
"""

from __future__ import annotations

from collections.abc import Iterator

from workloadctl.checks.supervisord.context import Context
from workloadctl.checks.supervisord.expand import ENV_PREFIX, references
from workloadctl.checks.supervisord.ini import IniEntry
from workloadctl.checks.supervisord.tables import (
    KNOWN_KEYS,
    PROGRAM_LIKE,
    SERVER_READ,
    SectionKind,
    classify_section,
    closest,
)
from workloadctl.findings import Finding, error, warning

SV_UNSET_ENV = "SV005"
SV_BAD_FORMAT = "SV006"
SV_UNKNOWN_NAME = "SV007"

_PROGRAM_NAMES = frozenset(
    {"here", "program_name", "host_node_name", "group_name", "process_num", "numprocs"}
)


# A name outside this set is a typo wherever it appears (`%(progam_name)s`).
ALL_OFFERED_NAMES = _PROGRAM_NAMES


def allowed_names(kind: SectionKind, key: str) -> frozenset[str]:
    """Names (besides ENV_*) Supervisor offers when it expands `key` in a `kind` section."""
    if kind in PROGRAM_LIKE:
        return _PROGRAM_NAMES
    if kind is SectionKind.INCLUDE or (kind is SectionKind.SUPERVISORD and key == "environment"):
        return frozenset({"here", "host_node_name"})
    return frozenset({"here"})


def expanded_entries(ctx: Context) -> Iterator[tuple[str, SectionKind, IniEntry]]:
    """The winning entry of every key supervisord reads and therefore expands."""
    for name in ctx.model.section_names():
        kind = classify_section(name)
        if kind is None or kind not in SERVER_READ:
            continue
        known = KNOWN_KEYS[kind]
        for entry in ctx.model.effective(name).values():
            if known is None or entry.key in known:
                yield name, kind, entry


def _defined_in_config(ctx: Context, section: str, kind: SectionKind) -> set[str]:
    defined = set(ctx.supervisord_environment())
    if kind in PROGRAM_LIKE:
        names = ctx.names_for(section)
        defined |= {n[len(ENV_PREFIX) :] for n in names if n.startswith(ENV_PREFIX)}
    return defined


def unset_env_finding(ctx: Context, section: str, entry: IniEntry, variable: str) -> Finding:
    fact = (
        f"[{section}] {entry.written_key}= uses %(ENV_{variable})s, "
        f"but environment variable {variable} is not set"
    )
    # A warning on the host too: validation gives the environment the launcher gives, so
    # a variable unset here is most likely unset there.
    return ctx.depends_on_machine(
        entry.file,
        entry.line,
        SV_UNSET_ENV,
        fact,
        "supervisord refuses to start",
        off_target=warning,
    )


def bad_format_finding(section: str, entry: IniEntry, reason: str) -> Finding:
    return error(
        entry.file,
        entry.line,
        SV_BAD_FORMAT,
        f"[{section}] {entry.written_key}= is not a valid %-expansion ({reason}); "
        "Supervisor refuses the file. Write %% for a literal percent sign",
    )


def unknown_name_finding(section: str, kind: SectionKind, entry: IniEntry, name: str) -> Finding:
    allowed = allowed_names(kind, entry.key)
    suggestion = closest(name, allowed)
    hint = f"did you mean %({suggestion})s? " if suggestion else ""
    offered = ", ".join(sorted(allowed)) + ", ENV_<variable>"
    return error(
        entry.file,
        entry.line,
        SV_UNKNOWN_NAME,
        f"%({name})s in [{section}] {entry.written_key}= is not a name Supervisor expands; "
        f"{hint}(available here: {offered})",
    )


def reference_findings(ctx: Context) -> list[Finding]:
    """Check every expanded value; remember unset variables in `ctx.unset_env`."""
    findings: list[Finding] = []
    # Per section, and only for a section with an %(ENV_x)s: most values have none.
    defined_in: dict[str, set[str]] = {}
    for section, kind, entry in expanded_entries(ctx):
        refs = references(entry.value)
        if refs.format_error:
            findings.append(bad_format_finding(section, entry, refs.format_error))
            continue
        for name in refs.names:
            if name.startswith(ENV_PREFIX):
                variable = name[len(ENV_PREFIX) :]
                if section not in defined_in:
                    defined_in[section] = _defined_in_config(ctx, section, kind)
                if variable not in ctx.env and variable not in defined_in[section]:
                    ctx.unset_env.add(variable)
                    findings.append(unset_env_finding(ctx, section, entry, variable))
            elif name not in allowed_names(kind, entry.key):
                if name not in ALL_OFFERED_NAMES:
                    ctx.unknown_names.add(name)
                findings.append(unknown_name_finding(section, kind, entry, name))
    return findings
