"""The launcher's decision record, `<decisions_dir>/<manager>.json`: one class reads and writes it.

The launcher writes it just before it execs (or when nothing was exec'd); `record_programs`
and a reload add to it; `finish`, `status`, `reload`, the control actions and `creds` read
it. A record of another version or a damaged one reads field by field: what is missing or
of the wrong type reads as absent.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from workloadctl.runtime.statefile import read_json_object, write_json_atomic

if TYPE_CHECKING:
    from workloadctl.findings import Finding
    from workloadctl.manager_names import Manager
    from workloadctl.settings import Settings

Source = Literal["project", "seed"]


def utc_time(now: float) -> str:
    """`now` as the records show it: 2026-01-31T12:00:00Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _number(value: Any) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _findings(items: list[Any]) -> tuple[Finding, ...]:
    """The findings `Finding.as_dict` wrote, skipping any that is not one."""
    from workloadctl.findings import Finding  # here: a record without findings needs none

    found = (Finding.from_dict(item) for item in items if isinstance(item, Mapping))
    return tuple(finding for finding in found if finding is not None)


@dataclass(frozen=True)
class DecisionRecord:
    """What a launcher decided and whether it exec'd; `source` is None when it did not."""

    manager: str | None
    source: Source | None
    reason: str | None
    pid: int | None
    started: bool
    time: str | None = None
    epoch: float | None = None
    config: str | None = None  # the file the manager was started with
    project_config: str | None = None
    project_sha256: str | None = None
    # What the manager runs outside its program definitions (managers/settings_digest.py):
    # set at start; a reload in place cannot change it, so it keeps it.
    settings_sha256: str | None = None
    findings: tuple[Finding, ...] = ()
    quarantine: Mapping[str, Any] | None = None
    decision_failed: bool = False
    # What the manager runs (program_as_json of each), added once it was chosen.
    programs: tuple[Mapping[str, Any], ...] | None = None
    # Set by a reload that applied a config in place.
    reloaded_time: str | None = None
    reloaded_epoch: float | None = None
    # That reload also found settings changed that the manager reads only at start.
    restart_pending: bool = False
    # A record of "nothing was exec'd" carries only who, why, when and the PID.
    full: bool = field(default=True, repr=False)

    @property
    def started_source(self) -> Source | None:
        """The config the manager runs on: None when its launcher did not exec it."""
        return self.source if self.started else None

    def reloaded(
        self,
        *,
        project_sha256: str | None,
        findings: tuple[Finding, ...],
        now: float,
        restart_pending: bool = False,
    ) -> DecisionRecord:
        """This record once a reload applied a config with this hash and findings in place
        (`restart_pending`: the file's settings outside its programs differ from those the
        manager started with)."""
        return replace(
            self,
            project_sha256=project_sha256,
            findings=findings,
            reloaded_time=utc_time(now),
            reloaded_epoch=now,
            restart_pending=restart_pending,
            full=True,
        )

    def with_programs(self, programs: list[dict[str, Any]]) -> DecisionRecord:
        return replace(self, programs=tuple(programs))

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "manager": self.manager,
            "source": self.source,
            "reason": self.reason,
            "time": self.time,
            "epoch": self.epoch,
            "pid": self.pid,
            "started": self.started,
        }
        if self.full:
            data |= {
                "config": self.config,
                "project_config": self.project_config,
                "project_sha256": self.project_sha256,
                "settings_sha256": self.settings_sha256,
                "findings": [f.as_dict() for f in self.findings],
                "quarantine": dict(self.quarantine) if self.quarantine is not None else None,
                "decision_failed": self.decision_failed,
            }
        if self.programs is not None:
            data["programs"] = [dict(program) for program in self.programs]
        if self.reloaded_epoch is not None:
            data |= {
                "reloaded_time": self.reloaded_time,
                "reloaded_epoch": self.reloaded_epoch,
                "restart_pending": self.restart_pending,
            }
        return data

    def write(self, path: Path) -> None:
        """Replace `path` with this record, atomically. Raises OSError."""
        write_json_atomic(path, self.as_json())

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DecisionRecord:
        source = data.get("source")
        findings = data.get("findings")
        programs = data.get("programs")
        quarantine = data.get("quarantine")
        pid = data.get("pid")
        return cls(
            manager=_text(data.get("manager")),
            source=source if source in ("project", "seed") else None,
            reason=_text(data.get("reason")),
            pid=pid if isinstance(pid, int) and not isinstance(pid, bool) else None,
            started=data.get("started") is True,
            time=_text(data.get("time")),
            epoch=_number(data.get("epoch")),
            config=str(data["config"]) if data.get("config") else None,
            project_config=_text(data.get("project_config")),
            project_sha256=_text(data.get("project_sha256")),
            settings_sha256=_text(data.get("settings_sha256")),
            findings=_findings(findings) if isinstance(findings, list) and findings else (),
            quarantine=quarantine if isinstance(quarantine, Mapping) else None,
            decision_failed=data.get("decision_failed") is True,
            programs=tuple(programs) if isinstance(programs, list) else None,
            reloaded_time=_text(data.get("reloaded_time")),
            reloaded_epoch=_number(data.get("reloaded_epoch")),
            restart_pending=data.get("restart_pending") is True,
            full="config" in data or "findings" in data,
        )

    @classmethod
    def read(cls, path: Path) -> DecisionRecord | None:
        """The record in `path`; None when there is none (or it is unreadable)."""
        data = read_json_object(path)
        return cls.from_json(data) if data is not None else None


# What a missing record reads as, for readers that need no "none" case of their own.
EMPTY_RECORD = DecisionRecord(manager=None, source=None, reason=None, pid=None, started=False)


# Here, not in decision.py: `finish` and `status` read the record without importing what
# deciding needs (the loaders' glue, hashing, the stack's own command).
def decision_path(settings: Settings, manager: Manager) -> Path:
    return settings.decisions_dir / f"{manager}.json"


def read_decision(settings: Settings, manager: Manager) -> DecisionRecord | None:
    """The last recorded decision, or None when there is none (or it is unreadable)."""
    return DecisionRecord.read(decision_path(settings, manager))
