"""`workloadctl boot`: the container's one-time preparation (the s6-rc oneshot)."""

from __future__ import annotations

import argparse

from workloadctl.runtime.boot import PHASE_NAMES, PHASES, run_boot
from workloadctl.runtime.boot_system import RealSystem
from workloadctl.settings import Settings

_DESCRIPTION = """\
Prepare the container before supervisord and process-compose start. The s6-rc oneshot
`workloadctl-boot` runs this (as root, through with-contenv) at every container start;
running it again by hand is safe: every phase only changes what is not already right.

Phases, in order:
{phases}

Each phase prints what it did. A failing phase is reported and the next phases still
run; the exit status stays 0 (unless --strict) because a failing oneshot would keep
both managers from ever starting. The last line lists the phases that failed.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    phases = "\n".join(f"  {phase.name:<16} {phase.summary}" for phase in PHASES)
    parser = subparsers.add_parser(
        "boot",
        help="prepare the container before the managers start (the s6-rc oneshot)",
        description=_DESCRIPTION.format(phases=phases),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--phase",
        dest="phases",
        action="append",
        choices=PHASE_NAMES,
        metavar="NAME",
        help=f"run only this phase (repeatable; one of: {', '.join(PHASE_NAMES)})",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when a phase failed (for checks; the s6 oneshot never uses it)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    only: list[str] | None = getattr(args, "phases", None)
    # Flushed line by line: under s6 stdout is a pipe, and a phase that hangs (a locked
    # /etc/group) should not also hide what the earlier phases printed.
    result = run_boot(settings, RealSystem(), only=only, say=_say)
    if getattr(args, "strict", False) and result.failed_phases:
        return 1
    return 0


def _say(line: str) -> None:
    print(line, flush=True)
