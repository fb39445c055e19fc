"""What `init --update` prints: one line per file, the diffs of conflicts, and the exact
commands that come next."""

from __future__ import annotations

import os
import shlex
from typing import Any

from workloadctl import settings as S
from workloadctl.runtime.own_command import own_command
from workloadctl.template.update import Change, Outcome, UpdatePlan

_PAST = {
    Outcome.UNCHANGED: "unchanged",
    Outcome.CREATE: "created",
    Outcome.REPLACE: "replaced",
    Outcome.MERGE: "merged",
    Outcome.KEEP: "kept",
    Outcome.CONFLICT: "conflict",
    Outcome.DELETED: "deleted",
    Outcome.BLOCKED: "blocked",
    Outcome.DROPPED: "dropped",
}
_NOTE = {
    Outcome.MERGE: "your edits and the template's changes",
    Outcome.KEEP: "your edits; the template did not change it",
    Outcome.DELETED: "you deleted it; not brought back",
}


def exit_code(the_plan: UpdatePlan) -> int:
    """0: done; 1: blocked (nothing written) or a conflict waits for the user."""
    needs_user = the_plan.blocked or the_plan.with_outcome(Outcome.CONFLICT)
    return 1 if needs_user else 0


def init_command(*args: str) -> str:
    """`workloadctl init ARGS...` as printed: with `$WORKLOADCTL_TEMPLATE_DIR` when it is
    set, so the command applies the same template (without it, the installed template
    would take an update from another one back)."""
    command = own_command("init", *args)
    override = S.template_dir_override()
    if override is None:
        return command
    return f"{S.ENV_TEMPLATE_DIR}={shlex.quote(os.path.abspath(override))} {command}"


def next_steps(the_plan: UpdatePlan, *, dry_run: bool) -> list[str]:
    root = str(the_plan.root)
    update = init_command("--update", root)
    if the_plan.blocked:
        return ["move the blocked paths out of the way, then run: " + update]
    if dry_run:
        return [] if the_plan.writes_nothing else ["to do it, run: " + update]
    steps = []
    for change in the_plan.with_outcome(Outcome.CONFLICT):
        side = shlex.quote(f"{root}/{change.conflict_path}")
        steps.append(
            f"{change.path}: finish the merge in {side} (resolve the <<<<<<< ... >>>>>>> "
            f"blocks), then run: mv {side} {shlex.quote(f'{root}/{change.path}')} && {update}"
        )
    for change in the_plan.with_outcome(Outcome.DELETED):
        restore = init_command("--update", "--restore", change.path, root)
        steps.append(f"{change.path}: to bring it back, run: {restore}")
    for change in the_plan.with_outcome(Outcome.DROPPED):
        if change.reason == "already gone":
            continue
        verb = "if you no longer need it" if change.edited else "to remove it"
        steps.append(f"{change.path}: {verb}, run: rm {shlex.quote(f'{root}/{change.path}')}")
    return steps


def _headline(the_plan: UpdatePlan, version: str, *, dry_run: bool) -> str:
    if the_plan.blocked:
        return f"nothing written to {the_plan.root}"
    if the_plan.writes_nothing:
        nothing = ": nothing would be written" if dry_run else ""
        return f"{the_plan.root} is already up to date with the template of {version}{nothing}"
    old = the_plan.old_version or "no record (an older init)"
    verb = "would update" if dry_run else "updated"
    return f"{verb} {the_plan.root} from {old} to {version}"


def _conflict_detail(change: Change, *, dry_run: bool) -> str:
    if dry_run:
        return (
            f"yours would be kept; the merge with its conflicts would be written to "
            f"{change.conflict_path}"
        )
    return f"yours kept; the merge with its conflicts is in {change.conflict_path}"


def print_human(the_plan: UpdatePlan, version: str, *, dry_run: bool) -> None:
    print(f"init --update: {_headline(the_plan, version, dry_run=dry_run)}")
    for change in the_plan.changes:
        word = str(change.outcome) if dry_run else _PAST[change.outcome]
        detail = change.reason or _NOTE.get(change.outcome, "")
        if change.outcome is Outcome.CONFLICT and not change.pending:
            detail = _conflict_detail(change, dry_run=dry_run)
        if change.outcome is Outcome.DROPPED:
            detail = f"no longer in the template, left in place ({change.reason})"
        print(f"  {word:<11} {change.path}" + (f": {detail}" if detail else ""))
    for change in the_plan.with_outcome(Outcome.CONFLICT):
        merge = "the merge it would write" if dry_run else "the merge"
        print(f"init --update: conflict in {change.path}; from your file to {merge}:")
        print(change.diff, end="")
    counts = ", ".join(
        f"{len(the_plan.with_outcome(o))} {o if dry_run else _PAST[o]}"
        for o in Outcome
        if the_plan.with_outcome(o)
    )
    print(f"init --update: {counts or 'no files'}")
    for step in next_steps(the_plan, dry_run=dry_run):
        print(f"next: {step}")


def as_json(the_plan: UpdatePlan, version: str, *, dry_run: bool) -> dict[str, Any]:
    written = not dry_run and not the_plan.blocked

    def entry(change: Any) -> dict[str, Any]:
        item: dict[str, Any] = {"path": change.path, "outcome": str(change.outcome)}
        if change.reason:
            item["reason"] = change.reason
        if change.outcome is Outcome.CONFLICT:
            item["merge_file"] = change.conflict_path
            item["pending"] = change.pending
            item["diff"] = change.diff
        if change.outcome is Outcome.DROPPED:
            item["edited"] = change.edited
        return item

    return {
        "ok": exit_code(the_plan) == 0,
        "root": str(the_plan.root),
        "dry_run": dry_run,
        "written": written,
        "from_version": the_plan.old_version,
        "to_version": version,
        "files": [entry(c) for c in the_plan.changes],
        "next": next_steps(the_plan, dry_run=dry_run),
    }
