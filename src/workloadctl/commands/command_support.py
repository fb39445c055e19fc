"""What the control commands (status, start, stop, restart, logs, creds) share on the
command line: --state-dir, --timeout, running an action over several names, and a
manager's own client (`supervisorctl`, `process-compose`) on the stack in use."""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from workloadctl.errors import UsageError

if TYPE_CHECKING:
    from workloadctl.runtime.local_stack import StackRecord
    from workloadctl.settings import Settings

STATE_DIR_HELP = (
    "the state dir of a stack started with `workloadctl up` (default: "
    "$WORKLOADCTL_STATE_DIR, else .state/ in the repository when a stack runs there, "
    "else the container's own paths)"
)


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give 0 or more")
    return value


def add_state_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--state-dir", type=Path, metavar="DIR", help=STATE_DIR_HELP)


def add_command(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help: str,
    description: str,
) -> argparse.ArgumentParser:
    """A command's parser, its description shown as written (line breaks kept)."""
    return subparsers.add_parser(
        name,
        help=help,
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def add_client_command(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    client: str,
    *,
    help: str,
    description: str,
    exec_name: str,
) -> None:
    """`workloadctl CLIENT [--state-dir DIR] ARGS...`: every ARG goes to the client, which
    control.passthrough's `exec_name` execs (imported only when the command runs)."""
    parser = add_command(subparsers, client, help, description)
    add_state_dir(parser)
    parser.add_argument(
        "args", nargs=argparse.REMAINDER, metavar="ARG", help=f"passed on to {client}"
    )
    parser.set_defaults(handler=functools.partial(_exec_client, exec_name))


def _exec_client(exec_name: str, args: argparse.Namespace) -> int:
    from workloadctl.control import passthrough
    from workloadctl.control.context import ControlContext

    exec_client: Callable[..., int] = getattr(passthrough, exec_name)
    ctx = ControlContext.load(args.state_dir)
    ctx.require_stack()
    sys.stdout.flush()
    sys.stderr.flush()
    return exec_client(ctx.settings, ctx.record, args.args)


def add_action_command(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    action: str,
    help: str,
    description: str,
) -> argparse.ArgumentParser:
    """`workloadctl ACTION NAME... [--state-dir DIR] [--timeout SECONDS] [--json]`."""
    parser = add_command(subparsers, action, help, description)
    add_action_arguments(parser, action)
    parser.set_defaults(handler=functools.partial(run_action, action=action))
    return parser


def add_action_arguments(parser: argparse.ArgumentParser, verb: str) -> None:
    parser.add_argument(
        "names",
        nargs="+",
        metavar="NAME",
        help="a program (NAME, supervisord:NAME, process-compose:NAME) or a manager "
        "(supervisord, process-compose)",
    )
    add_state_dir(parser)
    parser.add_argument(
        "--timeout",
        type=positive_float,
        default=30.0,
        metavar="SECONDS",
        help=f"how long to wait for each {verb} to finish (default 30)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def _say_what_takes_time(program: str | None, manager: str, action: str, timeout: float) -> None:
    """A manager's stop or restart waits for all its programs to stop (each up to its own
    stop timeout) and is silent meanwhile: say so on stderr first (not in --json)."""
    if program is not None or action not in ("stop", "restart"):
        return
    doing, then = (
        ("restarting", ", then starting it again") if action == "restart" else ("stopping", "")
    )
    print(
        f"{doing} {manager}: stopping its programs{then} (waiting up to {timeout:g} s)...",
        file=sys.stderr,
        flush=True,
    )


def _port_cause(settings: Settings, record: StackRecord | None, manager: str) -> str | None:
    """The doctor's word on a port `manager` wants that something else holds; imported
    only when a manager keeps dying (the doctor reads the configs)."""
    from workloadctl.doctor.run import held_port_cause

    return held_port_cause(settings, record, manager)


def run_action(args: argparse.Namespace, action: str) -> int:
    """Resolve every NAME first (an unknown one changes nothing), then act on each in turn."""
    from workloadctl.control.actions import ACTIONS, act
    from workloadctl.control.context import ControlContext
    from workloadctl.control.names import resolve_all

    verb = next(a for a in ACTIONS if a == action)
    ctx = ControlContext.load(args.state_dir)
    ctx.port_cause = functools.partial(_port_cause, ctx.settings, ctx.record)
    ctx.require_stack()
    targets = resolve_all(ctx, list(dict.fromkeys(args.names)))
    clear = bool(getattr(args, "clear_quarantine", False))
    if clear and not all(t.is_manager for t in targets):
        raise UsageError("--clear-quarantine applies to a manager (supervisord, process-compose)")
    outcomes = []
    for target in targets:
        if not args.json:
            _say_what_takes_time(target.program, target.manager, verb, args.timeout)
        outcome = act(ctx, verb, target, args.timeout, clear_quarantine=clear)
        outcomes.append(outcome)
        if not args.json:
            print(outcome.render(), flush=True)
    ok = all(o.ok for o in outcomes)
    if args.json:
        print(json.dumps({"results": [o.as_json() for o in outcomes], "ok": ok}))
    elif not ok:
        print(f"workloadctl: {action} did not succeed for every NAME", file=sys.stderr)
    return 0 if ok else 1
