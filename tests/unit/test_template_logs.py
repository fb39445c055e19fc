"""The template's supervisord logging (docs/logs.md): each program in its own rotated file
under $WORKLOADCTL_LOG_DIR, and the `log-echo` event listener that copies every line to
the container's output as "[NAME\\t] line". The listener is run here for real (/bin/sh,
head, awk) against supervisord's event protocol."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from supervisor.options import UnhosedConfigParser

REPO = Path(__file__).resolve().parents[2]
CONFIGS = [
    REPO / "workloads/supervisord/project.conf",
    REPO / ".devcontainer/supervisord/seed.conf",
]
LOG_FILE = "%(ENV_WORKLOADCTL_LOG_DIR)s/%(program_name)s.log"
LISTENER = "eventlistener:log-echo"


def _parse(path: Path) -> UnhosedConfigParser:
    parser = UnhosedConfigParser()
    parser.read_string(path.read_text())
    return parser


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_every_program_logs_to_its_own_rotated_file_and_sends_events(path: Path) -> None:
    parser = _parse(path)
    programs = [s for s in parser.sections() if s.startswith("program:")]
    assert programs
    for section in programs:
        values = dict(parser.items(section))
        assert values["redirect_stderr"] == "true", section
        assert values["stdout_logfile"] == LOG_FILE, section
        assert values["stdout_logfile_maxbytes"] == "10MB", section
        assert int(values["stdout_logfile_backups"]) > 0, section
        assert values["stdout_events_enabled"] == "true", section
        assert "stderr_logfile" not in values, section  # one file: stdout and stderr together


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_the_listener_echoes_log_events_to_supervisords_stdout(path: Path) -> None:
    values = dict(_parse(path).items(LISTENER))
    assert values["events"] == "PROCESS_LOG"
    assert values["stdout_logfile"] == "NONE"  # its stdout is the event protocol
    assert values["stderr_logfile"] == "/dev/stdout"
    assert values["stderr_logfile_maxbytes"] == "0"  # /dev/stdout cannot seek
    assert "%(" not in values["command"]  # only %% (printf's %), nothing of the machine's


def test_project_and_seed_run_the_same_listener() -> None:
    project, seed = (dict(_parse(p).items(LISTENER)) for p in CONFIGS)
    assert project == seed


def _event(name: str, data: bytes, channel: str = "stdout") -> bytes:
    """One event as supervisord writes it to a listener's stdin (supervisor/events.py)."""
    payload = f"processname:{name} groupname:{name} pid:42 channel:{channel}\n".encode() + data
    header = (
        f"ver:3.0 server:supervisor serial:7 pool:log-echo poolserial:3 "
        f"eventname:PROCESS_LOG_{channel.upper()} len:{len(payload)}\n"
    )
    return header.encode() + payload


def test_the_listener_prefixes_each_line_and_speaks_the_protocol() -> None:
    for tool in ("head", "awk"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (the listener needs it)")
    # What supervisord runs: the value %-expanded (`%%` is `%`), split as by shlex.
    argv = shlex.split(dict(_parse(CONFIGS[0]).items(LISTENER))["command"] % {})
    events = [
        _event("docs", b"GET / 200\nGET /x 404\n"),
        _event("code-server", "caf\u00e9 \\n %s * $HOME `id`\n".encode(), "stderr"),
        # print() unbuffered: the text, then its newline, in two writes and two events.
        _event("docs", b"Serving HTTP"),
        _event("docs", b" on 8001\n"),
        _event("docs", b"\n\n"),  # empty lines are lines
        # A piece without its newline, then another program: the piece is not lost.
        _event("docs", b"half"),
        _event("difit", b"ready\nprompt> "),
        _event("difit", b"rest\n"),
    ]
    done = subprocess.run(
        argv, input=b"".join(events), capture_output=True, timeout=30, check=False
    )
    assert done.returncode == 0
    # READY before each event and after the last; each answered with RESULT 2 OK.
    assert done.stdout == b"READY\n" + b"RESULT 2\nOKREADY\n" * len(events)
    assert done.stderr.decode().splitlines() == [
        "[docs\t] GET / 200",
        "[docs\t] GET /x 404",
        "[code-server\t] caf\u00e9 \\n %s * $HOME `id`",
        "[docs\t] Serving HTTP on 8001",
        "[docs\t] ",
        "[docs\t] ",
        "[docs\t] half",
        "[difit\t] ready",
        "[difit\t] prompt> rest",
    ]
