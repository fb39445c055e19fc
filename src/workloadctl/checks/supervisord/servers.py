"""The XML-RPC servers a config declares, who can reach them, and whether
`[supervisorctl]` can.

supervisorctl never reads `[unix_http_server]`/`[inet_http_server]`: it connects
to its own `serverurl` with its own `username`/`password`, so a config whose
server requires credentials and whose `[supervisorctl]` has none (or other ones)
starts fine and then answers every supervisorctl command with 401.
"""

from __future__ import annotations

import hashlib
import ipaddress
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from supervisor.datatypes import inet_address
from supervisor.options import normalize_path

from workloadctl.checks.supervisord.context import Context
from workloadctl.checks.supervisord.ini import IniEntry
from workloadctl.checks.supervisord.tables import SectionKind, classify_section
from workloadctl.findings import Finding, error, warning

SV_CTL_UNREACHABLE = "SV040"
SV_CTL_AUTH = "SV041"
SV_INET_EXPOSED = "SV050"
SV_INET_LOCAL_WEAK = "SV051"

DEFAULT_CTL_SERVERURL = "http://localhost:9001"  # ClientOptions' default
MIN_PASSWORD_LENGTH = 12
COMMON_PASSWORDS = frozenset(
    {
        "123",
        "1234",
        "12345",
        "123456",
        "12345678",
        "123456789",
        "admin",
        "changeme",
        "default",
        "letmein",
        "pass",
        "passw0rd",
        "password",
        "qwerty",
        "root",
        "secret",
        "supervisor",
        "test",
        "thepassword",
        "user",
    }
)
# Credentials copied from Supervisor's docs and sample config.
DEFAULT_CREDENTIALS = frozenset({("user", "123"), ("admin", "admin"), ("chris", "123")})


@dataclass
class SupervisordServer:
    """How a client reaches the server this file configures."""

    unix_socket: Path | None
    unix_username: str | None
    unix_password: str | None
    inet_host: str | None
    inet_port: int | None
    inet_username: str | None
    inet_password: str | None


@dataclass
class DeclaredServer:
    section: str
    kind: SectionKind
    file: str
    line: int
    socket: str | None = None  # unix: normalized path
    host: str | None = None  # inet: "" means every interface
    port: int | None = None
    address_entry: IniEntry | None = None  # file= or port=
    username: str | None = None
    password: str | None = None
    password_entry: IniEntry | None = None
    credentials_known: bool = True  # False when they could not be expanded


def _credentials(ctx: Context, server: DeclaredServer) -> None:
    user_entry, username = ctx.expanded(server.section, "username")
    password_entry, password = ctx.expanded(server.section, "password")
    server.username, server.password = username, password
    server.password_entry = password_entry
    server.credentials_known = (user_entry is None or username is not None) and (
        password_entry is None or password is not None
    )


def declared_servers(ctx: Context) -> list[DeclaredServer]:
    """Servers whose address can be worked out (Supervisor reports the others)."""
    servers: list[DeclaredServer] = []
    for name in ctx.model.section_names():
        kind = classify_section(name)
        header = ctx.model.first(name)
        if header is None or kind not in (
            SectionKind.UNIX_HTTP_SERVER,
            SectionKind.INET_HTTP_SERVER,
        ):
            continue
        server = DeclaredServer(name, kind, header.file, header.line)
        if kind is SectionKind.UNIX_HTTP_SERVER:
            entry, value = ctx.expanded(name, "file")
            if value is None or not value.strip():
                continue
            server.socket = normalize_path(value.strip())
        else:
            entry, value = ctx.expanded(name, "port")
            if value is None:
                continue
            try:
                server.host, server.port = inet_address(value)
            except ValueError:
                continue
        server.address_entry = entry
        _credentials(ctx, server)
        servers.append(server)
    return servers


def server_summary(servers: list[DeclaredServer]) -> SupervisordServer | None:
    unix = next((s for s in servers if s.kind is SectionKind.UNIX_HTTP_SERVER), None)
    inet = next((s for s in servers if s.kind is SectionKind.INET_HTTP_SERVER), None)
    if unix is None and inet is None:
        return None
    return SupervisordServer(
        unix_socket=Path(unix.socket) if unix and unix.socket else None,
        unix_username=unix.username if unix else None,
        unix_password=unix.password if unix else None,
        inet_host=inet.host if inet else None,
        inet_port=inet.port if inet else None,
        inet_username=inet.username if inet else None,
        inet_password=inet.password if inet else None,
    )


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _hosts_match(server_host: str, client_host: str) -> bool:
    if not server_host:
        return True  # the server listens on every interface
    if is_loopback(server_host) and is_loopback(client_host):
        return True
    return server_host.strip("[]").lower() == client_host.strip("[]").lower()


# --- [supervisorctl] -------------------------------------------------------------


def supervisorctl_findings(ctx: Context, servers: list[DeclaredServer]) -> list[Finding]:
    header = ctx.model.first("supervisorctl")
    if header is None:
        return []
    entry, url = ctx.expanded("supervisorctl", "serverurl")
    if entry is not None and url is None:
        return []  # cannot expand: nothing to compare
    url = (url or DEFAULT_CTL_SERVERURL).strip()
    file, line = (entry.file, entry.line) if entry else (header.file, header.line)
    shown = f"serverurl={url}" if entry else f"serverurl (default {url})"
    target, problem = _target(url, servers)
    if problem:
        return [error(file, line, SV_CTL_UNREACHABLE, f"[supervisorctl] {shown} {problem}")]
    assert target is not None
    return _auth_findings(ctx, target)


def _target(url: str, servers: list[DeclaredServer]) -> tuple[DeclaredServer | None, str | None]:
    if url.startswith("unix://"):
        path = normalize_path(url[len("unix://") :])
        unix = [s for s in servers if s.kind is SectionKind.UNIX_HTTP_SERVER]
        for server in unix:
            if server.socket == path:
                return server, None
        have = ", ".join(str(s.socket) for s in unix) or "none"
        return None, (
            f"names a socket this file does not configure ([unix_http_server] sockets: {have})"
        )
    if not url.startswith("http://"):
        return None, "is neither http:// nor unix://: supervisorctl refuses it"
    try:
        parsed = urllib.parse.urlsplit(url)
        host, port = parsed.hostname or "", parsed.port or 80
    except ValueError as exc:
        return None, f"is not a valid URL ({exc})"
    inet = [s for s in servers if s.kind is SectionKind.INET_HTTP_SERVER]
    for server in inet:
        if server.port == port and server.host is not None and _hosts_match(server.host, host):
            return server, None
    have = ", ".join(f"{s.host or '*'}:{s.port}" for s in inet) or "none"
    return None, (
        f"names an address this file does not configure ([inet_http_server] ports: {have})"
    )


def _password_accepted(stored: str, given: str) -> bool:
    # As supervisor.http.encrypted_dictionary_authorizer compares them.
    if stored.startswith("{SHA}"):
        return stored[len("{SHA}") :] == hashlib.sha1(given.encode()).hexdigest()
    return stored == given


# The template's servers take the password boot generates, as a SHA-1 digest in this
# variable. No [supervisorctl] section can hold its plaintext (every program would inherit
# it through supervisord's environment), so supervisorctl gets it on its command line, as
# `workloadctl creds` prints it; a missing [supervisorctl] password is by design then.
GENERATED_PASSWORD_REFERENCE = "%(ENV_WORKLOADCTL_SUPERVISOR_PASSWORD)s"


def _auth_findings(ctx: Context, server: DeclaredServer) -> list[Finding]:
    if server.username is None or server.password is None or not server.credentials_known:
        return []  # no authentication required, or not knowable here
    if server.password_entry and GENERATED_PASSWORD_REFERENCE in server.password_entry.value:
        return []
    user_entry, username = ctx.expanded("supervisorctl", "username")
    password_entry, password = ctx.expanded("supervisorctl", "password")
    if (user_entry and username is None) or (password_entry and password is None):
        return []
    header = ctx.model.first("supervisorctl")
    assert header is not None
    where = f"[{server.section}] (line {server.line})"
    if username is None or password is None:
        line, problem = (
            header.line,
            f"{where} requires a username and password but [supervisorctl] does not set "
            "both: supervisorctl does not read them from the server section and every "
            "command fails with 401 Unauthorized",
        )
    elif username != server.username:
        line, problem = (
            user_entry.line if user_entry else header.line,
            f"[supervisorctl] username does not match the one {where} requires: "
            "every supervisorctl command fails with 401 Unauthorized",
        )
    elif not _password_accepted(server.password, password):
        line, problem = (
            password_entry.line if password_entry else header.line,
            f"[supervisorctl] password is not the one {where} accepts "
            "(supervisorctl needs it in clear text, even when the server stores {SHA}): "
            "every supervisorctl command fails with 401 Unauthorized",
        )
    else:
        return []
    return [error(header.file, line, SV_CTL_AUTH, problem)]


# --- [inet_http_server] exposure ---------------------------------------------------


def password_weakness(username: str | None, password: str | None) -> str | None:
    """Why a password protects nothing, or None if it looks acceptable."""
    if password is None:
        return "no password"
    if password.startswith("{SHA}"):
        digest = password[len("{SHA}") :].lower()
        guesses = set(COMMON_PASSWORDS) | ({username} if username else set())
        if any(hashlib.sha1(g.encode()).hexdigest() == digest for g in guesses):
            return "a SHA-1 hash of a common password"
        return None
    if (username, password) in DEFAULT_CREDENTIALS:
        return "well-known default credentials"
    if password.lower() in COMMON_PASSWORDS:
        return "a common password"
    if password == username:
        return "a password equal to the username"
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"a password shorter than {MIN_PASSWORD_LENGTH} characters"
    return None


def inet_security_findings(servers: list[DeclaredServer]) -> list[Finding]:
    findings: list[Finding] = []
    for server in servers:
        if server.kind is not SectionKind.INET_HTTP_SERVER or not server.credentials_known:
            continue
        if (server.username is None) != (server.password is None):
            continue  # Supervisor refuses half a pair itself
        weakness = password_weakness(server.username, server.password)
        if weakness is None or server.host is None:
            continue
        entry = server.password_entry if server.password is not None else server.address_entry
        line = entry.line if entry else server.line
        file = entry.file if entry else server.file
        address = f"{server.host or '*'}:{server.port}"
        if is_loopback(server.host):
            code, message = (
                SV_INET_LOCAL_WEAK,
                f"[{server.section}] on {address} has {weakness}: any local user "
                "can control supervisord and run commands as its user; set a strong "
                f"password ({MIN_PASSWORD_LENGTH}+ characters) or use only "
                "[unix_http_server]",
            )
        else:
            scope = "every interface" if not server.host else f"non-loopback {server.host}"
            code, message = (
                SV_INET_EXPOSED,
                f"security: [{server.section}] listens on {scope} ({address}) with "
                f"{weakness}: anyone who can reach the port controls supervisord and "
                "can run commands as its user (no TLS either); bind it to 127.0.0.1 "
                f"or set a strong password ({MIN_PASSWORD_LENGTH}+ characters)",
            )
        findings.append(warning(file, line, code, message))
    return findings
