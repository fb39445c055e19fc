"""The account operations `boot` needs, behind a small interface tests can replace.

`boot` runs as root in the container and edits /etc/group (a docker-host group, the
developer's membership). Unit tests must never do that to the machine running them, so
every lookup and every account change goes through `System`; `RealSystem` is the only
implementation that touches the machine's user database.
"""

from __future__ import annotations

import grp
import os
import pwd
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

# groupadd/usermod finish in milliseconds; a hang (a locked /etc/group) must not hold the
# whole container start hostage.
_COMMAND_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Account:
    name: str
    uid: int
    gid: int  # primary group
    home: Path


@dataclass(frozen=True)
class Group:
    name: str
    gid: int
    members: tuple[str, ...]  # supplementary members only (primary members are not listed)


class AccountCommandError(Exception):
    """An account command (groupadd, usermod, ...) failed; `str()` says which and why."""


class System(Protocol):
    """The machine as `boot` sees it: its environment and its user database."""

    @property
    def env(self) -> Mapping[str, str]: ...

    def effective_ids(self) -> tuple[int, int]:
        """(uid, gid) boot runs as: the owner of the state it creates."""
        ...

    def find_user(self, name: str) -> Account | None: ...

    def find_group_by_gid(self, gid: int) -> Group | None: ...

    def find_group_by_name(self, name: str) -> Group | None: ...

    def create_group(self, name: str, gid: int) -> None: ...

    def add_user_to_group(self, user: str, group: str) -> None: ...


class RealSystem:
    """The running machine: `pwd`/`grp` for lookups, shadow-utils for changes."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env: Mapping[str, str] = os.environ if env is None else env

    @property
    def env(self) -> Mapping[str, str]:
        return self._env

    def effective_ids(self) -> tuple[int, int]:
        return os.geteuid(), os.getegid()

    def find_user(self, name: str) -> Account | None:
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            return None
        return Account(entry.pw_name, entry.pw_uid, entry.pw_gid, Path(entry.pw_dir))

    def find_group_by_gid(self, gid: int) -> Group | None:
        try:
            entry = grp.getgrgid(gid)
        except KeyError:
            return None
        return Group(entry.gr_name, entry.gr_gid, tuple(entry.gr_mem))

    def find_group_by_name(self, name: str) -> Group | None:
        try:
            entry = grp.getgrnam(name)
        except KeyError:
            return None
        return Group(entry.gr_name, entry.gr_gid, tuple(entry.gr_mem))

    def create_group(self, name: str, gid: int) -> None:
        _run_account_command(["groupadd", "--gid", str(gid), name])

    def add_user_to_group(self, user: str, group: str) -> None:
        # usermod -aG is shadow-utils (Debian's passwd package); gpasswd -a is the same
        # package's other spelling, kept as a fallback for images that trimmed usermod.
        import shutil  # here: every boot imports this module, few change a group

        if shutil.which("usermod"):
            _run_account_command(["usermod", "--append", "--groups", group, user])
        else:
            _run_account_command(["gpasswd", "--add", user, group])


def _run_account_command(argv: Sequence[str]) -> None:
    # Imported here: a boot that changes no account (most) does not pay for subprocess.
    import subprocess

    try:
        done = subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            timeout=_COMMAND_TIMEOUT_SECONDS,
            check=False,
        )
    except FileNotFoundError:
        raise AccountCommandError(f"`{argv[0]}` is not installed") from None
    except (OSError, subprocess.SubprocessError) as exc:
        raise AccountCommandError(f"`{' '.join(argv)}` could not run: {exc}") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        reason = detail[-1] if detail else f"exit status {done.returncode}"
        raise AccountCommandError(f"`{' '.join(argv)}` failed: {reason}")
