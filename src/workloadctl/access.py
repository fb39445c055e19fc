"""Who may reach a running stack, and the one way we say "you may not".

In the container root and the members of the control group (`workloadctl`, the image
puts the developer in it) reach the managers' sockets, the s6 services and the
secrets; everyone else gets "permission denied" with who may, never "no stack".
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
from pathlib import Path

from workloadctl.errors import WorkloadctlError
from workloadctl.settings import Settings


class AccessDeniedError(WorkloadctlError):
    """Refused by file permissions: the message says who may."""


def _caller() -> str:
    with contextlib.suppress(KeyError):
        return pwd.getpwuid(os.geteuid()).pw_name
    return f"uid {os.geteuid()}"


def group_id(group: str) -> int | None:
    """The group's id; None when this machine has no such group."""
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        return None


def who_may(group: str) -> str:
    if group_id(group) is not None:
        return f"only root and members of the group {group!r} may"
    return "only root may"


def denied_message(path: Path | str, group: str, what: str = "reach the stack") -> str:
    """`permission denied: PATH: only root and members of the group 'workloadctl' may reach
    the stack (you are nobody)`, with the cure that fits the caller."""
    caller = _caller()
    text = f"permission denied: {path}: {who_may(group)} {what} (you are {caller}"
    gid = group_id(group)
    in_effect = gid in os.getgroups() or gid == os.getegid()
    if gid is not None and not in_effect and group in _groups_of(caller):
        # Added to the group after this shell started: the membership is not in effect yet.
        text += f"; you were added to {group!r} after this shell started: open a new login shell"
    return text + ")"


def _groups_of(user: str) -> list[str]:
    with contextlib.suppress(KeyError, OSError):
        return [g.gr_name for g in grp.getgrall() if user in g.gr_mem]
    return []


def permission_denied(
    path: Path | str, group: str, what: str = "reach the stack"
) -> AccessDeniedError:
    return AccessDeniedError(denied_message(path, group, what))


def refusal(exc: PermissionError, settings: Settings) -> str:
    """The one line for a PermissionError that reached the CLI's boundary: who may, for a
    file of the stack; just who we are for anything else (a repository in someone's
    home, a file of another user)."""
    where = exc.filename
    if where is None:
        return f"permission denied: {exc.strerror or exc} (you are {_caller()})"
    path = Path(str(where))
    stack_dirs = (settings.state_dir, settings.run_dir, settings.service_dir)
    if any(path == top or top in path.parents for top in stack_dirs):
        return denied_message(path, settings.control_group)
    return f"permission denied: {path} (you are {_caller()})"
