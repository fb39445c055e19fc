"""`read_envdir` gives what s6-overlay's `with-contenv` (s6-envdir -Lf) gives services."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from workloadctl.envdir import envdir_value, read_envdir


def test_one_final_newline_is_removed_and_only_one(tmp_path: Path) -> None:
    (tmp_path / "UNAME").write_bytes(b"developer\n")
    (tmp_path / "TWO").write_bytes(b"a\n\n")
    (tmp_path / "MULTI").write_bytes(b"line 1\nline 2\n")
    (tmp_path / "EMPTY").write_bytes(b"")
    (tmp_path / "BARE").write_bytes(b"no newline")
    assert read_envdir(tmp_path) == {
        "UNAME": "developer",
        "TWO": "a\n",
        "MULTI": "line 1\nline 2",
        "EMPTY": "",
        "BARE": "no newline",
    }


def test_nul_bytes_read_as_newlines() -> None:
    assert envdir_value(b"a\0b\n") == "a\nb"


def test_missing_or_unreadable_directory_is_empty(tmp_path: Path) -> None:
    assert read_envdir(tmp_path / "absent") == {}
    (tmp_path / "file").write_text("x")
    assert read_envdir(tmp_path / "file") == {}


def test_links_directories_and_fifos_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "REAL").write_text("1\n")
    os.symlink("/etc/hostname", tmp_path / "LINK")
    (tmp_path / "DIR").mkdir()
    os.mkfifo(tmp_path / "FIFO")  # never opened for a blocking read
    assert read_envdir(tmp_path) == {"REAL": "1"}


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\0")))
def test_round_trip_of_what_s6_dumpenv_writes(value: str) -> None:
    assert envdir_value(value.encode() + b"\n") == value
