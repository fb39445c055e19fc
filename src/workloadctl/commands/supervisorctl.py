"""`workloadctl supervisorctl ARGS...`: Supervisor's own supervisorctl on the stack in use."""

from __future__ import annotations

import argparse

from workloadctl.commands.command_support import add_client_command

DESCRIPTION = """\
Run Supervisor's supervisorctl against the supervisord of the running stack (the one
--state-dir names, else as every command finds it: see --state-dir): the stack's unix
socket and the generated login are passed for you, every ARG goes to supervisorctl
untouched. supervisorctl replaces this process, so its output and exit status are its
own. Without ARGS it opens supervisorctl's interactive shell.

The login reaches supervisorctl through a config on a pipe, never its command line.
Root and, in the container, the members of the group `workloadctl` may use it; anyone
else is told so in one line.

Our own options (--state-dir, --help) come first; everything from the first other word
on belongs to supervisorctl. Put `--` before ARGS that start with a dash:
`workloadctl supervisorctl -- --help` shows supervisorctl's help, and
`workloadctl supervisorctl help` its list of actions.

examples:
  workloadctl supervisorctl status
  workloadctl supervisorctl start difit
  workloadctl supervisorctl tail -f docs
  workloadctl supervisorctl --state-dir .state status
  workloadctl supervisorctl -- --help
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add_client_command(
        subparsers,
        "supervisorctl",
        help="run supervisorctl on the running stack (socket and login passed for you)",
        description=DESCRIPTION,
        exec_name="exec_supervisorctl",
    )
