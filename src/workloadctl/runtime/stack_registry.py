"""Every stack `workloadctl up` runs on this machine, whatever its state dir.

`up` leaves its record (stack.json) in its own state dir, which nothing else knows of.
So it also writes one small file per stack into one machine-wide directory
(`settings.stacks_dir`, /run/workloadctl-stacks): the state dir, the repository, and
s6-svscan's PID with its start time. A file counts only while that very process lives
(same PID, same start time, still s6-svscan): a record left by a stack that died with
the machine or was killed is stale, ignored, and removed when we may.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil

from workloadctl import settings as S
from workloadctl.runtime.own_command import own_command
from workloadctl.runtime.statefile import read_json_object, write_json_atomic

# psutil derives a start time from clock ticks since boot: the same process reads the
# same value, but keep a margin for rounding across psutil versions.
START_TIME_MARGIN = 0.5
SVSCAN_NAME = "s6-svscan"
ENTRY_MODE = 0o644  # PIDs and paths, no secrets: anyone may list the stacks
DIR_MODE = 0o755


@dataclass(frozen=True)
class StackEntry:
    top: str  # the state dir (`--state-dir`)
    root: str  # the repository it runs
    svscan_pid: int  # PID 1 of its namespace, as a PID here
    svscan_started: float  # that process's start time (psutil, epoch seconds)
    started_at: float  # when `up` recorded it (epoch seconds)

    @property
    def down_command(self) -> str:
        # Always named: of the stacks on this machine, `down` stops exactly this one.
        return own_command("down", top=self.top)

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "down": self.down_command}


def entry_path(top: Path, env: Mapping[str, str] | None = None) -> Path:
    """One file per state dir, named by a digest of its path (any path fits a file name)."""
    digest = hashlib.sha256(str(top.resolve()).encode()).hexdigest()[:20]
    return S.stacks_dir(env) / f"{digest}.json"


def process_start_time(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def register(
    top: Path, root: Path, svscan_pid: int, started_at: float, env: Mapping[str, str] | None = None
) -> StackEntry:
    """Record a stack that just started. Raises OSError when the directory is not writable."""
    started = process_start_time(svscan_pid)
    entry = StackEntry(str(top.resolve()), str(root), svscan_pid, started or 0.0, started_at)
    write_json_atomic(entry_path(top, env), asdict(entry), mode=ENTRY_MODE, dir_mode=DIR_MODE)
    return entry


def unregister(top: Path, env: Mapping[str, str] | None = None) -> None:
    with contextlib.suppress(OSError):
        entry_path(top, env).unlink()


def read_entry(path: Path) -> StackEntry | None:
    data = read_json_object(path)
    if data is None:
        return None
    try:
        return StackEntry(
            top=str(data["top"]),
            root=str(data["root"]),
            svscan_pid=int(data["svscan_pid"]),
            svscan_started=float(data["svscan_started"]),
            started_at=float(data["started_at"]),
        )
    except (ValueError, TypeError, KeyError):
        return None


def is_alive(entry: StackEntry) -> bool:
    """Its s6-svscan still runs: the same PID, started at the same time, still s6-svscan."""
    try:
        process = psutil.Process(entry.svscan_pid)
        started = process.create_time()
        name = process.name()
    except psutil.Error:
        return False
    return abs(started - entry.svscan_started) <= START_TIME_MARGIN and name == SVSCAN_NAME


def live_stacks(env: Mapping[str, str] | None = None) -> list[StackEntry]:
    """The stacks running on this machine, oldest first. Stale records are skipped, and
    removed when this user may."""
    directory = S.stacks_dir(env)
    try:
        paths = sorted(directory.glob("*.json"))
    except OSError:
        return []
    stacks: list[StackEntry] = []
    for path in paths:
        entry = read_entry(path)
        if entry is not None and is_alive(entry):
            stacks.append(entry)
            continue
        with contextlib.suppress(OSError):
            path.unlink()
    return sorted(stacks, key=lambda e: (e.started_at, e.top))


def stack_holding(
    pid: int,
    stacks: Iterable[StackEntry],
    ancestors: Callable[[int], list[int]],
    same_pid_namespace: Callable[[int, int], bool],
) -> StackEntry | None:
    """The stack a process belongs to: it is that stack's s6-svscan, descends from it, or
    shares its PID namespace (a program orphaned inside it). None for anything else."""
    lineage = {pid, *ancestors(pid)}
    for entry in stacks:
        if entry.svscan_pid in lineage or same_pid_namespace(pid, entry.svscan_pid):
            return entry
    return None
