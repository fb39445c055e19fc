"""`workloadctl finish MANAGER EXIT SIGNAL`: the `finish` script of the s6 longruns.

s6-supervise runs it after the manager died, with the exit code (256 when killed by a
signal) and the signal number. It records the death for the crash-loop quarantine and
kills every program the dead manager left behind. It always exits 0: s6 reads 125 as
"keep the service down for good", and s6 kills it after 5 s anyway.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import cast

from workloadctl.manager_names import Manager
from workloadctl.managers import MANAGERS
from workloadctl.runtime.finish import finish
from workloadctl.settings import Settings

HELP = "record a manager's death and kill what it left behind (the s6 finish script)"

DESCRIPTION = """\
Run by s6 after supervisord or process-compose died:
`exec with-contenv workloadctl finish supervisord "$@"`.

EXIT is the manager's exit code, or 256 when a signal killed it; SIGNAL is that
signal's number. The death is recorded in the state directory (deaths/MANAGER.json)
for the crash-loop quarantine; exit code 0 and SIGTERM (what s6-svc -r/-t/-d send)
are intentional stops and never count, nor does SIGKILL, SIGTERM, SIGHUP or SIGINT
from outside once the manager ran its start period on the config
(WORKLOADCTL_QUARANTINE_START_PERIOD, default 10 s). Then every process the dead manager left
behind (in its session, RUN_DIR/MANAGER.session, or carrying its environment markers
WORKLOADCTL_MANAGER and WORKLOADCTL_INSTANCE) and its process group get SIGTERM, and
SIGKILL after WORKLOADCTL_REAP_GRACE seconds (default 3).

Always exits 0.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "finish",
        help=HELP,
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("manager", choices=MANAGERS, help="which manager died")
    parser.add_argument("exit_code", nargs="?", metavar="EXIT", help="exit code, 256 if signalled")
    parser.add_argument("signal", nargs="?", metavar="SIGNAL", help="signal number, if signalled")
    # Newer s6 versions pass more (service name, process group); they are not needed.
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    parser.set_defaults(handler=run)


def _as_int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def run(args: argparse.Namespace) -> int:
    manager = cast(Manager, args.manager)
    try:
        return finish(
            manager,
            _as_int(args.exit_code),
            _as_int(args.signal),
            settings=Settings.from_env(os.environ),  # with-contenv gave us the container env
            environ=os.environ,
            stderr=sys.stderr,
        )
    except Exception as exc:  # never 125 (permanently down), never a traceback in the log
        print(f"workloadctl: finish {manager}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 0
