"""What the launcher tells the container log (s6 sends a service's stderr there).

A fallback to the seed must be impossible to miss, and must say everything needed to
fix it without reading code: which file, which line, what is wrong, and the one
command that retries after the fix.
"""

from __future__ import annotations

from workloadctl.findings import Finding, Severity
from workloadctl.manager_names import Manager
from workloadctl.managers import kind
from workloadctl.runtime.decision import CODE_PROJECT_MISSING, Decision
from workloadctl.settings import (
    Settings,
)

RULE = "#" * 78
# A broken file can produce hundreds of findings; the first ones say enough.
MAX_FINDINGS_SHOWN = 20
# The cross-manager errors the launcher refuses a project config for (runtime.cross_policy).
CROSS_MANAGER_ERRORS = frozenset({"XM001", "XM002", "XM003"})


def restart_command(manager: Manager, settings: Settings) -> str:
    """What the developer runs to retry: --state-dir included for a local stack."""
    # Imported here: a start on the project config prints no command (~3 ms of imports).
    from workloadctl.runtime.own_command import stack_command

    return stack_command(settings, "restart", manager)


def raw_restart_command(manager: Manager, settings: Settings) -> str:
    return f"s6-svc -r {settings.service_dir / manager}"


def _boxed(lines: list[str]) -> str:
    body = [f"#  {line}".rstrip() for line in lines]
    return "\n".join([RULE, *body, RULE]) + "\n"


def validate_line(settings: Settings) -> str:
    """`workloadctl validate`, with --root for a local stack's repository."""
    from workloadctl.runtime.own_command import validate_command

    return validate_command(settings)


def _finding_lines(findings: tuple[Finding, ...], validate: str) -> list[str]:
    ordered = [f for f in findings if f.severity is Severity.ERROR] + [
        f for f in findings if f.severity is Severity.WARNING
    ]
    lines = [f"  {finding.render()}" for finding in ordered[:MAX_FINDINGS_SHOWN]]
    hidden = len(ordered) - MAX_FINDINGS_SHOWN
    if hidden > 0:
        lines.append(f"  ... and {hidden} more (run `{validate}` for all)")
    return lines


def _what_to_do(decision: Decision, retry: str, validate: str) -> list[str]:
    """`retry`: the restart command the banner ends with, `validate` the check of the
    repository (each with the stack's --state-dir or --root, found once)."""
    if decision.failed:
        return ["this is a bug in workloadctl (please report it); the seed runs meanwhile."]
    if decision.quarantine is not None:
        return [
            "edit the file (a changed file lifts the quarantine), or run",
            f"    {retry} --clear-quarantine",
        ]
    if decision.project_config is None:
        return ["set UNAME and REPO_NAME (or WORKLOADCTL_ROOT) in the container environment."]
    if any(finding.code == CODE_PROJECT_MISSING for finding in decision.findings):
        root = decision.project_config.parents[2]
        if not root.is_dir():
            return [
                f"mount the repository at {root}, or rebuild the image with the build args",
                "UNAME and REPO_NAME naming where it is mounted (/home/UNAME/REPO_NAME).",
            ]
        return [f"create {decision.project_config} (`{validate}` checks it)."]
    if any(finding.code in CROSS_MANAGER_ERRORS for finding in decision.findings):
        return [
            "define each program in one manager only: remove it from this project config,",
            "or from the other manager's config and restart that manager first",
            f"(both places are named above; `{validate}` shows the same).",
        ]
    return [f"fix the file (`{validate}` shows the same findings)."]


def seed_banner(decision: Decision, settings: Settings) -> str:
    """The loud banner for a start on the seed config."""
    manager = decision.manager
    lines = [
        f"workloadctl: {manager} is running the SEED config, NOT the project config",
        "",
        f"why:     {decision.reason}",
        f"project: {decision.project_config or '(no project root)'}",
        f"running: {decision.config}",
    ]
    validate = validate_line(settings)
    shown = _finding_lines(decision.findings, validate)
    if shown:
        lines += ["", "findings:", *shown]
    retry = restart_command(manager, settings)
    todo = _what_to_do(decision, retry, validate)
    lines += ["", "what to do:", *[f"  {line}" for line in todo]]
    lines += [
        "then retry with:",
        f"    {retry}",
        f"  (raw s6: {raw_restart_command(manager, settings)})",
    ]
    return _boxed(lines)


def project_notice(decision: Decision) -> str:
    """The quiet line for a start on the project config, plus its warnings."""
    digest = (decision.project_sha256 or "?")[:12]
    lines = [f"workloadctl: {decision.manager}: starting {decision.config} (sha256 {digest})"]
    lines += [f"workloadctl: {finding.render()}" for finding in decision.findings]
    return "\n".join(lines) + "\n"


def missing_seed_line(decision: Decision) -> str:
    """One line: nothing can run. The reason the project config was not used comes along."""
    return (
        f"workloadctl: fatal: {decision.manager} cannot start: the seed config "
        f"{decision.config} is missing and the project config cannot be used "
        f"({decision.reason})\n"
    )


def missing_binary_banner(manager: Manager, settings: Settings) -> str:
    lines = [
        f"workloadctl: cannot start {manager}: the {manager} binary was not found",
        "",
        *kind(manager).install_hint,
        "s6 retries every second; once installed, it starts by itself, or run",
        f"    {restart_command(manager, settings)}",
        f"  (raw s6: {raw_restart_command(manager, settings)})",
    ]
    return _boxed(lines)
