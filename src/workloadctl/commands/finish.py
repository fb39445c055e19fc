"""`workloadctl finish MANAGER EXIT SIGNAL`: the `finish` script of the s6 longruns.

s6-supervise runs the `finish` script after the manager died, with the exit code (256 when
killed by a signal) and the signal number; the script starts this in the background,
holding the service's finish.lock (see runtime/finish_lock.py). It records the death for
the crash-loop quarantine and kills every program the dead manager left behind. It always
exits 0 (s6 reads 125 as "keep the service down for good"), and gives up after
`finish_bound_seconds`, since s6 no longer kills it after its `timeout-finish`.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from types import FrameType
from typing import cast

from workloadctl.manager_names import Manager
from workloadctl.managers import MANAGERS
from workloadctl.runtime.finish import finish, finish_bound_seconds
from workloadctl.settings import Settings

HELP = "record a manager's death and kill what it left behind (the s6 finish script)"

DESCRIPTION = """\
Run after supervisord or process-compose died, by the s6 service's `finish` script, in
the background while it holds the service's finish.lock (the next `workloadctl launch`
waits for that lock before it decides):
`setsid with-contenv workloadctl finish supervisord "$@" </dev/null &`.

EXIT is the manager's exit code, or 256 when a signal killed it; SIGNAL is that
signal's number. The death is recorded in the state directory (deaths/MANAGER.json)
for the crash-loop quarantine; exit code 0 and SIGTERM (what s6-svc -r/-t/-d send)
are intentional stops and never count, nor does SIGKILL, SIGTERM, SIGHUP or SIGINT
from outside once the manager ran its start period on the config
(WORKLOADCTL_QUARANTINE_START_PERIOD, default 10 s). Then every process the dead manager left
behind (in its session, RUN_DIR/MANAGER.session, or carrying its environment markers
WORKLOADCTL_MANAGER and WORKLOADCTL_INSTANCE) and its process group get SIGTERM, and
SIGKILL after WORKLOADCTL_REAP_GRACE seconds (default 3).

Always exits 0, at the latest after the grace plus 6 s (9 s by default): what is left
then, the next launch reaps.
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


class FinishTimedOut(Exception):
    """Raised by the interval timer in whatever `finish` was doing when its bound passed."""


def _give_up(signum: int, frame: FrameType | None) -> None:
    raise FinishTimedOut


def run(args: argparse.Namespace) -> int:
    manager = cast(Manager, args.manager)
    bound = finish_bound_seconds(os.environ)
    # In the background nobody kills a stuck finish, and it holds the lock launch waits for.
    previous = signal.signal(signal.SIGALRM, _give_up)
    signal.setitimer(signal.ITIMER_REAL, bound)
    try:
        return finish(
            manager,
            _as_int(args.exit_code),
            _as_int(args.signal),
            settings=Settings.from_env(os.environ),  # with-contenv gave us the container env
            environ=os.environ,
            stderr=sys.stderr,
        )
    except FinishTimedOut:
        print(
            f"workloadctl: finish {manager}: gave up after {bound:g} s; the next launch "
            "kills what is left",
            file=sys.stderr,
        )
        return 0
    except Exception as exc:  # never 125 (permanently down), never a traceback in the log
        print(f"workloadctl: finish {manager}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
