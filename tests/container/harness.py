"""The container suite's harness: what this machine lacks, timings, and the containers."""

from __future__ import annotations

import os
import platform
import secrets
import shutil
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from . import mirror
from .build import developer_checkout
from .dockerfile import REPO_IN_CONTAINER, host_arch
from .podman import LABEL, Container, Podman

STOP_GRACE_SECONDS = 30  # docker-compose.yml's stop_grace_period
SESSION = secrets.token_hex(3)


def _runc() -> str | None:
    for candidate in (shutil.which("runc"), "/usr/sbin/runc", "/usr/bin/runc"):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def missing_prerequisites() -> list[str]:
    """Everything this machine lacks for the suite, each saying what to do about it."""
    missing = []
    if os.geteuid() != 0:
        missing.append("not root (the suite runs rootful podman and debootstrap)")
    if shutil.which("podman") is None:
        missing.append("podman not installed (apt-get install podman)")
    if _runc() is None:
        missing.append("runc missing (apt-get install runc)")
    arch = host_arch()
    if arch is None:
        missing.append(f"no s6-overlay/process-compose release for {platform.machine()}")
    else:
        reason = mirror.missing_reason(arch)
        if reason is not None:
            missing.append(reason)
    return missing


class Timings:
    """Measured durations, written as JSON at the end of the session (never asserted)."""

    def __init__(self) -> None:
        self.values: dict[str, float] = {}

    def record(self, name: str, seconds: float) -> None:
        self.values[name] = round(seconds, 2)


class Containers:
    """Makes containers of the image like docker-compose.yml's `dev` service; removes
    every one of them (and its state volume) at the end."""

    def __init__(self, podman: Podman, image: str, workdir: Path) -> None:
        self.podman = podman
        self.image = image
        self.workdir = workdir
        self.made: list[tuple[Container, str]] = []

    def create(
        self,
        label: str,
        *,
        env: Mapping[str, str] | None = None,
        edit_repo: Callable[[Path], None] | None = None,
    ) -> Container:
        """Start one (`podman run -d`); `edit_repo` changes the repository copy first."""
        name = f"wctl-{SESSION}-{label}"
        repo = self.workdir / label / "repo"
        repo.mkdir(parents=True)
        developer_checkout(repo, edit=edit_repo)
        volume = f"{name}-state"
        self.podman("volume", "create", "--label", f"{LABEL}={SESSION}", volume, check=True)
        environment = {
            "WORKLOADCTL_ENABLE_SUPERVISORD": "1",
            "WORKLOADCTL_ENABLE_PROCESS_COMPOSE": "1",
            "TZ": "UTC",
            **(env or {}),
        }
        container = Container(self.podman, name, repo=repo)
        self.made.append((container, volume))
        container.started = time.monotonic()
        self.podman(
            "run",
            "--detach",
            "--name",
            name,
            "--label",
            f"{LABEL}={SESSION}",
            "--stop-timeout",
            str(STOP_GRACE_SECONDS),
            *[item for key, value in environment.items() for item in ("--env", f"{key}={value}")],
            "--volume",
            f"{repo}:{REPO_IN_CONTAINER}",
            "--volume",
            f"{volume}:/var/lib/workloadctl",
            self.image,
            timeout=120,
            check=True,
        )
        return container

    def remove(self, container: Container) -> None:
        for made, volume in list(self.made):
            if made is container:
                container.remove()
                self.podman("volume", "rm", "--force", volume, timeout=60, check=False)
                self.made.remove((made, volume))

    def remove_all(self) -> None:
        for container, _ in list(self.made):
            self.remove(container)
