"""Logs of the template's supervisord programs on a real stack (issue 10, point 5): the
repository's own workloads/supervisord/project.conf (ports moved to free ones, plus a
`chatter` program logging the template's way) under `workloadctl up`.

- `workloadctl logs docs -n 5` shows docs' lines only; `-f` follows it;
- supervisord's `tailProcessStdoutLog` (what the web UI's "Tail -f" reads) gives docs'
  output only;
- the stack's log (the container's output) carries every program's lines, prefixed
  "[NAME\\t] " by the log-echo event listener;
- the log files are readable by the stack's group and no one else;
- a deleted log file, or one of a program that never ran, is an error (exit 1)."""

from __future__ import annotations

import queue
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from workloadctl import settings as S
from workloadctl.managers.connect import supervisord_client

from .stack_support import (
    MEMBER_GROUP,
    REPO,
    Stack,
    free_port,
    make_repo,
    member_group,
    require_stack_tools,
    running_stack,
    wait_for,
)

pytestmark = pytest.mark.integration

WORKLOADCTL = str(Path(sys.executable).parent / "workloadctl")
TEMPLATE = REPO / "workloads/supervisord/project.conf"
CHATTER = """
[program:chatter]
command=/bin/sh -c 'i=0; while :; do echo "chatter \u00e9\u00fc $i"; i=$((i+1)); sleep 0.2; done'
autostart=true
autorestart=true
startsecs=1
stopasgroup=true
killasgroup=true
redirect_stderr=true
stdout_logfile=%(ENV_WORKLOADCTL_LOG_DIR)s/%(program_name)s.log
stdout_logfile_maxbytes=10MB
stdout_logfile_backups=3
stdout_events_enabled=true
"""


def _template_with_free_ports(docs_port: int) -> str:
    """The template as it is, but on ports no other stack of this machine holds."""
    text = TEMPLATE.read_text()
    assert "port=127.0.0.1:9001\n" in text and "http.server 8001 " in text
    text = text.replace("port=127.0.0.1:9001\n", f"port=127.0.0.1:{free_port()}\n")
    return text.replace("http.server 8001 ", f"http.server {docs_port} ") + CHATTER


@pytest.fixture(scope="module")
def docs_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def stack(docs_port: int) -> Iterator[Stack]:
    require_stack_tools()
    # Others may traverse it (pytest's own tmp is root's alone): the log dir's modes decide.
    base = Path(tempfile.mkdtemp(prefix="pt5-logs-", dir="/tmp"))
    base.chmod(0o755)
    env = {S.ENV_ENABLE_PROCESS_COMPOSE: "0"}  # supervisord's programs are the subject
    if member_group():
        env[S.ENV_CONTROL_GROUP] = MEMBER_GROUP
    root = make_repo(base, _template_with_free_ports(docs_port), None)
    (root / "docs").mkdir()
    (root / "docs/probe.txt").write_text("probe\n")
    try:
        with running_stack(root, base / "state", env) as up:
            up.wait_running("supervisord", {"docs", "chatter", "log-echo"})
            yield up
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _get(port: int, marker: str) -> None:
    url = f"http://127.0.0.1:{port}/probe.txt?{marker}"
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.status == 200


def _log_file(stack: Stack, name: str) -> Path:
    return stack.settings.logs_dir / f"{name}.log"


def _requests_in_log(stack: Stack, docs_port: int, count: int) -> str:
    """Make `count` requests to docs; a marker each; return the first marker's stem."""
    stem = f"m{uuid.uuid4().hex[:12]}"
    for i in range(count):
        _get(docs_port, f"{stem}-{i}")
    last = f"{stem}-{count - 1}"
    wait_for("docs' access log", lambda: last in _log_file(stack, "docs").read_text())
    return stem


def _run(stack: Stack, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WORKLOADCTL, *argv, "--state-dir", str(stack.top)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_logs_shows_that_programs_lines_only(stack: Stack, docs_port: int) -> None:
    stem = _requests_in_log(stack, docs_port, 6)
    done = _run(stack, "logs", "docs", "-n", "5")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 5, done.stdout
    assert [re.search(rf"{stem}-(\d)", line) is not None for line in lines] == [True] * 5
    assert "chatter" not in done.stdout
    chatter = _run(stack, "logs", "chatter", "-n", "3")
    assert chatter.returncode == 0 and len(chatter.stdout.splitlines()) == 3, chatter.stderr
    assert all(line.startswith("chatter ") for line in chatter.stdout.splitlines())


def test_the_web_uis_tail_gives_that_programs_output_only(stack: Stack, docs_port: int) -> None:
    stem = _requests_in_log(stack, docs_port, 2)
    text, _offset, _overflow = supervisord_client(stack.settings, timeout=10).tail(
        "docs", "stdout", 0, 1 << 20
    )
    assert f"{stem}-1" in text and "chatter" not in text


def _lines_of(stream: object) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:  # type: ignore[attr-defined]
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _line_with(lines: queue.Queue[str], text: str, seconds: float = 30.0) -> str:
    """The first line holding `text`; fails (never hangs) when none comes in time."""
    seen: list[str] = []
    while True:
        try:
            line = lines.get(timeout=seconds)
        except queue.Empty:
            raise AssertionError(f"no line with {text!r} within {seconds} s; saw {seen}") from None
        seen.append(line)
        if text in line:
            return line


def test_follow_prints_new_lines_of_that_program(stack: Stack, docs_port: int) -> None:
    proc = subprocess.Popen(
        [WORKLOADCTL, "logs", "-f", "-n", "1", "docs", "--state-dir", str(stack.top)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = _lines_of(proc.stdout)
        marker = f"f{uuid.uuid4().hex[:12]}"
        _get(docs_port, marker)
        assert "GET /probe.txt?" in _line_with(lines, marker)
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err


def test_the_stack_log_carries_every_programs_lines_prefixed(stack: Stack, docs_port: int) -> None:
    stem = _requests_in_log(stack, docs_port, 1)
    stack_log = stack.top / "log/stack.log"

    def prefixed() -> list[str] | None:
        text = stack_log.read_text(errors="replace")
        docs = [line for line in text.splitlines() if f"{stem}-0" in line]
        # Characters beyond ASCII: Supervisor's `len:` counts characters, not bytes.
        chatter = re.search(r"^\[chatter\t\] chatter \u00e9\u00fc \d+$", text, re.MULTILINE)
        return docs if docs and chatter else None

    docs_lines = wait_for("prefixed lines in the stack's log", prefixed, timeout=30)
    assert len(docs_lines) == 1, docs_lines  # once: the file is not echoed a second time
    assert docs_lines[0].startswith("[docs\t] 127.0.0.1 - - ["), docs_lines


def test_the_stacks_group_reads_the_logs_and_nobody_else(stack: Stack) -> None:
    group = member_group()
    if group is None:
        pytest.skip(f"this machine has no group {MEMBER_GROUP!r} to share the stack with")
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is not installed")
    logs_dir, log = stack.settings.logs_dir, _log_file(stack, "docs")
    assert stat.S_IMODE(logs_dir.stat().st_mode) == 0o2750
    assert logs_dir.stat().st_gid == group.gr_gid and log.stat().st_gid == group.gr_gid
    assert stat.S_IMODE(log.stat().st_mode) == 0o644  # supervisord's umask 022

    def cat_as_nobody(*groups: str) -> subprocess.CompletedProcess[bytes]:
        membership = ["--groups", ",".join(groups)] if groups else ["--clear-groups"]
        argv = ["setpriv", "--reuid=nobody", "--regid=nogroup", *membership, "cat", str(log)]
        return subprocess.run(argv, capture_output=True, timeout=30, check=False)

    assert cat_as_nobody(MEMBER_GROUP).returncode == 0
    assert cat_as_nobody().returncode != 0


def test_a_missing_log_file_is_an_error(stack: Stack) -> None:
    never_ran = _run(stack, "logs", "difit")
    assert never_ran.returncode == 1
    assert "has not run since supervisord started" in never_ran.stderr
    assert never_ran.stderr.count("\n") == 1, never_ran.stderr

    _log_file(stack, "chatter").unlink()
    gone = _run(stack, "logs", "chatter", "-n", "3")
    assert gone.returncode == 1 and gone.stdout == ""
    assert "is gone" in gone.stderr and "workloadctl restart chatter" in gone.stderr
    assert gone.stderr.count("\n") == 1, gone.stderr
    # What the error says to do brings the file back.
    assert _run(stack, "restart", "chatter").returncode == 0
    wait_for("a new chatter.log", lambda: _log_file(stack, "chatter").exists())
    assert _run(stack, "logs", "chatter", "-n", "1").returncode == 0
