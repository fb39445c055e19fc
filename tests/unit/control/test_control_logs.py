"""A program's output: tailing supervisord's log files, and where output without a file goes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from control_support import make_ctx, sv_info

from workloadctl.control import logs
from workloadctl.control.logs import LogRequest, NoLogFileError, last_lines, new_log_text, show_logs
from workloadctl.control.names import Target
from workloadctl.errors import UsageError


class FakeSupervisord:
    def __init__(self, info: dict[str, Any], log: str) -> None:
        self.info = info
        self.log = log.encode()
        self.tails: list[tuple[int, int]] = []

    def process(self, _name: str) -> dict[str, Any]:
        return self.info

    def tail(self, _name: str, _channel: str, offset: int, length: int) -> tuple[str, int, bool]:
        """supervisor.options.tailFile's arithmetic."""
        self.tails.append((offset, length))
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
    monkeypatch.setattr(type(ctx), "supervisord", lambda _self, timeout=None: fake)
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


def test_logs_of_a_manager_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="own output"):
        show_logs(make_ctx(tmp_path), Target("process-compose", None), LogRequest(1, False), print)


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

    monkeypatch.setattr(logs.time, "sleep", sleep)
    with pytest.raises(KeyboardInterrupt):
        show_logs(ctx, Target("supervisord", "web"), LogRequest(10, True), out.append)
    assert "".join(out) == "one\ntwo\nthree\n"
