"""File operations `boot` does as root in directories a normal user controls.

The developer's home (and whatever is mounted into it) belongs to someone who could
plant a symbolic link where root is about to write or chown: `~/.config -> /etc` would
make a naive `chown -R` hand /etc to the developer. So everything here works on open
directory file descriptors with O_NOFOLLOW, and `os.fwalk` (which re-checks each
directory it enters against the one it listed) rather than path strings.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_NEW_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class UnsafePathError(Exception):
    """A path `boot` refuses to use as it is (a symbolic link, not a directory, ...)."""


@dataclass
class ChownTally:
    """What one ownership walk saw and did."""

    examined: int = 0
    changed: int = 0
    failures: list[tuple[str, OSError]] = field(default_factory=list)

    def add(self, other: ChownTally) -> None:
        self.examined += other.examined
        self.changed += other.changed
        self.failures.extend(other.failures)


def chown_tree(top: Path, uid: int, gid: int) -> ChownTally:
    """Give `top` and everything below it to uid:gid, touching only entries that differ.

    Symbolic links are re-owned themselves (lchown) and never followed, at the top or
    below. A missing `top` is not an error (nothing examined).
    """
    tally = ChownTally()
    try:
        top_stat = os.lstat(top)
    except FileNotFoundError:
        return tally
    except OSError as exc:
        tally.failures.append((str(top), exc))
        return tally
    if not stat.S_ISDIR(top_stat.st_mode):
        _chown_entry(tally, str(top), top.name, None, uid, gid, top_stat)
        return tally

    def on_error(exc: OSError) -> None:
        tally.failures.append((exc.filename or str(top), exc))

    for dirpath, dirnames, filenames, dirfd in os.fwalk(
        top, follow_symlinks=False, onerror=on_error
    ):
        _chown_open_dir(tally, dirpath, dirfd, uid, gid)
        for name in filenames:
            _chown_entry(tally, os.path.join(dirpath, name), name, dirfd, uid, gid)
        # fwalk lists symbolic links to directories among dirnames but never enters
        # them; real subdirectories are handled when fwalk yields them.
        for name in dirnames:
            try:
                entry_stat = os.stat(name, dir_fd=dirfd, follow_symlinks=False)
            except OSError as exc:
                tally.failures.append((os.path.join(dirpath, name), exc))
                continue
            if stat.S_ISLNK(entry_stat.st_mode):
                full = os.path.join(dirpath, name)
                _chown_entry(tally, full, name, dirfd, uid, gid, entry_stat)
    return tally


def _chown_open_dir(tally: ChownTally, path: str, dirfd: int, uid: int, gid: int) -> None:
    tally.examined += 1
    try:
        current = os.fstat(dirfd)
        if (current.st_uid, current.st_gid) != (uid, gid):
            os.fchown(dirfd, uid, gid)
            tally.changed += 1
    except OSError as exc:
        tally.failures.append((path, exc))


def _chown_entry(
    tally: ChownTally,
    path: str,
    name: str,
    dirfd: int | None,
    uid: int,
    gid: int,
    known: os.stat_result | None = None,
) -> None:
    tally.examined += 1
    target: str = name if dirfd is not None else path
    try:
        current = known or os.stat(target, dir_fd=dirfd, follow_symlinks=False)
        if (current.st_uid, current.st_gid) != (uid, gid):
            os.chown(target, uid, gid, dir_fd=dirfd, follow_symlinks=False)
            tally.changed += 1
    except FileNotFoundError:
        tally.examined -= 1  # vanished while we walked: nothing left to own
    except OSError as exc:
        tally.failures.append((path, exc))


def ensure_dir(path: Path, mode: int, uid: int, gid: int) -> list[str]:
    """Make `path` a real directory with exactly this mode and owner.

    Returns what it changed ("created", "mode 0755 -> 0700", "owner 1000:1000 -> 0:0"),
    empty when it was already right. Raises UnsafePathError for a symbolic link or a
    non-directory in the way, OSError when the system refuses.
    """
    changes: list[str] = []
    if not os.path.lexists(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.mkdir(path, mode)
            changes.append("created")
        except FileExistsError:
            pass  # created concurrently; checked below like any existing directory
    current = os.lstat(path)
    if stat.S_ISLNK(current.st_mode):
        raise UnsafePathError(f"{path} is a symbolic link; refusing to use it")
    if not stat.S_ISDIR(current.st_mode):
        raise UnsafePathError(f"{path} exists but is not a directory")
    fd = os.open(path, _DIR_FLAGS)
    try:
        current = os.fstat(fd)
        if (current.st_uid, current.st_gid) != (uid, gid):
            os.fchown(fd, uid, gid)
            if "created" not in changes:
                changes.append(f"owner {current.st_uid}:{current.st_gid} -> {uid}:{gid}")
        # mkdir's mode passes through the umask, so a fresh directory may need this too.
        if stat.S_IMODE(current.st_mode) != mode:
            os.fchmod(fd, mode)
            if "created" not in changes:
                changes.append(f"mode {stat.S_IMODE(current.st_mode):04o} -> {mode:04o}")
    finally:
        os.close(fd)
    return changes


def open_dir_chain(
    base: Path, parts: tuple[str, ...], *, create_mode: int, uid: int, gid: int
) -> tuple[int, list[str]]:
    """Open base/parts[0]/parts[1]/... without following a link below `base`.

    Missing directories are created with `create_mode` and given to uid:gid. Returns the
    open fd of the last directory (the caller closes it) and the relative paths created.
    Raises UnsafePathError when a component is a symbolic link or not a directory.
    """
    created: list[str] = []
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    walked: list[str] = []
    try:
        for part in parts:
            walked.append(part)
            try:
                os.mkdir(part, create_mode, dir_fd=fd)
            except FileExistsError:
                pass
            else:
                created.append("/".join(walked))
                os.chown(part, uid, gid, dir_fd=fd, follow_symlinks=False)
            try:
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    kind = _describe(part, fd)
                    raise UnsafePathError(f"{base / '/'.join(walked)} is {kind}") from None
                raise
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd, created


def _describe(name: str, dirfd: int) -> str:
    try:
        mode = os.stat(name, dir_fd=dirfd, follow_symlinks=False).st_mode
    except OSError:
        return "not a directory"
    return "a symbolic link" if stat.S_ISLNK(mode) else "not a directory"


def entry_exists(dirfd: int, name: str) -> bool:
    """True when `name` exists in the directory, as anything (a dangling link counts)."""
    try:
        os.stat(name, dir_fd=dirfd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


def create_file_at(dirfd: int, name: str, data: bytes, *, mode: int, uid: int, gid: int) -> None:
    """Create a NEW file `name` in the directory (never through a link, never over one)."""
    fd = os.open(name, _NEW_FILE_FLAGS, mode, dir_fd=dirfd)
    try:
        os.fchown(fd, uid, gid)
        os.fchmod(fd, mode)
        _write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_file(directory: Path, name: str, data: bytes, *, mode: int) -> None:
    """Atomically put `data` at directory/name with `mode` (readers never see half a file).

    The temporary file is created with O_EXCL|O_NOFOLLOW in the same directory and
    renamed over the old entry, so a link at `name` is replaced, not written through.
    """
    dirfd = os.open(directory, _DIR_FLAGS)
    tmp = f".{name}.tmp-{os.getpid()}"
    try:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp, dir_fd=dirfd)
        fd = os.open(tmp, _NEW_FILE_FLAGS, mode, dir_fd=dirfd)
        try:
            os.fchmod(fd, mode)
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(tmp, name, src_dir_fd=dirfd, dst_dir_fd=dirfd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=dirfd)
        raise
    finally:
        os.close(dirfd)


def secure_regular_file(path: Path, *, mode: int, uid: int, gid: int) -> list[str]:
    """Give the REGULAR file at `path` exactly this mode and owner; what changed.

    Raises UnsafePathError when `path` is a link or not a regular file.
    """
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafePathError(f"{path} is a symbolic link") from None
        raise
    changes: list[str] = []
    try:
        current = os.fstat(fd)
        if not stat.S_ISREG(current.st_mode):
            raise UnsafePathError(f"{path} is not a regular file")
        if (current.st_uid, current.st_gid) != (uid, gid):
            os.fchown(fd, uid, gid)
            changes.append(f"owner {current.st_uid}:{current.st_gid} -> {uid}:{gid}")
        if stat.S_IMODE(current.st_mode) != mode:
            os.fchmod(fd, mode)
            changes.append(f"mode {stat.S_IMODE(current.st_mode):04o} -> {mode:04o}")
    finally:
        os.close(fd)
    return changes


def read_small_file_at(directory: Path, name: str, limit: int = 4096) -> bytes | None:
    """The content of a REGULAR file directory/name (not through a link); None otherwise."""
    dirfd = os.open(directory, _DIR_FLAGS)
    try:
        try:
            # O_NONBLOCK: a FIFO planted under this name must not hang the boot.
            flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
            fd = os.open(name, flags, dir_fd=dirfd)
        except OSError:
            return None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            return os.read(fd, limit + 1)
        finally:
            os.close(fd)
    finally:
        os.close(dirfd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
