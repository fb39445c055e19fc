"""Where the image that `init` writes gets workloadctl from.

The template's Dockerfile is this repository's own: it installs workloadctl from the
build context's source (pyproject.toml, src/, ...), the block between the
`# >>> workloadctl package` and `# <<< workloadctl package` lines. Another repository
has no such source, so `init` writes that block anew there: pip installs
`workloadctl==VERSION` (the version running `init`) from the package index, which the
Dockerfile's PIP_* build args may point at a mirror. A repository that holds
workloadctl's own source (this one, a fork) keeps the block as it is.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from workloadctl.template.selection import TemplateError
from workloadctl.template.source import Template

DOCKERFILE = ".devcontainer/Dockerfile"
BEGIN = "# >>> workloadctl package"
END = "# <<< workloadctl package"
_BLOCK = re.compile(
    "^" + re.escape(BEGIN) + r"[^\n]*\n.*?^" + re.escape(END) + r"[^\n]*$",
    re.MULTILINE | re.DOTALL,
)
# What identifies workloadctl's own source tree in a repository.
OWN_SOURCE = "src/workloadctl/__init__.py"


def has_own_source(root: Path) -> bool:
    """True for a repository that builds workloadctl itself (this one, or a fork)."""
    return (root / OWN_SOURCE).is_file()


def index_block(version: str) -> str:
    """The block an adopter's Dockerfile gets: the exact version, from the package index."""
    return (
        f"{BEGIN}\n"
        "# From the package index (or the mirror the PIP_* build args below name), exactly\n"
        "# the version whose `workloadctl init` wrote this file.\n"
        f"ARG WORKLOADCTL_PACKAGE=workloadctl=={version}\n"
        f"{END}"
    )


def install_from_index(template: Template, version: str) -> Template:
    """The template with its Dockerfile installing `workloadctl==version` from the index.
    Raises TemplateError when the Dockerfile has no such block (it changed without this
    module)."""
    files = template.by_path()
    original = files.get(DOCKERFILE)
    if original is None:
        raise TemplateError(f"the template has no {DOCKERFILE}")
    text, count = _BLOCK.subn(lambda _match: index_block(version), original.content.decode("utf-8"))
    if count != 1:
        raise TemplateError(
            f"{DOCKERFILE} of the template has {count} '{BEGIN}' ... '{END}' blocks, not one"
        )
    files[DOCKERFILE] = replace(original, content=text.encode("utf-8"))
    return replace(template, files=tuple(files[f.path] for f in template.files))


def for_repository(template: Template, root: Path, version: str) -> Template:
    """The template as `init` writes it into `root`."""
    return template if has_own_source(root) else install_from_index(template, version)
