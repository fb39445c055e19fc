"""The manager-neutral view of a program that the cross-manager rules compare."""

from __future__ import annotations

from dataclasses import dataclass, field

from workloadctl.findings import Finding, has_errors
from workloadctl.manager_names import PROGRAM_NOUN, Manager

__all__ = ["PROGRAM_NOUN", "LoadResult", "Manager", "ProgramSpec"]


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
