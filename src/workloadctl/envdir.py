"""Reading an s6 environment directory (one file per variable) as `with-contenv` does.

s6-overlay keeps the container's environment in `/run/s6/container_environment`, and
s6-linux-init 1.2 (s6-overlay 3.2) writes every file WITH a trailing newline.
`with-contenv` reads them with `s6-envdir -Lf`: the whole file is the value (a value
may span lines) and exactly one final newline is removed. Whoever reads that directory
outside `with-contenv` (reload, the CLI under sudo) must see the same values, or a
config that expands `%(ENV_UNAME)s` is checked against `developer\\n` and refused.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

# A container's environment is a few KiB; a bigger "variable" is not one.
_MAX_VALUE_BYTES = 1024 * 1024


def envdir_value(raw: bytes) -> str:
    """A variable's value from its file's bytes, as `s6-envdir -Lf` gives it: one final
    newline removed (only one), NUL bytes read as newlines, undecodable bytes replaced."""
    if raw.endswith(b"\n"):
        raw = raw[:-1]
    return raw.replace(b"\0", b"\n").decode("utf-8", errors="surrogateescape")


def read_envdir(directory: Path) -> dict[str, str]:
    """Every variable in `directory`; {} when it is missing or unreadable. Entries that are
    not regular files, or that cannot be read, are skipped (never followed, never raised)."""
    values: dict[str, str] = {}
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return values
    for name in names:
        if not name or name.startswith(".") or "=" in name:
            continue
        with contextlib.suppress(OSError):
            fd = os.open(directory / name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            try:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    continue
                raw = os.read(fd, _MAX_VALUE_BYTES + 1)
            finally:
                os.close(fd)
            if len(raw) <= _MAX_VALUE_BYTES:
                values[name] = envdir_value(raw)
    return values
