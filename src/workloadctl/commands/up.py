"""`workloadctl up`: run the stack on this machine, s6-svscan as PID 1 of a new PID namespace."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from workloadctl import settings as S
from workloadctl.commands.command_support import add_command, positive_float
from workloadctl.control.stack_info import describe_access
from workloadctl.control.up_wait import DEFAULT_TIMEOUT, wait_for_managers
from workloadctl.doctor.port_preflight import refuse_busy_ports
from workloadctl.errors import UsageError, WorkloadctlError
from workloadctl.runtime.foreground import QuietOutput, StopOnSignals, StopRequested, exit_status
from workloadctl.runtime.local_runner import (
    STOP_BOUND,
    running_record,
    start_stack,
    stop_stack,
)
from workloadctl.runtime.local_stack import RECORD_NAME, LocalLayout, StackRecord, default_top
from workloadctl.runtime.own_command import own_command
from workloadctl.runtime.stack_log_view import StackLogView

DESCRIPTION = """\
Run the container's process layer on this machine, without Docker: read
.devcontainer/s6-rc.d (the files the Dockerfile copies), run its oneshots in
dependency order, start s6-svscan as PID 1 of a new PID namespace and bring the
`user` bundle (supervisord, process-compose) up in dependency order.

The container's paths (/run/service, /etc/supervisor, /etc/process-compose,
/home/$UNAME/$REPO_NAME, ...) are mapped under the state dir (--state-dir, default
$WORKLOADCTL_STATE_DIR, else .state/ in the repository). Without --detach, the stack's
log follows on stdout and whatever ends `up` stops everything: Ctrl-C, SIGTERM, the
terminal closing (SIGHUP), or its output's reader going away (`up | tee`); the exit
status is then 128 + the signal (130 for Ctrl-C; 141 for a broken pipe), and a second
Ctrl-C does not cut the stop short. If the stop fails, stderr says so and names the
`workloadctl down` command. `workloadctl down` from another terminal stops the stack and
ends `up` (exit 0); a stop only ever stops the stack this `up` started, never
one a fresh `up` of the same state dir started since.

With --detach, `up` returns once both managers answer over their APIs (or were
switched off on purpose), at most --timeout seconds: exit 0; 3 when a manager answers
on its seed config (a DEGRADED line names it, as `status` does); 1 when one does not
answer in time (the stack still runs; the last lines say how to look and how to stop
it). `workloadctl down` stops the stack.

Before starting anything, `up` refuses (exit 1) when a TCP port its configs want is in
use: supervisord's web UI port and every port a program's command or environment names
(as `workloadctl validate` and `doctor` read them). It names each port and who holds
it; for another stack of ours, the `workloadctl down --state-dir DIR` that stops it.
`workloadctl stacks` lists every stack running on this machine.

Needs root (PID namespaces) and the s6 and execline packages (`make up` installs them).
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        subparsers, "up", "run the stack on this machine (no Docker needed)", DESCRIPTION
    )
    parser.add_argument("--root", type=Path, help="repository (default: git root of cwd)")
    parser.add_argument("--state-dir", type=Path, help="where the container's paths are mapped")
    parser.add_argument("--detach", action="store_true", help="return once both managers answer")
    parser.add_argument(
        "--timeout",
        type=positive_float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"with --detach: how long to wait for the managers (default {DEFAULT_TIMEOUT:.0f})",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    root = (args.root or S.find_repo_root(Path.cwd())).resolve()
    if not (root / S.S6_RC_SOURCE_DIR).is_dir():
        raise UsageError(
            f"{root} has no {S.S6_RC_SOURCE_DIR}: not a workloadctl repository (--root?)"
        )
    top = (args.state_dir or default_top(root)).resolve()
    if running_record(top) is None:  # else start_stack says that this one already runs
        refuse_busy_ports(root, top, os.environ)
    out, err = QuietOutput(sys.stdout), QuietOutput(sys.stderr)

    def say(line: str) -> None:
        out.line(f"up: {line}")
        if out.gone:  # stdout's reader is gone (`up | tee`, tee died): stderr may be read
            err.line(f"up: {line}")

    # From the first step on: a signal while starting stops what already runs
    # (start_stack stops the stack on any exception, StopRequested included).
    with StopOnSignals(STOP_BOUND):
        ours: StackRecord | None = None  # the stack this up started: the only one it stops
        try:
            started = start_stack(root, top, say)
            ours = started.record
            say(f"stack up in {started.seconds:.1f} s")
            layout = LocalLayout.create(root, top)
            for line in describe_access(layout):
                out.line(line)
            if args.detach:
                return _wait_for_managers(top, layout.log_file, say, args.timeout)
            if not _follow(layout.log_file, out, top, started.record):
                say("the stack was stopped from elsewhere (`workloadctl down`); up ends")
                return 0
            # Else the loop ended because our output's reader is gone (`up | tee`, tee died).
            reason = signal.SIGPIPE
        except StopRequested as stop:
            if ours is None or running_record(top) is None:
                return exit_status(stop.signum)  # start_stack has stopped it already
            reason = signal.Signals(stop.signum)
        say(f"{reason.name}: stopping the stack")
        try:
            # Compared with the record right before stopping: `_follow` looks only every
            # 0.2 s, and a `down` then a fresh `up` from elsewhere may fall in between.
            stop_stack(top, say, only=ours)
        except WorkloadctlError as exc:
            err.line(f"workloadctl: error: {exc}")
            return 1
    return exit_status(reason)


def _wait_for_managers(
    top: Path, log_file: Path, say: Callable[[str], None], timeout: float
) -> int:
    from workloadctl.control.context import ControlContext
    from workloadctl.control.status import build_status, fetch_raw

    context = ControlContext.load(top, timeout=min(5.0, timeout))
    outcome = wait_for_managers(lambda: build_status(context, fetch_raw(context)), say, timeout)
    if outcome.waiting_for:
        say(
            f"the stack still runs: `{own_command('status', top=top)}` shows it, "
            f"{log_file} holds its log"
        )
    say(f"stop it with: {own_command('down', top=top)}")
    return outcome.exit_code


def _follow(log_file: Path, out: QuietOutput, top: Path, ours: StackRecord) -> bool:
    """Copy the stack's log to our output until a stop signal, until nobody reads it (True)
    or until the stack's record is no longer `ours` (False: `workloadctl down` from another
    terminal stopped it and removed the record; following on would hang over a log nobody
    writes). Another stack's record counts as gone: a fresh `up` of this state dir may have
    written it before we looked, and its log is not ours to follow nor its stack to stop.
    What it copies is the log less its terminal escapes (StackLogView)."""
    out.line("following the stack's log; Ctrl-C stops the stack")
    view = StackLogView()
    with log_file.open("rb") as log:
        log.seek(0, 2)
        try:
            while not out.gone:
                chunk = log.read(65536)
                if chunk:
                    out.raw(view.feed(chunk))
                elif StackRecord.read(top / RECORD_NAME) != ours:
                    # What was written between the read and the check (view's held part
                    # follows, below).
                    out.raw(view.feed(log.read()))
                    return False
                else:
                    time.sleep(0.2)
        finally:
            # What the view held back (an unfinished line), also when Ctrl-C ends the follow:
            # shown before the stop's own lines.
            held = view.flush()
            if held and not out.gone:
                out.raw(held)
    return True
