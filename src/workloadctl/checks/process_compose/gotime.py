"""Go's `time.ParseDuration`, which process-compose applies to durations in its config, and
`strconv.Atoi` for its numbers given as text."""

from __future__ import annotations

_UNITS_NS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,  # micro sign
    "\u03bcs": 1_000,  # Greek mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60 * 1_000_000_000,
    "h": 3600 * 1_000_000_000,
}
_MAX_NS = 1 << 63


def parse_duration(text: str) -> int | None:
    """Nanoseconds, or None when Go would reject the text."""
    s = text
    negative = False
    if s[:1] in ("-", "+"):
        negative = s[0] == "-"
        s = s[1:]
    if s == "0":
        return 0
    if not s:
        return None
    total = 0
    while s:
        if not (s[0] == "." or (s[0].isascii() and s[0].isdigit())):
            return None
        whole, s, had_whole = _leading_digits(s)
        fraction, s, had_fraction = "", s, False
        if s.startswith("."):
            fraction, s, had_fraction = _leading_digits(s[1:])
        if not had_whole and not had_fraction:
            return None
        unit_end = 0
        while (
            unit_end < len(s)
            and s[unit_end] != "."
            and not (s[unit_end].isascii() and s[unit_end].isdigit())
        ):
            unit_end += 1
        unit, s = s[:unit_end], s[unit_end:]
        scale = _UNITS_NS.get(unit)
        if scale is None:
            return None
        value = int(whole or "0") * scale
        if fraction:
            value += int(fraction) * scale // 10 ** len(fraction)
        total += value
        if total > _MAX_NS - (0 if negative else 1):
            return None
    return -total if negative else total


def atoi(text: str) -> int | None:
    """An optional sign and ASCII digits as an int; None where Go's Atoi fails on syntax."""
    body = text[1:] if text[:1] in "+-" else text
    if not body or not (body.isascii() and body.isdigit()):
        return None
    return int(text)


def _leading_digits(s: str) -> tuple[str, str, bool]:
    end = 0
    while end < len(s) and s[end].isascii() and s[end].isdigit():
        end += 1
    return s[:end], s[end:], end > 0
