"""Every unusable input becomes one finding, never an exception."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workloadctl.fileio import MAX_CONFIG_BYTES, TextFile, read_config_text
from workloadctl.findings import Finding


def _code(result: TextFile | Finding) -> str:
    assert isinstance(result, Finding), result
    return result.code


def test_reads_utf8_text_and_drops_bom(tmp_path: Path) -> None:
    path = tmp_path / "a.conf"
    path.write_bytes("\ufeff[supervisord]\n".encode())
    result = read_config_text(path)
    assert isinstance(result, TextFile)
    assert result.text == "[supervisord]\n"


def test_empty_file_is_text(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_bytes(b"")
    result = read_config_text(path)
    assert isinstance(result, TextFile) and result.text == ""


def test_missing(tmp_path: Path) -> None:
    assert _code(read_config_text(tmp_path / "nope")) == "IO001"


def test_dangling_symlink(tmp_path: Path) -> None:
    link = tmp_path / "dangling.conf"
    link.symlink_to(tmp_path / "nowhere")
    result = read_config_text(link)
    assert _code(result) == "IO001"
    assert isinstance(result, Finding) and "dangling" in result.message


def test_symlink_loop(tmp_path: Path) -> None:
    a, b = tmp_path / "a.conf", tmp_path / "b.conf"
    a.symlink_to(b)
    b.symlink_to(a)
    assert _code(read_config_text(a)) == "IO002"


def test_directory(tmp_path: Path) -> None:
    assert _code(read_config_text(tmp_path)) == "IO004"


def test_too_large(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (MAX_CONFIG_BYTES + 1))
    assert _code(read_config_text(path)) == "IO005"


def test_ten_megabytes(tmp_path: Path) -> None:
    path = tmp_path / "10mb.conf"
    with path.open("wb") as fh:
        fh.truncate(10 * 1024 * 1024)
    assert _code(read_config_text(path)) == "IO005"


def test_binary(tmp_path: Path) -> None:
    path = tmp_path / "bin.conf"
    path.write_bytes(b"\x7fELF\x00\x01\x02")
    assert _code(read_config_text(path)) == "IO006"


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.conf"
    path.write_bytes(b"[supervisord]\n\ncommand=caf\xe9\n")
    result = read_config_text(path)
    assert _code(result) == "IO007"
    assert isinstance(result, Finding) and result.line == 3


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a mode-000 file anyway")
def test_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "secret.conf"
    path.write_text("x")
    path.chmod(0)
    assert _code(read_config_text(path)) == "IO003"


def test_path_under_a_file(tmp_path: Path) -> None:
    # As root, permissions do not stop reads; a path below a regular file does fail.
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert _code(read_config_text(blocker / "child.conf")) in {"IO001", "IO003"}


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.conf"
    os.mkfifo(fifo)
    assert _code(read_config_text(fifo)) == "IO008"
