"""How to log in to supervisord: its web UI and its unix socket.

The web UI's address and user come from the config supervisord runs, read with the same
loader `validate` uses and the same environment the manager got; the password is the one
`boot` generated into the root-only secrets dir, unless the config sets its own.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from workloadctl.checks.supervisord import SupervisordServer, load_supervisord
from workloadctl.checks.supervisord.servers import DEFAULT_CREDENTIALS
from workloadctl.findings import Severity
from workloadctl.managers.access import AccessInputs, CommandLine, Remarks, unreadable
from workloadctl.managers.environment import (
    VALIDATION_PASSWORD_PLACEHOLDER,
    read_secret,
    sha1_password_digest,
    supervisord_password_path,
)
from workloadctl.settings import ENV_SUPERVISOR_PASSWORD, Settings, supervisorctl_binary

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

    def lines(self) -> list[str]:
        which = (
            "in use" if self.config_source == "decision" else "it would run; no decision readable"
        )
        lines = [f"supervisord (config: {self.config}, {which})"]
        if self.web_ui is None:
            lines.append("  web UI:        off (no [inet_http_server] in the config)")
        else:
            lines += [
                f"  web UI:        {self.web_ui.url}",
                f"  user:          {self.web_ui.username or '(none)'}",
                f"  password:      {self.web_ui.password or '(not shown: see below)'}",
            ]
        if self.socket:
            lines.append(f"  socket:        {self.socket}")
        return [
            *lines,
            f"  supervisorctl: {self.client}",
            f"  or directly:   {self.supervisorctl}",
        ]

    def up_lines(self, settings: Settings, own_command: CommandLine) -> list[str]:
        if self.web_ui is None:
            lines = ["supervisord web UI: off (no [inet_http_server] in its config)"]
        else:
            lines = [
                f"supervisord web UI: {self.web_ui.url}",
                f"  user: {self.web_ui.username}  password: in "
                f"{supervisord_password_path(settings)} (or `{own_command('creds')}`)",
            ]
        return [*lines, f"  XML-RPC socket: {self.socket}"]


def _web_url(host: str | None, port: int) -> str:
    """Where a browser on this machine reaches it ("" or a wildcard: every interface)."""
    if not host or host.strip("[]") in ("*", "0.0.0.0", "::"):
        return f"http://127.0.0.1:{port}/"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def _generated_password(
    settings: Settings,
    env: dict[str, str],
    creds: Remarks,
    stack_command: CommandLine,
) -> str | None:
    path = supervisord_password_path(settings)
    password = read_secret(path)
    if password is None:
        creds.problems.append(unreadable(path, settings.control_group))
        return None
    digest = env.get(ENV_SUPERVISOR_PASSWORD)
    if digest not in (None, VALIDATION_PASSWORD_PLACEHOLDER) and digest != sha1_password_digest(
        password
    ):
        creds.problems.append(
            f"{path} changed since supervisord started: restart it "
            f"(`{stack_command('restart', 'supervisord')}`) before logging in with "
            "this password"
        )
    return password


def web_ui(
    settings: Settings,
    server: SupervisordServer,
    creds: Remarks,
    env: dict[str, str],
    stack_command: CommandLine,
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
        password = _generated_password(settings, env, creds, stack_command)
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


def supervisord_access(inputs: AccessInputs, creds: Remarks) -> SupervisordAccess:
    settings, config = inputs.settings, inputs.config
    env = inputs.environment()
    result = load_supervisord(config, env=env)
    server = result.server
    errors = [f for f in result.findings if f.severity is Severity.ERROR]
    if server is None and errors:
        creds.problems.append(f"{config}: {errors[0].message}")
    web = web_ui(settings, server, creds, env, inputs.stack_command) if server is not None else None
    socket = str(server.unix_socket) if server and server.unix_socket else None
    return SupervisordAccess(
        config=str(config),
        config_source=inputs.config_source,
        web_ui=web,
        socket=socket,
        client=inputs.own_command("supervisorctl", "status"),
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
