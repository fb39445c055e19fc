"""`workloadctl validate`: static checks of supervisord, process-compose and s6-rc configs."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from workloadctl import settings as S
from workloadctl.commands.command_support import add_command
from workloadctl.errors import UsageError
from workloadctl.findings import Report
from workloadctl.managers.layout import (
    KINDS,
    Target,
    has_any_layout,
    kind_of,
    validate_paths,
    validate_repository,
    validation_settings,
)

HELP = "check configs (supervisord .conf, process-compose .yaml, s6-rc trees) without running them"

DESCRIPTION = """\
Check configs the way the managers will read them, without starting anything.

With no PATH, checks the layout of the repository (--root, default: the git root of
the current directory): workloads/supervisord/project.conf,
workloads/process-compose/project.yaml, the seed configs, the s6-rc source tree and
devcontainer.json / docker-compose.yml under .devcontainer/ (no `init: true`: s6 must
be PID 1), and the cross-manager rules between the two project configs. A missing file
of a half-set-up repository is a finding (LY001, LY002); a directory with none of the
layout (no .devcontainer/, no workloads/: `/`, say) is no repository: exit status 2.

With PATHs: a .conf/.ini file is a supervisord config, a .yaml/.yml/.json file a
process-compose config, a directory an s6-rc source tree (--kind overrides). The
programs of all the PATHs are also checked against each other (same name, same
command or same TCP port in both managers).

Outside the container, what holds only of this machine (a directory or user only the
container has: SV004) is an `info` note, never a failure.

Exit status: 0 no errors (warnings allowed), 1 at least one error (with --strict,
warnings count; notes never do), 2 usage error. Finding codes: docs/validate-codes.md.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(subparsers, "validate", HELP, DESCRIPTION)
    parser.add_argument("paths", nargs="*", metavar="PATH", type=Path, help="files or s6-rc dirs")
    parser.add_argument("--root", type=Path, help="repository root (default: git root of cwd)")
    parser.add_argument("--kind", choices=KINDS, help="check every PATH as this kind")
    parser.add_argument("--strict", action="store_true", help="warnings count as errors")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.paths and args.root is not None:
        raise UsageError("give either PATHs or --root, not both")
    root = args.root if args.root is not None else S.find_repo_root(Path.cwd())
    if not root.is_dir():
        raise UsageError(f"--root {root}: not a directory")
    if not args.paths and not has_any_layout(root):
        # From `/` every file of the layout was "missing": errors about a repository that
        # is not there. A half-set-up one still gets its LY001/LY002.
        where = (
            f"--root {root}"
            if args.root is not None
            else f"{root} (found from the current directory)"
        )
        raise UsageError(
            f"{where} has no {S.DEVCONTAINER_DIR}/ nor workloads/: not a workloadctl "
            "repository; pass --root REPO, or the config files to check as PATHs"
        )
    if args.paths:
        settings = validation_settings(S.Settings.from_env(), root.resolve())
        report = validate_paths(_targets(args.paths, args.kind), settings)
    else:
        report = validate_repository(root)
    ok = report.ok(strict=args.strict)
    if args.json:
        print(json.dumps(_as_json(report, ok), indent=None))
    else:
        _print_human(report, ok)
    return 0 if ok else 1


def _targets(paths: list[Path], kind: str | None) -> list[Target]:
    targets: list[Target] = []
    for path in paths:
        # A dangling link or a link loop still "exists" as a path: the loader reports it.
        if not os.path.lexists(path):
            raise UsageError(f"{path}: no such file or directory")
        resolved_kind = kind or kind_of(path)
        if resolved_kind is None:
            raise UsageError(
                f"{path}: cannot tell its kind from the name; pass --kind supervisord, "
                "--kind process-compose or --kind s6-rc"
            )
        targets.append(Target(path, resolved_kind))  # type: ignore[arg-type]
    return targets


def _as_json(report: Report, ok: bool) -> dict[str, Any]:
    return {"ok": ok, "findings": [f.as_dict() for f in report.findings]}


def _print_human(report: Report, ok: bool) -> None:
    for finding in report.findings:
        print(finding.render())
    n_err, n_warn, n_note = len(report.errors), len(report.warnings), len(report.notes)
    verdict = "OK" if ok else "FAILED"
    summary = f"{verdict}: {n_err} error{'s' * (n_err != 1)}, {n_warn} warning{'s' * (n_warn != 1)}"
    if n_note:
        summary += f", {n_note} note{'s' * (n_note != 1)} (about this machine only)"
    print(summary)
