"""Three-way merge of one file with `git merge-file` (the merge git itself uses for text).

Python's standard library has no three-way merge (difflib only diffs two texts), and an
adopter's repository is a git repository, so git is there. Conflicts come out as git's
diff3 blocks (`<<<<<<<`, `|||||||` base, `=======`, `>>>>>>>`), which editors and
`git mergetool` users know.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from workloadctl.template.selection import TemplateError

# `git merge-file` exits with the number of conflicts (at most 127), negative on an error.
_MAX_CONFLICT_EXIT = 127


@dataclass(frozen=True)
class MergeResult:
    content: bytes  # the merge; with conflict blocks when conflicts > 0
    conflicts: int
    merged: bool  # False: git could not merge them at all (a binary file)


def merge3(yours: bytes, base: bytes, template: bytes, labels: tuple[str, str, str]) -> MergeResult:
    """Merge the changes base->template into `yours`. Raises TemplateError without git."""
    git = shutil.which("git")
    if git is None:
        raise TemplateError(
            "git is not installed: `init --update` merges edited files with `git merge-file` "
            "(apt-get install git)"
        )
    with tempfile.TemporaryDirectory(prefix="workloadctl-merge-") as scratch:
        paths = []
        for name, content in (("yours", yours), ("base", base), ("template", template)):
            path = Path(scratch) / name
            path.write_bytes(content)
            paths.append(str(path))
        label_args = [arg for label in labels for arg in ("-L", label)]
        done = subprocess.run(
            [git, "merge-file", "-p", "--diff3", *label_args, *paths],
            capture_output=True,
            check=False,
            timeout=60,
        )
    if done.returncode < 0 or done.returncode > _MAX_CONFLICT_EXIT:
        return MergeResult(template, 0, merged=False)
    return MergeResult(done.stdout, done.returncode, merged=True)
