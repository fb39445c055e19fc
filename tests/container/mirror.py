"""The release mirror: s6-overlay's and process-compose's release files, laid out like
their download paths under https://github.com, served on 127.0.0.1 for the build.

The directory comes from $WORKLOADCTL_RELEASE_MIRROR, else the default below when it
exists. Its files are made elsewhere (from the upstream releases, or built by hand from
the upstream sources); nothing here downloads or builds them.
"""

from __future__ import annotations

import functools
import os
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from .dockerfile import Arch, build_arg_default

ENV_MIRROR = "WORKLOADCTL_RELEASE_MIRROR"
DEFAULT_MIRROR = Path("/var/cache/workloadctl/release-mirror")


def mirror_dir() -> Path:
    configured = os.environ.get(ENV_MIRROR, "").strip()
    return Path(configured) if configured else DEFAULT_MIRROR


def required_files(arch: Arch) -> list[str]:
    """Every file the Dockerfile downloads from RELEASES_BASE_URL, as a path under it."""
    s6 = build_arg_default("S6_OVERLAY_VERSION")
    pc = build_arg_default("PROCESS_COMPOSE_VERSION")
    s6_dir = f"just-containers/s6-overlay/releases/download/v{s6}"
    pc_dir = f"F1bonacc1/process-compose/releases/download/{pc}"
    return [
        f"{s6_dir}/s6-overlay-noarch.tar.xz",
        f"{s6_dir}/s6-overlay-noarch.tar.xz.sha256",
        f"{s6_dir}/s6-overlay-{arch.s6}.tar.xz",
        f"{s6_dir}/s6-overlay-{arch.s6}.tar.xz.sha256",
        f"{pc_dir}/process-compose_linux_{arch.debian}.tar.gz",
        f"{pc_dir}/process-compose_checksums.txt",
    ]


def missing_reason(arch: Arch) -> str | None:
    """Why the mirror cannot serve the build, or None when it can."""
    root = mirror_dir()
    if not root.is_dir():
        if os.environ.get(ENV_MIRROR, "").strip():
            return f"no release mirror at {root} (${ENV_MIRROR} names no directory)"
        return (
            f"no release mirror at {root} (set ${ENV_MIRROR} to a directory laid out like "
            "the release download paths: tests/container/README.md)"
        )
    missing = [name for name in required_files(arch) if not (root / name).is_file()]
    if missing:
        return f"release mirror at {root} is incomplete: missing {', '.join(missing)}"
    return None


class _QuietHandler(SimpleHTTPRequestHandler):
    # A stuck client cannot hold a server thread forever.
    timeout = 60

    def log_message(self, format: str, *args: Any) -> None:
        pass


class MirrorServer:
    """`python -m http.server` for the mirror on 127.0.0.1, on a free port, in a thread."""

    def __init__(self, root: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(root))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="release-mirror", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> MirrorServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
