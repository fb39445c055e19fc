"""scripts/install-process-compose.sh where `go install` cannot be done: the release
tarball from $RELEASES_BASE_URL (served here on 127.0.0.1), checked against the
release's checksums file; a tampered tarball is refused and nothing is installed.

The served tarball holds a tiny stand-in `process-compose` (a shell script that prints
the pinned version the way `process-compose version` does): a fixture of the installer,
which only downloads, checks, unpacks and asks the binary for its version. The real
tarball from the release mirror is installed too where the mirror has it."""

from __future__ import annotations

import functools
import hashlib
import io
import os
import re
import shutil
import subprocess
import tarfile
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "install-process-compose.sh"
VERSION = re.search(
    r'^VERSION="\$\{PROCESS_COMPOSE_VERSION:-(v[^}]+)\}"', SCRIPT.read_text(), re.MULTILINE
)
assert VERSION is not None
PINNED = VERSION.group(1)
RELEASE_DIR = f"F1bonacc1/process-compose/releases/download/{PINNED}"
MIRROR = Path(os.environ.get("WORKLOADCTL_RELEASE_MIRROR", "/var/cache/workloadctl/release-mirror"))
# No Go on this PATH (the machine's Go is in /usr/local/go/bin), and no process-compose.
PATH_WITHOUT_GO = "/usr/sbin:/usr/bin:/sbin:/bin"
ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
    os.uname().machine
)
TARBALL = f"process-compose_{os.uname().sysname.lower()}_{ARCH}.tar.gz"

pytestmark = pytest.mark.skipif(ARCH is None, reason=f"no release for {os.uname().machine}")


def fake_binary(version: str) -> bytes:
    return (
        "#!/bin/sh\n"
        '[ "$1" = version ] || exit 2\n'
        f"printf 'Process Compose\\nVersion:        {version}\\n'\n"
    ).encode()


def tarball_of(binary: bytes) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        info = tarfile.TarInfo("process-compose")
        info.size, info.mode = len(binary), 0o755
        archive.addfile(info, io.BytesIO(binary))
    return out.getvalue()


def publish(root: Path, tarball: bytes, *, listed: bytes | None = None) -> None:
    """A release at root/RELEASE_DIR whose checksums file lists `listed` (default: the
    tarball served)."""
    release = root / RELEASE_DIR
    release.mkdir(parents=True, exist_ok=True)
    (release / TARBALL).write_bytes(tarball)
    digest = hashlib.sha256(tarball if listed is None else listed).hexdigest()
    (release / "process-compose_checksums.txt").write_text(
        f"{'0' * 64}  process-compose_other_arch.tar.gz\n{digest}  {TARBALL}\n"
    )


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server_root(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    root = tmp_path / "releases"
    root.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def install(
    tmp_path: Path, base_url: str, *, path: str = PATH_WITHOUT_GO, **env: str
) -> tuple[subprocess.CompletedProcess[str], Path]:
    dest = tmp_path / "venv" / "bin" / "process-compose"
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    environment = {"PATH": path, "HOME": str(home), "RELEASES_BASE_URL": base_url, **env}
    done = subprocess.run(
        ["bash", str(SCRIPT), str(dest)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done, dest


def version_of(binary: Path) -> str:
    out = subprocess.run([str(binary), "version"], capture_output=True, text=True, timeout=30)
    match = re.search(r"^Version:\s+(\S+)", out.stdout, re.MULTILINE)
    return match.group(1) if match else ""


def test_without_go_the_checked_release_tarball_is_installed(
    tmp_path: Path, server_root: tuple[Path, str]
) -> None:
    root, url = server_root
    publish(root, tarball_of(fake_binary(PINNED)))
    done, dest = install(tmp_path, url)
    assert done.returncode == 0, done.stderr
    assert "Go is not installed; installing the release tarball instead" in done.stdout
    assert f"installed {PINNED} at {dest} (release tarball, sha256 checked)" in done.stdout
    assert version_of(dest) == PINNED and os.access(dest, os.X_OK)


def test_a_tampered_tarball_is_refused_and_nothing_installed(
    tmp_path: Path, server_root: tuple[Path, str]
) -> None:
    root, url = server_root
    good = tarball_of(fake_binary(PINNED))
    publish(root, tarball_of(fake_binary(PINNED) + b"# tampered\n"), listed=good)
    done, dest = install(tmp_path, url)
    assert done.returncode == 1
    assert re.search(
        rf"^process-compose: checksum mismatch for {re.escape(url)}/{RELEASE_DIR}/{TARBALL}: "
        r"sha256 [0-9a-f]{64}, the release's checksums file says [0-9a-f]{64}; refusing to install it$",
        done.stderr,
        re.MULTILINE,
    ), done.stderr
    assert not dest.exists() and not dest.is_symlink()


def test_a_release_without_a_checksum_for_the_tarball_is_refused(
    tmp_path: Path, server_root: tuple[Path, str]
) -> None:
    root, url = server_root
    publish(root, tarball_of(fake_binary(PINNED)))
    (root / RELEASE_DIR / "process-compose_checksums.txt").write_text("")
    done, dest = install(tmp_path, url)
    assert done.returncode == 1
    assert f"lists no {TARBALL}; nothing installed" in done.stderr
    assert not dest.exists()


def test_a_go_older_than_required_falls_back_to_the_release(
    tmp_path: Path, server_root: tuple[Path, str]
) -> None:
    root, url = server_root
    publish(root, tarball_of(fake_binary(PINNED)))
    old_go = tmp_path / "old-go"
    old_go.mkdir()
    (old_go / "go").write_text(
        '#!/bin/sh\ncase "$*" in "env GOVERSION") echo go1.21.0 ;; *) exit 1 ;; esac\n'
    )
    (old_go / "go").chmod(0o755)
    done, dest = install(tmp_path, url, path=f"{old_go}:{PATH_WITHOUT_GO}")
    assert done.returncode == 0, done.stderr
    assert "Go 1.21.0 is older than" in done.stdout
    assert version_of(dest) == PINNED


def test_only_go_asked_for_without_go_says_so(
    tmp_path: Path, server_root: tuple[Path, str]
) -> None:
    done, dest = install(tmp_path, server_root[1], PROCESS_COMPOSE_INSTALL="go")
    assert done.returncode == 1
    assert done.stderr.startswith("process-compose: Go is not installed; install Go >= ")
    assert not dest.exists()


def test_an_installed_pinned_version_is_linked_not_downloaded(
    tmp_path: Path, server_root: tuple[Path, str]
) -> None:
    existing = tmp_path / "elsewhere"
    existing.mkdir()
    (existing / "process-compose").write_bytes(fake_binary(PINNED))
    (existing / "process-compose").chmod(0o755)
    # Nothing is served: a download would fail.
    done, dest = install(tmp_path, server_root[1], path=f"{existing}:{PATH_WITHOUT_GO}")
    assert done.returncode == 0, done.stderr
    assert "linked" in done.stdout and dest.is_symlink()
    assert dest.resolve() == (existing / "process-compose").resolve()


def test_the_real_release_tarball_from_the_mirror(
    tmp_path: Path, server_root: tuple[Path, str]
) -> None:
    release = MIRROR / RELEASE_DIR
    if (
        not (release / TARBALL).is_file()
        or not (release / "process-compose_checksums.txt").is_file()
    ):
        pytest.skip(f"the release mirror has no {release / TARBALL} (WORKLOADCTL_RELEASE_MIRROR)")
    root, url = server_root
    (root / RELEASE_DIR).mkdir(parents=True)
    for name in (TARBALL, "process-compose_checksums.txt"):
        shutil.copyfile(release / name, root / RELEASE_DIR / name)
    done, dest = install(tmp_path, url, PROCESS_COMPOSE_INSTALL="release")
    assert done.returncode == 0, done.stderr
    assert version_of(dest) == PINNED
