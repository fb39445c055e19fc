from __future__ import annotations

import stat
from pathlib import Path

import pytest

from workloadctl.runtime.statefile import read_json_object, write_json_atomic


def test_write_then_read_round_trips_readable_by_the_group_only(tmp_path: Path) -> None:
    path = tmp_path / "state" / "x.json"
    write_json_atomic(path, {"a": 1})
    assert read_json_object(path) == {"a": 1}
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    # mkdir's mode passes the umask (022 takes nothing of 0750); never open to others.
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o007 == 0


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    write_json_atomic(path, {"old": True})
    with pytest.raises(TypeError):
        write_json_atomic(path, {"new": object()})
    assert read_json_object(path) == {"old": True}
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


@pytest.mark.parametrize("content", [b"", b"[1, 2]", b"{broken", b"\xff\xfe"])
def test_damaged_or_foreign_content_reads_as_none(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(content)
    assert read_json_object(path) is None


def test_missing_file_reads_as_none(tmp_path: Path) -> None:
    assert read_json_object(tmp_path / "absent.json") is None
