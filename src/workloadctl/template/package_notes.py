"""What `init` tells an adopter about where the image's build gets workloadctl.

The Dockerfile that init writes installs `workloadctl==VERSION` from the package index.
init does not ask the index whether it has that version (init works offline); it reads
how the running workloadctl itself was installed (PEP 610's `direct_url.json`). One
installed from a local wheel or a source checkout is likely not on the index yet (before
a release, a fork): then the build needs that wheel too, served over http and named with
PIP_FIND_LINKS, and the note says how.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

DISTRIBUTION = "workloadctl"
# Where the adopter's own copy of the steps lives (init writes it into every repository).
GUIDE = '.devcontainer/README.md, "workloadctl before it is on the package index"'
# Not a port the template's own configs want (static-site has 8000): the wheel server runs
# beside the developer's stack.
PORT = 8765


@dataclass(frozen=True)
class LocalInstall:
    """workloadctl installed from a file: a wheel, or a source checkout (`pip install DIR`)."""

    path: Path
    is_wheel: bool


def local_install(distribution: str = DISTRIBUTION) -> LocalInstall | None:
    """The local wheel or directory the running workloadctl was installed from; None when it
    came from an index (pip writes no direct_url.json then) or this cannot be told."""
    try:
        text = metadata.distribution(distribution).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    if not text:
        return None
    try:
        url = json.loads(text).get("url", "")
    except (json.JSONDecodeError, AttributeError):
        return None
    parsed = urlparse(url) if isinstance(url, str) else None
    if parsed is None or parsed.scheme != "file":
        return None
    path = Path(unquote(parsed.path))
    return LocalInstall(path, is_wheel=path.suffix == ".whl")


def notes(version: str, installed: LocalInstall | None) -> list[str]:
    """The lines `init` prints after writing a Dockerfile that installs from the index."""
    lines = [
        f"next: build the image; its Dockerfile installs workloadctl=={version} from the "
        "package index, or from where the build args PIP_INDEX_URL / PIP_FIND_LINKS point "
        f"({GUIDE})"
    ]
    if installed is None:
        return lines
    if installed.is_wheel:
        wheels = installed.path.parent
        lines.append(
            f"note: this workloadctl was installed from {installed.path}, which the package "
            "index may not have; give the build that wheel:"
        )
    else:
        wheels = installed.path / "dist"
        lines.append(
            f"note: this workloadctl was installed from the source in {installed.path}, which "
            f"the package index may not have; build its wheel: make -C {installed.path} dist"
        )
    lines.append(
        f"  python3 -m http.server {PORT} --bind 127.0.0.1 --directory {wheels} &  "
        f"# then build with --network host --build-arg PIP_FIND_LINKS=http://127.0.0.1:{PORT}/"
    )
    return lines
