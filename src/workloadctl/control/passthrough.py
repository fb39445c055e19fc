"""`workloadctl supervisorctl ARGS` and `workloadctl process-compose ARGS`: the managers'
own command-line clients, pointed at the stack in use, with its socket and credentials.

Neither client can find them by itself: supervisorctl cannot expand the configs'
`%(ENV_X)s` (it lacks the launcher's environment) and needs the generated login;
process-compose's client needs the socket and the token file. We build the argv and
environment here, then the command execs the real binary in our place (no Python stays
resident). The arguments the caller gave go through untouched, after ours.

supervisorctl gets its login in a config read from a pipe (`-c /dev/fd/N`), never on its
command line: anyone on the machine can read another process's argv in /proc.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from workloadctl.access import permission_denied
from workloadctl.errors import UsageError, WorkloadctlError
from workloadctl.managers.environment import (
    process_compose_token_path,
    supervisor_user,
    supervisord_password_path,
)
from workloadctl.runtime.local_stack import StackRecord
from workloadctl.runtime.own_command import stack_command
from workloadctl.settings import (
    ENV_PROCESS_COMPOSE_BIN,
    ENV_SUPERVISORCTL_BIN,
    Settings,
    process_compose_binary,
    process_compose_config_home,
    supervisorctl_binary,
)

# process-compose's client reads these itself: a token in the environment beats the
# token file, another socket or address sends it elsewhere, and the server's log file
# would be truncated by the client's log. We set the two we need and drop the rest.
PC_ENV_SOCKET = "PC_SOCKET_PATH"
PC_ENV_TOKEN_PATH = "PC_API_TOKEN_PATH"
_PC_DROPPED = ("PC_API_TOKEN", "PC_ADDRESS", "PC_PORT_NUM", "PC_NO_SERVER", "PC_LOG_FILE")

# process-compose v1.122.0's top-level commands (src/cmd/*.go, rootCmd.AddCommand). Of
# these `up` and `run` start a second process-compose server instead of talking to the
# stack's, and so does the bare command (flags and no command: `-f other.yaml`).
PC_COMMANDS = frozenset(
    {
        "analyze",
        "attach",
        "completion",
        "docs",
        "down",
        "graph",
        "help",
        "info",
        "list",
        "namespace",
        "process",
        "project",
        "recipe",
        "run",
        "schema",
        "up",
        "version",
    }
)
PC_SERVER_COMMANDS = ("up", "run")

Exec = Callable[[str, list[str], dict[str, str]], object]


@dataclass(frozen=True)
class Invocation:
    """What to exec: the binary, its full argv (argv[0] included) and its environment."""

    binary: str
    argv: list[str]
    env: dict[str, str]


def strip_separator(args: Sequence[str]) -> list[str]:
    """argparse keeps the `--` that ends our own options; the client must not see it."""
    words = list(args)
    return words[1:] if words[:1] == ["--"] else words


def read_stack_secret(settings: Settings, path: Path) -> str:
    """The secret in `path`, or one line saying why not (who may, for a permission error)."""
    try:
        with open(path, encoding="utf-8") as handle:
            value = handle.read().strip()
    except PermissionError:
        raise permission_denied(path, settings.control_group, "read the secrets") from None
    except FileNotFoundError:
        raise WorkloadctlError(
            f"{path} does not exist: the stack's `workloadctl boot` generates it"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkloadctlError(f"cannot read {path}: {exc}") from None
    if not value:
        raise WorkloadctlError(f"{path} is empty: the stack's `workloadctl boot` generates it")
    return value


def _ini_value(text: str) -> str:
    # Supervisor expands %(name)s in every value it reads: a literal % is written %%.
    return text.replace("%", "%%")


def supervisorctl_config(settings: Settings, password: str) -> str:
    """The `[supervisorctl]` section that reaches the stack's supervisord."""
    return (
        "[supervisorctl]\n"
        f"serverurl=unix://{_ini_value(str(settings.supervisord_socket))}\n"
        f"username={_ini_value(supervisor_user(settings))}\n"
        f"password={_ini_value(password)}\n"
    )


def process_compose_server_run(words: Sequence[str]) -> str | None:
    """What in `words` (process-compose's) would start a second process-compose server
    (`process-compose up`, `... run`, `... alone`), or None for a client command."""
    subcommand = next((w for w in words if w in PC_COMMANDS), None)
    asks_help = any(w in ("-h", "--help", "-v", "--version") for w in words)
    if subcommand in PC_SERVER_COMMANDS or (subcommand is None and not asks_help):
        return f"process-compose {subcommand}" if subcommand else "process-compose alone"
    return None


def process_compose_argv(binary: str, args: Sequence[str], settings: Settings) -> list[str]:
    """`binary` and the caller's words, or a refusal whose commands reach the same stack
    (`settings`' own: `--state-dir` for a local one) from wherever the reader runs them."""
    words = strip_separator(args)
    shown = process_compose_server_run(words)
    if shown is not None:
        client = stack_command(settings, "process-compose", "process", "list")
        manager = stack_command(settings, "restart", "process-compose")
        raise UsageError(
            f"{shown} would start a second process-compose, not talk to the stack's; "
            f"give a client command (e.g. `{client}`), and for the manager itself "
            f"`{manager}` (start and stop likewise)"
        )
    return [binary, *words]


def _binary_env(
    record: StackRecord | None, environ: Mapping[str, str], name: str
) -> dict[str, str]:
    """Ours, plus where the local runner was told its binaries are."""
    env = dict(environ)
    if record is not None and record.env.get(name):
        env.setdefault(name, record.env[name])
    return env


def process_compose_client_binary(record: StackRecord | None, environ: Mapping[str, str]) -> str:
    """process-compose's executable for a client run (`attach`, `process-compose ARGS`)."""
    binary = process_compose_binary(_binary_env(record, environ, ENV_PROCESS_COMPOSE_BIN))
    if binary is None:
        raise WorkloadctlError(
            f"process-compose is not installed (or set {ENV_PROCESS_COMPOSE_BIN})"
        )
    return binary


def ensure_config_home(environ: Mapping[str, str]) -> None:
    """The caller's process-compose config home: without it every client run logs two
    JSON debug lines to the terminal."""
    config_home = process_compose_config_home(environ)
    if config_home is not None:
        with contextlib.suppress(OSError):
            config_home.mkdir(mode=0o700, parents=True, exist_ok=True)


def config_pipe(text: str) -> int:
    """A pipe holding `text`, its read end inheritable across exec; returns that fd.
    A config is far below the pipe's buffer, so the write never blocks."""
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, text.encode("utf-8"))
    finally:
        os.close(write_end)
    os.set_inheritable(read_end, True)
    return read_end


def exec_invocation(invocation: Invocation, execvpe: Exec = os.execvpe) -> int:
    try:
        execvpe(invocation.binary, invocation.argv, invocation.env)
    except OSError as exc:
        raise WorkloadctlError(f"cannot execute {invocation.binary}: {exc.strerror}") from exc
    return 0  # only a test's stand-in for exec returns


def exec_supervisorctl(
    settings: Settings,
    record: StackRecord | None,
    args: Sequence[str],
    *,
    environ: Mapping[str, str] | None = None,
    execvpe: Exec = os.execvpe,
) -> int:
    environ = os.environ if environ is None else environ
    password = read_stack_secret(settings, supervisord_password_path(settings))
    config_fd = config_pipe(supervisorctl_config(settings, password))
    try:
        binary = supervisorctl_binary(_binary_env(record, environ, ENV_SUPERVISORCTL_BIN))
        if binary is None:
            raise WorkloadctlError(
                f"supervisorctl is not installed next to workloadctl nor on PATH "
                f"(or set {ENV_SUPERVISORCTL_BIN})"
            )
        argv = [binary, "-c", f"/dev/fd/{config_fd}", *strip_separator(args)]
        return exec_invocation(Invocation(binary, argv, dict(environ)), execvpe)
    finally:
        os.close(config_fd)  # reached only when exec did not happen


def exec_process_compose(
    settings: Settings,
    record: StackRecord | None,
    args: Sequence[str],
    *,
    environ: Mapping[str, str] | None = None,
    execvpe: Exec = os.execvpe,
) -> int:
    environ = os.environ if environ is None else environ
    binary = process_compose_client_binary(record, environ)
    argv = process_compose_argv(binary, args, settings)
    env = {k: v for k, v in environ.items() if k not in _PC_DROPPED}
    env[PC_ENV_SOCKET] = str(settings.process_compose_socket)
    env[PC_ENV_TOKEN_PATH] = str(process_compose_token_path(settings))
    read_stack_secret(settings, process_compose_token_path(settings))
    ensure_config_home(environ)
    return exec_invocation(Invocation(binary, argv, env), execvpe)
