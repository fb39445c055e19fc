"""How to log in: supervisord's web UI and process-compose's API, with the generated secrets.

The web UI's address and user come from the supervisord config that is running (the
launcher's decision names it), read with the same loader `validate` uses and the same
environment the manager got; the password is the one `boot` generated into the root-only
secrets dir, unless the config sets its own. process-compose listens on a root-only unix
socket with the token from its token file.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from workloadctl.access import denied_message
from workloadctl.checks.supervisord import SupervisordServer, load_supervisord
from workloadctl.checks.supervisord.servers import DEFAULT_CREDENTIALS
from workloadctl.clients import s6
from workloadctl.control.context import ControlContext
from workloadctl.errors import WorkloadctlError
from workloadctl.findings import Severity
from workloadctl.managers.environment import (
    ENV_MANAGER,
    VALIDATION_PASSWORD_PLACEHOLDER,
    manager_environment,
    process_compose_token_path,
    read_secret,
    sha1_password_digest,
    supervisord_password_path,
)
from workloadctl.runtime.decision import project_config_path, read_decision, seed_config_path
from workloadctl.runtime.own_command import own_command, stack_command
from workloadctl.settings import (
    ENV_SUPERVISOR_PASSWORD,
    Settings,
    process_compose_binary,
    supervisorctl_binary,
)

# What the template's configs say: `password={SHA}%(ENV_WORKLOADCTL_SUPERVISOR_PASSWORD)s`,
# which expands to this when checked with the validation environment.
GENERATED_PASSWORD_MARKER = "{SHA}" + VALIDATION_PASSWORD_PLACEHOLDER


@dataclass(frozen=True)
class WebUi:
    url: str
    username: str | None
    password: str | None  # None: unreadable, or only a digest is known
    password_source: str  # generated | config | config-digest | none


@dataclass(frozen=True)
class SupervisordAccess:
    config: str
    config_source: str  # decision | guessed (no readable decision)
    web_ui: WebUi | None  # None: no [inet_http_server]
    socket: str | None
    client: str  # `workloadctl supervisorctl ... status`: socket and login passed for you
    supervisorctl: str  # supervisorctl itself, with the socket and login on its command line


@dataclass(frozen=True)
class ProcessComposeAccess:
    socket: str
    token_file: str
    token: str | None
    client: str  # `workloadctl process-compose ... process list`
    attach: str
    curl: str


@dataclass
class Remarks:
    problems: list[str] = field(default_factory=list)  # unreadable secrets, an open web UI
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Creds:
    supervisord: SupervisordAccess
    process_compose: ProcessComposeAccess
    problems: tuple[str, ...]
    notes: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _unreadable(path: Path, group: str) -> str:
    try:
        path.stat()
    except PermissionError:
        return denied_message(path, group, "read the secrets")
    except OSError:
        return f"{path} does not exist (`workloadctl boot` generates it)"
    if not os.access(path, os.R_OK):
        return denied_message(path, group, "read the secrets")
    return f"{path} is empty or not text (`workloadctl boot` generates it when absent)"


def running_supervisord_config(settings: Settings) -> tuple[Path, str]:
    """The config supervisord runs (its decision), else the one it would run."""
    decision = read_decision(settings, "supervisord")
    if decision is not None and decision.config:
        return Path(decision.config), "decision"
    project = project_config_path(settings, "supervisord")
    if project is not None and project.is_file():
        return project, "guessed"
    return seed_config_path(settings, "supervisord"), "guessed"


def _web_url(host: str | None, port: int) -> str:
    """Where a browser on this machine reaches it ("" or a wildcard: every interface)."""
    if not host or host.strip("[]") in ("*", "0.0.0.0", "::"):
        return f"http://127.0.0.1:{port}/"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def manager_process_environment(ctx: ControlContext) -> dict[str, str] | None:
    """The environment the running supervisord was started with (/proc/PID/environ, root
    only): what its config's %(ENV_X)s really expanded to, the user name included, even
    when `sudo` dropped $UNAME from ours. None when it cannot be read."""
    try:
        state = s6.state(ctx.service("supervisord"))
    except WorkloadctlError:
        return None
    pid = ctx.pids(state.pid) if state.up else None
    if pid is None:
        return None
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return None
    pairs = (
        entry.split("=", 1) for entry in raw.decode(errors="replace").split("\0") if "=" in entry
    )
    env = dict(pairs)
    # The marker every launched manager carries: this is our supervisord, not a stranger.
    return env if env.get(ENV_MANAGER) == "supervisord" else None


def _generated_password(settings: Settings, env: dict[str, str], creds: Remarks) -> str | None:
    path = supervisord_password_path(settings)
    password = read_secret(path)
    if password is None:
        creds.problems.append(_unreadable(path, settings.control_group))
        return None
    digest = env.get(ENV_SUPERVISOR_PASSWORD)
    if digest not in (None, VALIDATION_PASSWORD_PLACEHOLDER) and digest != sha1_password_digest(
        password
    ):
        creds.problems.append(
            f"{path} changed since supervisord started: restart it "
            f"(`{stack_command(settings, 'restart', 'supervisord')}`) before logging in with "
            "this password"
        )
    return password


def _web_ui(
    settings: Settings, server: SupervisordServer, creds: Remarks, env: dict[str, str]
) -> WebUi | None:
    if server.inet_port is None:
        return None
    url = _web_url(server.inet_host, server.inet_port)
    if not server.inet_host:
        creds.problems.append(
            f"the web UI listens on every interface (port {server.inet_port}): bind it to 127.0.0.1"
        )
    raw = server.inet_password
    if raw in (GENERATED_PASSWORD_MARKER, "{SHA}" + env.get(ENV_SUPERVISOR_PASSWORD, "-")):
        password = _generated_password(settings, env, creds)
        return WebUi(url, server.inet_username, password, "generated")
    if not raw:
        creds.problems.append("the web UI has no password: anyone who reaches it controls it")
        return WebUi(url, server.inet_username, None, "none")
    if raw.startswith("{SHA}"):
        creds.notes.append("the config sets its own password as a SHA-1 digest: it is not shown")
        return WebUi(url, server.inet_username, None, "config-digest")
    if (server.inet_username, raw) in DEFAULT_CREDENTIALS:
        creds.problems.append("the web UI uses a default password from Supervisor's docs")
    return WebUi(url, server.inet_username, raw, "config")


def _supervisord_access(ctx: ControlContext, creds: Remarks) -> SupervisordAccess:
    settings = ctx.settings
    config, source = running_supervisord_config(settings)
    env = manager_process_environment(ctx) or manager_environment(
        settings, "supervisord", for_validation=True
    )
    result = load_supervisord(config, env=env)
    server = result.server
    errors = [f for f in result.findings if f.severity is Severity.ERROR]
    if server is None and errors:
        creds.problems.append(f"{config}: {errors[0].message}")
    web = _web_ui(settings, server, creds, env) if server is not None else None
    socket = str(server.unix_socket) if server and server.unix_socket else None
    return SupervisordAccess(
        config=str(config),
        config_source=source,
        web_ui=web,
        socket=socket,
        client=workloadctl_command(ctx, "supervisorctl", "status"),
        supervisorctl=supervisorctl_command(settings, server, env),
    )


def _socket_login(
    settings: Settings, server: SupervisordServer | None, env: dict[str, str]
) -> list[str]:
    """supervisorctl's -u/-p for the login the socket asks (not the web UI's: the line
    talks to the socket), the generated password read from its file when the line runs."""
    if server is None or not server.unix_username or not server.unix_password:
        return []
    words = ["-u", shlex.quote(server.unix_username)]
    raw = server.unix_password
    if raw in (GENERATED_PASSWORD_MARKER, "{SHA}" + env.get(ENV_SUPERVISOR_PASSWORD, "-")):
        password_file = shlex.quote(str(supervisord_password_path(settings)))
        return [*words, "-p", f'"$(cat {password_file})"']
    if raw.startswith("{SHA}"):
        return words  # only its digest is known: supervisorctl asks for the password
    return [*words, "-p", shlex.quote(raw)]


def supervisorctl_command(
    settings: Settings, server: SupervisordServer | None, env: dict[str, str]
) -> str:
    """A supervisorctl line that works as printed: the socket and its login on the command
    line, since supervisorctl cannot expand the configs' %(ENV_X)s itself."""
    binary = supervisorctl_binary() or "supervisorctl"
    socket = server.unix_socket if server and server.unix_socket else settings.supervisord_socket
    words = [shlex.quote(binary), "-s", shlex.quote(f"unix://{socket}")]
    return " ".join([*words, *_socket_login(settings, server, env), "status"])


def workloadctl_command(ctx: ControlContext, command: str, *args: str) -> str:
    """A `workloadctl COMMAND` line for this stack, --state-dir included for a local one
    that a command without it would not reach."""
    return own_command(command, *args, top=ctx.record.top if ctx.record else None)


def _process_compose_access(ctx: ControlContext, creds: Remarks) -> ProcessComposeAccess:
    settings = ctx.settings
    socket = settings.process_compose_socket
    token_file = process_compose_token_path(settings)
    token = read_secret(token_file)
    if token is None:
        creds.problems.append(_unreadable(token_file, settings.control_group))
    binary = process_compose_binary() or "process-compose"
    quoted_socket, quoted_file = shlex.quote(str(socket)), shlex.quote(str(token_file))
    return ProcessComposeAccess(
        socket=str(socket),
        token_file=str(token_file),
        token=token,
        client=workloadctl_command(ctx, "process-compose", "process", "list"),
        attach=f"{shlex.quote(binary)} attach -u {quoted_socket} --token-file {quoted_file}",
        curl=(
            f"curl -s --unix-socket {quoted_socket} "
            f'-H "X-PC-Token-Key: $(cat {quoted_file})" http://localhost/processes'
        ),
    )


def collect_creds(ctx: ControlContext) -> Creds:
    remarks = Remarks()
    supervisord = _supervisord_access(ctx, remarks)
    process_compose = _process_compose_access(ctx, remarks)
    return Creds(supervisord, process_compose, tuple(remarks.problems), tuple(remarks.notes))
