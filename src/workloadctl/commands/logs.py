"""`workloadctl logs NAME`: a program's output, from whichever manager runs it."""

from __future__ import annotations

import argparse
import sys

from workloadctl.commands.command_support import add_command, add_state_dir, non_negative_int

HELP = "show (and follow) a program's output, from whichever manager runs it"

DESCRIPTION = """\
Print the last N lines of a program's output; with -f, keep printing new lines
until Ctrl-C. NAME is found as for `workloadctl start` (supervisord:NAME or
process-compose:NAME when both managers have one).

supervisord: the program's stdout log file (--stderr: its stderr log), as the web
UI's "Tail -f" shows it. The template's programs write stdout and stderr together
to $WORKLOADCTL_LOG_DIR/NAME.log, rotated at 10 MB (docs/logs.md); every line also
reaches the container's output as "[NAME<TAB>] line". A program that logs to
/dev/stdout has no file to read, and a log file that is not there is an error
(exit 1); the error says where its output goes or how to get a new file.
process-compose: the process's log buffer (stdout and stderr together).

examples:
  workloadctl logs web
  workloadctl logs -f -n 100 process-compose:api
  workloadctl logs --stderr worker
  workloadctl logs -f -n 0 web      (only the lines written from now on)
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(subparsers, "logs", HELP, DESCRIPTION)
    parser.add_argument("name", metavar="NAME", help="a program of either manager")
    parser.add_argument("-f", "--follow", action="store_true", help="follow until Ctrl-C")
    parser.add_argument(
        "-n",
        "--lines",
        type=non_negative_int,
        default=50,
        metavar="N",
        help="how many of the last lines to show (default 50; 0 with -f: only new lines)",
    )
    parser.add_argument(
        "--stderr", action="store_true", help="supervisord: the stderr log instead of stdout"
    )
    add_state_dir(parser)
    parser.set_defaults(handler=run)


def _write(text: str) -> None:
    if text:
        sys.stdout.write(text)
        sys.stdout.flush()


def run(args: argparse.Namespace) -> int:
    from workloadctl.control.context import ControlContext
    from workloadctl.control.logs import LogRequest, show_logs
    from workloadctl.control.names import resolve_all

    ctx = ControlContext.load(args.state_dir)
    ctx.require_stack()
    (target,) = resolve_all(ctx, [args.name])
    request = LogRequest(lines=args.lines, follow=args.follow, stderr=args.stderr)
    try:
        show_logs(ctx, target, request, _write)
    except KeyboardInterrupt:  # the way to end -f
        return 0
    return 0
