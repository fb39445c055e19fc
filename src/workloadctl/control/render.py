"""The human forms of `status`: two compact tables, managers then programs."""

from __future__ import annotations

from collections.abc import Sequence

from workloadctl.control.status import ManagerStatus, StackStatus
from workloadctl.managers.program_status import ProgramStatus
from workloadctl.runtime.own_command import own_command

NONE = "-"


def duration(seconds: int | None) -> str:
    """45s, 12m03s, 3h04m, 2d03h: short and sortable by eye."""
    if seconds is None:
        return NONE
    if seconds < 60:
        return f"{seconds}s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


def _text(value: object) -> str:
    return NONE if value is None or value == "" else str(value)


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Columns padded to their widest cell; the last column is left ragged."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = []
    for row in (header, *rows):
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return lines


def why(manager: ManagerStatus) -> str:
    """The WHY column: the error, else the reason, and a note when the file changed since
    or a restart is pending."""
    notes = [n for n in (manager.config_changed, manager.restart_pending) if n]
    return "; ".join([manager.error or _text(manager.reason), *notes])


def manager_rows(managers: Sequence[ManagerStatus]) -> list[list[str]]:
    return [
        [
            m.name,
            m.state,
            _text(m.pid),
            duration(m.uptime_seconds),
            _text(m.restarts),
            _text(m.config),
            why(m),
        ]
        for m in managers
    ]


def program_rows(programs: Sequence[ProgramStatus]) -> list[list[str]]:
    return [
        [
            p.manager,
            p.name,
            p.state if p.ok else f"{p.state}!",
            p.native_state,
            _text(p.pid),
            duration(p.uptime_seconds),
            _text(p.restarts),
            _text(p.exit_code),
            p.description,
        ]
        for p in programs
    ]


def render_status(status: StackStatus) -> str:
    lines = table(
        ["MANAGER", "STATE", "PID", "UPTIME", "RESTARTS", "CONFIG", "WHY"],
        manager_rows(status.managers),
    )
    lines.append("")
    if status.programs:
        lines += table(
            ["MANAGER", "PROGRAM", "STATE", "NATIVE", "PID", "UPTIME", "RESTARTS", "EXIT", "INFO"],
            program_rows(status.programs),
        )
    else:
        lines.append("no programs to show (no manager is running)")
    lines.append("")
    lines += [degraded_line(m) for m in status.managers if m.degraded]
    lines.append(verdict(status))
    return "\n".join(lines) + "\n"


def degraded_line(manager: ManagerStatus) -> str:
    """One line: which manager runs its seed, the launcher's first finding, the retry."""
    why = manager.first_finding or _text(manager.reason)
    retry = manager.retry or own_command("restart", manager.name)
    validate = manager.validate or own_command("validate")
    line = (
        f"DEGRADED: {manager.name} runs its SEED config, not the project config: {why}; "
        f"after the fix: `{retry}` (`{validate}` shows every finding)"
    )
    if manager.config_changed:
        line += f"; that finding may be stale: {manager.config_changed}"
    return line


def verdict(status: StackStatus) -> str:
    if status.failing_beyond_seed:
        return "NOT all running (a `!` marks a program that should run and does not)"
    if status.degraded:
        names = ", ".join(status.degraded)
        line = f"DEGRADED: running, but on the seed config ({names}), not the project's"
        if not status.running:
            line += "; a `!` marks a program of the seed that does not run either"
        return line
    if status.starting:
        names = ", ".join(status.starting)
        return (
            f"STARTING: {names} still within the start time; nothing has failed "
            "(the same status again in a few seconds)"
        )
    disabled = [m.name for m in status.managers if m.state == "disabled"]
    if disabled:
        return f"all running (disabled on purpose: {', '.join(disabled)})"
    return "all running"
