"""`workloadctl down`: stop a stack started by `workloadctl up`, leaving no process behind."""

from __future__ import annotations

import argparse
from pathlib import Path

from workloadctl import settings as S
from workloadctl.runtime.local_runner import stop_stack
from workloadctl.runtime.local_stack import default_top

DESCRIPTION = """\
Stop the stack that `workloadctl up` started from the state dir (--state-dir,
default $WORKLOADCTL_STATE_DIR, else .state/ in the repository): the longruns in
reverse dependency order, then s6-svscan, whose PID namespace takes any straggler
with it. Fails (exit 1) if any process of the stack is still alive afterwards.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "down",
        help="stop the stack started by `up`",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--state-dir", type=Path, help="the state dir `up` used")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    top = (args.state_dir or default_top(S.find_repo_root(Path.cwd()))).resolve()
    stop_stack(top, lambda line: print(f"down: {line}", flush=True))
    return 0
