"""The template's supervisord logging (docs/logs.md): each program in its own rotated file
under $WORKLOADCTL_LOG_DIR, and the `log-echo` event listener that copies every line to
the container's output as "[NAME\\t] line". The listener is run here for real (bash)
against supervisord's event protocol, as supervisord speaks it."""

from __future__ import annotations

import os
import select
import shlex
import shutil
import subprocess
import time
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


def _event(name: str, data: str, channel: str = "stdout") -> bytes:
    """One event as supervisord writes it to a listener's stdin (supervisor/process.py
    _eventEnvelope, events.py ProcessLogEvent.payload): `len:` is the length of the
    DECODED payload, in characters, not bytes."""
    payload = f"processname:{name} groupname:{name} pid:42 channel:{channel}\n{data}"
    header = (
        f"ver:3.0 server:supervisor serial:7 pool:log-echo poolserial:3 "
        f"eventname:PROCESS_LOG_{channel.upper()} len:{len(payload)}\n"
    )
    return (header + payload).encode()


def _read_until(fd: int, token: bytes, seconds: float = 30.0) -> bytes:
    """Bytes from `fd` up to and with `token`; fails (never hangs) when it does not come."""
    got = b""
    deadline = time.monotonic() + seconds
    while not got.endswith(token):
        left = deadline - time.monotonic()
        ready, _, _ = select.select([fd], [], [], max(left, 0))
        assert ready, f"no {token!r} within {seconds} s; got {got!r}"
        chunk = os.read(fd, 1)
        assert chunk, f"the listener ended; got {got!r}"
        got += chunk
    return got


def _echo(events: list[bytes], tmp_path: Path) -> list[str]:
    """Run the template's listener as supervisord does: an event only after READY, the
    next only after its RESULT (nothing else is on its stdin in between)."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed (the listener needs it)")
    # What supervisord runs: the value %-expanded, split as by shlex.
    argv = shlex.split(dict(_parse(CONFIGS[0]).items(LISTENER))["command"] % {})
    stderr = tmp_path / "stderr"
    with stderr.open("wb") as err:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        out = proc.stdout.fileno()
        for event in events:
            assert _read_until(out, b"READY\n").endswith(b"READY\n")
            proc.stdin.write(event)
            proc.stdin.flush()
            assert _read_until(out, b"OK") == b"RESULT 2\nOK"
        _read_until(out, b"READY\n")
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    return stderr.read_text(encoding="utf-8").splitlines()


def test_the_listener_prefixes_each_line_and_speaks_the_protocol(tmp_path: Path) -> None:
    lines = _echo(
        [
            _event("docs", "GET / 200\nGET /x 404\n"),
            # Characters, not bytes: the old `head -c LEN` lost the protocol here.
            _event("code-server", "caf\u00e9 \u00fc \\n %s * $HOME `id` -n\n", "stderr"),
            _event("docs", "\n\n"),  # empty lines are lines
            _event("a&b", "amp & [x]\n"),
        ],
        tmp_path,
    )
    assert lines == [
        "[docs\t] GET / 200",
        "[docs\t] GET /x 404",
        "[code-server\t] caf\u00e9 \u00fc \\n %s * $HOME `id` -n",
        "[docs\t] ",
        "[docs\t] ",
        "[a&b\t] amp & [x]",
    ]


def test_a_line_in_pieces_is_one_line_per_program(tmp_path: Path) -> None:
    lines = _echo(
        [
            # print() unbuffered: the text, then its newline, in two writes and two events.
            _event("docs", "Serving HTTP"),
            _event("docs", " on 8001\n"),
            # A piece waits for the rest of ITS line while another program writes.
            _event("docs", "half"),
            _event("difit", "ready\nprompt> "),
            _event("docs", " done\n"),
            _event("difit", "rest\n"),
        ],
        tmp_path,
    )
    assert lines == [
        "[docs\t] Serving HTTP on 8001",
        "[difit\t] ready",
        "[docs\t] half done",
        "[difit\t] prompt> rest",
    ]


def test_a_nul_byte_or_an_endless_line_does_not_stop_the_listener(tmp_path: Path) -> None:
    """bash drops NUL bytes, which Supervisor counts: the payload ends after a second of
    silence. A line longer than 64 KiB is printed in pieces rather than kept."""
    lines = _echo(
        [
            _event("docs", "a\x00b\n"),
            _event("big", "y" * 70000),
            _event("docs", "after\n"),
        ],
        tmp_path,
    )
    assert lines == ["[docs\t] ab", "[big\t] " + "y" * 70000, "[docs\t] after"]
