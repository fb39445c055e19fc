"""`logs -n 0` of a process-compose process: its API's limit and tail of 0 mean the whole
buffer, so 0 lines is handled on our side."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest

from workloadctl.clients.process_compose import ProcessComposeClient
from workloadctl.managers.process_compose_live import LiveProcessCompose


class FakeClient:
    """process-compose's log buffer: `limit`/`tail` 0 is every line (GetLogRange)."""

    def __init__(self, buffer: list[str], new: list[str]) -> None:
        self.buffer = buffer
        self.new = new

    def process(self, _name: str) -> dict[str, Any]:
        return {}

    def logs(self, _name: str, _end_offset: int, limit: int) -> list[str]:
        return self.buffer[-limit:] if limit else list(self.buffer)

    def follow_logs(self, _name: str, tail: int) -> Iterator[str]:
        yield from self.buffer[-tail:] if tail else self.buffer
        yield from self.new


def _live(client: FakeClient) -> LiveProcessCompose:
    return LiveProcessCompose(cast(ProcessComposeClient, client))


def test_zero_lines_prints_nothing() -> None:
    live = _live(FakeClient(["old 1", "old 2"], []))
    assert list(live.logs("api", 0, follow=False, stderr=False)) == []


@pytest.mark.parametrize("buffer", [["old 1", "old 2"], []])
def test_follow_zero_lines_prints_only_new_ones(buffer: list[str]) -> None:
    live = _live(FakeClient(buffer, ["new"]))
    assert list(live.logs("api", 0, follow=True, stderr=False)) == ["new\n"]


def test_follow_some_lines_starts_with_them() -> None:
    live = _live(FakeClient(["old 1", "old 2"], ["new"]))
    assert list(live.logs("api", 1, follow=True, stderr=False)) == ["old 2\n", "new\n"]
