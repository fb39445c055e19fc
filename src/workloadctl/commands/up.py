"""`workloadctl up`: run the stack on this machine, s6-svscan as PID 1 of a new PID namespace."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from workloadctl import settings as S
from workloadctl.errors import UsageError
from workloadctl.runtime.local_runner import start_stack, stop_stack
from workloadctl.runtime.local_stack import LocalLayout, default_top
from workloadctl.runtime.stack_info import describe_access

DESCRIPTION = """\
Run the container's process layer on this machine, without Docker: read
.devcontainer/s6-rc.d (the files the Dockerfile copies), run its oneshots in
dependency order, start s6-svscan as PID 1 of a new PID namespace and bring the
`user` bundle (supervisord, process-compose) up in dependency order.

The container's paths (/run/service, /etc/supervisor, /etc/process-compose,
/home/$UNAME/$REPO_NAME, ...) are mapped under the state dir (--state-dir, default
$WORKLOADCTL_STATE_DIR, else .state/ in the repository). Without --detach, the stack's
log follows on stdout and Ctrl-C stops everything; with --detach, `workloadctl down`
does. Needs root (PID namespaces) and the s6 and execline packages (`make up` installs
them).
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "up",
        help="run the stack on this machine (no Docker needed)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--root", type=Path, help="repository (default: git root of cwd)")
    parser.add_argument("--state-dir", type=Path, help="where the container's paths are mapped")
    parser.add_argument("--detach", action="store_true", help="return once the stack is up")
    parser.set_defaults(handler=run)


def _say(line: str) -> None:
    print(f"up: {line}", flush=True)


def run(args: argparse.Namespace) -> int:
    root = (args.root or S.find_repo_root(Path.cwd())).resolve()
    if not (root / S.S6_RC_SOURCE_DIR).is_dir():
        raise UsageError(
            f"{root} has no {S.S6_RC_SOURCE_DIR}: not a workloadctl repository (--root?)"
        )
    top = (args.state_dir or default_top(root)).resolve()
    started = start_stack(root, top, _say)
    _say(f"stack up in {started.seconds:.1f} s")
    for line in describe_access(LocalLayout.create(root, top)):
        print(line)
    if args.detach:
        print(f"stop it with: workloadctl down --state-dir {top}")
        return 0
    return _follow_until_interrupted(top, LocalLayout.create(root, top).log_file)


def _follow_until_interrupted(top: Path, log_file: Path) -> int:
    stopping = False

    def request_stop(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    print("following the stack's log; Ctrl-C stops the stack", flush=True)
    with log_file.open("rb") as log:
        log.seek(0, 2)
        while not stopping:
            chunk = log.read(65536)
            if chunk:
                sys.stdout.buffer.write(chunk)
                sys.stdout.flush()
            else:
                time.sleep(0.2)
    print("", flush=True)
    stop_stack(top, _say)
    return 0
