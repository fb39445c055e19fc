"""`workloadctl down`: stop a stack started by `workloadctl up`, leaving no process behind."""

from __future__ import annotations

import argparse
from pathlib import Path

from workloadctl import settings as S
from workloadctl.commands.command_support import add_command
from workloadctl.errors import UsageError
from workloadctl.runtime.local_runner import stop_stack
from workloadctl.runtime.local_stack import default_top

DESCRIPTION = """\
Stop the stack that `workloadctl up` started from the state dir (--state-dir,
default $WORKLOADCTL_STATE_DIR, else .state/ in the repository): the longruns in
reverse dependency order, then s6-svscan, whose PID namespace takes any straggler
with it. Fails (exit 1) if any process of the stack is still alive afterwards.

With --all: every stack `workloadctl stacks` lists, one after the other, with a line
per step; exit 1 if any of them did not stop (the others are stopped all the same).
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        subparsers,
        "down",
        "stop the stack started by `up` (--all: every stack on this machine)",
        DESCRIPTION,
    )
    parser.add_argument("--state-dir", type=Path, help="the state dir `up` used")
    parser.add_argument(
        "--all", action="store_true", help="stop every stack `workloadctl stacks` lists"
    )
    parser.set_defaults(handler=run)


def _say(line: str) -> None:
    print(f"down: {line}", flush=True)


def run(args: argparse.Namespace) -> int:
    if args.all:
        if args.state_dir is not None:
            raise UsageError("--all stops every stack: give it without --state-dir")
        from workloadctl.runtime.stack_registry import live_stacks
        from workloadctl.runtime.stop_all import stop_all

        return stop_all(live_stacks(), stop_stack, _say).exit_code
    top = (args.state_dir or default_top(S.find_repo_root(Path.cwd()))).resolve()
    stop_stack(top, _say)
    return 0
