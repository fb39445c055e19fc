"""Whether the config file a manager's recorded decision was made on has changed since.

The launcher records the sha256 of the project config it decided on (a reload that
applies a file records that file's). When the file on disk is no longer that file, the
recorded reason ("the project config is valid", the seed's first finding) describes a
file that is gone: `status` says so next to it, and what checks and applies the new one.
"""

from __future__ import annotations

from pathlib import Path

from workloadctl.manager_names import Manager
from workloadctl.runtime.decision_record import DecisionRecord
from workloadctl.runtime.own_command import stack_command, validate_command
from workloadctl.settings import Settings

SHOWN_DIGITS = 12
# A file last modified this long before the decision was hashed by it: no need to hash it
# again (hashlib alone costs `status` ~5 ms to import). The margin covers the moment
# between the launcher's hashing and its record's time.
DECIDED_AFTER_SECONDS = 2.0


def shown_path(path: Path | str, root: Path | None) -> str:
    """`path` relative to the repository when it is inside it: what the user edits (here
    rather than in reload_model, whose imports `status` must not pay for)."""
    if root is not None and Path(path).is_relative_to(root):
        return str(Path(path).relative_to(root))
    return str(path)


def config_drift(settings: Settings, manager: Manager, decision: DecisionRecord) -> str | None:
    """One clause when the project config on disk differs from the one `decision` was
    made on; None when it is the same, or when either side cannot be known (no record of
    a hash, a file we may not read)."""
    if decision.project_config is None or decision.source is None:
        return None
    path = Path(decision.project_config)
    recorded = decision.project_sha256
    shown = shown_path(path, settings.project_root)
    if not path.exists() and not path.is_symlink():
        if recorded is None:
            return None  # missing then, missing now
        return (
            f"{shown} no longer exists (sha256 {recorded[:SHOWN_DIGITS]} when decided); "
            f"`{stack_command(settings, 'restart', manager)}` would start the seed"
        )
    decided = decision.reloaded_epoch or decision.epoch
    try:
        modified = path.stat().st_mtime
    except OSError:
        return None  # unreadable to this caller: nothing to compare
    if recorded is not None and decided is not None and modified < decided - DECIDED_AFTER_SECONDS:
        return None
    import hashlib  # here: only a file edited around or after the decision needs it

    from workloadctl.fileio import read_regular_bytes

    raw = read_regular_bytes(path)
    if not isinstance(raw, bytes):
        return None  # unreadable to this caller: nothing to compare
    now = hashlib.sha256(raw).hexdigest()
    if now == recorded:
        return None
    then = f"sha256 {recorded[:SHOWN_DIGITS]}" if recorded else "absent"
    # A reload applies program definitions only; settings read at start need a restart.
    applies = (
        f"`{stack_command(settings, 'reload', manager)}` applies its programs, "
        f"`{stack_command(settings, 'restart', manager)}` all of it"
    )
    return (
        f"{shown} changed since ({then} when decided, sha256 {now[:SHOWN_DIGITS]} now): "
        f"`{validate_command(settings)}` checks it, {applies}"
    )
