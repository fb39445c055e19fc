"""A running supervisord through its XML-RPC API, in the common terms of `LiveManager`:
its programs' states, start / stop (no restart call), the re-read config applied, logs.

Logs: `tailProcess*Log` reads the program's log FILE its config names (docs/logs.md), as
the web UI's "Tail -f" does; /dev/stdout or syslog is no file to tail. A file that is not
there is an error, not empty output: the tail answers it with nothing, so we ask
`readProcess*Log`.

Imported when a command talks to a running supervisord (`validate` and `launch` never do).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from workloadctl.clients.supervisord import (
    FAULT_ABNORMAL_TERMINATION,
    FAULT_ALREADY_STARTED,
    FAULT_NO_FILE,
    FAULT_NOT_RUNNING,
    FAULT_SPAWN_ERROR,
    SupervisordClient,
    SupervisordError,
)
from workloadctl.errors import WorkloadctlError
from workloadctl.managers.base import CommandNotFoundError, NoLogError, ProgramsSnapshot
from workloadctl.managers.program_status import CommonState, PidMap, ProgramStatus
from workloadctl.managers.reload_apply import Applied, apply_supervisord

# Enough for a few hundred ordinary lines; grown while fewer than N lines came back.
FIRST_TAIL_BYTES = 16 * 1024
MAX_TAIL_BYTES = 4 * 1024 * 1024
FOLLOW_CHUNK_BYTES = 64 * 1024
FOLLOW_POLL_SECONDS = 0.5

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


def no_file_channel(logfile: str) -> bool:
    return not logfile or logfile.lower() in ("none", "syslog") or logfile.startswith("/dev/")


def last_lines(text: str, count: int) -> list[str]:
    return text.splitlines()[-count:] if count > 0 else []


def new_log_text(text: str, previous: int, offset: int) -> str:
    """What is new since `previous`: supervisord returns the LAST bytes of the log up to
    its end (`offset`), which may start before `previous`."""
    if offset < previous:  # rotated or truncated: everything is new
        return text
    grown = offset - previous
    if grown <= 0:
        return ""
    raw = text.encode("utf-8", "surrogateescape")
    return raw[-grown:].decode("utf-8", "replace") if grown < len(raw) else text


@dataclass
class LiveSupervisord:
    client: SupervisordClient
    start_waits: bool = True
    retry_note: str = "; supervisord keeps retrying it (startretries)"
    separate_stderr: bool = True
    _config: list[dict[str, Any]] | None = field(default=None, init=False)

    def answers(self) -> bool:
        return self.client.state() == "RUNNING"

    def program_names(self) -> tuple[str, ...]:
        return tuple(supervisord_name(info) for info in self.client.processes())

    def program_groups(self) -> set[str]:
        return {str(info.get("group")) for info in self.client.processes()}

    def running_groups(self) -> set[str]:
        infos = self.client.processes()
        return {str(info.get("group")) for info in infos if info.get("statename") == "RUNNING"}

    def started_groups(self) -> set[str]:
        # STOPPED from the start: autostart=false (a program stopped by someone is STOPPED
        # too, but a fresh supervisord has not been asked to stop anything).
        infos = self.client.processes()
        return {str(info.get("group")) for info in infos if info.get("statename") != "STOPPED"}

    def program(self, name: str, pids: PidMap) -> ProgramStatus:
        if self._config is None:
            self._config = self.client.config_info()
        return supervisord_programs([self.client.process(name)], self._config, pids)[0]

    def running_programs(self) -> set[str]:
        infos = self.client.processes()
        return {str(info.get("name")) for info in infos if info.get("statename") == "RUNNING"}

    def snapshot(self) -> ProgramsSnapshot:
        """`getAllProcessInfo`, plus `getAllConfigInfo` only when a program is not running:
        only then do its autostart flag and exit codes matter, and the config of 50
        programs is most of the bytes `status` would otherwise parse."""
        processes = self.client.processes()
        configs = None
        if not all(p.get("statename") == "RUNNING" for p in processes):
            # Without it every program counts as autostart, exit code 0 clean.
            with suppress(WorkloadctlError):
                configs = self.client.config_info()
        return partial(supervisord_programs, processes, configs)

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
            if exc.fault_code == FAULT_NO_FILE:  # checked before any spawn: no state, no log
                raise CommandNotFoundError(str(exc)) from None
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

    def _log_file(self, name: str, channel: str) -> None:
        """Raise a NoLogError when the program's `channel` has no file or it is not there."""
        info = self.client.process(name)
        channels = (channel, "stderr" if channel == "stdout" else "stdout")
        logfile, other_logfile = (str(info.get(f"{c}_logfile") or "") for c in channels)
        if info.get("stdout_logfile") == info.get("stderr_logfile"):
            other_logfile = ""
        no_file = no_file_channel(logfile)
        if no_file or not self.client.log_exists(name, channel):
            # supervisord creates the file when it first starts the program.
            never_ran = not no_file and not info.get("start")
            other_is_file = not no_file_channel(other_logfile)
            redirected = channel == "stderr" and no_file and self._redirects_stderr(name)
            raise NoLogError(
                name, channel, logfile, no_file, never_ran, other_logfile, other_is_file, redirected
            )

    def _redirects_stderr(self, name: str) -> bool:
        """Whether its config says redirect_stderr=true (only getAllConfigInfo tells)."""
        with suppress(WorkloadctlError):
            for config in self.client.config_info():
                if (
                    config.get("name") == name
                    or f"{config.get('group')}:{config.get('name')}" == name
                ):
                    return bool(config.get("redirect_stderr"))
        return False

    def _tail(self, name: str, channel: str, count: int) -> tuple[str, int]:
        """The last `count` lines and the log's size (where following starts)."""
        length = FIRST_TAIL_BYTES
        while True:
            text, offset, overflow = self.client.tail(name, channel, 0, length)
            # More newlines than lines wanted: the first, maybe cut, line is not among them.
            if not overflow or text.count("\n") > count or length >= MAX_TAIL_BYTES:
                lines = last_lines(text, count)
                return "\n".join(lines) + ("\n" if lines else ""), offset
            length *= 4

    def logs(self, name: str, lines: int, *, follow: bool, stderr: bool) -> Iterator[str]:
        channel = "stderr" if stderr else "stdout"
        self._log_file(name, channel)
        text, offset = self._tail(name, channel, lines)
        yield text
        while follow:
            time.sleep(FOLLOW_POLL_SECONDS)
            chunk, new_offset, _ = self.client.tail(name, channel, offset, FOLLOW_CHUNK_BYTES)
            if new_offset < offset:
                # Shorter than before: supervisord rotated it (NAME.log -> NAME.log.1) or it
                # was truncated or deleted. The tail from our old offset holds nothing of
                # the new file: read that from its start.
                self._log_file(name, channel)
                chunk, new_offset, _ = self.client.tail(name, channel, 0, FOLLOW_CHUNK_BYTES)
                yield chunk
            else:
                yield new_log_text(chunk, offset, new_offset)
            offset = new_offset
