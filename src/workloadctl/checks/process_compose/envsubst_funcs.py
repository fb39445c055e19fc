"""The string functions of github.com/drone/envsubst v1.0.3 (funcs.go), as process-compose
applies them to `${VAR<op>...}`. Lengths and offsets count bytes of UTF-8 like Go does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from workloadctl.checks.process_compose import gopath
from workloadctl.checks.process_compose.gotime import atoi

Function = Callable[[str, list[str]], str]


def _to_default(s: str, args: list[str]) -> str:
    if not s and args:
        return "".join(args)
    return s


def _byte_slice(s: str, start: int, end: int | None = None) -> str:
    return s.encode()[start:end].decode(errors="replace")


def _to_substr(s: str, args: list[str]) -> str:
    if not args:
        return s
    size = len(s.encode())
    pos = atoi(args[0])
    if pos is None:
        return s
    if pos < 0:
        pos = max(size + pos, 0)
    if len(args) == 1:
        return _byte_slice(s, pos) if pos < size else ""
    length = atoi(args[1])
    if length is None:
        return s
    if pos + length >= size:
        return _byte_slice(s, pos) if pos < size else ""
    return _byte_slice(s, pos, pos + length)


def _replace(s: str, args: list[str], count: int = -1) -> str:
    if not args:
        return s
    return s.replace(args[0], args[1] if len(args) > 1 else "", count)


def _replace_prefix(s: str, args: list[str]) -> str:
    if len(args) != 2:
        return s
    return s.replace(args[0], args[1], 1) if s.startswith(args[0]) else s


def _replace_suffix(s: str, args: list[str]) -> str:
    if len(args) != 2:
        return s
    return s[: len(s) - len(args[0])] + args[1] if s.endswith(args[0]) else s


def _trim_shortest(s: str, pattern: str) -> str:
    shortest = ""
    for i in range(len(s)):
        candidate = s[: len(s) - i]
        matched = gopath.match(pattern, candidate)
        if matched is None:
            return s
        if matched:
            shortest = candidate
    return s[len(shortest) :] if shortest and s.startswith(shortest) else s


def _trim_longest(s: str, pattern: str) -> str:
    for i in range(len(s)):
        candidate = s[: len(s) - i]
        matched = gopath.match(pattern, candidate)
        if matched is None:
            return s
        if matched:
            return s[len(candidate) :]
    return s


def _trimmer(trim: Callable[[str, str], str], *, suffix: bool) -> Function:
    """`trim` applied to the value's start, or (suffix) to its end: both reversed."""

    def trim_value(s: str, args: list[str]) -> str:
        if not args:
            return s
        if suffix:
            return trim(s[::-1], args[0][::-1])[::-1]
        return trim(s, args[0])

    return trim_value


_trim_shortest_prefix = _trimmer(_trim_shortest, suffix=False)

_BY_NAME: dict[str, Function] = {
    ",": lambda s, _: s[:1].lower() + s[1:],
    ",,": lambda s, _: s.lower(),
    "^": lambda s, _: s[:1].upper() + s[1:],
    "^^": lambda s, _: s.upper(),
    "##": _trimmer(_trim_longest, suffix=False),
    "%": _trimmer(_trim_shortest, suffix=True),
    "%%": _trimmer(_trim_longest, suffix=True),
    ":": _to_substr,
    "/#": _replace_prefix,
    "/%": _replace_suffix,
    "/": functools.partial(_replace, count=1),
    "//": _replace,
}


def apply(name: str, value: str, args: list[str]) -> str:
    """envsubst's lookupFunc(name, len(args)) applied to the variable's value."""
    if name == "#":
        return _trim_shortest_prefix(value, args) if args else str(len(value.encode()))
    return _BY_NAME.get(name, _to_default)(value, args)
