"""`workloadctl status`: one view of s6, supervisord and process-compose and every program."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TYPE_CHECKING

from workloadctl.commands.command_support import add_command, add_state_dir, positive_float

if TYPE_CHECKING:  # imported on use: `status --help` should not load the clients
    from workloadctl.control.status import StackStatus

HELP = "show both managers and every program in one table (or JSON)"

DESCRIPTION = """\
Show each manager (its s6 state, PID, uptime, restarts seen, the config it runs:
project or seed, and why), then every program of both managers (state, PID, uptime,
restarts, last exit code). PIDs are as seen by you, so `kill PID` hits the right
process. Both managers are asked at the same time, over their own APIs.

A manager that is down or unreachable is shown as such; the rest is still shown.

Exit status: 0 when every manager runs its project config (or was deliberately
switched off) and every program that should run does (supervisord: autostart=true;
process-compose: not disabled) or exited cleanly; 1 when a manager does not run, or a
program that should run does not under a manager on its project config, or when no
stack runs here; 3 (DEGRADED) when nothing else fails, but a manager runs its seed
because its project config was refused or quarantined (a DEGRADED line names it, its
first finding and the retry command; a failing program of the seed is the seed's
doing and exits 3 too); 4 (STARTING) when
nothing failed, but a program that should run is still within its start time
(supervisord: STARTING, before its startsecs; process-compose: Pending, Launching):
ask again in a few seconds.
JSON schema: docs/status-json.md.

examples:
  workloadctl status
  workloadctl status --json | jq '.programs[] | select(.state != "running")'
  workloadctl status --watch 2
  workloadctl status --state-dir .state
"""
CLEAR_SCREEN = "\x1b[H\x1b[2J"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(subparsers, "status", HELP, DESCRIPTION)
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument(
        "--watch",
        nargs="?",
        const=2.0,
        type=positive_float,
        metavar="SECONDS",
        help="redraw every SECONDS (default 2) until Ctrl-C, also while no stack runs (off a "
        "terminal each snapshot follows a blank line and a time header, a missing stack is "
        "said once); with --json, one line per update",
    )
    parser.add_argument(
        "--timeout",
        type=positive_float,
        default=5.0,
        metavar="SECONDS",
        help="how long to wait for each manager's answer (default 5)",
    )
    add_state_dir(parser)
    parser.set_defaults(handler=run)


def _collect(args: argparse.Namespace) -> StackStatus:
    from workloadctl.control.context import ControlContext
    from workloadctl.control.status import collect_status

    return collect_status(ControlContext.load(args.state_dir, timeout=args.timeout))


def _show(args: argparse.Namespace, status: StackStatus) -> int:
    if args.json:
        # One line: what scripts and `jq` read, and `--watch --json` streams line by line.
        print(json.dumps(status.as_json()), flush=True)
    else:
        from workloadctl.control.render import render_status

        sys.stdout.write(render_status(status))
        sys.stdout.flush()
    return status.exit_code


def _render_once(args: argparse.Namespace) -> int:
    return _show(args, _collect(args))


def _watch(args: argparse.Namespace) -> int:
    from workloadctl.errors import WorkloadctlError

    terminal = sys.stdout.isatty()
    clear = terminal and not args.json
    code = 1
    said: str | None = None  # off a terminal, the error last printed: said once, not each time
    snapshots = 0
    try:
        while True:
            header = f"every {args.watch:g} s, {time.strftime('%H:%M:%S')} (Ctrl-C to stop)\n"
            try:
                status = _collect(args)
            except WorkloadctlError as exc:  # no stack (yet, or any more): it may come
                line = f"workloadctl: error: {exc}"
                if clear:
                    sys.stdout.write(CLEAR_SCREEN)
                    print(header)
                if terminal or line != said:
                    print(line if terminal else f"{line} (still watching)", flush=True)
                said, code = line, exc.exit_code
            else:
                if clear:
                    sys.stdout.write(CLEAR_SCREEN)
                    print(header)
                elif not args.json:
                    # A log or a pipe keeps every snapshot: a blank line and the time part them.
                    print(("\n" if snapshots else "") + header, flush=True)
                code = _show(args, status)
                snapshots += 1
                said = None
            time.sleep(args.watch)
    except KeyboardInterrupt:
        return code


def run(args: argparse.Namespace) -> int:
    if args.watch is not None:
        return _watch(args)
    return _render_once(args)
