"""A running process-compose through its REST API, in the common terms of `LiveManager`:
its processes' states, start / stop / restart, the re-read config applied, logs
(`GET /process/logs/NAME/0/N`: the last N lines of its in-memory buffer, stdout and
stderr together; following streams new lines over its WebSocket).

Imported when a command talks to a running process-compose (`validate` and `launch`
never do).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from workloadctl.clients.process_compose import ProcessComposeClient
from workloadctl.errors import WorkloadctlError
from workloadctl.managers.base import ProgramsSnapshot
from workloadctl.managers.program_status import NANOSECONDS, CommonState, PidMap, ProgramStatus
from workloadctl.managers.reload_apply import Applied, apply_process_compose

# Every state process-compose v1.122.0 can report (src/types/process.go `ProcessState*`);
# Completed is split by the exit code (see process_compose_state).
_STATES: dict[str, CommonState] = {
    "Disabled": "stopped",  # `disabled: true`: never started until someone starts it
    "Foreground": "stopped",  # interactive; only the TUI starts it
    "Pending": "starting",  # waiting for its dependencies
    "Running": "running",
    "Launching": "starting",
    "Launched": "running",  # a daemon whose launcher returned
    "Restarting": "starting",  # waiting out backoff_seconds before the next run
    "Terminating": "stopping",
    "Skipped": "stopped",  # never ran: a dependency failed
    "Error": "failed",  # could not be started at all
    "Scheduled": "stopped",  # waiting for its next scheduled run
    "Watching": "exited",  # finished cleanly, waiting for a watched file to change
}
# Go's ExitCode() for a process ended by a signal: what a stop through the API leaves.
PROCESS_COMPOSE_SIGNALLED = -1

# Not expected to be running: switched off, or started only on demand / on a schedule.
_NOT_EXPECTED = frozenset({"Disabled", "Foreground", "Scheduled"})


def process_compose_state(
    status: str, exit_code: int, success_codes: Iterable[int] | None
) -> CommonState:
    """Completed with exit 0 (or one of `success_exit_codes`) is a clean exit, -1 a stop
    (killed by a signal), anything else a failure."""
    if status == "Completed":
        if exit_code == PROCESS_COMPOSE_SIGNALLED:
            return "stopped"
        allowed = set(success_codes or ()) | {0}
        return "exited" if exit_code in allowed else "failed"
    return _STATES.get(status, "unknown")


def process_compose_expected(status: str) -> bool:
    """Whether a process-compose process should be running (its API has no autostart)."""
    return status not in _NOT_EXPECTED


def _description(process: Mapping[str, Any]) -> str:
    ready = process.get("is_ready")
    if process.get("has_ready_probe") and ready and ready != "-":
        return f"readiness: {ready}"
    return ""


def _stopped_by_someone(process: Mapping[str, Any]) -> bool:
    status = str(process.get("status", ""))
    state = process_compose_state(status, int(process.get("exit_code") or 0), None)
    return state == "stopped" and process_compose_expected(status)


def process_compose_programs(
    processes: list[dict[str, Any]], deferred: frozenset[str], pids: PidMap
) -> list[ProgramStatus]:
    programs = []
    for process in processes:
        status = str(process.get("status", ""))
        running = bool(process.get("is_running"))
        restarts = int(process.get("restarts") or 0)
        exited = status in ("Completed", "Error", "Skipped", "Watching") or restarts > 0
        state = process_compose_state(
            status, int(process.get("exit_code") or 0), process.get("success_exit_codes")
        )
        programs.append(
            ProgramStatus(
                manager="process-compose",
                name=str(process.get("name", "")),
                state=state,
                native_state=status,
                pid=pids(int(process.get("pid") or 0)) if running else None,
                uptime_seconds=int(process.get("age") or 0) // NANOSECONDS if running else None,
                restarts=restarts,
                exit_code=int(process.get("exit_code") or 0) if exited else None,
                # "stopped" is a stop through the API (or a kill from outside that its
                # restart policy left alone): someone's decision, not a missing program.
                expected=process_compose_expected(status)
                and state != "stopped"
                and process.get("name") not in deferred,
                description=_description(process),
            )
        )
    return programs


@dataclass
class LiveProcessCompose:
    client: ProcessComposeClient
    start_waits: bool = False
    retry_note: str = ""
    separate_stderr: bool = False  # one log per process
    _last: dict[str, Any] = field(default_factory=dict, init=False)

    def answers(self) -> bool:
        return self.client.live()

    def program_names(self) -> tuple[str, ...]:
        return tuple(str(p.get("name", "")) for p in self.client.processes())

    def program_groups(self) -> set[str]:
        return {str(info.get("name")) for info in self.client.processes()}

    def running_groups(self) -> set[str]:
        return self.running_programs()  # a process is its own group

    def started_groups(self) -> set[str]:
        return {
            str(p.get("name"))
            for p in self.client.processes()
            if p.get("status") not in _NOT_EXPECTED  # left alone until asked
        }

    def program(self, name: str, pids: PidMap) -> ProgramStatus:
        self._last = self.client.process(name)
        return process_compose_programs([self._last], frozenset(), pids)[0]

    def running_programs(self) -> set[str]:
        return {str(p.get("name")) for p in self.client.processes() if p.get("is_running")}

    def snapshot(self) -> ProgramsSnapshot:
        """`GET /processes`, plus the config of each process that was stopped: a `disabled:
        true` process keeps that status only until it is first started, and the state API
        has no autostart flag, so only its config says it need not run."""
        processes = self.client.processes()
        deferred = set()
        for process in filter(_stopped_by_someone, processes):
            name = str(process.get("name", ""))
            try:
                config = self.client.process_info(name)
            except WorkloadctlError:
                continue  # gone since: it counts as expected, as any process would
            if config.get("disabled") or config.get("isForeground"):
                deferred.add(name)
        return partial(process_compose_programs, processes, frozenset(deferred))

    def readiness(self) -> bool | None:
        if not self._last.get("has_ready_probe"):
            return None
        return self._last.get("is_ready") == "Ready"

    def start(self, name: str) -> str | None:
        self.client.start(name)
        return None

    def stop(self, name: str) -> None:
        self.client.stop(name)

    def restart(self, name: str) -> bool:
        self.client.restart(name)
        return True

    def exit_code_known(self, status: ProgramStatus) -> bool:
        return True

    def apply(self) -> Applied:
        return apply_process_compose(self.client)

    def logs(self, name: str, lines: int, *, follow: bool, stderr: bool) -> Iterator[str]:
        if not follow:
            self.client.process(name)  # a one-line error for a process that is gone
            if lines == 0:
                return  # process-compose's limit 0 means the whole buffer
        if follow and lines == 0:
            yield from self._new_lines_only(name)
            return
        found = self.client.follow_logs(name, lines) if follow else self.client.logs(name, 0, lines)
        yield from (line + "\n" for line in found)

    def _new_lines_only(self, name: str) -> Iterator[str]:
        """`logs -f -n 0`: the stream's tail of 0 is the whole buffer, so ask for its last
        line and drop it (when the buffer has one) before passing on the new lines."""
        had_a_line = bool(self.client.logs(name, 0, 1))
        found = self.client.follow_logs(name, 1)
        if had_a_line:
            next(found, None)
        yield from (line + "\n" for line in found)
