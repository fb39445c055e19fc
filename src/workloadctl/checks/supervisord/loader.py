"""Load and check a supervisord config file: Supervisor's own verdict plus the
mistakes it lets through, every one a finding with a file and a line.

    result = load_supervisord(Path("workloads/supervisord/project.conf"))
    result.ok, result.findings, result.programs, result.server

The verdict comes from Supervisor itself (`ServerOptions.realize`, run without side
effects, see supervisord_verdict). Our own reading of the file (supervisord_ini)
keeps line numbers and finds what Supervisor silently accepts: duplicate or unknown
sections and keys, a missing rpcinterface, logs it cannot rotate, a
`[supervisorctl]` that cannot log in, an exposed `[inet_http_server]`, includes
that match nothing, unset `%(ENV_X)s` variables. Codes: docs/validate-codes.md.

`on_target=False` (a developer validating on the host a config meant for the
container) makes checks that depend on the machine (users, directories, environment
variables, plugin modules) warnings that say "on this machine"; `on_target=True`
(the launcher inside the container) makes them errors.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from workloadctl.checks.programs import LoadResult
from workloadctl.checks.supervisord.context import Context
from workloadctl.checks.supervisord.expand import has_huge_width
from workloadctl.checks.supervisord.include import read_includes, special_file_finding
from workloadctl.checks.supervisord.ini import scan_ini
from workloadctl.checks.supervisord.programs import (
    log_device_findings,
    program_directory_findings,
    program_specs,
)
from workloadctl.checks.supervisord.refs import reference_findings
from workloadctl.checks.supervisord.servers import (
    SupervisordServer,
    declared_servers,
    inet_security_findings,
    server_summary,
    supervisorctl_findings,
)
from workloadctl.checks.supervisord.structure import (
    control_findings,
    duplicate_findings,
    syntax_findings,
    unknown_findings,
)
from workloadctl.checks.supervisord.translate import verdict_findings
from workloadctl.checks.supervisord.verdict import Verdict, supervisor_verdict
from workloadctl.fileio import read_config_text
from workloadctl.findings import Finding

__all__ = ["SupervisordResult", "SupervisordServer", "load_supervisord"]


@dataclass
class SupervisordResult(LoadResult):
    server: SupervisordServer | None = None


def load_supervisord(
    path: Path, *, env: Mapping[str, str] | None = None, on_target: bool = False
) -> SupervisordResult:
    """Check the supervisord config at `path`; never raises for anything in the file.

    `env` is the environment supervisord will run with (for `%(ENV_X)s`); it
    defaults to this process's environment.
    """
    env = dict(os.environ if env is None else env)
    special = special_file_finding(path, path, None, "supervisord config")
    if special is not None:
        return SupervisordResult(findings=[special])
    text = read_config_text(path, what="supervisord config")
    if isinstance(text, Finding):
        return SupervisordResult(findings=[text])
    ctx = Context(path=path, env=env, on_target=on_target)
    ctx.model.documents.append(scan_ini(text.text, ctx.file))
    own = _own_findings(ctx)
    verdict = _verdict(ctx)
    findings = own + (verdict_findings(ctx, verdict, own) if verdict else [])
    programs, program_findings = program_specs(ctx, verdict)
    findings.extend(program_findings)
    return SupervisordResult(
        findings=_in_order(ctx, findings),
        programs=programs,
        server=server_summary(declared_servers(ctx)),
    )


def _own_findings(ctx: Context) -> list[Finding]:
    findings = read_includes(ctx)  # first: the other checks see included sections too
    findings += syntax_findings(ctx.model)
    findings += duplicate_findings(ctx.model, ctx.file)
    findings += unknown_findings(ctx.model)
    findings += reference_findings(ctx)
    findings += control_findings(ctx)
    servers = declared_servers(ctx)
    findings += supervisorctl_findings(ctx, servers)
    findings += inet_security_findings(servers)
    findings += log_device_findings(ctx)
    findings += program_directory_findings(ctx)
    return findings


def _verdict(ctx: Context) -> Verdict | None:
    values = (e.value for s in ctx.model.occurrences() for e in s.entries)
    if any(has_huge_width(v) for v in values):
        # `%` would build a string of gigabytes; already reported as SV006.
        return None
    return supervisor_verdict(ctx.path, ctx.env, ctx.placeholders())


def _one_line(finding: Finding) -> Finding:
    # Values can span lines (continuation lines); a finding is printed as one line.
    if "\n" not in finding.message:
        return finding
    return dataclasses.replace(finding, message=finding.message.replace("\n", "\\n"))


def _in_order(ctx: Context, findings: list[Finding]) -> list[Finding]:
    """One line each, de-duplicated, the main file first, then by line."""
    unique = list(dict.fromkeys(_one_line(f) for f in findings))
    return sorted(
        unique,
        key=lambda f: (f.file != ctx.file, f.file, f.line or 0, f.code),
    )
