"""`workloadctl stop NAME...`: stop programs of either manager, or a manager itself."""

from __future__ import annotations

import argparse

from workloadctl.commands.command_support import add_action_command

HELP = "stop programs (of either manager) or a manager, and wait until they are down"

DESCRIPTION = """\
Stop each NAME and wait until it has stopped.

NAME is found as for `workloadctl start`: a program of either manager (qualify it as
`supervisord:NAME` or `process-compose:NAME` when both have one), or `supervisord` /
`process-compose` for the manager itself. Stopping a manager (`s6-svc -d`) stops its
programs with it and keeps it down until `workloadctl start MANAGER`; `status` then
shows it as disabled. s6 (PID 1) and the other manager are not touched.

Exit status: 0 every NAME stopped, 1 otherwise, 2 unknown or ambiguous NAME.

examples:
  workloadctl stop web
  workloadctl stop supervisord:web
  workloadctl stop process-compose
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add_action_command(subparsers, "stop", HELP, DESCRIPTION)
