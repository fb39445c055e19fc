"""Supervisor's `%(name)s` expansion, reproduced without side effects.

Supervisor expands values with Python's `%` operator against a dict of names
(`here`, `program_name`, `ENV_X`, ...). `references()` lists the names a value
asks for and any formatting mistake, using the same `%` operator so the verdict
matches; `expand()` gives a best-effort expanded value for our own checks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ENV_PREFIX = "ENV_"
# Names Supervisor fills with integers (process_num, numprocs): `%(process_num)02d`
# is common, so a recorder must hand back a number for them.
INTEGER_NAMES = frozenset({"process_num", "numprocs"})
# A width or precision this long makes `%` build a string of gigabytes; Supervisor
# would happily do it, we refuse to run its expansion on such a file.
_HUGE_WIDTH_RE = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(?:\d{7,}|\d*\.\d{7,})")


@dataclass
class References:
    names: list[str] = field(default_factory=list)
    format_error: str | None = None

    @property
    def env_names(self) -> list[str]:
        return [n[len(ENV_PREFIX) :] for n in self.names if n.startswith(ENV_PREFIX)]


class _Recorder(dict[str, Any]):
    """A mapping that answers every key and remembers which were asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def __missing__(self, key: str) -> Any:
        if key not in self.asked:
            self.asked.append(key)
        return 0 if key in INTEGER_NAMES else ""


def has_huge_width(value: str) -> bool:
    return bool(_HUGE_WIDTH_RE.search(value))


def references(value: str) -> References:
    """The `%(name)s` names `value` uses, or why `value % names` fails."""
    if "%" not in value:
        return References()
    if has_huge_width(value):
        return References(format_error="a %-format width or precision of 7 or more digits")
    recorder = _Recorder()
    try:
        _ = value % recorder  # evaluated only for the names it asks for
    except (ValueError, TypeError, OverflowError, MemoryError) as exc:
        return References(names=recorder.asked, format_error=str(exc))
    return References(names=recorder.asked)


def expand(value: str, names: Mapping[str, Any]) -> str | None:
    """`value % names` as Supervisor computes it, or None when that fails."""
    if "%" not in value:
        return value
    if has_huge_width(value):
        return None
    try:
        return value % dict(names)
    except (KeyError, ValueError, TypeError, OverflowError, MemoryError):
        return None


def env_names(env: Mapping[str, str]) -> dict[str, str]:
    """`environ_expansions` as Supervisor's Options builds it from an environment."""
    return {f"{ENV_PREFIX}{key}": value for key, value in env.items()}
