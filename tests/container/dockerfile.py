"""What the container tests read from `.devcontainer/Dockerfile` (so they follow its pins)."""

from __future__ import annotations

import platform
import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / ".devcontainer" / "Dockerfile"

# The account and mount the tests build and run with (docker-compose.yml's build args).
UNAME = "developer"
UID = 1000
GID = 1000
REPO_NAME = "workloadctl"
REPO_IN_CONTAINER = f"/home/{UNAME}/{REPO_NAME}"


@dataclass(frozen=True)
class Arch:
    debian: str  # dpkg's name: amd64, arm64 (process-compose's too)
    s6: str  # s6-overlay's: x86_64, aarch64


def host_arch() -> Arch | None:
    machine = platform.machine()
    if machine in ("x86_64", "amd64"):
        return Arch("amd64", "x86_64")
    if machine in ("aarch64", "arm64"):
        return Arch("arm64", "aarch64")
    return None


def _text() -> str:
    return DOCKERFILE.read_text(encoding="utf-8")


def base_image() -> str:
    """The first FROM's image, e.g. `debian:trixie-20260406-slim`."""
    match = re.search(r"^FROM\s+(?:--\S+\s+)*(\S+)", _text(), re.MULTILINE)
    if match is None:
        raise AssertionError(f"no FROM line in {DOCKERFILE}")
    return match.group(1)


def build_arg_default(name: str) -> str:
    match = re.search(rf"^ARG\s+{re.escape(name)}=(\S*)\s*$", _text(), re.MULTILINE)
    if match is None:
        raise AssertionError(f"no `ARG {name}=...` in {DOCKERFILE}")
    return match.group(1).strip("\"'")
