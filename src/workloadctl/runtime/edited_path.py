"""The project config named where the user edits it, not where the launcher reads it.

Under `workloadctl up` the launcher reads the repository through a link in the state dir
(S/home/USER/REPO, the container's path), which no one edits: its findings, the banner
and `restart`'s "was refused" would name that link. The decision keeps starting the
manager with the file it read (`config`); only the names shown are the real files. In the
container the path is already the real one and nothing changes. The cross-manager
findings do the same (runtime/cross_policy.py).
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from workloadctl.findings import Finding
from workloadctl.runtime.decision import Decision


def _real(file: str) -> str:
    # Not a path ("workloadctl", "$UNAME/$REPO_NAME"): left as it is.
    return os.path.realpath(file) if os.path.isabs(file) else file


def _finding_at_real_path(finding: Finding) -> Finding:
    real = _real(finding.file)
    return finding if real == finding.file else replace(finding, file=real)


def at_edited_path(decision: Decision) -> Decision:
    """`decision` with its project config and its findings' files at their real paths."""
    project = decision.project_config
    return replace(
        decision,
        project_config=Path(_real(str(project))) if project is not None else None,
        findings=tuple(_finding_at_real_path(f) for f in decision.findings),
    )
