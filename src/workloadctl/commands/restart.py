"""`workloadctl restart NAME...`: restart programs of either manager, or a manager itself."""

from __future__ import annotations

import argparse

from workloadctl.commands.command_support import add_action_command

HELP = "restart programs (of either manager) or a manager, and wait for the new PID"

DESCRIPTION = """\
Restart each NAME and wait until it runs again with a new PID.

NAME is found as for `workloadctl start`. `supervisord` or `process-compose` as NAME
restarts the manager through s6 (`s6-svc -r`): its launcher decides again between
the project config and the seed, so this is the one command that retries after you
fixed workloads/; the output says which config it runs now and why. s6 stays PID 1
and the other manager's programs keep running.

--clear-quarantine (managers only) first lifts the crash-loop quarantine, for a
project config that kept killing its manager and that you fixed outside the file
(a port freed, say).

A manager that keeps dying while it starts (quarantined, or its seed dying too: its
web UI's port held, say) ends the wait at once: the line says what happened, the cause
(a held port and its holder, as `doctor` names them), what to run after the fix, and
where its log is.

Exit status: 0 every NAME runs again (a manager on its project config), 1 otherwise
(also a manager that ended on its SEED config: the line says why), 2 unknown or
ambiguous NAME.

examples:
  workloadctl restart web
  workloadctl restart supervisord
  workloadctl restart supervisord --clear-quarantine
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_action_command(subparsers, "restart", HELP, DESCRIPTION)
    parser.add_argument(
        "--clear-quarantine",
        action="store_true",
        help="lift the crash-loop quarantine of the manager(s) first",
    )
