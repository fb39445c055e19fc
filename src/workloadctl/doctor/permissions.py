"""The root-only state: the state dir, the generated secrets and the managers' sockets.

Anyone who can read the secrets or connect to a socket controls every program (and
supervisord runs them as root), so none of them may be open to group or others. A
directory or file that does not exist yet is fine: `boot` creates them (0700 directories,
0600 secrets) at the first start. A directory the doctor cannot look into (run without
root) is also fine: that is what root-only means.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from workloadctl import settings as S
from workloadctl.doctor.model import Check, failed, passed

_GROUP_OTHER = 0o077
# Connecting to a unix socket needs write permission on it.
_SOCKET_OPEN_BITS = 0o022
BOOT_FIXES = "the next start of the stack runs `workloadctl boot`, which sets it right"


def _mode(st: os.stat_result) -> str:
    return f"{stat.S_IMODE(st.st_mode):04o}"


def check_private_dir(name: str, path: Path) -> Check:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return passed(name, f"{path} does not exist yet (boot creates it, mode 0700)")
    except PermissionError:
        return passed(name, f"{path} cannot be examined by this user: root-only, as it should be")
    except OSError as exc:
        return failed(name, f"{path}: {exc.strerror}", "check the path and its parents")
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        return failed(
            name, f"{path} is not a plain directory", f"remove it; {BOOT_FIXES} (as a 0700 dir)"
        )
    if st.st_mode & _GROUP_OTHER:
        return failed(
            name,
            f"{path} has mode {_mode(st)}: group or others can get in",
            f"sudo chmod 700 {path} ({BOOT_FIXES})",
        )
    return passed(name, f"{path} mode {_mode(st)}, owner uid {st.st_uid}")


def check_secrets(secrets_dir: Path) -> Check:
    name = "secrets"
    directory = check_private_dir(name, secrets_dir)
    if not directory.ok or not secrets_dir.is_dir():
        return directory
    try:
        entries = sorted(secrets_dir.iterdir())
    except PermissionError:
        return directory
    except OSError as exc:
        return failed(name, f"{secrets_dir}: {exc.strerror}", f"sudo ls -l {secrets_dir}")
    exposed: list[str] = []
    for entry in entries:
        st = os.lstat(entry)
        if stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode):
            exposed.append(f"{entry.name} (not a regular file)")
        elif st.st_mode & _GROUP_OTHER:
            exposed.append(f"{entry.name} (mode {_mode(st)})")
    if exposed:
        return failed(
            name,
            f"open to group or others in {secrets_dir}: {', '.join(exposed)}",
            f"sudo chmod 600 {secrets_dir}/* ({BOOT_FIXES}); consider the secrets leaked: "
            "delete them and restart the stack to generate new ones",
        )
    return passed(name, f"{secrets_dir} mode 0700, {len(entries)} file(s), each 0600 or stricter")


def check_sockets(settings: S.Settings) -> Check:
    """The run dir must be private; a socket's own mode must not invite group or others
    either (the directory protects it today, a later chmod of the directory would not)."""
    name = "sockets"
    directory = check_private_dir(name, settings.run_dir)
    if not directory.ok or not settings.run_dir.is_dir():
        return directory
    present, exposed = [], []
    for socket_path in (settings.supervisord_socket, settings.process_compose_socket):
        try:
            st = os.lstat(socket_path)
        except PermissionError:
            return directory
        except OSError:
            continue
        present.append(f"{socket_path.name} {_mode(st)}")
        if st.st_mode & _SOCKET_OPEN_BITS:
            exposed.append(f"{socket_path.name} (mode {_mode(st)})")
    dir_mode = _mode(os.lstat(settings.run_dir))
    if exposed:
        return failed(
            name,
            f"writable by group or others: {', '.join(exposed)} (only the directory "
            f"{settings.run_dir}, mode {dir_mode}, keeps them out)",
            "keep `chmod=0700` in [unix_http_server] of the supervisord configs, then "
            "`sudo workloadctl restart supervisord`",
        )
    shown = ", ".join(present) if present else "no manager socket yet (stack not running)"
    return passed(name, f"{settings.run_dir} mode {dir_mode}: {shown}")
