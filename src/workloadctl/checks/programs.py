"""The manager-neutral view of a program that the cross-manager rules compare."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from workloadctl.findings import Finding, has_errors

Manager = Literal["supervisord", "process-compose"]


@dataclass(frozen=True)
class ProgramSpec:
    manager: Manager
    name: str
    argv: tuple[str, ...]  # the command split into words, after the manager's own expansion
    file: str
    line: int | None
    environment: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    autostart: bool = True
    disabled: bool = False
    working_dir: str | None = None  # supervisord `directory=`, process-compose `working_dir:`

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file


@dataclass
class LoadResult:
    """What every loader returns: its findings and the programs it found (if it parsed)."""

    findings: list[Finding] = field(default_factory=list)
    programs: list[ProgramSpec] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)


def load_manager_config(
    manager: Manager,
    path: Path,
    *,
    env: Mapping[str, str],
    on_target: bool,
    cwd: Path | None = None,
) -> LoadResult:
    """The one mapping from a manager to its config loader, for `validate`, the launcher
    and `reload` alike. The loaders are imported on use: the launcher must still reach the
    seed when a loader's import fails, and each caller pays only for the format it reads."""
    if manager == "supervisord":
        from workloadctl.checks.supervisord import load_supervisord

        return load_supervisord(path, env=env, on_target=on_target)
    from workloadctl.checks.process_compose import load_process_compose

    return load_process_compose(path, env=env, cwd=cwd)
