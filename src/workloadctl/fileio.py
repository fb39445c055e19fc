"""Reading a user's config file without ever raising: every failure becomes a finding.

Config files come from the user's repository and may be anything: empty, binary,
not UTF-8, huge, unreadable, a directory, a dangling link or a link loop.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from workloadctl.findings import Finding, error

# Real configs are a few KiB; anything past this is a mistake (a log, a binary) and
# reading it whole would only slow the launcher down.
MAX_CONFIG_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class TextFile:
    path: Path
    text: str


def read_config_text(path: Path, *, what: str = "config file") -> TextFile | Finding:
    """Return the file's text, or one error finding that says why it cannot be used."""
    try:
        st = path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return error(path, None, "IO002", f"{what} is a symbolic link loop")
        if path.is_symlink():
            return error(path, None, "IO001", f"{what} is a dangling symbolic link")
        if exc.errno == errno.ENOENT:
            return error(path, None, "IO001", f"{what} does not exist")
        return error(path, None, "IO003", f"cannot read {what}: {exc.strerror}")
    if os.path.isdir(path):
        return error(path, None, "IO004", f"{what} is a directory, expected a file")
    if not stat.S_ISREG(st.st_mode):
        # Reading a FIFO would block the launcher forever; a device could be endless.
        return error(path, None, "IO008", f"{what} is not a regular file (FIFO, socket or device)")
    if st.st_size > MAX_CONFIG_BYTES:
        return error(
            path,
            None,
            "IO005",
            f"{what} is {st.st_size} bytes, larger than the {MAX_CONFIG_BYTES} byte limit",
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return error(path, None, "IO003", f"cannot read {what}: {exc.strerror}")
    if b"\x00" in raw:
        return error(path, None, "IO006", f"{what} is binary (contains NUL bytes), not text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return error(path, line, "IO007", f"{what} is not valid UTF-8 (byte {exc.start})")
    if text.startswith("\ufeff"):
        text = text[1:]
    return TextFile(path, text)
