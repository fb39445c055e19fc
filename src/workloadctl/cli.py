"""Entry point: parse the command line, dispatch to one command module, and be the one
error boundary (a `WorkloadctlError` is one line on stderr, never a traceback)."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from workloadctl import __version__
from workloadctl.errors import WorkloadctlError

# One module per command under workloadctl.commands; each exposes
# `register(subparsers)`, which adds its parser and sets `handler`.
COMMANDS: tuple[str, ...] = (
    "validate",
    "up",
    "down",
    "stacks",
    "boot",
    "launch",
    "finish",
    "status",
    "start",
    "stop",
    "restart",
    "logs",
    "creds",
    "init",
    "doctor",
    "reload",
    "attach",
    "supervisorctl",
    "process-compose",
)

DESCRIPTION = """\
Validate, launch and control supervisord and process-compose running side by side
as s6 services, with configs under workloads/ and baked-in seed fallbacks.
"""


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser, or (`only`) one with just that command: each command module
    imports what it needs (Supervisor, ruamel, psutil...), and s6 runs `launch` and
    `finish` at every manager start and death, so they should not pay for all the others."""
    parser = argparse.ArgumentParser(
        prog="workloadctl",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"workloadctl {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in (only,) if only else COMMANDS:
        module = importlib.import_module(f"workloadctl.commands.{name.replace('-', '_')}")
        module.register(subparsers)
    return parser


def _denied(exc: PermissionError) -> str:
    from workloadctl.access import refusal
    from workloadctl.settings import Settings

    return refusal(exc, Settings.from_env())


def _client_words(words: Sequence[str]) -> list[str]:
    """A pass-through command's words after its own leading --state-dir."""
    rest = list(words[1:])
    while rest:
        if rest[0] == "--state-dir" and len(rest) > 1:
            rest = rest[2:]
        elif rest[0].startswith("--state-dir="):
            rest = rest[1:]
        else:
            break
    return rest


def _refuse_unrecognized(
    parser: argparse.ArgumentParser,
    args: argparse.Namespace,
    words: Sequence[str],
    extras: list[str],
) -> None:
    """The command's own usage (not the top level's) and, for a pass-through command, the
    same command with the `--` that hands the manager's options to its client."""
    from workloadctl.control.passthrough import process_compose_server_run
    from workloadctl.runtime.own_command import PASSTHROUGH_COMMANDS, own_command

    command_parser = next(
        action.choices[args.command]
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
    )
    message = f"unrecognized arguments: {' '.join(extras)}"
    client_words = _client_words(words)
    if args.command == "process-compose" and process_compose_server_run(client_words):
        # With `--` it would be refused: a client command is what reaches the stack.
        example = own_command(args.command, "process", "list", top=args.state_dir)
        message += (
            f"; process-compose's own options go after `--`, and without a client command "
            f"they would start a second process-compose: e.g. `{example}`"
        )
    elif args.command in PASSTHROUGH_COMMANDS:
        fixed = own_command(args.command, "--", *client_words, top=args.state_dir)
        message += f"; put `--` before {args.command}'s own options: `{fixed}`"
    command_parser.error(message)


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    # `workloadctl COMMAND ...`: the command name comes first (no global option takes a value).
    parser = build_parser(words[0] if words and words[0] in COMMANDS else None)
    args, extras = parser.parse_known_args(words)
    if extras:
        _refuse_unrecognized(parser, args, words, extras)
    try:
        result: int = args.handler(args)
        return result
    except WorkloadctlError as exc:
        print(f"workloadctl: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except PermissionError as exc:
        # A file of the stack (or of someone's repository) this user may not read: who
        # may, in one line, wherever in a command it happened.
        print(f"workloadctl: error: {_denied(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("workloadctl: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `workloadctl status | head`: the reader went away; that is not our failure.
        sys.stderr.close()
        return 0
    except Exception as exc:  # the last line of defence: one line unless debugging
        if os.environ.get("WORKLOADCTL_DEBUG"):
            raise
        print(
            f"workloadctl: internal error: {type(exc).__name__}: {exc} "
            "(set WORKLOADCTL_DEBUG=1 for a traceback)",
            file=sys.stderr,
        )
        return 70
