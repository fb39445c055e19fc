"""One line of the doctor's report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workloadctl.findings import Finding


@dataclass(frozen=True)
class Check:
    name: str  # short and stable: "s6", "supervisord", "port 9001", "secrets"
    ok: bool
    detail: str  # what was found, in a sentence
    # What to install or change: None when ok, except on a warning (ok, but worth a fix).
    fix: str | None = None
    findings: tuple[Finding, ...] = ()  # each error and warning behind it (the configs)

    def as_dict(self) -> dict[str, Any]:
        return {**vars(self), "findings": [finding.as_dict() for finding in self.findings]}


def passed(name: str, detail: str) -> Check:
    return Check(name, True, detail)


def failed(name: str, detail: str, fix: str) -> Check:
    return Check(name, False, detail, fix)


def warned(name: str, detail: str, fix: str) -> Check:
    """Works, at a cost worth fixing: never fails doctor (its exit status stays 0)."""
    return Check(name, True, detail, fix)
