"""`init --user NAME --repo NAME`: the defaults for the developer account and the
repository's directory name inside the container.

At every start of the dev container, `.devcontainer/host-env.sh` writes
`.devcontainer/.env` with the host's user name and the checkout's directory name, and
those win. The defaults in the template matter where that file does not exist:
`docker compose` run by hand or in CI, and `docker build` without build args. They live
in exactly two places, both replaced here: the compose file's `${UNAME:-...}` /
`${REPO_NAME:-...}` fallbacks and the Dockerfile's `ARG UNAME=...` / `ARG REPO_NAME=...`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from workloadctl.errors import UsageError
from workloadctl.template.selection import TemplateError
from workloadctl.template.source import Template, TemplateFile

COMPOSE_FILE = ".devcontainer/docker-compose.yml"
DOCKERFILE = ".devcontainer/Dockerfile"

# useradd's default NAME_REGEX (Debian), without the trailing-$ machine-account form.
USER_NAME = re.compile(r"[a-z_][a-z0-9_-]{0,31}")
# A directory name that is safe in a compose default, a Dockerfile ARG and a path.
REPO_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


@dataclass(frozen=True)
class Defaults:
    user: str | None = None
    repo: str | None = None


def check_defaults(defaults: Defaults) -> None:
    """Raise UsageError for a name the container could not use."""
    if defaults.user is not None and not USER_NAME.fullmatch(defaults.user):
        raise UsageError(
            f"--user {defaults.user!r}: not a valid account name (lower-case letters, digits, "
            "'_' and '-', starting with a letter or '_', at most 32 characters)"
        )
    if defaults.repo is not None and not REPO_NAME.fullmatch(defaults.repo):
        raise UsageError(
            f"--repo {defaults.repo!r}: not a valid directory name (letters, digits, '.', '_' "
            "and '-', starting with a letter or digit, at most 100 characters)"
        )


def _rules(variable: str, value: str) -> dict[str, tuple[re.Pattern[str], str]]:
    """Per file: what to find and what to put instead."""
    return {
        COMPOSE_FILE: (re.compile(r"\$\{" + variable + r":-[^}]*\}"), f"${{{variable}:-{value}}}"),
        DOCKERFILE: (
            re.compile(r"^ARG " + variable + r"=.*$", re.MULTILINE),
            f"ARG {variable}={value}",
        ),
    }


def apply_defaults(template: Template, defaults: Defaults) -> Template:
    """The template with the given defaults written in. Raises TemplateError when the
    template has no place for them (it changed without this module)."""
    check_defaults(defaults)
    return _written_in(template, defaults.user, defaults.repo)


def _written_in(template: Template, user: str | None, repo: str | None) -> Template:
    """The template with `user` and `repo` in place of the UNAME and REPO_NAME defaults
    (None: that one left as it is)."""
    files = template.by_path()
    for variable, value in (("UNAME", user), ("REPO_NAME", repo)):
        if value is None:
            continue
        for path, (pattern, replacement) in _rules(variable, value).items():
            files[path] = _substitute(files, path, pattern, replacement, variable)
    return replace(template, files=tuple(files[f.path] for f in template.files))


def _substitute(
    files: dict[str, TemplateFile],
    path: str,
    pattern: re.Pattern[str],
    replacement: str,
    variable: str,
) -> TemplateFile:
    original = files.get(path)
    if original is None:
        raise TemplateError(f"the template has no {path} to set the {variable} default in")
    text, count = pattern.subn(lambda _match: replacement, original.content.decode("utf-8"))
    if count == 0:
        raise TemplateError(f"{path} of the template has no {variable} default to replace")
    return replace(original, content=text.encode("utf-8"))


def apply_option_references(template: Template, user_ref: str, repo_ref: str) -> Template:
    """The template with references in place of the defaults (a Dev Container Template's
    `${templateOption:user}`, which its tool fills in and `check_defaults` would refuse),
    in the same two places as `apply_defaults`."""
    return _written_in(template, user_ref, repo_ref)
