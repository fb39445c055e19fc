"""How `workloadctl reload` shows its report: one line per manager, then that manager's
findings rendered exactly as `validate` renders them."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from workloadctl.control.reload_model import ManagerReload, ReloadReport
from workloadctl.findings import Finding


def relative_finding(finding: Finding, root: Path | None) -> Finding:
    """Name a file under the repository relative to it, as the user edits it (the local
    runner reaches the repository through a link under its state dir)."""
    path = Path(finding.file)
    if root is None or not path.is_absolute():
        return finding
    for base in (root, root.resolve()):
        for candidate in (path, path.resolve()):
            if candidate.is_relative_to(base):
                return dataclasses.replace(finding, file=str(candidate.relative_to(base)))
    return finding


def relative_report(report: ReloadReport, root: Path | None) -> ReloadReport:
    return ReloadReport(
        [
            dataclasses.replace(
                entry, findings=[relative_finding(finding, root) for finding in entry.findings]
            )
            for entry in report.managers
        ]
    )


def _names(verb: str, names: list[str]) -> str | None:
    return f"{verb} {', '.join(names)}" if names else None


def summary_line(entry: ManagerReload) -> str:
    parts = [
        part
        for part in (
            _names("added", entry.added),
            _names("changed (restarted)", entry.changed),
            _names("started (not running before)", entry.started),
            _names("removed", entry.removed),
        )
        if part
    ]
    detail = f" [{'; '.join(parts)}]" if parts else ""
    return f"{entry.name}: {entry.action}: {entry.message}{detail}"


def render_text(report: ReloadReport) -> list[str]:
    lines: list[str] = []
    for entry in report.managers:
        lines.append(summary_line(entry))
        lines.extend(finding.render() for finding in entry.findings)
    return lines


def render_json(report: ReloadReport) -> dict[str, Any]:
    return report.as_json()
