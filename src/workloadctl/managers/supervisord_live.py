"""A running supervisord through its XML-RPC API, in the common terms of `LiveManager`:
its programs' states, start / stop (no restart call), the re-read config applied.

Imported when a command talks to a running supervisord (`validate` and `launch` never do).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from workloadctl.clients.supervisord import (
    FAULT_ABNORMAL_TERMINATION,
    FAULT_ALREADY_STARTED,
    FAULT_NOT_RUNNING,
    FAULT_SPAWN_ERROR,
    SupervisordClient,
    SupervisordError,
)
from workloadctl.managers.program_status import CommonState, PidMap, ProgramStatus
from workloadctl.managers.reload_apply import Applied, apply_supervisord

# Every state supervisord 4.3 can report (supervisor/states.py `ProcessStates`); EXITED is
# split by the exit code (see supervisord_state).
_STATES: dict[str, CommonState] = {
    "STOPPED": "stopped",
    "STARTING": "starting",
    "RUNNING": "running",
    # Exited too quickly; supervisord retries up to startretries, then FATAL.
    "BACKOFF": "starting",
    "STOPPING": "stopping",
    "FATAL": "failed",
    "UNKNOWN": "unknown",
}


def supervisord_state(statename: str, exit_status: int, exit_codes: Iterable[int]) -> CommonState:
    """EXITED with one of the program's `exitcodes` is a clean exit; any other is a failure."""
    if statename == "EXITED":
        return "exited" if exit_status in set(exit_codes) else "failed"
    return _STATES.get(statename, "unknown")


def supervisord_name(info: Mapping[str, Any]) -> str:
    """How supervisorctl names a process: `group:name`, or `name` alone in its own group."""
    name, group = str(info.get("name", "")), str(info.get("group", ""))
    return name if not group or group == name else f"{group}:{name}"


def supervisord_programs(
    infos: list[dict[str, Any]], configs: list[dict[str, Any]] | None, pids: PidMap
) -> list[ProgramStatus]:
    by_name = {(c.get("group"), c.get("name")): c for c in configs or []}
    programs = []
    for info in infos:
        config = by_name.get((info.get("group"), info.get("name")), {})
        statename = str(info.get("statename", "UNKNOWN"))
        running = statename in ("RUNNING", "STOPPING")
        start, now = int(info.get("start") or 0), int(info.get("now") or 0)
        programs.append(
            ProgramStatus(
                manager="supervisord",
                name=supervisord_name(info),
                state=supervisord_state(
                    statename, int(info.get("exitstatus") or 0), config.get("exitcodes") or [0]
                ),
                native_state=statename,
                pid=pids(int(info.get("pid") or 0)),
                uptime_seconds=max(0, now - start) if running and start else None,
                restarts=None,
                exit_code=int(info.get("exitstatus") or 0) if info.get("stop") else None,
                # STOPPED is only ever someone's stop (a crash ends EXITED, BACKOFF or
                # FATAL): a program stopped on purpose is not missing.
                expected=bool(config.get("autostart", True)) and statename != "STOPPED",
                # supervisord's own words, except "pid N, uptime ..." (its PIDs are not ours).
                description="" if running else str(info.get("description") or ""),
            )
        )
    return programs


@dataclass
class LiveSupervisord:
    client: SupervisordClient
    start_waits: bool = True
    retry_note: str = "; supervisord keeps retrying it (startretries)"
    _config: list[dict[str, Any]] | None = field(default=None, init=False)

    def answers(self) -> bool:
        return self.client.state() == "RUNNING"

    def program_names(self) -> tuple[str, ...]:
        return tuple(supervisord_name(info) for info in self.client.processes())

    def program_groups(self) -> set[str]:
        return {str(info.get("group")) for info in self.client.processes()}

    def program(self, name: str, pids: PidMap) -> ProgramStatus:
        if self._config is None:
            self._config = self.client.config_info()
        return supervisord_programs([self.client.process(name)], self._config, pids)[0]

    def readiness(self) -> bool | None:
        return None

    def start(self, name: str) -> str | None:
        try:
            # wait=True: supervisord answers once the program has stayed up for its
            # startsecs (RUNNING), or with a fault when it exited before.
            self.client.start(name, wait=True)
        except SupervisordError as exc:
            if exc.fault_code == FAULT_ABNORMAL_TERMINATION:
                return "it exited before its startsecs"
            if exc.fault_code == FAULT_SPAWN_ERROR:  # also what an exit at once gives
                return "it could not be spawned, or exited at once"
            # No fault code: the call itself timed out (startsecs longer than the
            # wait); the state is polled by the caller.
            if exc.fault_code not in (FAULT_ALREADY_STARTED, None):
                raise
        return None

    def stop(self, name: str) -> None:
        try:
            self.client.stop(name, wait=False)
        except SupervisordError as exc:
            if exc.fault_code != FAULT_NOT_RUNNING:
                raise

    def restart(self, name: str) -> bool:
        return False  # no restart call: supervisorctl also stops, then starts

    def exit_code_known(self, status: ProgramStatus) -> bool:
        # supervisord forgets the exit code of an exit before startsecs (its 0 then means
        # nothing); only EXITED carries a real one.
        return status.native_state == "EXITED"

    def apply(self) -> Applied:
        return apply_supervisord(self.client)
