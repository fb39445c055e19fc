"""`workloadctl init`: write the `.devcontainer/` + `workloads/` template into a repository."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from workloadctl import __version__
from workloadctl import settings as S
from workloadctl.commands.command_support import add_command
from workloadctl.errors import UsageError, WorkloadctlError
from workloadctl.runtime.own_command import own_command
from workloadctl.template import (
    devcontainer_template,
    package_notes,
    record,
    update,
    update_report,
)
from workloadctl.template.customize import Defaults, apply_defaults
from workloadctl.template.install import Action, Plan, Step, apply, plan
from workloadctl.template.package_source import for_repository, has_own_source
from workloadctl.template.selection import TemplateError
from workloadctl.template.source import Template, differing_paths, load_template

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

The Dockerfile written installs workloadctl from the package index, exactly this
version (workloadctl=={version}); its build args PIP_INDEX_URL, PIP_EXTRA_INDEX_URL,
PIP_FIND_LINKS and PIP_TRUSTED_HOST point pip at a mirror. Only a repository with
workloadctl's own source (src/workloadctl/) builds it from that source instead.

init records what it wrote in .workloadctl-template.json (version, defaults, and
per file its hash and content). Commit it: --update needs it.

--update brings the template files of DIR to this version of workloadctl: files you
never edited are replaced; edited ones are merged (git merge-file) with the template's
changes; where both changed the same lines your file stays as it is, the merge with
its conflict blocks goes to FILE.workloadctl-merge, and the diff and the command to
finish are printed (exit 1). Files you deleted stay deleted (--restore FILE brings one
back); files the template no longer has are left in place and reported. --dry-run
shows all that and writes nothing. See docs/init.md.

--devcontainer-template OUTDIR writes the template as a Dev Container Template
(OUTDIR/src/workloadctl/devcontainer-template.json and its files), to publish with
`devcontainer templates publish`.

Examples:
  workloadctl init                      # into the git root of the current directory
  workloadctl init --update --dry-run   # what an update to this version would do
  workloadctl init --update --json      # do it, print one JSON object
  workloadctl init ../other-repo --user alice --repo other-repo
  workloadctl init --force --json       # overwrite what differs, print one JSON object
  workloadctl validate --root ../other-repo   # then check the result
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(subparsers, "init", HELP, DESCRIPTION.replace("{version}", __version__))
    parser.add_argument("dir", nargs="?", type=Path, metavar="DIR", help="target repository")
    parser.add_argument("--user", metavar="NAME", help="default developer account in the container")
    parser.add_argument("--repo", metavar="NAME", help="default directory name of the repository")
    parser.add_argument("--force", action="store_true", help="overwrite files that differ")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument(
        "--update", action="store_true", help="bring DIR's template files to this version"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="with --update: show what it would do, write nothing"
    )
    parser.add_argument(
        "--restore",
        action="append",
        default=[],
        metavar="FILE",
        help="with --update: bring back a template file you deleted (repeatable)",
    )
    parser.add_argument(
        "--devcontainer-template",
        type=Path,
        metavar="OUTDIR",
        help="write the template as a Dev Container Template into OUTDIR",
    )
    parser.set_defaults(handler=run)


def _template(defaults: Defaults, root: Path) -> Template:
    """What init writes into `root` (and what --update brings it to)."""
    try:
        template = apply_defaults(load_template(), defaults)
        return for_repository(template, root, __version__)
    except TemplateError as exc:
        raise WorkloadctlError(str(exc)) from exc


def run(args: argparse.Namespace) -> int:
    if (args.dry_run or args.restore) and not args.update:
        raise UsageError("--dry-run and --restore go with --update")
    if args.devcontainer_template is not None:
        return _write_devcontainer_template(args)
    root = args.dir if args.dir is not None else S.find_repo_root(Path.cwd())
    if not root.is_dir():
        raise UsageError(f"{root}: not a directory (create it and `git init` it first)")
    root = root.resolve()
    if args.update:
        return _run_update(args, root)
    template = _template(Defaults(args.user, args.repo), root)
    _print_warnings(template.warnings, as_json=args.json)
    the_plan = plan(template, root)
    refused = bool(the_plan.blocked) or (bool(the_plan.conflicts) and not args.force)
    if not refused:
        written = record.Record(__version__, args.user, args.repo, record.files_of(template))
        try:
            apply(the_plan)
            update.write_record(root, S.TEMPLATE_RECORD, written)
        except OSError as exc:
            raise WorkloadctlError(f"writing the template into {root} failed: {exc}") from exc
    # Where the written Dockerfile gets workloadctl from (not for workloadctl's own source).
    notes = (
        []
        if refused or has_own_source(root)
        else package_notes.notes(__version__, package_notes.local_install())
    )
    if args.json:
        data = _as_json(the_plan, written=not refused, force=args.force)
        print(json.dumps({**data, "warnings": list(template.warnings), "notes": notes}))
    else:
        _print_human(the_plan, written=not refused, force=args.force)
        for line in notes:
            print(line)
    return 1 if refused else 0


def _run_update(args: argparse.Namespace, root: Path) -> int:
    try:
        old = record.read(root, S.TEMPLATE_RECORD)
    except TemplateError as exc:
        raise WorkloadctlError(str(exc)) from exc
    user = args.user if args.user is not None else (old.user if old else None)
    repo = args.repo if args.repo is not None else (old.repo if old else None)
    template = _template(Defaults(user, repo), root)
    warnings = [*template.warnings, *_reverting(old, template, user, repo)]
    _print_warnings(warnings, as_json=args.json)
    try:
        the_plan = update.plan_update(
            template,
            root,
            old=old,
            new_record=record.Record(__version__, user, repo),
            record_name=S.TEMPLATE_RECORD,
            restore=frozenset(args.restore),
        )
    except TemplateError as exc:
        raise UsageError(str(exc)) from exc
    if not args.dry_run and not the_plan.blocked and not the_plan.writes_nothing:
        try:
            update.apply_update(the_plan)
        except OSError as exc:
            raise WorkloadctlError(f"updating the template in {root} failed: {exc}") from exc
    if args.json:
        report = update_report.as_json(the_plan, __version__, dry_run=args.dry_run)
        print(json.dumps({**report, "warnings": warnings}))
    else:
        update_report.print_human(the_plan, __version__, dry_run=args.dry_run)
    return update_report.exit_code(the_plan)


def _print_warnings(warnings: tuple[str, ...] | list[str], *, as_json: bool) -> None:
    """On stderr, before the report (`--json` carries them in its object instead)."""
    if as_json:
        return
    for warning in warnings:
        print(f"init: warning: {warning}", file=sys.stderr)


def _reverting(
    old: record.Record | None, template: Template, user: str | None, repo: str | None
) -> list[str]:
    """A warning when the template applied is of the recorded version with the recorded
    defaults, yet not the recorded content: the record was written from another template
    (`$WORKLOADCTL_TEMPLATE_DIR`, a newer checkout), and this update takes it back."""
    if old is None or (old.version, old.user, old.repo) != (__version__, user, repo):
        return []
    differ = differing_paths(old.files, template.by_path())
    if not differ:
        return []
    now = (
        f"${S.ENV_TEMPLATE_DIR}={S.template_dir_override()}"
        if S.template_dir_override() is not None
        else "the installed template"
    )
    return [
        f"{S.TEMPLATE_RECORD} records the template of {__version__} with other content "
        f"than {template.origin} has in {len(differ)} files ({', '.join(differ)}): this "
        f"update takes them back to what {now} holds. If the record was written from "
        f"another template (${S.ENV_TEMPLATE_DIR}), set it as it was then"
    ]


def _write_devcontainer_template(args: argparse.Namespace) -> int:
    try:
        written = devcontainer_template.write(
            args.devcontainer_template, load_template(), __version__, force=args.force
        )
    except TemplateError as exc:
        raise WorkloadctlError(str(exc)) from exc
    except OSError as exc:
        raise WorkloadctlError(f"writing {args.devcontainer_template} failed: {exc}") from exc
    if args.json:
        print(json.dumps({"ok": True, "template_dir": str(written)}))
    else:
        print(f"init: wrote the Dev Container Template into {written}")
    return 0


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
        print(f"next: {own_command('validate', '--root', str(the_plan.root))}")
        return
    print(f"init: nothing written to {the_plan.root}")
    for step in the_plan.blocked:
        print(f"  blocked     {step.path}: {step.reason}")
    if not force:
        for step in the_plan.conflicts:
            print(f"  exists      {step.path} ({step.reason})")
    if the_plan.blocked:
        print("init: move the blocked paths out of the way (even --force does not replace them)")
    elif not force and (the_plan.root / S.TEMPLATE_RECORD).is_file():
        print(
            f"init: {the_plan.root} already has the template ({S.TEMPLATE_RECORD}); to bring "
            "it to this version keeping your edits, run: "
            + update_report.init_command("--update", str(the_plan.root))
        )
        print(
            "init: to see first what that would do, run: "
            + update_report.init_command("--update", "--dry-run", str(the_plan.root))
        )
        print("init: (--force would overwrite every file that differs, your edits included)")
    elif not force:
        print("init: re-run with --force to overwrite the files that exist and differ")
