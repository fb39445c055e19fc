"""`workloadctl reload`: validate an edited config, then apply it without restarting the
manager, or refuse it and change nothing."""

from __future__ import annotations

import argparse
import json
from typing import cast

from workloadctl.commands.command_support import add_command, add_state_dir
from workloadctl.control.reload import reload_stack, stack_settings, world_for
from workloadctl.control.reload_render import relative_report, render_json, render_text
from workloadctl.manager_names import Manager
from workloadctl.managers import MANAGERS

HELP = "apply edited configs to the running managers (validated first; no manager restart)"

DESCRIPTION = """\
Check the project config of each manager with the same loader the launcher uses,
then apply it to the running manager without restarting it:

  supervisord      re-read, then like `supervisorctl update`: stop and remove the
                   removed groups, restart the changed ones, add the new ones
  process-compose  re-read its config files (POST /project/configuration): new
                   processes start, changed ones restart, removed ones stop

Programs that did not change keep running with the same PID.

An invalid config is refused: the findings are printed (as `validate` prints them),
nothing is changed and every program keeps running. A manager running its seed
because its project config was bad is switched to the project config once that is
valid, by restarting it through s6 (the output says "switched from seed to project").

With no MANAGER both are reloaded (one switched off at boot is skipped). Exit status:
0 when every manager took the config (or had nothing to apply), 1 when one was
refused, is down or failed. Codes and JSON format: docs/reload.md.

examples:
  workloadctl reload                           # both managers
  workloadctl reload supervisord               # only supervisord
  workloadctl reload --json | jq '.managers[] | {name, action}'
  workloadctl reload --state-dir /tmp/stack    # a stack started with `workloadctl up`
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(subparsers, "reload", HELP, DESCRIPTION)
    parser.add_argument(
        "manager",
        nargs="?",
        choices=MANAGERS,
        metavar="MANAGER",
        help="supervisord or process-compose (default: both)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    add_state_dir(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings, record = stack_settings(args.state_dir)
    managers = [cast(Manager, args.manager)] if args.manager else None
    report = relative_report(
        reload_stack(world_for(settings, record), managers), settings.project_root
    )
    if args.json:
        print(json.dumps(render_json(report)))
    else:
        for line in render_text(report):
            print(line)
    return 0 if report.ok else 1
