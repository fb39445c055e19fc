"""`workloadctl launch MANAGER`: the `run` script of the s6 longruns (ends in exec)."""

from __future__ import annotations

import argparse
import os
from typing import cast

from workloadctl.manager_names import Manager
from workloadctl.managers import MANAGERS
from workloadctl.runtime.launcher import launch
from workloadctl.settings import Settings

HELP = "start a manager in place of this process (the s6 longrun's run script)"

DESCRIPTION = """\
Start supervisord or process-compose in place of this process (exec), the way the s6
longrun's `run` script does: `exec with-contenv workloadctl launch supervisord`.

At every start it validates the project config (workloads/supervisord/project.conf or
workloads/process-compose/project.yaml) with the same loader as `workloadctl validate`.
When the file is missing, invalid, or quarantined for crash-looping, it starts the
baked-in seed config instead and prints a banner on stderr saying which file, which
line, what is wrong, and the command that retries after the fix
(`workloadctl restart MANAGER`). The decision is recorded as JSON in the state
directory (decisions/MANAGER.json), and whatever a previous instance left running is
killed before the manager starts.

A crash loop (WORKLOADCTL_QUARANTINE_DEATHS deaths, default 5, within
WORKLOADCTL_QUARANTINE_WINDOW seconds, default 60, on the same project file)
quarantines the project config until the file changes.

Exit status: none when the manager starts (this process becomes the manager);
0 when process-compose is disabled (it is then kept down); 111 when it cannot start
(missing binary or seed; s6 retries a second later). Codes: docs/launcher.md.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "launch",
        help=HELP,
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("manager", choices=MANAGERS, help="which manager to start")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # s6 runs us through with-contenv: our environment already is the container's, so
    # the container environment directory need not be read again on every manager start.
    return launch(cast(Manager, args.manager), Settings.from_env(os.environ))
