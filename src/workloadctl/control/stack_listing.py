"""The human and JSON forms of `workloadctl stacks`: every stack running on this machine."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from workloadctl.control.render import duration, table
from workloadctl.runtime.own_command import own_command
from workloadctl.runtime.stack_registry import StackEntry

HEADER = ("STATE DIR", "S6-SVSCAN PID", "SINCE", "REPOSITORY")


def _since(entry: StackEntry, now: float) -> str:
    started = datetime.fromtimestamp(entry.started_at).strftime("%Y-%m-%d %H:%M:%S")
    return f"{started} ({duration(max(0, int(now - entry.started_at)))} ago)"


def render_stacks(stacks: list[StackEntry], now: float | None = None) -> str:
    if not stacks:
        return "no workloadctl stack runs on this machine\n"
    now = time.time() if now is None else now
    rows = [[e.top, str(e.svscan_pid), _since(e, now), e.root] for e in stacks]
    lines = table(HEADER, rows)
    lines.append("")
    lines += [f"stop one: {e.down_command}" for e in stacks]
    lines.append(f"stop all: {own_command('down', '--all')}")
    return "\n".join(lines) + "\n"


def stacks_json(stacks: list[StackEntry]) -> dict[str, Any]:
    return {"stacks": [e.as_json() for e in stacks]}
