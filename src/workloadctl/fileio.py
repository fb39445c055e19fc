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
    raw = read_regular_bytes(path, what)
    if isinstance(raw, Finding):
        return raw
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


def unsafe_to_read(path: Path | str) -> str | None:
    """Why reading `path` could block or never end (a FIFO, socket, device, or a file past
    MAX_CONFIG_BYTES), or None when it is a regular file within the bound or cannot be
    looked at (the reader then says why it cannot open it)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if stat.S_ISDIR(st.st_mode):
        return None  # opening fails at once (EISDIR); the caller's reader reports it
    if not stat.S_ISREG(st.st_mode):
        return "is not a regular file (a FIFO, socket or device)"
    if st.st_size > MAX_CONFIG_BYTES:
        return f"is {st.st_size} bytes, larger than the {MAX_CONFIG_BYTES} byte limit"
    return None


def read_regular_bytes(path: Path, what: str = "file") -> bytes | Finding:
    """The bytes of `path`, checked on the descriptor actually read: the file may have been
    swapped for a FIFO since it was looked at. O_NONBLOCK makes opening a FIFO return at
    once, and at most MAX_CONFIG_BYTES + 1 bytes are read whatever the size says (a /proc
    file says 0)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        return error(path, None, "IO003", f"cannot read {what}: {exc.strerror}")
    with os.fdopen(fd, "rb") as handle:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            return error(path, None, "IO004", f"{what} is a directory, expected a file")
        if not stat.S_ISREG(st.st_mode):
            return error(
                path, None, "IO008", f"{what} is not a regular file (FIFO, socket or device)"
            )
        try:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
        except OSError as exc:
            return error(path, None, "IO003", f"cannot read {what}: {exc.strerror}")
    if len(raw) > MAX_CONFIG_BYTES:
        return error(
            path, None, "IO005", f"{what} is larger than the {MAX_CONFIG_BYTES} byte limit"
        )
    return raw
