"""The template of a workloadctl git checkout as committed (HEAD), not as edited.

An editable install (`pip install -e .`, `make setup`) runs from a checkout whose
`.devcontainer/` and `workloads/` ARE the template. A developer edits them for the
checkout's own stack (a `[program:...]` added to workloads/supervisord/project.conf);
those edits are not part of the version, yet `init` recorded them as "the template of
VERSION", the base of every later `init --update`. So `init` reads the files of HEAD
(what the version's commit holds) and names what the working tree has beyond them.
`$WORKLOADCTL_TEMPLATE_DIR` pointed at the checkout takes its files as they are.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from workloadctl.template.selection import TEMPLATE_DIRS, TemplateError, is_excluded

_EXECUTABLE_MODE = "100755"
_REGULAR_MODES = ("100644", _EXECUTABLE_MODE)


def is_git_checkout(root: Path) -> bool:
    """True when `root` is the top of a git work tree with a HEAD commit (and git runs)."""
    if shutil.which("git") is None or not (root / ".git").exists():
        return False
    done = _git(root, "rev-parse", "--show-toplevel", "--verify", "HEAD", check=False)
    if done.returncode != 0:
        return False
    top = done.stdout.decode("utf-8", errors="replace").splitlines()[0]
    return Path(top).resolve() == root.resolve()


def committed_files(root: Path) -> list[tuple[str, bytes, bool]]:
    """(path, content, executable) of every template file HEAD holds, sorted by path.
    Raises TemplateError on what cannot be templated (a symbolic link, a submodule)."""
    listing = _git(root, "ls-tree", "-r", "-z", "--full-tree", "HEAD", "--", *TEMPLATE_DIRS)
    entries: list[tuple[str, str, bool]] = []  # path, blob id, executable
    for record in listing.stdout.decode("utf-8").split("\0"):
        if not record:
            continue
        meta, path = record.split("\t", 1)
        mode, _kind, blob = meta.split()
        if is_excluded(path):
            continue
        if mode not in _REGULAR_MODES:
            raise TemplateError(
                f"{root / path}: mode {mode} in HEAD; only regular files can be templated"
            )
        entries.append((path, blob, mode == _EXECUTABLE_MODE))
    blobs = _git(root, "cat-file", "--batch", stdin="".join(f"{b}\n" for _, b, _ in entries))
    contents = _split_batch(blobs.stdout)
    if len(contents) != len(entries):
        raise TemplateError(
            f"{root}: git cat-file returned {len(contents)} of {len(entries)} files"
        )
    return sorted(
        (path, content, ex) for (path, _, ex), content in zip(entries, contents, strict=True)
    )


def _split_batch(output: bytes) -> list[bytes]:
    """The contents in `git cat-file --batch` output: `<id> <type> <size>\\n<bytes>\\n` each."""
    contents = []
    at = 0
    while at < len(output):
        header_end = output.index(b"\n", at)
        size = int(output[at:header_end].split()[2])
        contents.append(output[header_end + 1 : header_end + 1 + size])
        at = header_end + 1 + size + 1
    return contents


def _git(
    root: Path, *args: str, stdin: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args],
            input=stdin.encode("utf-8") if stdin is not None else None,
            capture_output=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TemplateError(f"{root}: git {args[0]} failed: {exc}") from exc
    if check and done.returncode != 0:
        message = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise TemplateError(f"{root}: git {args[0]} failed: {message[-1] if message else ''}")
    return done
