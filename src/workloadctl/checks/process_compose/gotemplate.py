"""The part of Go's text/template that process-compose configs use: `{{ .NAME }}`.

process-compose renders every process's command, working_dir, log_location,
description, environment entries and probe fields as a Go template (src/templater), with
the project's and the process's `vars` (plus PC_REPLICA_NUM) as data. Because that map
is never empty, EVERY such string is parsed as a template: `{{` without `}}` is a fatal
error, and a name that is not a var prints `<no value>` (think of
`docker ps --format '{{.Names}}'`).

We render the common subset exactly: text, `{{ .A.B }}` field chains, `{{- -}}`
whitespace trimming and `{{/* comments */}}`. Anything else (pipelines, functions,
if/range, literals, variables) is reported as not checked and the string is left as
written, never guessed at.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

_FIELD_CHAIN = re.compile(r"(?:\.[^\W\d]\w*)+\Z")
_SPACE = " \t\r\n"
_MISSING = object()


@dataclass
class Rendered:
    text: str
    error: str | None = None  # the template cannot be rendered (fatal in process-compose)
    unchecked: str | None = None  # beyond our subset; `text` is the input unchanged
    no_value: list[str] = field(default_factory=list)  # names that printed <no value>


class _Unchecked(Exception):
    pass


class TemplateError(Exception):
    pass


def render(template: str, data: dict[str, Any]) -> Rendered:
    if "{{" not in template:
        return Rendered(template)
    try:
        return _render(template, data)
    except TemplateError as exc:
        return Rendered("", error=str(exc))
    except _Unchecked as exc:
        return Rendered(template, unchecked=str(exc))


def _render(template: str, data: dict[str, Any]) -> Rendered:
    out: list[str] = []
    no_value: list[str] = []
    pos = 0
    trim_next = False
    while True:
        start = template.find("{{", pos)
        text = template[pos:] if start < 0 else template[pos:start]
        if trim_next:
            text = text.lstrip(_SPACE)
        if start < 0:
            out.append(text)
            break
        inner_start = start + 2
        trim_left = template[inner_start : inner_start + 1] == "-" and (
            template[inner_start + 1 : inner_start + 2] in tuple(_SPACE)
        )
        if trim_left:
            text = text.rstrip(_SPACE)
            inner_start += 2
        out.append(text)
        end = template.find("}}", inner_start)
        if end < 0:
            raise TemplateError("unclosed action")
        inner = template[inner_start:end]
        trim_next = len(inner) >= 2 and inner[-1] == "-" and inner[-2] in _SPACE
        if trim_next:
            inner = inner[:-2]
        pos = end + 2
        out.append(_action(inner, data, no_value))
    return Rendered("".join(out), no_value=no_value)


def _action(inner: str, data: dict[str, Any], no_value: list[str]) -> str:
    if inner.startswith("/*"):
        if not inner.endswith("*/") or len(inner) < 4:
            raise TemplateError("comment ends before closing delimiter")
        return ""
    if any(q in inner for q in "\"'`"):
        raise _Unchecked("quoted text inside an action")
    body = inner.strip(_SPACE)
    if not body:
        raise TemplateError("missing value for command")
    if not _FIELD_CHAIN.match(body):
        raise _Unchecked(f"the action {{{{{inner}}}}}")
    value: Any = data
    names = body[1:].split(".")
    for depth, name in enumerate(names):
        if value is _MISSING or value is None:
            value = _MISSING
            continue
        if not isinstance(value, dict):
            chain = "." + ".".join(names[: depth + 1])
            raise TemplateError(f"at <{chain}>: can't evaluate field {name} in type interface {{}}")
        value = value.get(name, _MISSING)
    if value is _MISSING or value is None:
        no_value.append(body)
        return "<no value>"
    return go_print(value)


def go_print(value: Any) -> str:
    """fmt.Sprint of a value decoded from YAML into `any`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return go_time(value)
    if isinstance(value, dict):
        inner = " ".join(f"{go_print(k)}:{go_print(v)}" for k, v in sorted(value.items()))
        return f"map[{inner}]"
    if isinstance(value, list):
        return "[" + " ".join(go_print(v) for v in value) + "]"
    if value is None:
        return "<nil>"
    return str(value)


def go_float(value: float) -> str:
    """%v of a float64 (strconv 'g', shortest): exponent form below 1e-4 or from 1e6 on."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1, value) < 0 else "0"
    # Imported here: only a float in a template needs it, not every launch (~1.5 ms).
    from decimal import Decimal

    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits))
    point = len(text) + exponent  # position of the decimal point
    prefix = "-" if sign else ""
    if point - 1 < -4 or point - 1 >= 6:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        exp = point - 1
        return f"{prefix}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{text}"
    if point >= len(text):
        return prefix + text + "0" * (point - len(text))
    return f"{prefix}{text[:point]}.{text[point:]}"


def go_time(value: dt.datetime) -> str:
    """time.Time.String() for the zones YAML timestamps can have."""
    offset = value.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    numeric = f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    name = "UTC" if minutes == 0 else numeric
    stamp = value.strftime("%Y-%m-%d %H:%M:%S")
    if value.microsecond:
        stamp += "." + f"{value.microsecond:06d}".rstrip("0")
    return f"{stamp} {numeric} {name}"
