"""A program's output, from whichever manager runs it.

supervisord: `tailProcessStdoutLog` / `tailProcessStderrLog` read the program's log
FILE, the one its config names (the template: %(ENV_WORKLOADCTL_LOG_DIR)s/NAME.log,
stdout and stderr together; docs/logs.md), as the web UI's "Tail -f" does. A program
that logs to /dev/stdout or to syslog has no file, so there is nothing to tail: we say
where its output goes instead of reading /dev/stdout of the supervisord process. A file
that is not there (deleted, or the program never ran) is an error, not empty output:
supervisord's tail answers a missing file with nothing, so we ask `readProcess*Log`.
process-compose: `GET /process/logs/NAME/0/N` (the last N lines of its in-memory buffer,
stdout and stderr together); `-f` streams new lines over its WebSocket.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from workloadctl.control.context import ControlContext
from workloadctl.control.names import Target
from workloadctl.errors import UsageError, WorkloadctlError
from workloadctl.runtime.own_command import stack_command

# Enough for a few hundred ordinary lines; grown while fewer than N lines came back.
FIRST_TAIL_BYTES = 16 * 1024
MAX_TAIL_BYTES = 4 * 1024 * 1024
FOLLOW_CHUNK_BYTES = 64 * 1024
FOLLOW_POLL_SECONDS = 0.5

Write = Callable[[str], None]


class NoLogFileError(WorkloadctlError):
    pass


@dataclass(frozen=True)
class LogRequest:
    lines: int
    follow: bool
    stderr: bool = False


def _no_file_channel(logfile: str) -> bool:
    return not logfile or logfile.lower() in ("none", "syslog") or logfile.startswith("/dev/")


def _where_output_goes(ctx: ControlContext) -> str:
    if ctx.record is not None:
        return f"the stack's log, {ctx.record.top}/log/stack.log"
    return "the container's log (`docker logs`, or the dev container's log view)"


def _where_it_goes(ctx: ControlContext, logfile: str) -> str:
    if logfile == "/dev/null":
        return "it is thrown away"
    if logfile.startswith("/dev/"):
        return f"it is in {_where_output_goes(ctx)}"
    if logfile.lower() == "syslog":
        return "it goes to syslog"
    return "nothing keeps it"


# An event listener's stdout is its protocol with supervisord (READY, RESULT): a file of it
# holds no output of the listener's own, which it writes to stderr (the template's log-echo).
_LISTENER_NOTE = (
    "; an [eventlistener:]'s stdout is its conversation with supervisord, its own output is "
    "its stderr"
)


def _other_channel(ctx: ControlContext, name: str, info: Mapping[str, object], channel: str) -> str:
    """Where the program's other channel goes, when that differs: `; its stderr ...`."""
    other = "stderr" if channel == "stdout" else "stdout"
    logfile = str(info.get(f"{other}_logfile") or "")
    if not logfile or info.get("stdout_logfile") == info.get("stderr_logfile"):
        return ""
    if _no_file_channel(logfile):
        return f"; its {other} goes to {logfile}: {_where_it_goes(ctx, logfile)}"
    flag = " --stderr" if other == "stderr" else ""
    shown = stack_command(ctx.settings, "logs", *flag.split(), name)
    return f"; its {other} is in {logfile}: `{shown}`"


def supervisord_log_file(ctx: ControlContext, name: str, channel: str) -> str:
    """The program's log file for `channel`; NoLogFileError (one line) when it has none or
    the file is not there."""
    info = ctx.supervisord().process(name)
    logfile = str(info.get(f"{channel}_logfile") or "")
    if _no_file_channel(logfile):
        raise NoLogFileError(
            f"supervisord sends {name}'s {channel} to {logfile or 'NONE'}, not to a file: there "
            f"is no log to tail ({_where_it_goes(ctx, logfile)}){_other_channel(ctx, name, info, channel)}"
            f". Set {channel}_logfile=AUTO or a path in its [program:] section to use "
            f"`{stack_command(ctx.settings, 'logs', name)}`{_LISTENER_NOTE if channel == 'stdout' else ''}."
        )
    if not ctx.supervisord().log_exists(name, channel):
        raise NoLogFileError(_missing_file_message(ctx, name, logfile, info))
    return logfile


def _missing_file_message(
    ctx: ControlContext, name: str, logfile: str, info: Mapping[str, object]
) -> str:
    if not info.get("start"):  # supervisord creates the file when it first starts the program
        return (
            f"{name} has not run since supervisord started, so its log file {logfile} does "
            f"not exist yet: `{stack_command(ctx.settings, 'start', name)}` starts it"
        )
    return (
        f"{name}'s log file {logfile} is gone (deleted?): supervisord goes on writing to the "
        f"deleted file until {name} restarts; `{stack_command(ctx.settings, 'restart', name)}` "
        "starts a new one"
    )


def last_lines(text: str, count: int) -> list[str]:
    lines = text.splitlines()
    return lines[-count:] if count > 0 else lines


def _supervisord_tail(ctx: ControlContext, name: str, channel: str, count: int) -> tuple[str, int]:
    """The last `count` lines and the log's size (where following starts)."""
    client = ctx.supervisord()
    length = FIRST_TAIL_BYTES
    while True:
        text, offset, overflow = client.tail(name, channel, 0, length)
        # More newlines than lines wanted: the first, maybe cut, line is not among them.
        if not overflow or text.count("\n") > count or length >= MAX_TAIL_BYTES:
            lines = last_lines(text, count)
            return "\n".join(lines) + ("\n" if lines else ""), offset
        length *= 4


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


def _supervisord_logs(ctx: ControlContext, name: str, request: LogRequest, write: Write) -> None:
    channel = "stderr" if request.stderr else "stdout"
    supervisord_log_file(ctx, name, channel)
    text, offset = _supervisord_tail(ctx, name, channel, request.lines)
    write(text)
    client = ctx.supervisord()
    while request.follow:
        time.sleep(FOLLOW_POLL_SECONDS)
        chunk, new_offset, _ = client.tail(name, channel, offset, FOLLOW_CHUNK_BYTES)
        if new_offset < offset:
            # Shorter than before: supervisord rotated it (NAME.log -> NAME.log.1) or it was
            # truncated or deleted. The tail from our old offset holds nothing of the new
            # file: read that from its start.
            supervisord_log_file(ctx, name, channel)
            chunk, new_offset, _ = client.tail(name, channel, 0, FOLLOW_CHUNK_BYTES)
            write(chunk)
        else:
            write(new_log_text(chunk, offset, new_offset))
        offset = new_offset


def _process_compose_logs(
    ctx: ControlContext, name: str, request: LogRequest, write: Write
) -> None:
    if request.stderr:
        raise UsageError(
            "process-compose keeps one log per process (stdout and stderr together): drop --stderr"
        )
    client = ctx.process_compose()
    if not request.follow:
        client.process(name)  # a one-line error for a process that is gone
        for line in client.logs(name, 0, request.lines):
            write(line + "\n")
        return
    lines: Iterator[str] = client.follow_logs(name, request.lines)
    for line in lines:
        write(line + "\n")


def show_logs(ctx: ControlContext, target: Target, request: LogRequest, write: Write) -> None:
    """Write the program's last lines (and, following, every new one until Ctrl-C)."""
    if target.program is None:
        raise UsageError(
            f"`logs` shows a program's output; {target.manager}'s own output is in "
            f"{_where_output_goes(ctx)}"
        )
    if target.manager == "supervisord":
        _supervisord_logs(ctx, target.program, request, write)
    else:
        _process_compose_logs(ctx, target.program, request, write)
