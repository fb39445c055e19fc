"""Copies of the working tree, and `podman build` of `.devcontainer/Dockerfile`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from .dockerfile import GID, REPO, REPO_NAME, UID, UNAME
from .podman import Podman, log_tail, stream

BUILD_TIMEOUT = float(os.environ.get("WORKLOADCTL_CONTAINER_BUILD_TIMEOUT", "1500"))
# Sessions of several engineers side by side each name their own (the previous image of
# that tag is removed after a build).
IMAGE_TAG = (
    os.environ.get("WORKLOADCTL_CONTAINER_IMAGE_TAG")
    or "localhost/workloadctl-container-test:latest"
)
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
# The host's CA bundle reaches the build through its directory mounted on the image's
# (empty) /mnt: a mount point that does not exist yet would stay in the image as an empty
# file, and one over the image's own bundle breaks ca-certificates' configuration.
CA_MOUNT_POINT = "/mnt"

Progress = Callable[[str], None]


def working_tree_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    return [p for p in listed.split("\0") if p and (REPO / p).is_file()]


def copy_working_tree(target: Path) -> Path:
    """This checkout's files as they are now (committed or not), with their modes."""
    for relative in working_tree_files():
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / relative, destination, follow_symlinks=False)
    return target


def developer_checkout(target: Path, *, edit: Callable[[Path], None] | None = None) -> Path:
    """A copy to mount as the repository: a git repository owned by the developer (UID),
    as the developer's own checkout on the host is. `edit` changes it before the commit."""
    copy_working_tree(target)
    if edit is not None:
        edit(target)
    git = ["git", "-c", "user.name=workloadctl tests", "-c", "user.email=tests@invalid"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
        subprocess.run([*git, *args], cwd=target, check=True, capture_output=True, timeout=60)
    for path in [target, *target.rglob("*")]:
        os.lchown(path, UID, GID)
    return target


def host_ca_bundle() -> Path | None:
    """The CA bundle pip uses on this machine (a TLS-inspecting proxy's CA may be in it)."""
    configured = os.environ.get("PIP_CERT", "")
    if configured and Path(configured).is_file():
        return Path(configured).resolve()
    return HOST_CA_BUNDLE.resolve() if HOST_CA_BUNDLE.is_file() else None


def build_args(releases_url: str) -> list[str]:
    args = {
        "UNAME": UNAME,
        "UID": str(UID),
        "GID": str(GID),
        "REPO_NAME": REPO_NAME,
        "RELEASES_BASE_URL": releases_url,
    }
    # pip's settings, each given explicitly: nothing of this machine's environment leaks
    # in by accident (its PIP_FIND_LINKS, say, is a path that exists only here). A package
    # index of this machine is a URL and works from the build too (--network host).
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL"):
        if os.environ.get(name):
            args[name] = os.environ[name]
    ca = host_ca_bundle()
    if ca is not None:
        args["PIP_CERT"] = f"{CA_MOUNT_POINT}/{ca.name}"
    return [item for key, value in args.items() for item in ("--build-arg", f"{key}={value}")]


def build(
    podman: Podman,
    context: Path,
    releases_url: str,
    log: Path,
    progress: Progress,
    *,
    tag: str = IMAGE_TAG,
    extra_build_args: dict[str, str] | None = None,
) -> str:
    """Build the image from `context` (a copy of the working tree, or a repository that
    `workloadctl init` wrote); return its ID. `extra_build_args` are added as given."""
    iidfile = log.with_suffix(".iid")
    ca = host_ca_bundle()
    mounts = ["--volume", f"{ca.parent}:{CA_MOUNT_POINT}:ro"] if ca is not None else []
    argv = [
        "podman",
        "build",
        "--pull=never",
        # The Dockerfile's SHELL (bash -o pipefail) is ignored in the OCI format.
        "--format",
        "docker",
        # No intermediate images: the release mirror's port changes every session and with
        # it every RUN step's cache key, so a layer cache would only pile up on the disk.
        "--layers=false",
        # RUN steps reach Debian's mirror, PyPI and the release mirror on 127.0.0.1.
        "--network",
        "host",
        *mounts,
        *build_args(releases_url),
        *[i for k, v in (extra_build_args or {}).items() for i in ("--build-arg", f"{k}={v}")],
        "--iidfile",
        str(iidfile),
        "--tag",
        tag,
        "--file",
        str(context / ".devcontainer" / "Dockerfile"),
        str(context),
    ]
    found = podman("image", "inspect", "--format", "{{.Id}}", tag, check=False)
    previous = found.stdout.strip() if found.returncode == 0 else ""
    progress(f"podman build (log: {log})")
    started = time.monotonic()

    def on_line(line: str) -> None:
        step = re.match(r"STEP (\d+/\d+): (.{0,70})", line)
        if step is not None:
            elapsed = time.monotonic() - started
            progress(f"build {step.group(1)} ({elapsed:.0f} s): {step.group(2)}")

    log.write_text("", encoding="utf-8")
    code, timed_out = stream(
        argv, env=podman.env(), log=log, on_line=on_line, timeout=BUILD_TIMEOUT
    )
    if code != 0 or timed_out:
        why = f"timed out after {BUILD_TIMEOUT:.0f} s" if timed_out else f"exit {code}"
        raise AssertionError(f"podman build failed ({why}); full log {log}:\n{log_tail(log)}")
    progress(f"podman build done in {time.monotonic() - started:.0f} s")
    image_id = iidfile.read_text(encoding="utf-8").strip()
    # The previous session's image, now untagged: drop it (a container of a session still
    # running keeps it, and then this fails harmlessly).
    if previous and previous not in image_id:
        podman("rmi", previous, timeout=120, check=False)
    return image_id
