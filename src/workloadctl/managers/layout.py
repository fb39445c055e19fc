"""Run the right loader on each file and the cross-manager rules across them.

Two entry points, both used by `validate` (and the layout one by `doctor`/pre-commit):
- `validate_layout(root)`: the files a repository using workloadctl has (or should have);
  `validate_repository(root)` is it as `validate` without PATHs runs it (doctor's too);
- `validate_paths(paths)`: explicit files/directories, kind from extension or `--kind`.
"""

from __future__ import annotations

import dataclasses
import gc
import getpass
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Literal

from workloadctl import settings as S
from workloadctl.checks.programs import LoadResult, ProgramSpec
from workloadctl.findings import Finding, Report, error, warning
from workloadctl.managers import KINDS as MANAGER_KINDS
from workloadctl.managers import kind as manager_kind
from workloadctl.managers.environment import manager_environment
from workloadctl.managers.forked import start_forked

Kind = Literal["supervisord", "process-compose", "s6-rc"]
KINDS: tuple[Kind, ...] = ("supervisord", "process-compose", "s6-rc")

_SUFFIX_KINDS: dict[str, Kind] = {
    ".conf": "supervisord",
    ".ini": "supervisord",
    ".yaml": "process-compose",
    ".yml": "process-compose",
    ".json": "process-compose",
}


@dataclass(frozen=True)
class Target:
    path: Path
    kind: Kind
    # process-compose resolves .env, env_file and working_dir against the directory it runs
    # in: the launcher runs the project config from the repository root. None: the file's dir.
    cwd: Path | None = None


def kind_of(path: Path) -> Kind | None:
    """The kind a path is checked as when `--kind` is not given; None when it cannot tell."""
    if path.is_dir():
        return "s6-rc"
    return _SUFFIX_KINDS.get(path.suffix.lower())


def validation_settings(settings: S.Settings, root: Path) -> S.Settings:
    """Settings for checking configs on any machine: where the container's environment
    would name the repository and the developer, use the repository being checked and the
    account running the check, so `%(ENV_WORKLOADCTL_ROOT)s`-style values expand."""
    return dataclasses.replace(
        settings,
        root_override=settings.project_root or root,
        user_name=settings.user_name or getpass.getuser(),
        user_home=settings.user_home or Path.home(),
    )


def load_one(target: Target, settings: S.Settings) -> LoadResult:
    """The single place that maps a kind to its loader, with the environment the launcher uses."""
    if target.kind != "s6-rc":
        return manager_kind(target.kind).load(
            target.path,
            env=manager_environment(settings, target.kind, for_validation=True),
            on_target=settings.in_container,
            cwd=target.cwd,
        )
    from workloadctl.checks.s6rc import load_s6rc_tree

    tree = load_s6rc_tree(target.path)
    return LoadResult(findings=list(tree.findings))


def validate_paths(targets: Sequence[Target], settings: S.Settings) -> Report:
    from workloadctl.checks.cross_manager import check_cross_manager

    report = Report()
    programs: list[ProgramSpec] = []
    for target in targets:
        result = load_one(target, settings)
        report.extend(result.findings)
        programs.extend(result.programs)
    report.extend(check_cross_manager(programs))
    return report


# What a repository using workloadctl contains, relative to its root, and whether it must.
_LAYOUT: tuple[tuple[Path, Kind, bool], ...] = (
    *((manager.project_config, name, False) for name, manager in MANAGER_KINDS.items()),
    *((manager.seed_source, name, True) for name, manager in MANAGER_KINDS.items()),
    (S.S6_RC_SOURCE_DIR, "s6-rc", True),
)


def has_any_layout(root: Path) -> bool:
    """Whether `root` holds any part of the layout (the directories its files live in:
    .devcontainer/, workloads/): a half-set-up repository has its findings (LY001, LY002),
    a directory with none of it is no workloadctl repository at all."""
    tops = {relative.parts[0] for relative, _, _ in _LAYOUT}
    return any(os.path.lexists(root / top) for top in sorted(tops))


# Loaded in a forked child while this process checks the rest: Supervisor's import and
# parse are most of `validate`'s time (docs/performance.md).
_FORKED_KIND: Kind = "supervisord"
# Set (to anything but "" or "0") to load everything in this process, as before the fork.
SERIAL_ENV = "WORKLOADCTL_VALIDATE_SERIAL"


def validate_layout(root: Path, settings: S.Settings, *, fork: bool | None = None) -> Report:
    """Check every file of the layout that exists; say which ones are missing and what that means.

    The cross-manager rules compare the two project configs only: the seeds are fallbacks
    and never run beside the project config of the same manager. `fork` (default: unless
    WORKLOADCTL_VALIDATE_SERIAL is set) loads the supervisord files in a child meanwhile;
    the report is the same either way.
    """
    if fork is None:
        fork = os.environ.get(SERIAL_ENV, "") in ("", "0")
    # The loads build objects that all live until the report is made (Supervisor's
    # configs, the models, the modules imported on the way): the cyclic collector would
    # walk them dozens of times to free next to nothing (~5% of `validate`'s time).
    # Paused for this call only, in the child too, and resumed as it was.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _validate_layout(root, settings, fork)
    finally:
        if collecting:
            gc.enable()


def _validate_layout(root: Path, settings: S.Settings, fork: bool) -> Report:
    report = Report()
    project_programs: list[ProgramSpec] = []
    targets: dict[int, Target] = {}
    missing: dict[int, Finding] = {}
    for index, (relative, kind, required) in enumerate(_LAYOUT):
        path = root / relative
        if not path.exists() and not path.is_symlink():
            missing[index] = _missing_finding(relative, kind, required)
        else:
            # The launcher runs a project config from the repository root.
            project = kind != "s6-rc" and not required
            targets[index] = Target(path, kind, root if project else None)
    forked = {i: t for i, t in targets.items() if t.kind == _FORKED_KIND}
    child = start_forked(partial(_load_all, forked, settings)) if fork and forked else None
    failure: Exception | None = None
    try:
        try:
            results = _load_all({i: t for i, t in targets.items() if i not in forked}, settings)
        except Exception as exc:
            if child is None:
                raise
            # In-process, the supervisord loads come first: their failure is the one seen.
            results, failure = {}, exc
        from_child = child.result() if child is not None else None
    finally:
        if child is not None:
            child.close()
    results.update(from_child if from_child is not None else _load_all(forked, settings))
    if failure is not None:
        raise failure
    for index, (_, kind, required) in enumerate(_LAYOUT):
        if index in missing:
            report.extend([missing[index]])
            continue
        result = results[index]
        report.extend(result.findings)
        if kind != "s6-rc" and not required:
            project_programs.extend(result.programs)
    # Imported only now: not on the way to the child's start, which never needs them.
    from workloadctl.checks.cross_manager import check_cross_manager
    from workloadctl.checks.devcontainer import check_devcontainer

    report.extend(check_cross_manager(project_programs))
    # devcontainer.json / docker-compose.yml must leave PID 1 to s6-overlay's /init.
    report.extend(check_devcontainer(root))
    return report


def _missing_finding(relative: Path, kind: Kind, required: bool) -> Finding:
    if required:
        return error(relative, None, "LY002", f"missing {kind} file or directory of the layout")
    return warning(
        relative, None, "LY001", f"missing: {kind} will run its seed config until it exists"
    )


def _load_all(targets: Mapping[int, Target], settings: S.Settings) -> dict[int, LoadResult]:
    # Plain LoadResults: a loader's own result type (SupervisordResult) would make the
    # parent import that loader (Supervisor) just to unpickle it.
    results: dict[int, LoadResult] = {}
    for index, target in targets.items():
        result = load_one(target, settings)
        results[index] = LoadResult(findings=result.findings, programs=result.programs)
    return results


def relative_to_root(report: Report, root: Path) -> Report:
    """Layout findings name files relative to the repository root, as a user reads them."""
    resolved_root = root.resolve()
    out = Report()
    for finding in report.findings:
        path = Path(finding.file)
        try:
            shown = (
                str(path.resolve().relative_to(resolved_root)) if path.is_absolute() else str(path)
            )
        except (ValueError, OSError):
            shown = finding.file
        out.findings.append(dataclasses.replace(finding, file=shown))
    return out


def validate_repository(root: Path, env: Mapping[str, str] | None = None) -> Report:
    """`workloadctl validate --root ROOT`: one verdict for `validate` and `doctor`, from
    the caller's environment only (never a local stack's, whose directories come and go
    with `up` and `down`)."""
    settings = validation_settings(S.Settings.from_env(env), root.resolve())
    return relative_to_root(validate_layout(root, settings), root)
