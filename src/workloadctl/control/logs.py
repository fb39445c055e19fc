"""A program's output, from whichever manager runs it (its `LiveManager.logs`), and
the words for a log that cannot be read: where the output goes instead, or how to get
a new file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workloadctl.control.context import ControlContext
from workloadctl.control.names import Target
from workloadctl.errors import UsageError, WorkloadctlError
from workloadctl.managers import kind
from workloadctl.managers.base import NoLogError
from workloadctl.runtime.own_command import stack_command

if TYPE_CHECKING:
    from workloadctl.checks.supervisord.program_source import ProgramSource

Write = Callable[[str], None]


class NoLogFileError(WorkloadctlError):
    pass


@dataclass(frozen=True)
class LogRequest:
    lines: int
    follow: bool
    stderr: bool = False


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


def _other_channel(ctx: ControlContext, error: NoLogError) -> str:
    """Where the program's other channel goes, when that differs: `; its stderr ...`."""
    other, logfile = ("stderr" if error.channel == "stdout" else "stdout"), error.other_logfile
    if not logfile:
        return ""
    if not error.other_is_file:
        return f"; its {other} goes to {logfile}: {_where_it_goes(ctx, logfile)}"
    flag = " --stderr" if other == "stderr" else ""
    shown = stack_command(ctx.settings, "logs", *flag.split(), error.name)
    return f"; its {other} is in {logfile}: `{shown}`"


def _listener_stdout(ctx: ControlContext, error: NoLogError, source: ProgramSource) -> str:
    """An event listener's stdout is its protocol with supervisord (READY, RESULT): a file
    of it would hold no output of its own, which it writes to stderr (the template's
    log-echo). Point at that stderr, or at how to give it a file."""
    name = error.name
    where = f"{source.header} ({source.file}:{source.line})"
    text = (
        f"{name} is an event listener, {where}: its stdout is its conversation with "
        f"supervisord (READY, RESULT), not a log; its own output is its stderr"
    )
    shown = stack_command(ctx.settings, "logs", "--stderr", name)
    if error.other_logfile and error.other_is_file:
        return f"{text}, in {error.other_logfile}: `{shown}`"
    if error.other_logfile:
        text += f", which goes to {error.other_logfile}: {_where_it_goes(ctx, error.other_logfile)}"
    return (
        f"{text}. To read it with `{shown}`, set stderr_logfile=AUTO or a path in its "
        f"{source.header} section."
    )


def _no_file_message(ctx: ControlContext, manager: str, error: NoLogError) -> str:
    name, channel, logfile = error.name, error.channel, error.logfile
    if error.redirected:
        return (
            f"{name}'s stderr goes into its stdout log (redirect_stderr=true): "
            f"`{stack_command(ctx.settings, 'logs', name)}` shows both"
        )
    # Deferred (as below): the supervisord config loader costs every `logs` ~80 ms to
    # import, and only a log that cannot be read needs it.
    from workloadctl.control.program_source import supervisord_source

    source = supervisord_source(ctx, name) if manager == "supervisord" else None
    if source is not None and source.kind == "eventlistener" and channel == "stdout":
        return _listener_stdout(ctx, error, source)
    section = source.header if source is not None else "[program:]"
    return (
        f"{manager} sends {name}'s {channel} to {logfile or 'NONE'}, not to a file: there "
        f"is no log to tail ({_where_it_goes(ctx, logfile)}){_other_channel(ctx, error)}"
        f". Set {channel}_logfile=AUTO or a path in its {section} section to use "
        f"`{stack_command(ctx.settings, 'logs', *(['--stderr'] if channel == 'stderr' else []), name)}`."
    )


def _never_ran_message(ctx: ControlContext, manager: str, error: NoLogError) -> str:
    name, logfile = error.name, error.logfile
    text = (
        f"{name} has not run since {manager} started, so its log file {logfile} does not exist yet"
    )
    from workloadctl.control.program_source import command_not_found, missing_command

    command = missing_command(ctx, name) if manager == "supervisord" else None
    if command is not None:
        return f"{text}, and it cannot start: {command_not_found(ctx, name, command)}"
    return f"{text}: `{stack_command(ctx.settings, 'start', name)}` starts it"


def no_log_message(ctx: ControlContext, manager: str, error: NoLogError) -> str:
    if error.no_file:
        return _no_file_message(ctx, manager, error)
    if error.never_ran:
        return _never_ran_message(ctx, manager, error)
    name, logfile = error.name, error.logfile
    return (
        f"{name}'s log file {logfile} is gone (deleted?): {manager} goes on writing to the "
        f"deleted file until {name} restarts; `{stack_command(ctx.settings, 'restart', name)}` "
        "starts a new one"
    )


def show_logs(ctx: ControlContext, target: Target, request: LogRequest, write: Write) -> None:
    """Write the program's last lines (and, following, every new one until Ctrl-C)."""
    if target.program is None:
        raise UsageError(
            f"`logs` shows a program's output; {target.manager}'s own output is in "
            f"{_where_output_goes(ctx)}"
        )
    live = kind(target.manager).live(ctx.settings, ctx.timeout)
    if request.stderr and not live.separate_stderr:
        raise UsageError(
            f"{target.manager} keeps one log per process (stdout and stderr together): "
            "drop --stderr"
        )
    try:
        for text in live.logs(
            target.program, request.lines, follow=request.follow, stderr=request.stderr
        ):
            write(text)
    except NoLogError as exc:
        raise NoLogFileError(no_log_message(ctx, target.manager, exc)) from None
