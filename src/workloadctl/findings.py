"""What every static check reports: findings with file, line, severity and a stable code.

Every loader (supervisord conf, process-compose yaml, s6-rc tree, cross-manager rules)
returns a list of `Finding`; `validate`, the launcher and `reload` all read the same list.
Every code is registered once, with its meaning, in finding_codes.py; docs/validate-codes.md
and the other docs' code tables are generated from it (findings_doc.py).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    # True only of the machine running the check, not where the config runs (a directory
    # only the container has, checked on the host): shown, never a failure, not even
    # with `validate --strict`.
    INFO = "info"


@dataclass(frozen=True, order=True)
class Finding:
    file: str
    line: int | None
    severity: Severity
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {**vars(self), "severity": str(self.severity)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding | None:
        """The finding `as_dict` wrote; None when `data` is not one (another version's)."""
        try:
            line = data.get("line")
            return cls(
                str(data["file"]),
                line if isinstance(line, int) and not isinstance(line, bool) else None,
                Severity(data["severity"]),
                str(data["code"]),
                str(data["message"]),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def render(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.severity}: {self.message} [{self.code}]"


def error(file: Path | str, line: int | None, code: str, message: str) -> Finding:
    return Finding(str(file), line, Severity.ERROR, code, message)


def warning(file: Path | str, line: int | None, code: str, message: str) -> Finding:
    return Finding(str(file), line, Severity.WARNING, code, message)


def info(file: Path | str, line: int | None, code: str, message: str) -> Finding:
    return Finding(str(file), line, Severity.INFO, code, message)


@dataclass
class Report:
    """An ordered, de-duplicated collection of findings."""

    findings: list[Finding] = field(default_factory=list)

    def extend(self, more: list[Finding]) -> None:
        for finding in more:
            if finding not in self.findings:
                self.findings.append(finding)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.WARNING]

    @property
    def notes(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.INFO]

    def ok(self, *, strict: bool = False) -> bool:
        return not self.errors and not (strict and self.warnings)


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)
