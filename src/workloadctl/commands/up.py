"""`workloadctl up`: run the stack on this machine, s6-svscan as PID 1 of a new PID namespace."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from workloadctl import settings as S
from workloadctl.errors import UsageError, WorkloadctlError
from workloadctl.runtime.foreground import QuietOutput, StopOnSignals, StopRequested, exit_status
from workloadctl.runtime.local_runner import (
    STOP_BOUND,
    running_record,
    start_stack,
    stop_stack,
)
from workloadctl.runtime.local_stack import LocalLayout, default_top
from workloadctl.runtime.stack_info import describe_access

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
`workloadctl down` command. With --detach, `workloadctl down` stops the stack. Needs
root (PID namespaces) and the s6 and execline packages (`make up` installs them).
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "up",
        help="run the stack on this machine (no Docker needed)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--root", type=Path, help="repository (default: git root of cwd)")
    parser.add_argument("--state-dir", type=Path, help="where the container's paths are mapped")
    parser.add_argument("--detach", action="store_true", help="return once the stack is up")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    root = (args.root or S.find_repo_root(Path.cwd())).resolve()
    if not (root / S.S6_RC_SOURCE_DIR).is_dir():
        raise UsageError(
            f"{root} has no {S.S6_RC_SOURCE_DIR}: not a workloadctl repository (--root?)"
        )
    top = (args.state_dir or default_top(root)).resolve()
    out, err = QuietOutput(sys.stdout), QuietOutput(sys.stderr)

    def say(line: str) -> None:
        out.line(f"up: {line}")
        if out.gone:  # stdout's reader is gone (`up | tee`, tee died): stderr may be read
            err.line(f"up: {line}")

    # From the first step on: a signal while starting stops what already runs
    # (start_stack stops the stack on any exception, StopRequested included).
    with StopOnSignals(STOP_BOUND):
        try:
            started = start_stack(root, top, say)
            say(f"stack up in {started.seconds:.1f} s")
            for line in describe_access(LocalLayout.create(root, top)):
                out.line(line)
            if args.detach:
                out.line(f"stop it with: workloadctl down --state-dir {top}")
                return 0
            _follow(LocalLayout.create(root, top).log_file, out)
            # The loop only ends when our output's reader is gone (`up | tee`, tee died).
            reason = signal.SIGPIPE
        except StopRequested as stop:
            if running_record(top) is None:
                return exit_status(stop.signum)  # start_stack has stopped it already
            reason = signal.Signals(stop.signum)
        say(f"{reason.name}: stopping the stack")
        try:
            stop_stack(top, say)
        except WorkloadctlError as exc:
            err.line(f"workloadctl: error: {exc}")
            return 1
    return exit_status(reason)


def _follow(log_file: Path, out: QuietOutput) -> None:
    """Copy the stack's log to our output until a stop signal or until nobody reads it."""
    out.line("following the stack's log; Ctrl-C stops the stack")
    with log_file.open("rb") as log:
        log.seek(0, 2)
        while not out.gone:
            chunk = log.read(65536)
            if chunk:
                out.raw(chunk)
            else:
                time.sleep(0.2)
