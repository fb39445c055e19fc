"""`workloadctl process-compose ARGS...`: process-compose's own client on the stack in use."""

from __future__ import annotations

import argparse

from workloadctl.commands.command_support import add_client_command

DESCRIPTION = """\
Run process-compose's own command-line client against the process-compose of the
running stack (the one --state-dir names, else as every command finds it: see
--state-dir):
its unix socket and API token file are passed for you (PC_SOCKET_PATH and
PC_API_TOKEN_PATH in its environment), every ARG goes to process-compose untouched.
process-compose replaces this process, so its output and exit status are its own.

Only client commands: `process-compose` alone, `up` and `run` would start a second
process-compose, so they are refused; the manager itself is
`workloadctl start|stop|restart process-compose`. Root and, in the container, the
members of the group `workloadctl` may use it; anyone else is told so in one line.

Our own options (--state-dir, --help) come first; everything from the first other word
on belongs to process-compose. Put `--` before ARGS that start with a dash:
`workloadctl process-compose -- --help` shows process-compose's help.

examples:
  workloadctl process-compose process list
  workloadctl process-compose process logs static-site --tail 20
  workloadctl process-compose process restart static-site
  workloadctl process-compose project state
  workloadctl process-compose --state-dir .state process list
  workloadctl process-compose -- --help
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add_client_command(
        subparsers,
        "process-compose",
        help="run process-compose's client on the running stack (socket and token passed)",
        description=DESCRIPTION,
        exec_name="exec_process_compose",
    )
