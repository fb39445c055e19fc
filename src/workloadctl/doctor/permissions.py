"""The shared state: the state dir, the generated secrets and the managers' sockets.

Anyone who can read the secrets or connect to a socket controls every program (and
supervisord runs them as root), so root and the control group (`workloadctl`: the image
puts the developer in it) may, and nobody else. The rule checked here: no permission
bits for others; group bits only when the group is the control group. A directory or
file that does not exist yet is fine: `boot` creates them at the first start. One the
doctor cannot look into (run by someone outside the group) is reported as such, never
as a crash.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from workloadctl import settings as S
from workloadctl.access import group_id
from workloadctl.doctor.model import Check, failed, passed
from workloadctl.runtime.own_command import stack_command

_OTHERS = 0o007
_GROUP = 0o070
BOOT_FIXES = "the next start of the stack runs `workloadctl boot`, which sets it right"


def _mode(st: os.stat_result) -> str:
    return f"{stat.S_IMODE(st.st_mode):04o}"


def _exposure(st: os.stat_result, group: str, *, socket: bool = False) -> str | None:
    """What is wrong with who may use this entry, or None. Connecting to a unix socket
    takes its write permission: only that bit counts for a socket."""
    mode = stat.S_IMODE(st.st_mode)
    others, in_group = (0o002, 0o020) if socket else (_OTHERS, _GROUP)
    if mode & others:
        return f"mode {mode:04o}: others can get in"
    if mode & in_group and st.st_gid not in (0, group_id(group)):
        return f"mode {mode:04o} with group id {st.st_gid}, not {group!r}: that group can get in"
    return None


def _not_examinable(name: str, path: Path, group: str) -> Check:
    return passed(
        name,
        f"{path} cannot be examined by this user: only root and the group {group!r} may",
    )


def check_private_dir(name: str, path: Path, group: str = S.DEFAULT_CONTROL_GROUP) -> Check:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return passed(name, f"{path} does not exist yet (boot creates it)")
    except PermissionError:
        return _not_examinable(name, path, group)
    except OSError as exc:
        return failed(name, f"{path}: {exc.strerror}", "check the path and its parents")
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        return failed(name, f"{path} is not a plain directory", f"remove it; {BOOT_FIXES}")
    problem = _exposure(st, group)
    if problem:
        return failed(name, f"{path} has {problem}", f"chmod o-rwx {path} as root ({BOOT_FIXES})")
    return passed(name, f"{path} mode {_mode(st)}, owner {st.st_uid}:{st.st_gid}")


def check_secrets(secrets_dir: Path, group: str = S.DEFAULT_CONTROL_GROUP) -> Check:
    name = "secrets"
    directory = check_private_dir(name, secrets_dir, group)
    try:
        if not directory.ok or not stat.S_ISDIR(os.lstat(secrets_dir).st_mode):
            return directory
        entries = sorted(secrets_dir.iterdir())
    except PermissionError:
        return _not_examinable(name, secrets_dir, group)
    except FileNotFoundError:
        return directory
    except OSError as exc:
        return failed(name, f"{secrets_dir}: {exc.strerror}", f"ls -l {secrets_dir} as root")
    exposed: list[str] = []
    for entry in entries:
        try:
            st = os.lstat(entry)
        except OSError:
            continue  # gone meanwhile
        if stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode):
            exposed.append(f"{entry.name} (not a regular file)")
        elif _exposure(st, group) or stat.S_IMODE(st.st_mode) & 0o020:
            exposed.append(f"{entry.name} (mode {_mode(st)}, group id {st.st_gid})")
    if exposed:
        return failed(
            name,
            f"open to more than root and the group {group!r} in {secrets_dir}: "
            f"{', '.join(exposed)}",
            f"as root: chmod 640 {secrets_dir}/* ({BOOT_FIXES}); consider the secrets "
            "leaked: delete them and restart the stack to generate new ones",
        )
    return passed(
        name,
        f"{secrets_dir} mode {_mode(os.lstat(secrets_dir))}, {len(entries)} file(s), none "
        f"open to others",
    )


def check_sockets(settings: S.Settings) -> Check:
    """The run dir must keep others out; so must each socket's own mode (the directory
    protects it today, a later chmod of the directory would not)."""
    name = "sockets"
    group = settings.control_group
    directory = check_private_dir(name, settings.run_dir, group)
    if not directory.ok:
        return directory
    present, exposed = [], []
    for socket_path in (settings.supervisord_socket, settings.process_compose_socket):
        try:
            st = os.lstat(socket_path)
        except PermissionError:
            return _not_examinable(name, settings.run_dir, group)
        except OSError:
            continue
        present.append(f"{socket_path.name} {_mode(st)}")
        problem = _exposure(st, group, socket=True)
        if problem:
            exposed.append(f"{socket_path.name} ({problem})")
    if exposed:
        return failed(
            name,
            f"{', '.join(exposed)} (only the directory {settings.run_dir} keeps them out)",
            "keep `chmod=0770` in [unix_http_server] of the supervisord configs, then "
            f"`{stack_command(settings, 'restart', 'supervisord')}`",
        )
    try:
        dir_mode = _mode(os.lstat(settings.run_dir))
    except OSError:
        return directory
    shown = ", ".join(present) if present else "no manager socket yet (stack not running)"
    return passed(name, f"{settings.run_dir} mode {dir_mode}: {shown}")
