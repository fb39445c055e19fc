"""The doctor's `configs` check: exactly `workloadctl validate` of the repository."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from workloadctl import settings as S
from workloadctl.doctor.model import Check
from workloadctl.managers.layout import validate_repository
from workloadctl.runtime.own_command import own_command


def check_configs(root: Path, env: Mapping[str, str]) -> Check:
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
    summary = (
        f"`{own_command('validate')}` in {root}: {len(errors)} error(s), {len(warnings)} warning(s)"
    )
    listed = (*errors, *warnings)
    if errors:
        return Check(
            "configs",
            False,
            f"{summary}; first: {errors[0].render()}",
            f"run `{own_command('validate', '--root', str(root))}` and fix the errors (the managers run "
            "their seed configs until then)",
            listed,
        )
    return Check("configs", True, summary, None, listed)
