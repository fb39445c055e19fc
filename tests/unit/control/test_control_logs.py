"""A program's output: tailing supervisord's log files, and where output without a file goes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from control_support import make_ctx, supervisord_runs, sv_info

from workloadctl.control.logs import LogRequest, NoLogFileError, show_logs
from workloadctl.control.names import Target
from workloadctl.errors import UsageError
from workloadctl.managers import connect, supervisord_live
from workloadctl.managers.supervisord_live import last_lines, new_log_text
from workloadctl.runtime.own_command import workloadctl_program

# How the tool names itself in the commands it prints (a checkout's .venv/bin/workloadctl).
PROGRAM = workloadctl_program()


class FakeSupervisord:
    def __init__(self, info: dict[str, Any], log: str) -> None:
        self.info = info
        self.log = log.encode()
        self.exists = True  # the log file is there (supervisord's readProcess*Log)
        self.tails: list[tuple[int, int]] = []
        self.configs: list[dict[str, Any]] = []  # getAllConfigInfo

    def process(self, _name: str) -> dict[str, Any]:
        return self.info

    def config_info(self) -> list[dict[str, Any]]:
        return self.configs

    def log_exists(self, _name: str, _channel: str) -> bool:
        return self.exists

    def tail(self, _name: str, _channel: str, offset: int, length: int) -> tuple[str, int, bool]:
        """supervisor.options.tailFile's arithmetic."""
        self.tails.append((offset, length))
        if not self.exists:
            return "", 0, False
        size = len(self.log)
        overflow = size > offset + length
        if overflow:
            offset = size - 1
        if offset + length > size:
            if offset > size - 1:
                length = 0
            offset = max(0, size - length)
        return self.log[offset : offset + length].decode(), size, overflow


def _ctx_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeSupervisord) -> Any:
    ctx = make_ctx(tmp_path)
    monkeypatch.setattr(connect, "supervisord_client", lambda _settings, timeout=None: fake)
    return ctx


def test_last_lines_of_a_long_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "".join(f"line {i}\n" for i in range(20000))
    info = sv_info("web", "RUNNING") | {"stdout_logfile": "/var/log/web.log"}
    fake = FakeSupervisord(info, text)
    ctx = _ctx_with(tmp_path, monkeypatch, fake)
    out: list[str] = []
    show_logs(ctx, Target("supervisord", "web"), LogRequest(lines=3, follow=False), out.append)
    assert "".join(out) == "line 19997\nline 19998\nline 19999\n"


def test_many_lines_grow_the_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "".join(f"line {i}\n" for i in range(20000))
    fake = FakeSupervisord(sv_info("web", "RUNNING") | {"stdout_logfile": "/l"}, text)
    ctx = _ctx_with(tmp_path, monkeypatch, fake)
    out: list[str] = []
    show_logs(ctx, Target("supervisord", "web"), LogRequest(lines=5000, follow=False), out.append)
    lines = "".join(out).splitlines()
    assert lines[0] == "line 15000" and len(lines) == 5000
    assert len(fake.tails) > 1


@pytest.mark.parametrize(
    ("logfile", "where"),
    [
        ("/dev/stdout", "log/stack.log"),
        ("/dev/null", "thrown away"),
        ("", "nothing keeps it"),
        ("syslog", "syslog"),
    ],
)
def test_no_log_file_says_where_output_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, logfile: str, where: str
) -> None:
    fake = FakeSupervisord(sv_info("web", "RUNNING") | {"stdout_logfile": logfile}, "")
    ctx = _ctx_with(tmp_path, monkeypatch, fake)
    ctx.record = type("R", (), {"top": "/s"})()  # a local stack: its log file is named
    with pytest.raises(NoLogFileError) as caught:
        show_logs(ctx, Target("supervisord", "web"), LogRequest(1, False), print)
    message = str(caught.value)
    assert where in message and "stdout_logfile=AUTO" in message and "\n" not in message
    assert fake.tails == []  # never reads /dev/stdout of supervisord


LISTENER_CONF = """\
[supervisord]
[eventlistener:log-echo]
command=/bin/cat
events=PROCESS_LOG
stdout_logfile=NONE
stderr_logfile=/dev/stdout

[program:web]
command=/bin/cat
stdout_logfile=/dev/stdout
redirect_stderr=true

[program:difit]
; GitHub-style view (needs Node >= 21 and `npm install -g difit`).
command=no-such-command-workloadctl . --port 4966
stdout_logfile=/l/difit.log
"""


def _running_config(ctx: Any, tmp_path: Path) -> Path:
    """A decision record saying supervisord runs LISTENER_CONF (written to tmp_path)."""
    return supervisord_runs(ctx, tmp_path / "project.conf", LISTENER_CONF)


def test_an_event_listener_is_pointed_at_its_stderr_not_at_stdout_logfile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The template's log-echo: its stdout is the event protocol (NONE), its own output
    goes to stderr, /dev/stdout: setting stdout_logfile would keep only READY/RESULT, and
    the section is an [eventlistener:], not a [program:]."""
    info = sv_info("log-echo", "RUNNING") | {"stdout_logfile": "", "stderr_logfile": "/dev/stdout"}
    ctx = _ctx_with(tmp_path, monkeypatch, FakeSupervisord(info, ""))
    ctx.record = type("R", (), {"top": "/s", "env": {}})()
    config = _running_config(ctx, tmp_path)
    with pytest.raises(NoLogFileError) as caught:
        show_logs(ctx, Target("supervisord", "log-echo"), LogRequest(1, False), print)
    message = str(caught.value)
    assert f"log-echo is an event listener, [eventlistener:log-echo] ({config}:2)" in message
    assert "its stdout is its conversation with supervisord" in message
    assert "which goes to /dev/stdout: it is in the stack's log, /s/log/stack.log" in message
    assert "stdout_logfile" not in message and "[program:" not in message
    assert (
        f"`{PROGRAM} logs --stderr log-echo`, set stderr_logfile=AUTO or a path in its "
        "[eventlistener:log-echo] section" in message
    )
    assert "\n" not in message


def test_a_listener_with_a_stderr_file_is_pointed_at_logs_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = sv_info("log-echo", "RUNNING") | {"stdout_logfile": "", "stderr_logfile": "/l/e.log"}
    ctx = _ctx_with(tmp_path, monkeypatch, FakeSupervisord(info, ""))
    _running_config(ctx, tmp_path)
    with pytest.raises(NoLogFileError) as caught:
        show_logs(ctx, Target("supervisord", "log-echo"), LogRequest(1, False), print)
    assert str(caught.value).endswith(f"in /l/e.log: `{PROGRAM} logs --stderr log-echo`")


def test_stderr_of_a_program_that_redirects_it_points_at_its_stdout_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """redirect_stderr=true: supervisord reports stderr_logfile as none; setting
    stderr_logfile=AUTO would do nothing. Its stderr is in the stdout log."""
    info = sv_info("docs", "RUNNING") | {"stdout_logfile": "/l/docs.log", "stderr_logfile": ""}
    fake = FakeSupervisord(info, "")
    fake.configs = [{"name": "docs", "group": "docs", "redirect_stderr": True}]
    ctx = _ctx_with(tmp_path, monkeypatch, fake)
    with pytest.raises(NoLogFileError) as caught:
        show_logs(ctx, Target("supervisord", "docs"), LogRequest(1, False, stderr=True), print)
    message = str(caught.value)
    assert message == (
        f"docs's stderr goes into its stdout log (redirect_stderr=true): `{PROGRAM} logs docs` "
        "shows both"
    )


def test_a_program_whose_command_is_missing_says_so_not_start_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`logs difit` said "`start difit` starts it", and `start difit` failed with NO_FILE:
    a loop. It names the missing command, its command= line and the config's install hint."""
    info = sv_info("difit", "STOPPED") | {"stdout_logfile": "/l/difit.log", "start": 0}
    fake = FakeSupervisord(info, "")
    fake.exists = False
    ctx = _ctx_with(tmp_path, monkeypatch, fake)
    config = _running_config(ctx, tmp_path)
    with pytest.raises(NoLogFileError) as caught:
        show_logs(ctx, Target("supervisord", "difit"), LogRequest(5, False), print)
    message = str(caught.value)
    assert "start difit" not in message
    assert (
        f"its command 'no-such-command-workloadctl' is not found where supervisord looks "
        f"(`command=` at {config}:15): install it, or fix the command; its config says: "
        "GitHub-style view (needs Node >= 21 and `npm install -g difit`)." in message
    )


def test_a_stderr_file_is_named_when_stdout_has_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = sv_info("web", "RUNNING") | {"stdout_logfile": "/dev/null", "stderr_logfile": "/l/e"}
    ctx = _ctx_with(tmp_path, monkeypatch, FakeSupervisord(info, ""))
    with pytest.raises(
        NoLogFileError, match=re.escape(f"its stderr is in /l/e: `{PROGRAM} logs --stderr web`")
    ):
        show_logs(ctx, Target("supervisord", "web"), LogRequest(1, False), print)


def test_logs_of_a_manager_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="own output"):
        show_logs(make_ctx(tmp_path), Target("process-compose", None), LogRequest(1, False), print)


def test_stderr_of_a_process_compose_process_is_a_usage_error(tmp_path: Path) -> None:
    target = Target("process-compose", "api")
    with pytest.raises(UsageError, match=r"one log per process .*: drop --stderr"):
        show_logs(make_ctx(tmp_path), target, LogRequest(1, False, stderr=True), print)


@pytest.mark.parametrize(
    ("text", "previous", "offset", "new"),
    [
        ("abcdef", 4, 6, "ef"),  # the tail starts before what we had: only the new part
        ("abcdef", 6, 6, ""),
        ("xyz", 10, 3, "xyz"),  # rotated: everything is new
        ("abc", 0, 3, "abc"),
        ("\u00e9\u00e9", 2, 4, "\u00e9"),  # counted in bytes, not characters
    ],
)
def test_new_log_text(text: str, previous: int, offset: int, new: str) -> None:
    assert new_log_text(text, previous, offset) == new


def test_last_lines() -> None:
    assert last_lines("a\nb\nc\n", 2) == ["b", "c"]
    assert last_lines("", 2) == []
    assert last_lines("a\nb\n", 0) == []


def test_zero_lines_prints_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeSupervisord(sv_info("web", "RUNNING") | {"stdout_logfile": "/l"}, "one\ntwo\n")
    ctx = _ctx_with(tmp_path, monkeypatch, fake)
    out: list[str] = []
    show_logs(ctx, Target("supervisord", "web"), LogRequest(0, False), out.append)
    assert "".join(out) == ""


def test_follow_zero_lines_prints_only_new_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`logs -f -n 0`, as `tail -f -n 0`: what was there before is not shown."""
    fake = FakeSupervisord(sv_info("web", "RUNNING") | {"stdout_logfile": "/l"}, "old\n")
    ctx = _ctx_with(tmp_path, monkeypatch, fake)

    def grow(f: FakeSupervisord) -> None:
        f.log += b"new\n"

    assert "".join(_follow(monkeypatch, ctx, fake, [grow], lines=0)) == "new\n"


def test_follow_prints_only_new_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeSupervisord(sv_info("web", "RUNNING") | {"stdout_logfile": "/l"}, "one\n")
    ctx = _ctx_with(tmp_path, monkeypatch, fake)
    out: list[str] = []
    polls = iter(["two\n", "three\n"])

    def sleep(_seconds: float) -> None:
        try:
            fake.log += next(polls).encode()
        except StopIteration:
            raise KeyboardInterrupt from None

    monkeypatch.setattr(supervisord_live.time, "sleep", sleep)
    with pytest.raises(KeyboardInterrupt):
        show_logs(ctx, Target("supervisord", "web"), LogRequest(10, True), out.append)
    assert "".join(out) == "one\ntwo\nthree\n"


def test_a_deleted_log_file_is_an_error_not_empty_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = sv_info("docs", "RUNNING") | {"stdout_logfile": "/l/docs.log", "start": 1700000000}
    fake = FakeSupervisord(info, "")
    fake.exists = False
    ctx = _ctx_with(tmp_path, monkeypatch, fake)
    out: list[str] = []
    with pytest.raises(NoLogFileError) as caught:
        show_logs(ctx, Target("supervisord", "docs"), LogRequest(5, False), out.append)
    message = str(caught.value)
    assert "/l/docs.log is gone" in message and f"`{PROGRAM} restart docs`" in message
    assert "\n" not in message and out == []


def test_a_program_that_never_ran_has_no_log_yet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = sv_info("difit", "STOPPED") | {"stdout_logfile": "/l/difit.log", "start": 0}
    fake = FakeSupervisord(info, "")
    fake.exists = False
    ctx = _ctx_with(tmp_path, monkeypatch, fake)
    with pytest.raises(
        NoLogFileError, match=r"has not run .* `" + re.escape(PROGRAM) + " start difit`"
    ):
        show_logs(ctx, Target("supervisord", "difit"), LogRequest(5, False), print)


def _follow(
    monkeypatch: pytest.MonkeyPatch,
    ctx: Any,
    fake: FakeSupervisord,
    changes: list[Any],
    *,
    lines: int = 10,
) -> list[str]:
    """Follow `fake` from its last `lines`; before each poll apply the next change; Ctrl-C
    when none is left."""
    out: list[str] = []
    pending = iter(changes)

    def sleep(_seconds: float) -> None:
        try:
            next(pending)(fake)
        except StopIteration:
            raise KeyboardInterrupt from None

    monkeypatch.setattr(supervisord_live.time, "sleep", sleep)
    with pytest.raises(KeyboardInterrupt):
        show_logs(ctx, Target("supervisord", "web"), LogRequest(lines, True), out.append)
    return out


def test_follow_reads_a_rotated_log_from_its_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """supervisord renames web.log to web.log.1 at maxbytes and starts an empty web.log:
    what it then writes is shorter than our offset, and must still be shown."""
    old = "".join(f"old {i}\n" for i in range(100))
    fake = FakeSupervisord(sv_info("web", "RUNNING") | {"stdout_logfile": "/l"}, old)
    ctx = _ctx_with(tmp_path, monkeypatch, fake)

    def rotate(f: FakeSupervisord) -> None:
        f.log = b"fresh 1\n"

    def grow(f: FakeSupervisord) -> None:
        f.log += b"fresh 2\n"

    out = _follow(monkeypatch, ctx, fake, [rotate, grow])
    assert "".join(out).endswith("old 99\nfresh 1\nfresh 2\n")


def test_follow_stops_with_an_error_when_the_log_is_deleted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = sv_info("web", "RUNNING") | {"stdout_logfile": "/l/web.log", "start": 1}
    fake = FakeSupervisord(info, "one\n")
    ctx = _ctx_with(tmp_path, monkeypatch, fake)

    def delete(f: FakeSupervisord) -> None:
        f.exists = False

    with pytest.raises(NoLogFileError, match="is gone"):
        _follow(monkeypatch, ctx, fake, [delete])
