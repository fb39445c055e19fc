"""`workloadctl init`: write the `.devcontainer/` + `workloads/` template into a repository."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from workloadctl import settings as S
from workloadctl.errors import UsageError, WorkloadctlError
from workloadctl.template.customize import Defaults, apply_defaults
from workloadctl.template.install import Action, Plan, Step, apply, plan
from workloadctl.template.selection import TemplateError
from workloadctl.template.source import load_template

HELP = "write the .devcontainer/ and workloads/ template into a repository"

DESCRIPTION = """\
Write the dev-container template (.devcontainer/: Dockerfile, compose file, s6-rc
services, seed configs; workloads/: the supervisord and process-compose project
configs) into DIR (default: the git root of the current directory).

Every file is listed with what happens to it: create, unchanged (already identical)
or overwrite. An existing file that differs is never replaced without --force; then
nothing at all is written. A directory, a FIFO or a symbolic-link parent where a
template file goes is never replaced, even with --force. A repository without docs/
also gets docs/index.html, which the `docs` program of the supervisord config serves.

--user and --repo set the defaults for the developer account and the repository's
directory name in the container (the Dockerfile's ARG UNAME / ARG REPO_NAME and the
compose file's ${UNAME:-...} / ${REPO_NAME:-...}). They apply when
.devcontainer/.env is absent (docker compose by hand, CI); the dev container's
initializeCommand (host-env.sh) writes that file with your host user name and the
checkout's directory name at every start, and those win.

Examples:
  workloadctl init                      # into the git root of the current directory
  workloadctl init ../other-repo --user alice --repo other-repo
  workloadctl init --force --json       # overwrite what differs, print one JSON object
  workloadctl validate --root ../other-repo   # then check the result
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "init",
        help=HELP,
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("dir", nargs="?", type=Path, metavar="DIR", help="target repository")
    parser.add_argument("--user", metavar="NAME", help="default developer account in the container")
    parser.add_argument("--repo", metavar="NAME", help="default directory name of the repository")
    parser.add_argument("--force", action="store_true", help="overwrite files that differ")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    root = args.dir if args.dir is not None else S.find_repo_root(Path.cwd())
    if not root.is_dir():
        raise UsageError(f"{root}: not a directory (create it and `git init` it first)")
    root = root.resolve()
    try:
        template = apply_defaults(load_template(), Defaults(args.user, args.repo))
    except TemplateError as exc:
        raise WorkloadctlError(str(exc)) from exc
    the_plan = plan(template, root)
    refused = bool(the_plan.blocked) or (bool(the_plan.conflicts) and not args.force)
    if not refused:
        try:
            apply(the_plan)
        except OSError as exc:
            raise WorkloadctlError(f"writing the template into {root} failed: {exc}") from exc
    warnings = _warnings(root) if not refused else []
    if args.json:
        data = _as_json(the_plan, written=not refused, force=args.force)
        print(json.dumps({**data, "warnings": warnings}))
    else:
        _print_human(the_plan, written=not refused, force=args.force)
        for line in warnings:
            print(f"init: warning: {line}", file=sys.stderr)
    return 1 if refused else 0


# The Dockerfile of this repository installs workloadctl from the build context's own
# source. Another repository has none: say so rather than let `docker build` fail later.
_COPIES_OWN_SOURCE = re.compile(r"^COPY\s+src/", re.MULTILINE)


def _warnings(root: Path) -> list[str]:
    try:
        dockerfile = (root / ".devcontainer/Dockerfile").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    if _COPIES_OWN_SOURCE.search(dockerfile) and not (root / "src/workloadctl").is_dir():
        return [
            ".devcontainer/Dockerfile installs workloadctl from the build context's "
            "pyproject.toml and src/, which this repository does not have: `docker build` "
            "fails until the Dockerfile installs workloadctl from where you get it "
            "(validate, up and the other commands work meanwhile)"
        ]
    return []


_PAST = {
    Action.CREATE: "created",
    Action.OVERWRITE: "overwritten",
    Action.UNCHANGED: "unchanged",
    Action.BLOCKED: "blocked",
}


def _as_json(the_plan: Plan, *, written: bool, force: bool) -> dict[str, Any]:
    def entry(step: Step) -> dict[str, Any]:
        action = _PAST[step.action] if written else str(step.action)
        item: dict[str, Any] = {
            "path": step.path,
            "action": action,
            "executable": step.file.executable,
        }
        if step.reason:
            item["reason"] = step.reason
        return item

    return {
        "ok": written,
        "root": str(the_plan.root),
        "written": written,
        "files": [entry(step) for step in the_plan.steps],
        "conflicts": [step.path for step in the_plan.conflicts if not force],
        "blocked": [step.path for step in the_plan.blocked],
    }


def _print_human(the_plan: Plan, *, written: bool, force: bool) -> None:
    if written:
        print(f"init: wrote the workloadctl template into {the_plan.root}")
        for step in the_plan.steps:
            print(f"  {_PAST[step.action]:<11} {step.path}")
        counts = {
            a: len(the_plan.with_action(a))
            for a in (Action.CREATE, Action.OVERWRITE, Action.UNCHANGED)
        }
        print(
            f"init: {counts[Action.CREATE]} created, {counts[Action.OVERWRITE]} overwritten, "
            f"{counts[Action.UNCHANGED]} unchanged"
        )
        print(f"next: workloadctl validate --root {the_plan.root}")
        return
    print(f"init: nothing written to {the_plan.root}")
    for step in the_plan.blocked:
        print(f"  blocked     {step.path}: {step.reason}")
    if not force:
        for step in the_plan.conflicts:
            print(f"  exists      {step.path} ({step.reason})")
    if the_plan.blocked:
        print("init: move the blocked paths out of the way (even --force does not replace them)")
    elif not force:
        print("init: re-run with --force to overwrite the files that exist and differ")
