"""Which config a manager runs at this start: the project's, or the baked-in seed.

The project config wins when it exists, validates with the same loader `validate` uses,
and is not quarantined for crash-looping. In every other case (including a failure of
this decision itself) the seed runs, and the reason travels with the decision so the
launcher can print it and record it in `<decisions_dir>/<manager>.json`.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from workloadctl.checks.programs import LoadResult, Manager
from workloadctl.fileio import read_regular_bytes
from workloadctl.findings import Finding, Severity, error, warning
from workloadctl.managers import kind
from workloadctl.runtime.decision_record import DecisionRecord, Source, utc_time
from workloadctl.runtime.decision_record import decision_path as decision_path  # re-exported
from workloadctl.runtime.decision_record import read_decision as read_decision  # re-exported
from workloadctl.runtime.quarantine import (
    QuarantinePolicy,
    QuarantineRecord,
    check_quarantine,
)
from workloadctl.settings import Settings

# A loader: the same function `validate` runs, bound to the manager's environment.
Loader = Callable[[Path], LoadResult]

# Finding codes of the decision itself (documented in docs/launcher.md).
CODE_NO_PROJECT_ROOT = "LCH001"
CODE_PROJECT_MISSING = "LCH002"
CODE_QUARANTINED = "LCH003"
CODE_DECISION_FAILED = "LCH004"


def default_loader(manager: Manager, env: Mapping[str, str], cwd: Path | None) -> Loader:
    """The loader `validate` uses, bound to the manager's environment and working directory
    (process-compose reads `.env` from there), judging for this machine (on_target)."""

    def load(path: Path) -> LoadResult:
        return kind(manager).load(path, env=env, on_target=True, cwd=cwd)

    return load


def loaded_once(loader: Loader) -> Loader:
    """`loader`, reading each file once: the decision loads the project config, and the
    cross-manager check needs its programs again (~100 ms for 50 supervisord programs)."""
    results: dict[Path, LoadResult] = {}

    def load(path: Path) -> LoadResult:
        if path not in results:
            results[path] = loader(path)
        return results[path]

    return load


@dataclass(frozen=True)
class Decision:
    manager: Manager
    source: Source
    config: Path  # the file the manager is started with
    project_config: Path | None  # None when there is no project root at all
    project_sha256: str | None  # None when the project file is missing or unreadable
    reason: str  # one short line
    findings: tuple[Finding, ...] = ()  # why not the project config, plus its warnings
    quarantine: QuarantineRecord | None = None
    failed: bool = False  # the decision itself raised; the seed runs as a last resort
    # On the project config: its `ManagerKind.settings_digest` (what a reload cannot apply).
    settings_sha256: str | None = None

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    def record(self, *, pid: int, now: float, started: bool) -> DecisionRecord:
        return DecisionRecord(
            manager=self.manager,
            source=self.source,
            reason=self.reason,
            pid=pid,
            started=started,
            time=utc_time(now),
            epoch=now,
            config=str(self.config),
            project_config=str(self.project_config) if self.project_config else None,
            project_sha256=self.project_sha256,
            settings_sha256=self.settings_sha256,
            findings=self.findings,
            quarantine=asdict(self.quarantine) if self.quarantine else None,
            decision_failed=self.failed,
        )


def project_config_path(settings: Settings, manager: Manager) -> Path | None:
    root = settings.project_root
    return root / kind(manager).project_config if root is not None else None


def seed_config_path(settings: Settings, manager: Manager) -> Path:
    return kind(manager).seed_config(settings)


def file_sha256(path: Path) -> str | None:
    """None when the file cannot be read, or could block or never end (a FIFO, /dev/zero):
    the loader reports why."""
    return _sha256(read_regular_bytes(path))


def _sha256(raw: bytes | Finding) -> str | None:
    return None if isinstance(raw, Finding) else hashlib.sha256(raw).hexdigest()


def seed_decision(
    manager: Manager,
    settings: Settings,
    *,
    project_config: Path | None,
    reason: str,
    findings: list[Finding],
    project_sha256: str | None = None,
    quarantine: QuarantineRecord | None = None,
    failed: bool = False,
) -> Decision:
    """The seed runs, for `reason`; `findings` say why not the project config."""
    return Decision(
        manager=manager,
        source="seed",
        config=seed_config_path(settings, manager),
        project_config=project_config,
        project_sha256=project_sha256,
        reason=reason,
        findings=tuple(findings),
        quarantine=quarantine,
        failed=failed,
    )


def _decide(
    manager: Manager,
    settings: Settings,
    *,
    loader: Loader,
    policy: QuarantinePolicy,
    now: float,
    extra_findings: list[Finding],
) -> Decision:
    project = project_config_path(settings, manager)
    if project is None:
        problem = error(
            "$UNAME/$REPO_NAME",
            None,
            CODE_NO_PROJECT_ROOT,
            "no project root: set UNAME and REPO_NAME (or WORKLOADCTL_ROOT)",
        )
        return seed_decision(
            manager,
            settings,
            project_config=None,
            reason="no project root is configured",
            findings=[problem, *extra_findings],
        )
    if not project.exists() and not project.is_symlink():
        root = settings.project_root
        if root is not None and not root.is_dir():
            # The repository is mounted elsewhere: UNAME/REPO_NAME (build args) say where
            # it should be; "create the file" would be the wrong cure.
            message = (
                f"the project {manager} config does not exist: there is no repository at "
                f"{root} (mount it there, or build the image with UNAME and REPO_NAME "
                "matching where it is mounted; .devcontainer/host-env.sh writes them)"
            )
            reason = f"no repository at {root}"
        else:
            message = f"the project {manager} config does not exist"
            reason = "the project config does not exist"
        problem = warning(project, None, CODE_PROJECT_MISSING, message)
        return seed_decision(
            manager,
            settings,
            project_config=project,
            reason=reason,
            findings=[problem, *extra_findings],
        )
    # Read once for both digests (the file's and its settings'): `launch` is a hot path.
    raw = read_regular_bytes(project)
    digest = _sha256(raw)
    result = loader(project)
    findings = [*result.findings, *extra_findings]
    if not result.ok:
        count = sum(1 for f in result.findings if f.severity is Severity.ERROR)
        return seed_decision(
            manager,
            settings,
            project_config=project,
            project_sha256=digest,
            reason=f"the project config is invalid ({count} error{'s' if count != 1 else ''})",
            findings=findings,
        )
    quarantine = (
        check_quarantine(settings, manager, digest, policy=policy, now=now) if digest else None
    )
    if quarantine is not None:
        # Imported here: only a quarantine names the command (~3 ms of imports otherwise).
        from workloadctl.runtime.own_command import stack_command

        problem = error(
            project,
            None,
            CODE_QUARANTINED,
            f"{quarantine.describe()}; edit the file or run "
            f"`{stack_command(settings, 'restart', manager, '--clear-quarantine')}`",
        )
        return seed_decision(
            manager,
            settings,
            project_config=project,
            project_sha256=digest,
            reason=quarantine.describe(),
            findings=[problem, *findings],
            quarantine=quarantine,
        )
    return Decision(
        manager=manager,
        source="project",
        config=project,
        project_config=project,
        project_sha256=digest,
        reason="the project config is valid",
        findings=tuple(findings),
        settings_sha256=_settings_sha256(manager, raw),
    )


def settings_sha256(manager: Manager, path: Path) -> str | None:
    """The digest of `path` outside its program definitions; None when unreadable."""
    return _settings_sha256(manager, read_regular_bytes(path))


def _settings_sha256(manager: Manager, raw: bytes | Finding) -> str | None:
    return None if isinstance(raw, Finding) else kind(manager).settings_digest(raw)


def decide(
    manager: Manager,
    settings: Settings,
    *,
    loader: Loader,
    policy: QuarantinePolicy | None = None,
    now: float | None = None,
    extra_findings: list[Finding] | None = None,
) -> Decision:
    """Choose the config for this start. Never raises: a failure here means the seed.

    `extra_findings` (e.g. a bad quarantine setting) are carried into the decision.
    """
    now = time.time() if now is None else now
    extra = list(extra_findings or [])
    try:
        return _decide(
            manager,
            settings,
            loader=loader,
            policy=policy or QuarantinePolicy(),
            now=now,
            extra_findings=extra,
        )
    except Exception as exc:  # the seed must be tried whatever went wrong here
        return failed_decision(manager, settings, exc, extra_findings=extra)


def failed_decision(
    manager: Manager,
    settings: Settings,
    exc: BaseException,
    *,
    extra_findings: list[Finding] | None = None,
) -> Decision:
    """The seed, because choosing failed with `exc` (a bug, or a broken environment)."""
    project: Path | None = None
    with contextlib.suppress(Exception):
        project = project_config_path(settings, manager)
    problem = error(
        project or "workloadctl",
        None,
        CODE_DECISION_FAILED,
        f"choosing the config failed: {type(exc).__name__}: {exc}",
    )
    return seed_decision(
        manager,
        settings,
        project_config=project,
        reason="the decision itself failed",
        findings=[problem, *(extra_findings or [])],
        failed=True,
    )


def record_decision(
    settings: Settings,
    decision: Decision,
    *,
    pid: int,
    now: float | None = None,
    started: bool = True,
) -> Path:
    """Write the decision atomically to `<decisions_dir>/<manager>.json`. Raises OSError."""
    now = time.time() if now is None else now
    path = decision_path(settings, decision.manager)
    decision.record(pid=pid, now=now, started=started).write(path)
    return path


def record_not_started(settings: Settings, manager: Manager, reason: str, *, pid: int) -> None:
    """Record that nothing was exec'd, so `finish` does not count the exit as a manager
    death on whatever config the previous record names. Raises OSError."""
    now = time.time()
    DecisionRecord(
        manager=manager,
        source=None,
        reason=reason,
        pid=pid,
        started=False,
        time=utc_time(now),
        epoch=now,
        full=False,
    ).write(decision_path(settings, manager))
