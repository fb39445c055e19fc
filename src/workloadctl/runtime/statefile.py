"""Small JSON files in the root-only state directory: written atomically, read forgivingly.

A reader may run at any moment (a `finish` right after a crash, `status` from a shell),
so a file is either the old version or the new one, never half of each. A state file
that is missing or damaged reads as "no state": the launcher must still start something.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

STATE_DIR_MODE = 0o750
STATE_FILE_MODE = 0o640


def write_json_atomic(
    path: Path,
    data: Mapping[str, Any],
    *,
    mode: int = STATE_FILE_MODE,
    dir_mode: int = STATE_DIR_MODE,
) -> None:
    """Replace `path` with `data` as JSON (0640, parent created 0750). Raises OSError.

    Group-readable: `boot` gives the state directory to the control group (setgid, so
    new entries inherit it), whose members run `workloadctl status`. Others get nothing.
    A file outside the state directory passes its own `mode` and `dir_mode`.
    """
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    write_atomic(path, text.encode("utf-8"), mode=mode, dir_mode=dir_mode)


def write_atomic(path: Path, content: bytes, *, mode: int, dir_mode: int = 0o777) -> None:
    """Replace `path` with `content`, mode `mode` (a missing parent is created `dir_mode`,
    less the umask): a reader sees the old file or the new one, never half. Raises OSError."""
    import tempfile  # here: `status` only reads state files

    path.parent.mkdir(mode=dir_mode, parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        # Leave no half-written temporary behind, whatever went wrong.
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


def read_json_object(path: Path) -> dict[str, Any] | None:
    """The JSON object in `path`, or None when it is missing, unreadable or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None
