"""A throwaway git repository holding this checkout's working tree as it is now.

`pip wheel` and `pre-commit try-repo` read a repository; building from a copy tests the
files as they are (committed or not) and leaves nothing behind in the checkout.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GIT_IDENTITY = ["-c", "user.name=workloadctl tests", "-c", "user.email=tests@invalid"]


def git(*args: str, cwd: Path) -> str:
    out = subprocess.run(
        ["git", *GIT_IDENTITY, *args], cwd=cwd, check=True, capture_output=True, text=True
    )
    return out.stdout


def working_tree_files() -> list[str]:
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO)
    return [p for p in listed.split("\0") if p and (REPO / p).is_file()]


def copy_working_tree(target: Path, *, commit: bool = True) -> Path:
    """Copy tracked and untracked-but-not-ignored files (with modes) into `target`."""
    for relative in working_tree_files():
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / relative, destination)
    if commit:
        git("init", "-q", cwd=target)
        git("add", "-A", cwd=target)
        git("commit", "-q", "-m", "snapshot", cwd=target)
    return target
