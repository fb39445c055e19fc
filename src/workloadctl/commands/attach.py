"""`workloadctl attach`: process-compose's TUI against the running instance.

process-compose runs headless under s6 (`-t=false`), serving its API on a unix socket
guarded by a token file. `process-compose attach -u SOCKET --token-file FILE` is its own
remote TUI; we check that it can work, then exec it in place of this process so the
terminal belongs to it alone.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence

from workloadctl.access import who_may
from workloadctl.commands.command_support import add_command, add_state_dir
from workloadctl.control.passthrough import (
    Exec,
    Invocation,
    ensure_config_home,
    exec_invocation,
    process_compose_client_binary,
)
from workloadctl.control.reload import stack_settings
from workloadctl.errors import WorkloadctlError
from workloadctl.managers.connect import process_compose_client
from workloadctl.managers.environment import process_compose_token_path, read_secret
from workloadctl.runtime.local_stack import StackRecord
from workloadctl.runtime.own_command import stack_command
from workloadctl.settings import Settings

# Variables process-compose prefers over the flags we pass (PC_API_TOKEN beats
# --token-file) or that would point the client somewhere else.
_CLIENT_OVERRIDES = ("PC_API_TOKEN", "PC_API_TOKEN_PATH", "PC_SOCKET_PATH", "PC_ADDRESS")

DESCRIPTION = """\
Open process-compose's terminal UI on the process-compose of the running stack:
`process-compose attach` with the stack's unix socket and API token file. Quitting
the UI leaves process-compose and its processes running.

Needs a terminal, and read access to the token file: in the container root and the
members of the group `workloadctl` (the developer) have it. Quit the UI with F10, then
Enter on "Detach from the remote project?". Arguments after `--` go to
`process-compose attach` (e.g. `-- --read-only`).

examples:
  workloadctl attach
  workloadctl attach --state-dir /tmp/stack       # a stack started with `workloadctl up`
  workloadctl attach -- --read-only --ref-rate 2s
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        subparsers, "attach", "open process-compose's TUI on the running stack", DESCRIPTION
    )
    add_state_dir(parser)
    parser.add_argument(
        "extra", nargs="*", metavar="ARG", help="passed on to `process-compose attach`"
    )
    parser.set_defaults(handler=run)


def client_environment(base: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in base.items() if k not in _CLIENT_OVERRIDES}


def attach_argv(binary: str, settings: Settings, extra: Sequence[str]) -> list[str]:
    return [
        binary,
        "attach",
        "-u",
        str(settings.process_compose_socket),
        "--token-file",
        str(process_compose_token_path(settings)),
        *extra,
    ]


def check_reachable(settings: Settings) -> None:
    """Raise a one-line error unless process-compose answers with our token."""
    marker = settings.disabled_marker("process-compose")
    if marker.exists():
        raise WorkloadctlError(
            f"process-compose is switched off ({marker} exists); "
            f"start it with `{stack_command(settings, 'start', 'process-compose')}`"
        )
    token_path = process_compose_token_path(settings)
    if read_secret(token_path) is None:
        raise WorkloadctlError(
            f"cannot read the process-compose API token at {token_path} (missing, empty, "
            f"or not readable: {who_may(settings.control_group)} read it)"
        )
    process_compose_client(settings, timeout=5).processes()


def attach(
    settings: Settings,
    record: StackRecord | None,
    extra: Sequence[str],
    *,
    environ: Mapping[str, str] | None = None,
    is_terminal: bool | None = None,
    execvpe: Exec = os.execvpe,
) -> int:
    """Check, then replace this process with `process-compose attach`."""
    environ = os.environ if environ is None else environ
    is_terminal = sys.stdin.isatty() if is_terminal is None else is_terminal
    if not is_terminal:
        raise WorkloadctlError("attach needs a terminal: run it from an interactive shell")
    binary = process_compose_client_binary(record, environ)
    check_reachable(settings)
    argv = attach_argv(binary, settings, extra)
    ensure_config_home(environ)  # the caller's own (the developer's)
    sys.stdout.flush()
    sys.stderr.flush()
    return exec_invocation(Invocation(binary, argv, client_environment(environ)), execvpe)


def run(args: argparse.Namespace) -> int:
    settings, record = stack_settings(args.state_dir)
    return attach(settings, record, args.extra)
