"""Hypothesis strategies for the fuzzed configs: mostly well-formed structures with odd
values (what a person or an agent writes), some raw text, rarely special files."""

from __future__ import annotations

import json
from typing import Any

import yaml
from hypothesis import strategies as st

ODD = [
    "",
    " ",
    "0",
    "1",
    "-1",
    "2",
    "99999999999999999999",
    "1e9",
    "0x10",
    "true",
    "false",
    "yes",
    "no",
    "unexpected",
    "%(ENV_HOME)s",
    "%(here)s",
    "%(program_name)s_%(process_num)02d",
    "%(",
    "%%",
    "%(ENV_NOPE)s",
    "%(nope)s",
    "/bin/sleep 1",
    "sleep 1",
    "/nonexistent/x",
    'KEY=val,B="x"',
    "A=%(ENV_X)s",
    "127.0.0.1:9001",
    "*:9001",
    ":0",
    "localhost:70000",
    "unix:///tmp/x.sock",
    "TERM",
    "SIGKILL",
    "HUP",
    "0,2",
    "1MB",
    "10GB",
    "0777",
    "root",
    "nobody",
    "*.conf",
    "../x",
    "a;b",
    "${HOME}",
    "$${X}",
    "${NOPE:-d}",
    "{{ .x }}",
    "{{",
    "\\",
    '"',
    "'",
    "é",
    "\t",
    "a\nb",
]
ODD_INTS = [0, 1, -1, 2, 65535, 65536, 300000000000000, 1000000000, 2**63, -(2**63) - 1]
NAME = st.one_of(
    st.sampled_from(["a", "web", "db", "sv-1", "x_y", "A.B", "", "-x", "a b", "é", "a" * 300]),
    st.text(min_size=1, max_size=12),
)
SHORT_TEXT = st.text(max_size=40)
ODD_TEXT = st.one_of(st.sampled_from(ODD), SHORT_TEXT)


# --- supervisord --------------------------------------------------------------------------

SV_SECTIONS = [
    "supervisord",
    "unix_http_server",
    "inet_http_server",
    "supervisorctl",
    "rpcinterface:supervisor",
    "include",
]
SV_NAMED = ["program", "group", "eventlistener", "fcgi-program", "rpcinterface"]
SV_KEYS = [
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
    "stdout_capture_maxbytes",
    "stderr_logfile",
    "environment",
    "directory",
    "umask",
    "serverurl",
    "files",
    "programs",
    "port",
    "username",
    "password",
    "file",
    "chmod",
    "chown",
    "logfile",
    "logfile_maxbytes",
    "logfile_backups",
    "pidfile",
    "nodaemon",
    "minfds",
    "minprocs",
    "loglevel",
    "identifier",
    "socket",
    "socket_owner",
    "buffer_size",
    "events",
    "result_handler",
    "supervisor.rpcinterface_factory",
    "silent",
    "bogus_key",
]


@st.composite
def supervisord_ini(draw: st.DrawFn, include_names: list[str]) -> str:
    lines: list[str] = []
    for _ in range(draw(st.integers(0, 6))):
        if draw(st.booleans()):
            header = draw(st.sampled_from(SV_SECTIONS))
        else:
            header = f"{draw(st.sampled_from(SV_NAMED))}:{draw(NAME)}"
        if draw(st.integers(0, 20)) == 0:
            header = draw(SHORT_TEXT)
        lines.append(f"[{header}]")
        for _ in range(draw(st.integers(0, 6))):
            key = draw(st.sampled_from(SV_KEYS))
            if key == "files" and include_names:
                value = " ".join(draw(st.lists(st.sampled_from(include_names), max_size=3)))
            else:
                value = draw(ODD_TEXT)
            sep = draw(st.sampled_from(["=", " = ", ":", "="]))
            lines.append(f"{key}{sep}{value}")
        if draw(st.integers(0, 10)) == 0:
            lines.append(draw(SHORT_TEXT))
    return "\n".join(lines) + "\n"


# --- process-compose ----------------------------------------------------------------------

SCALAR: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from(ODD),
    st.sampled_from(ODD_INTS),
    st.integers(-5, 100),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
    SHORT_TEXT,
)


def pc_value(sane: st.SearchStrategy[Any], odd_weight: int) -> st.SearchStrategy[Any]:
    """Mostly a sane value; 1 in odd_weight an odd scalar, list or mapping."""
    odd = st.one_of(SCALAR, st.lists(SCALAR, max_size=2), st.dictionaries(NAME, SCALAR, max_size=2))
    return st.integers(0, odd_weight - 1).flatmap(lambda n: odd if n == 0 else sane)


def process_compose_doc(odd: int, big_ints: bool) -> st.SearchStrategy[dict[str, Any]]:
    ints = st.integers(-2, 10**15) if big_ints else st.integers(-2, 100000)
    probe = st.fixed_dictionaries(
        {},
        optional={
            "exec": pc_value(
                st.fixed_dictionaries({"command": st.sampled_from(["true", ""])}), odd
            ),
            "http_get": pc_value(
                st.fixed_dictionaries(
                    {"host": st.sampled_from(["127.0.0.1", ""]), "port": pc_value(ints, odd)},
                    optional={
                        "path": st.sampled_from(["/", "x"]),
                        "scheme": st.sampled_from(["http", "ftp"]),
                    },
                ),
                odd,
            ),
            "initial_delay_seconds": pc_value(ints, odd),
            "period_seconds": pc_value(ints, odd),
            "timeout_seconds": pc_value(ints, odd),
            "success_threshold": pc_value(ints, odd),
            "failure_threshold": pc_value(ints, odd),
            "bogus": SCALAR,
        },
    )
    process = st.fixed_dictionaries(
        {"command": pc_value(st.sampled_from(["sleep 1", "echo hi", "true", ""]), odd)},
        optional={
            "working_dir": pc_value(st.sampled_from(["/tmp", ".", "/nonexistent"]), odd),
            "environment": pc_value(
                st.lists(st.sampled_from(["A=1", "B", "=x", "C=${HOME}"]), max_size=3), odd
            ),
            "availability": pc_value(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "restart": st.sampled_from(
                            ["always", "on_failure", "exit_on_failure", "no", "bogus"]
                        ),
                        "backoff_seconds": pc_value(ints, odd),
                        "max_restarts": pc_value(ints, odd),
                        "exit_on_end": st.booleans(),
                        "bogus": SCALAR,
                    },
                ),
                odd,
            ),
            "depends_on": pc_value(
                st.dictionaries(
                    st.sampled_from(["a", "b", "c", "missing"]),
                    st.fixed_dictionaries(
                        {
                            "condition": st.sampled_from(
                                [
                                    "process_started",
                                    "process_completed",
                                    "process_healthy",
                                    "process_completed_successfully",
                                    "process_log_ready",
                                    "bogus",
                                ]
                            )
                        }
                    ),
                    max_size=2,
                ),
                odd,
            ),
            "readiness_probe": pc_value(probe, odd),
            "liveness_probe": pc_value(probe, odd),
            "shutdown": pc_value(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "command": st.sampled_from(["true", ""]),
                        "signal": pc_value(st.sampled_from([15, 9, 0, 99]), odd),
                        "timeout_seconds": pc_value(ints, odd),
                    },
                ),
                odd,
            ),
            "disabled": pc_value(st.booleans(), odd),
            "is_daemon": pc_value(st.booleans(), odd),
            "namespace": pc_value(st.sampled_from(["default", "ns", ""]), odd),
            "replicas": pc_value(st.integers(-1, 5), odd),
            "log_length": pc_value(ints, odd),
            "description": pc_value(SHORT_TEXT, odd),
            "ready_log_line": pc_value(st.sampled_from(["ready", ""]), odd),
            "launch_timeout_seconds": pc_value(ints, odd),
            "is_tty": pc_value(st.booleans(), odd),
            "vars": pc_value(st.dictionaries(st.sampled_from(["x", "y"]), SCALAR, max_size=2), odd),
            "bogus_key": SCALAR,
        },
    )
    return st.fixed_dictionaries(
        {
            "processes": pc_value(
                st.dictionaries(st.sampled_from(["a", "b", "c", "d e", "é"]), process, max_size=4),
                odd,
            )
        },
        optional={
            "version": pc_value(st.sampled_from(["0.5", "1", 0.5]), odd),
            "log_level": pc_value(st.sampled_from(["info", "debug", "bogus"]), odd),
            "log_length": pc_value(ints, odd),
            "log_location": pc_value(st.sampled_from(["/tmp/pc.log", ""]), odd),
            "environment": pc_value(st.lists(st.sampled_from(["A=1", "B"]), max_size=2), odd),
            "shell": pc_value(
                st.fixed_dictionaries(
                    {
                        "shell_command": st.sampled_from(["bash", "sh", "/nonexistent"]),
                        "shell_argument": st.sampled_from(["-c", ""]),
                    }
                ),
                odd,
            ),
            "vars": pc_value(st.dictionaries(st.sampled_from(["x", "y"]), SCALAR, max_size=2), odd),
            "is_strict": pc_value(st.booleans(), odd),
            "ordered_shutdown": pc_value(st.booleans(), odd),
            "disable_env_expansion": pc_value(st.booleans(), odd),
            "bogus_top": SCALAR,
        },
    )


def dump_yaml(doc: Any) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def process_compose_text() -> st.SearchStrategy[str]:
    return st.one_of(
        process_compose_doc(odd=4, big_ints=True).map(dump_yaml),
        process_compose_doc(odd=4, big_ints=True).map(dump_yaml),
        process_compose_doc(odd=4, big_ints=True).map(dump_yaml),
        st.text(max_size=200),
    )


# --- devcontainer.json and its compose file ------------------------------------------------

DC_KEYS = [
    "name",
    "image",
    "build",
    "init",
    "overrideCommand",
    "runArgs",
    "dockerComposeFile",
    "service",
    "runServices",
    "remoteUser",
    "mounts",
    "features",
    "customizations",
    "workspaceFolder",
    "capAdd",
    "privileged",
]
DC_VALUE = st.one_of(
    SCALAR,
    st.lists(
        st.sampled_from(["--init", "--init=true", "--init=false", "--privileged", "x"]), max_size=3
    ),
    st.sampled_from(["docker-compose.yml", "../x.yml", "/nonexistent.yml", "missing.yml"]),
    st.lists(st.sampled_from(["docker-compose.yml", "other.yml"]), max_size=2),
    st.dictionaries(NAME, SCALAR, max_size=2),
)


@st.composite
def devcontainer_json(draw: st.DrawFn) -> str:
    doc = draw(st.dictionaries(st.sampled_from(DC_KEYS), DC_VALUE, max_size=6))
    text = json.dumps(doc, indent=2, ensure_ascii=draw(st.booleans()))
    if draw(st.booleans()):
        text = "// generated\n" + text.replace(",\n", ", /* c */\n")
    if draw(st.booleans()):
        text = text.replace("\n}", ",\n}")  # a trailing comma, as JSONC allows
    if draw(st.integers(0, 5)) == 0:
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(SHORT_TEXT) + text[cut:]
    return text


@st.composite
def compose_yaml(draw: st.DrawFn) -> str:
    service = st.dictionaries(
        st.sampled_from(["init", "entrypoint", "command", "build", "image", "bogus"]),
        st.one_of(SCALAR, st.lists(SCALAR, max_size=2), st.dictionaries(NAME, SCALAR, max_size=2)),
        max_size=4,
    )
    doc = {
        "services": draw(
            st.dictionaries(st.sampled_from(["dev", "db", "app"]), service, max_size=3)
        )
    }
    if draw(st.integers(0, 5)) == 0:
        return draw(st.text(max_size=100))
    return dump_yaml(doc)


# --- s6-rc source tree ----------------------------------------------------------------------

S6_NAMES = ["user", "base", "supervisord", "process-compose", "boot", "a", "b", "x y", "-x", "é"]
S6_SCRIPTS = [
    "#!/command/execlineb -P\nworkloadctl launch supervisord\n",
    "#!/bin/sh\nexec sleep 1\n",
    "foreground { echo hi }\n",
    "{ unclosed\n",
    '"unterminated\n',
    "",
    "#!/nonexistent\n",
    "workloadctl boot\n",
    "\x00\x01",
]


@st.composite
def s6rc_tree(draw: st.DrawFn) -> dict[str, dict[str, Any]]:
    """service name -> {entry: text | list of names (a directory of empty files) | None}."""
    tree: dict[str, dict[str, Any]] = {}
    for name in draw(st.lists(st.one_of(st.sampled_from(S6_NAMES), NAME), max_size=5, unique=True)):
        entries: dict[str, Any] = {}
        entries["type"] = draw(
            st.one_of(
                st.sampled_from(
                    ["longrun\n", "oneshot\n", "bundle\n", "longrun", " bundle \n", "bogus\n", ""]
                ),
                SHORT_TEXT,
            )
        )
        for entry in (
            "run",
            "up",
            "down",
            "finish",
            "notification-fd",
            "timeout-up",
            "timeout-down",
            "producer-for",
            "consumer-for",
            "pipeline-name",
            "contents",
            "dependencies",
            "flag-essential",
            "bogus",
        ):
            if draw(st.integers(0, 3)) == 0:
                entries[entry] = draw(st.one_of(st.sampled_from(S6_SCRIPTS), ODD_TEXT))
        for entry in ("dependencies.d", "contents.d"):
            if draw(st.booleans()):
                entries[entry] = draw(
                    st.lists(st.one_of(st.sampled_from(S6_NAMES), NAME), max_size=3)
                )
        entries["executable"] = draw(st.booleans())
        tree[name] = entries
    return tree
