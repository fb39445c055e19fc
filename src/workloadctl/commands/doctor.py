"""`workloadctl doctor`: check this machine (or container) for what the stack needs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from workloadctl.commands.command_support import add_command
from workloadctl.doctor.model import Check
from workloadctl.doctor.run import context_for, run_checks
from workloadctl.doctor.system import RealSystem

HELP = "check binaries, versions, PID namespaces, ports and permissions; say what to fix"

DESCRIPTION = """\
Check what the stack needs and say, for each problem, what to install or change:

- s6 (s6-svscan, s6-svc, s6-svstat, s6-svwait, ...) and execline (execlineb);
- supervisord (version >= 4.2, < 5) and process-compose (exactly v1.122.0), found the
  way the launcher finds them ($WORKLOADCTL_SUPERVISORD, $WORKLOADCTL_PROCESS_COMPOSE,
  next to workloadctl's python, then PATH);
- outside the container: unshare and PID namespaces (`workloadctl up` runs s6-svscan
  as PID 1 of a new one; needs root); inside: that PID 1 is s6-overlay's s6-svscan,
  and util-linux's flock and setsid (a warning without them: the s6 finish scripts then
  run `workloadctl finish` in the foreground, ~0.1 s slower recovery, nothing lost);
- the configs: `workloadctl validate` of the repository, each error and warning
  listed (its notes about this machine only are not);
- the TCP ports the configs want on 127.0.0.1 (supervisord's web UI, ports in the
  programs' commands): in use by another process is a problem, by our own running
  stack is fine;
- the state dir, the generated secrets and the managers' sockets: never open to others,
  nor to a group but `workloadctl` (or root's).

The state dir is the container's (/var/lib/workloadctl) inside the container, else the
local stack's: --state-dir, $WORKLOADCTL_STATE_DIR, or .state/ of the repository
(--root REPO, else the one around the working directory). Outside any repository using
workloadctl, without --state-dir or --root: the one stack running on this machine; with
none or several, one `repository` problem says what to pass.
A warning (WARN; in --json, "ok": true with a "fix") costs something but fails nothing.
Exit status: 0 when every check passes, 1 otherwise.

Examples:
  workloadctl doctor
  workloadctl doctor --json | jq '.checks[] | select(.ok | not)'
  sudo workloadctl doctor --state-dir /tmp/stack
  workloadctl doctor --root ~/src/myrepo
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(subparsers, "doctor", HELP, DESCRIPTION)
    parser.add_argument("--state-dir", type=Path, help="the local stack's state dir (see above)")
    parser.add_argument(
        "--root",
        type=Path,
        metavar="REPO",
        help="the repository to check (default: the one around the working directory)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    context = context_for(args.state_dir, Path.cwd(), root=args.root)
    checks = run_checks(context, RealSystem(context.env))
    ok = all(check.ok for check in checks)
    if args.json:
        print(json.dumps({"ok": ok, "checks": [c.as_dict() for c in checks]}))
    else:
        _print_human(checks, ok)
    return 0 if ok else 1


def _print_human(checks: list[Check], ok: bool) -> None:
    width = max(len(c.name) for c in checks)
    for check in checks:
        mark = ("WARN" if check.fix else "ok  ") if check.ok else "FAIL"
        print(f"{mark} {check.name:<{width}}  {check.detail}")
        for finding in check.findings:
            print(f"     {'':<{width}}  {finding.render()}")
        if check.fix:
            print(f"     {'':<{width}}  fix: {check.fix}")
    problems = sum(not c.ok for c in checks)
    warnings = sum(c.ok and c.fix is not None for c in checks)
    warned = f", {warnings} warning{'s' * (warnings != 1)}" if warnings else ""
    print(
        f"doctor: all good{warned}"
        if ok
        else f"doctor: {problems} problem{'s' * (problems != 1)}{warned}"
    )
