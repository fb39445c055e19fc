"""Programs: what the cross-manager rules see, and the program problems Supervisor
only discovers once it is running (a log it cannot rotate, a missing directory, a
command that cannot be split into words)."""

from __future__ import annotations

import os
import re
import shlex
from typing import Any

from supervisor.datatypes import boolean, byte_size, dict_of_key_value_pairs

from workloadctl.checks.programs import ProgramSpec
from workloadctl.checks.supervisord.context import Context, parse_environment
from workloadctl.checks.supervisord.expand import expand
from workloadctl.checks.supervisord.tables import PROGRAM_LIKE, classify_section, section_suffix
from workloadctl.checks.supervisord.verdict import Verdict
from workloadctl.findings import Finding, error

SV_COMMAND = "SV008"
SV_LOG_DEVICE = "SV030"
SV_MACHINE = "SV004"

DEFAULT_MAXBYTES = "50MB"  # Supervisor's default for every *_maxbytes
# Paths that are not regular files: rotating (seek + truncate) them fails.
_STREAM_PATH_RE = re.compile(r"^/(?:dev/(?:stdout|stderr|fd/\d+)|proc/self/fd/\d+)$")


def _program_sections(ctx: Context) -> list[str]:
    return [n for n in ctx.model.section_names() if classify_section(n) in PROGRAM_LIKE]


def _flag(ctx: Context, section: str, key: str, default: bool) -> bool:
    """A boolean key; `default` when unset or invalid (Supervisor reports the latter)."""
    _, value = ctx.expanded(section, key)
    try:
        return bool(boolean(value)) if value is not None else default
    except ValueError:
        return default


def _log_pairs(ctx: Context) -> list[tuple[str, str, str]]:
    pairs = [("supervisord", "logfile", "logfile_maxbytes")]
    for section in _program_sections(ctx):
        pairs.append((section, "stdout_logfile", "stdout_logfile_maxbytes"))
        if not _flag(ctx, section, "redirect_stderr", False):
            pairs.append((section, "stderr_logfile", "stderr_logfile_maxbytes"))
    return pairs


def log_device_findings(ctx: Context) -> list[Finding]:
    """A log on /dev/stdout and friends with rotation on: `Illegal seek` at start."""
    findings: list[Finding] = []
    for section, key, maxbytes_key in _log_pairs(ctx):
        entry, value = ctx.expanded(section, key)
        if entry is None or value is None:
            continue
        if not _STREAM_PATH_RE.match(os.path.normpath(value.strip())):
            continue
        max_entry, max_value = ctx.expanded(section, maxbytes_key)
        shown = f"{max_value}" if max_entry else f"{DEFAULT_MAXBYTES} (the default)"
        try:
            rotates = byte_size(max_value if max_entry else DEFAULT_MAXBYTES) != 0
        except (ValueError, AttributeError):
            continue  # an invalid size is Supervisor's own error
        if rotates:
            findings.append(
                error(
                    entry.file,
                    entry.line,
                    SV_LOG_DEVICE,
                    f"[{section}] {entry.written_key}={value.strip()} is a stream, not a file, "
                    f"but {maxbytes_key} is {shown}: rotating it fails with 'Illegal seek' "
                    f"and supervisord crashes; set {maxbytes_key}=0",
                )
            )
    return findings


def program_directory_findings(ctx: Context) -> list[Finding]:
    """A program `directory=` that does not exist: Supervisor only finds out at spawn."""
    findings: list[Finding] = []
    for section in _program_sections(ctx):
        entry, value = ctx.expanded(section, "directory")
        if entry is None or value is None or ctx.uses_placeholder(entry.value):
            continue
        if not os.path.isdir(value):
            findings.append(
                ctx.depends_on_machine(
                    entry.file,
                    entry.line,
                    SV_MACHINE,
                    f"[{section}] directory={value}: directory does not exist",
                    "supervisord starts, but this program fails to (spawn error)",
                    fatal=False,
                )
            )
    return findings


def _split_command(
    ctx: Context, section: str, command: str | None
) -> tuple[tuple[str, ...], Finding | None]:
    entry = ctx.model.get(section, "command")
    if entry is None or command is None:
        return (), None  # no command= at all: Supervisor's own refusal says so
    try:
        argv = tuple(shlex.split(command))  # what Supervisor does before execve
    except ValueError as exc:
        problem = f"cannot be split into words ({exc})"
    else:
        if argv:
            return argv, None
        problem = "is empty"
    return (), error(
        entry.file,
        entry.line,
        SV_COMMAND,
        f"[{section}] command= {problem}: supervisord cannot start the program",
    )


def _from_supervisor(
    ctx: Context, verdict: Verdict | None, section: str
) -> tuple[Any, dict[str, str]] | None:
    if verdict is None or not verdict.accepted:
        return None
    for key in ("command", "environment"):
        entry = ctx.model.get(section, key)
        if entry is not None and ctx.uses_placeholder(entry.value):
            return None  # Supervisor saw empty stand-ins there: the file's words say more
    configs = verdict.process_configs.get(section)
    environments = verdict.own_environments.get(section)
    if not configs or not environments:
        return None
    return configs[0], environments[0]


def _environment_from_file(ctx: Context, section: str, raw: str) -> dict[str, str]:
    names = ctx.names_for(section)
    if expand(raw, names) is not None:
        return parse_environment(raw, names)
    try:  # cannot expand (an unset variable): keep the keys, values as written
        parsed: dict[str, str] = dict_of_key_value_pairs(raw)
    except ValueError:
        return {}
    return parsed


def _from_file(ctx: Context, section: str) -> tuple[str | None, dict[str, str], bool]:
    entry, command = ctx.expanded(section, "command")
    if entry is not None and command is None:
        command = entry.value  # cannot expand: keep the words as written
    env_entry = ctx.model.get(section, "environment")
    environment = _environment_from_file(ctx, section, env_entry.value) if env_entry else {}
    return command, environment, _flag(ctx, section, "autostart", True)


def program_specs(ctx: Context, verdict: Verdict | None) -> tuple[list[ProgramSpec], list[Finding]]:
    """One ProgramSpec per [program:]/[fcgi-program:]/[eventlistener:] section."""
    specs: list[ProgramSpec] = []
    findings: list[Finding] = []
    for section in _program_sections(ctx):
        header = ctx.model.first(section)
        assert header is not None
        parsed = _from_supervisor(ctx, verdict, section)
        if parsed is not None:
            config, environment = parsed
            command, autostart = config.command, bool(config.autostart)
        else:
            command, environment, autostart = _from_file(ctx, section)
        argv, problem = _split_command(ctx, section, command)
        if problem is not None:
            findings.append(problem)
        _, directory = ctx.expanded(section, "directory")
        specs.append(
            ProgramSpec(
                manager="supervisord",
                name=section_suffix(section),
                argv=argv,
                file=header.file,
                line=header.line,
                environment=environment,
                autostart=autostart,
                working_dir=directory or None,
            )
        )
    return specs, findings
