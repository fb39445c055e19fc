"""`workloadctl stacks`: every stack `workloadctl up` runs on this machine."""

from __future__ import annotations

import argparse
import json
import sys

from workloadctl.commands.command_support import add_command

DESCRIPTION = """\
List every stack `workloadctl up` started on this machine, whatever its state dir:
the state dir, the PID of its s6-svscan (PID 1 of the stack's namespace), since when
it runs and the repository, and the `workloadctl down` command that stops each one
(`workloadctl down --all` stops them all).

`up` records each stack in $WORKLOADCTL_STACKS_DIR (default /run/workloadctl-stacks);
a record counts only while its s6-svscan lives (same PID, same start time), so stacks
gone with a reboot or a kill are never listed. Exit status 0, also when none runs.

examples:
  workloadctl stacks
  workloadctl stacks --json | jq -r '.stacks[].top'
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        subparsers, "stacks", "list every stack `up` runs on this machine", DESCRIPTION
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from workloadctl.control.stack_listing import render_stacks, stacks_json
    from workloadctl.runtime.stack_registry import live_stacks

    stacks = live_stacks()
    if args.json:
        print(json.dumps(stacks_json(stacks)))
    else:
        sys.stdout.write(render_stacks(stacks))
    return 0
