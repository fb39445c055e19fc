"""The doctor's `configs` check: exactly `workloadctl validate` of the repository."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from workloadctl import settings as S
from workloadctl.doctor.model import Check
from workloadctl.findings import Finding
from workloadctl.manager_names import Manager
from workloadctl.managers import MANAGERS, kind
from workloadctl.managers.layout import validate_repository
from workloadctl.runtime.decision_record import read_decision
from workloadctl.runtime.own_command import own_command


def check_configs(root: Path, env: Mapping[str, str], stack: S.Settings | None = None) -> Check:
    """What `workloadctl validate --root ROOT` says, with each error and warning listed.
    Its notes (info: true only of this machine, such as a directory only the container
    has) are left out: they change with the machine, and never fail `validate`."""
    if not (root / S.DEVCONTAINER_DIR).is_dir():
        return Check(
            "configs",
            False,
            f"{root} has no .devcontainer/: not a repository set up for workloadctl",
            f"run `{own_command('init', str(root))}`, or run doctor inside such a repository",
        )
    report = validate_repository(root, env)
    errors, warnings = report.errors, report.warnings
    # --root: a bare validate checks the reader's current directory (from `/`: no repository).
    validate = own_command("validate", "--root", os.path.abspath(root))
    summary = f"`{validate}`: {len(errors)} error(s), {len(warnings)} warning(s)"
    listed = (*errors, *warnings)
    if errors:
        until = until_fixed(errors, root, stack)
        return Check(
            "configs",
            False,
            f"{summary}; first: {errors[0].render()}",
            f"run `{validate}` and fix the errors" + (f" (until then: {until})" if until else ""),
            listed,
        )
    return Check("configs", True, summary, None, listed)


def _broken_managers(errors: Sequence[Finding], root: Path) -> list[Manager]:
    """The managers whose project config an error names, in the order of MANAGERS."""
    named = set()
    for finding in errors:
        path = Path(finding.file)
        named.add((path if path.is_absolute() else root / path).resolve())
    return [m for m in MANAGERS if (root / kind(m).project_config).resolve() in named]


def until_fixed(errors: Sequence[Finding], root: Path, stack: S.Settings | None) -> str:
    """What the broken files mean for the managers, true to what runs: a manager keeps the
    config it runs (a broken file is only read at a start or a reload); `stack`: the
    settings of the running stack, None when none runs."""
    parts = []
    for manager in _broken_managers(errors, root):
        record = read_decision(stack, manager) if stack is not None else None
        source = record.started_source if record is not None else None
        if source == "project":
            parts.append(
                f"{manager} keeps running its project config as it last applied it; "
                f"`reload` refuses the file, and a restart of {manager} would fall back to "
                "its seed config"
            )
        elif source == "seed":
            parts.append(f"{manager} runs its seed config; a restart after the fix retries")
        else:
            parts.append(f"a start of {manager} would run its seed config")
    return "; ".join(parts)
