"""`workloadctl creds`: how to log in to supervisord's web UI and process-compose's API."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from workloadctl.commands.command_support import add_command, add_state_dir

if TYPE_CHECKING:
    from workloadctl.control.creds import Creds

HELP = "show how to log in to the web UI (URL, user, password) and the process-compose API"

DESCRIPTION = """\
Print how to reach each control surface of the running stack:

- supervisord's web UI: the URL and user from the config supervisord runs (project or
  seed, as the launcher decided), and the password `boot` generated into the
  secrets dir;
- supervisorctl on the unix socket: `workloadctl supervisorctl ... status` (socket and
  login passed for you, any supervisorctl action in place of `status`), and a plain
  supervisorctl line with the socket and login on its command line;
- process-compose's API: its unix socket, the token file, the token,
  `workloadctl process-compose ... process list` (its own client, any client command),
  the `process-compose attach` line for its TUI and a curl line for its REST API.

Every command line printed works as printed (copy it whole), from any directory: for a
stack of `workloadctl up` each names the stack's absolute --state-dir.

In the container root and the members of the group `workloadctl` (the developer) may
read the secrets; anyone else is told so (exit status 1). Nothing here ever has a
default password.

examples:
  workloadctl creds
  workloadctl creds --json | jq -r .supervisord.web_ui.password
  workloadctl creds --state-dir .state
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(subparsers, "creds", HELP, DESCRIPTION)
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    add_state_dir(parser)
    parser.set_defaults(handler=run)


def render_creds(creds: Creds) -> str:
    lines = [line for access in creds.access.values() for line in access.lines()]
    lines += [f"note: {note}" for note in creds.notes]
    lines += [f"problem: {problem}" for problem in creds.problems]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    from workloadctl.control.context import ControlContext
    from workloadctl.control.creds import collect_creds

    creds = collect_creds(ControlContext.load(args.state_dir))
    if args.json:
        print(json.dumps(creds.as_json(), indent=2))
    else:
        sys.stdout.write(render_creds(creds))
    return 1 if creds.problems else 0
