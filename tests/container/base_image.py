"""The Dockerfile's base image, made here: nothing can be pulled on these machines.

`debootstrap --variant=minbase` of the FROM's Debian release (what debuerreotype, which
makes the official images, starts from), trimmed like a `-slim` image, then
`podman import`ed under the FROM's name as a pull would have stored it. Cached in
podman's storage: made once per machine. Signatures are checked by debootstrap against
Debian's archive keyring; nothing here turns that off.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .podman import CommandFailed, Podman, log_tail, stream

DEBIAN_MIRROR = "http://deb.debian.org/debian"
KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
DEBOOTSTRAP_SCRIPTS = Path("/usr/share/debootstrap/scripts")
LOCK = Path("/var/tmp/workloadctl-container-tests.lock")
# Same work area as podman's own temporary files (/var/tmp): a disk, not a small tmpfs.
WORK_PARENT = Path("/var/tmp")
DEBOOTSTRAP_TIMEOUT = 20 * 60

Progress = Callable[[str], None]

# What the official `-slim` images leave out (debuerreotype's slimify), kept out of later
# package installs too.
SLIM_DPKG_CFG = """\
# Like the official -slim images (debuerreotype's slimify), written by tests/container.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
"""

# The official image's sources (deb822), on deb.debian.org only.
SOURCES = """\
Types: deb
URIs: http://deb.debian.org/debian
Suites: {suite} {suite}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: {suite}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""


def qualified_name(image: str) -> str:
    """`debian:TAG` as `docker pull` would store it: docker.io/library/debian:TAG."""
    first = image.split("/", 1)[0]
    if "/" in image and ("." in first or ":" in first or first == "localhost"):
        return image
    if "/" not in image:
        return f"docker.io/library/{image}"
    return f"docker.io/{image}"


def debian_suite(image: str) -> str:
    """`debian:trixie-20260406-slim` -> `trixie`."""
    repository, _, tag = image.rpartition(":")
    if not repository.endswith("debian") or not tag:
        raise AssertionError(f"the base image {image} is not a debian:SUITE-... image")
    return tag.split("-", 1)[0]


def missing_tools_reason(suite: str) -> str | None:
    if shutil.which("debootstrap") is None and not Path("/usr/sbin/debootstrap").is_file():
        return "debootstrap missing (apt-get install debootstrap)"
    if not (DEBOOTSTRAP_SCRIPTS / suite).exists():
        return f"this debootstrap does not know Debian {suite} (no {DEBOOTSTRAP_SCRIPTS / suite})"
    if not KEYRING.is_file():
        return f"{KEYRING} missing (apt-get install debian-archive-keyring)"
    return None


def exists(podman: Podman, name: str) -> bool:
    return podman("image", "exists", name, check=False).returncode == 0


@contextmanager
def machine_lock(progress: Progress) -> Iterator[None]:
    """One maker of the base image per machine at a time (other sessions wait, bounded)."""
    with LOCK.open("a") as handle:
        deadline = time.monotonic() + DEBOOTSTRAP_TIMEOUT + 300
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"{LOCK} stayed locked: another session hangs") from None
                if not told:
                    progress(f"waiting for another session making the base image ({LOCK})")
                    told = True
                time.sleep(2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _unmount_below(root: Path) -> None:
    """An interrupted debootstrap can leave /proc or /sys mounted inside the target."""
    mounts = Path("/proc/mounts").read_text(encoding="utf-8").splitlines()
    points = [line.split()[1] for line in mounts if len(line.split()) > 1]
    prefix = str(root).rstrip("/") + "/"
    for point in sorted((p for p in points if p.startswith(prefix)), reverse=True):
        subprocess.run(["umount", "-l", point], check=False, capture_output=True, timeout=60)


def _debootstrap(suite: str, target: Path, log: Path, progress: Progress) -> None:
    argv = [
        "debootstrap",
        "--variant=minbase",
        f"--keyring={KEYRING}",
        suite,
        str(target),
        DEBIAN_MIRROR,
    ]
    # Stages worth a line each; debootstrap prints one line per package otherwise.
    stages = ("Retrieving Release", "Valid Release", "Resolving", "Retrieving packages",
              "Extracting", "Installing", "Unpacking the base", "Configuring the base",
              "Base system installed")  # fmt: skip
    shown: set[str] = set()

    def on_line(line: str) -> None:
        stage = next((s for s in stages if line.startswith(f"I: {s}")), None)
        if stage is not None and stage not in shown:
            shown.add(stage)
            progress(f"debootstrap: {line.strip()}")

    code, timed_out = stream(argv, env=None, log=log, on_line=on_line, timeout=DEBOOTSTRAP_TIMEOUT)
    if code != 0 or timed_out:
        why = f"timed out after {DEBOOTSTRAP_TIMEOUT} s" if timed_out else f"exit {code}"
        raise AssertionError(f"debootstrap {suite} failed ({why}); log:\n{log_tail(log)}")


def _slim(rootfs: Path, suite: str) -> None:
    (rootfs / "etc/dpkg/dpkg.cfg.d").mkdir(parents=True, exist_ok=True)
    (rootfs / "etc/dpkg/dpkg.cfg.d/docker").write_text(SLIM_DPKG_CFG, encoding="utf-8")
    for pattern in ("usr/share/groff/*", "usr/share/info/*", "usr/share/linda/*",
                    "usr/share/lintian/overrides/*", "usr/share/locale/*", "usr/share/man/*",
                    "var/lib/apt/lists/*", "var/cache/apt/*.bin",
                    "var/cache/apt/archives/*.deb", "var/log/*.log", "var/log/apt/*"):  # fmt: skip
        for path in rootfs.glob(pattern):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            elif path.exists() or path.is_symlink():
                path.unlink()
    for doc in (rootfs / "usr/share/doc").glob("*"):
        if doc.is_dir() and not doc.is_symlink():
            for item in doc.iterdir():
                if item.name != "copyright":
                    shutil.rmtree(
                        item
                    ) if item.is_dir() and not item.is_symlink() else item.unlink()
    sources = rootfs / "etc/apt/sources.list"
    if sources.exists():
        sources.unlink()
    (rootfs / "etc/apt/sources.list.d").mkdir(parents=True, exist_ok=True)
    (rootfs / "etc/apt/sources.list.d/debian.sources").write_text(
        SOURCES.format(suite=suite), encoding="utf-8"
    )


def _import(podman: Podman, rootfs: Path, name: str) -> None:
    tar = subprocess.Popen(
        ["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE
    )
    try:
        imported = subprocess.run(
            ["podman", "import", "--change", 'CMD ["bash"]', "-", name],
            stdin=tar.stdout,
            env=podman.env(),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        if tar.stdout is not None:
            tar.stdout.close()
        tar_code = tar.wait(timeout=600)
    if imported.returncode != 0 or tar_code != 0:
        raise CommandFailed(
            f"tar | podman import {name} failed (tar exit {tar_code}, podman exit "
            f"{imported.returncode}):\n{imported.stderr}"
        )


def ensure(podman: Podman, image: str, progress: Progress) -> str:
    """The base image under its qualified name, made now if podman does not have it."""
    name = qualified_name(image)
    if exists(podman, name):
        return name
    suite = debian_suite(image)
    with machine_lock(progress):
        if exists(podman, name):  # made by another session while we waited
            return name
        started = time.monotonic()
        progress(f"base image {name} not in podman's storage: making it (debootstrap {suite})")
        work = Path(tempfile.mkdtemp(prefix="workloadctl-base-", dir=WORK_PARENT))
        try:
            rootfs = work / "rootfs"
            _debootstrap(suite, rootfs, work / "debootstrap.log", progress)
            _slim(rootfs, suite)
            progress(f"importing {name} into podman")
            _import(podman, rootfs, name)
        finally:
            _unmount_below(work)
            shutil.rmtree(work, ignore_errors=True)
        progress(f"base image {name} ready in {time.monotonic() - started:.0f} s")
    return name
