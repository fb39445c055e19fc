"""Which sections and keys Supervisor 4.x reads, taken from its own source.

Every key below is one that `supervisor/options.py` reads with `get()`/`saneget()`
(ServerOptions.read_config, process_groups_from_parser, _processes_from_section,
server_configs_from_parser, ClientOptions.read_config) and that
`supervisor/skel/sample.conf` documents. Supervisor itself ignores any other key,
which is how a typo such as `autorestrat=` silently does nothing.
"""

from __future__ import annotations

import difflib
import enum


class SectionKind(enum.Enum):
    SUPERVISORD = "supervisord"
    SUPERVISORCTL = "supervisorctl"
    INCLUDE = "include"
    UNIX_HTTP_SERVER = "unix_http_server"
    INET_HTTP_SERVER = "inet_http_server"
    PROGRAM = "program"
    EVENTLISTENER = "eventlistener"
    FCGI_PROGRAM = "fcgi-program"
    GROUP = "group"
    RPCINTERFACE = "rpcinterface"
    CTLPLUGIN = "ctlplugin"


SUPERVISORD_KEYS = frozenset(
    {
        "minfds",
        "minprocs",
        "directory",
        "user",
        "umask",
        "logfile",
        "logfile_maxbytes",
        "logfile_backups",
        "loglevel",
        "pidfile",
        "identifier",
        "nodaemon",
        "silent",
        "childlogdir",
        "nocleanup",
        "strip_ansi",
        "environment",
    }
)

PROGRAM_KEYS = frozenset(
    {
        "command",
        "process_name",
        "numprocs",
        "numprocs_start",
        "priority",
        "autostart",
        "autorestart",
        "startsecs",
        "startretries",
        "exitcodes",
        "stopsignal",
        "stopwaitsecs",
        "stopasgroup",
        "killasgroup",
        "user",
        "redirect_stderr",
        "stdout_logfile",
        "stdout_logfile_maxbytes",
        "stdout_logfile_backups",
        "stdout_capture_maxbytes",
        "stdout_events_enabled",
        "stdout_syslog",
        "stderr_logfile",
        "stderr_logfile_maxbytes",
        "stderr_logfile_backups",
        "stderr_capture_maxbytes",
        "stderr_events_enabled",
        "stderr_syslog",
        "environment",
        "directory",
        "umask",
        "serverurl",
    }
)

EVENTLISTENER_KEYS = PROGRAM_KEYS | {"buffer_size", "events", "result_handler"}
FCGI_PROGRAM_KEYS = PROGRAM_KEYS | {"socket", "socket_backlog", "socket_owner", "socket_mode"}
GROUP_KEYS = frozenset({"programs", "priority"})
INCLUDE_KEYS = frozenset({"files"})
UNIX_HTTP_SERVER_KEYS = frozenset({"file", "chmod", "chown", "username", "password"})
INET_HTTP_SERVER_KEYS = frozenset({"port", "username", "password"})
SUPERVISORCTL_KEYS = frozenset({"serverurl", "username", "password", "prompt", "history_file"})

RPCINTERFACE_FACTORY_KEY = "supervisor.rpcinterface_factory"
CTLPLUGIN_FACTORY_KEY = "supervisor.ctl_factory"

# None: free-form (plugin sections pass every other key to their factory).
KNOWN_KEYS: dict[SectionKind, frozenset[str] | None] = {
    SectionKind.SUPERVISORD: SUPERVISORD_KEYS,
    SectionKind.SUPERVISORCTL: SUPERVISORCTL_KEYS,
    SectionKind.INCLUDE: INCLUDE_KEYS,
    SectionKind.UNIX_HTTP_SERVER: UNIX_HTTP_SERVER_KEYS,
    SectionKind.INET_HTTP_SERVER: INET_HTTP_SERVER_KEYS,
    SectionKind.PROGRAM: PROGRAM_KEYS,
    SectionKind.EVENTLISTENER: EVENTLISTENER_KEYS,
    SectionKind.FCGI_PROGRAM: FCGI_PROGRAM_KEYS,
    SectionKind.GROUP: GROUP_KEYS,
    SectionKind.RPCINTERFACE: None,
    SectionKind.CTLPLUGIN: None,
}

FACTORY_KEYS: dict[SectionKind, str] = {
    SectionKind.RPCINTERFACE: RPCINTERFACE_FACTORY_KEY,
    SectionKind.CTLPLUGIN: CTLPLUGIN_FACTORY_KEY,
}

_EXACT_SECTIONS = {
    "supervisord": SectionKind.SUPERVISORD,
    "supervisorctl": SectionKind.SUPERVISORCTL,
    "include": SectionKind.INCLUDE,
}
# Supervisor picks server sections with str.startswith, so `[inet_http_server:x]` counts.
_PREFIX_SECTIONS = {
    "unix_http_server": SectionKind.UNIX_HTTP_SERVER,
    "inet_http_server": SectionKind.INET_HTTP_SERVER,
}
_NAMED_SECTIONS = {
    "program:": SectionKind.PROGRAM,
    "eventlistener:": SectionKind.EVENTLISTENER,
    "fcgi-program:": SectionKind.FCGI_PROGRAM,
    "group:": SectionKind.GROUP,
    "rpcinterface:": SectionKind.RPCINTERFACE,
    "ctlplugin:": SectionKind.CTLPLUGIN,
}

PROGRAM_LIKE = frozenset({SectionKind.PROGRAM, SectionKind.EVENTLISTENER, SectionKind.FCGI_PROGRAM})
# Sections supervisord itself reads (supervisorctl reads the other two).
SERVER_READ = frozenset(SectionKind) - {SectionKind.SUPERVISORCTL, SectionKind.CTLPLUGIN}


def classify_section(name: str) -> SectionKind | None:
    """The kind Supervisor gives a section header, or None if nothing reads it."""
    if name in _EXACT_SECTIONS:
        return _EXACT_SECTIONS[name]
    for prefix, kind in _PREFIX_SECTIONS.items():
        if name.startswith(prefix):
            return kind
    for prefix, kind in _NAMED_SECTIONS.items():
        if name.startswith(prefix):
            return kind
    return None


def section_suffix(name: str) -> str:
    """`program:web` -> `web`."""
    return name.split(":", 1)[1] if ":" in name else ""


def closest(word: str, candidates: set[str] | frozenset[str], cutoff: float = 0.75) -> str | None:
    matches = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=cutoff)
    return matches[0] if matches else None


def suggest_section(name: str) -> str | None:
    """A known header the unknown `name` was probably meant to be."""
    if ":" in name:
        kind, _, rest = name.partition(":")
        named = {prefix.rstrip(":") for prefix in _NAMED_SECTIONS}
        match = closest(kind.lower(), named)
        return f"{match}:{rest}" if match else None
    exact = set(_EXACT_SECTIONS) | set(_PREFIX_SECTIONS)
    match = closest(name.lower(), exact)
    if match:
        return match
    named = {prefix.rstrip(":") for prefix in _NAMED_SECTIONS}
    match = closest(name.lower(), named)
    return f"{match}:NAME" if match else None
