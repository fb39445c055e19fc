"""YAML parsing with line numbers, and scalar typing as process-compose's yaml.v3 does it.

libyaml (through PyYAML's C parser, `yaml.CSafeLoader`) produces the event stream at C
speed; we build a small node tree from it ourselves (no constructor, no resolver: both
would apply YAML 1.1 typing rules). yaml.v3 is itself a Go port of libyaml, so the two
scanners agree on what is YAML and where a problem is.

How a scalar becomes a bool/int/float/null is decided by `resolve_scalar`, a port of
gopkg.in/yaml.v3's `resolve` (v3.0.1), because that is what process-compose uses:
`restart: no` is the string "no", `1_000` is an int, `08` is the float 8.

Like yaml.v3's `Unmarshal`, only the first document of a stream is used.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from yaml.error import MarkedYAMLError


LONG_TAG_PREFIX = "tag:yaml.org,2002:"
STR_TAG = "!!str"
NULL_TAG = "!!null"
BOOL_TAG = "!!bool"
INT_TAG = "!!int"
FLOAT_TAG = "!!float"
TIMESTAMP_TAG = "!!timestamp"
BINARY_TAG = "!!binary"
MERGE_TAG = "!!merge"

# yaml.v3 refuses documents whose decoding is dominated by alias expansion; we use a
# plain budget on the number of nodes any walk may visit (a "billion laughs" guard).
MAX_ALIAS_EXPANSION = 400_000
# Real configs nest a handful of levels; a limit keeps deep (or alias-built) nesting from
# exhausting Python's stack anywhere downstream. yaml.v3 itself allows far more.
MAX_DEPTH = 64


class YamlSyntaxError(Exception):
    """The text is not YAML; `line` is 1-based (None when the parser gave no position)."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(slots=True, eq=False)  # a node is its own identity: anchors share one object
class Node:
    line: int  # 1-based
    column: int  # 1-based
    tag: str | None  # explicit tag in short form ("!!str", "!foo"), None when implicit
    anchor: str | None


@dataclass(slots=True, eq=False, repr=False)
class Scalar(Node):
    value: str
    style: str | None  # None plain, "'" or '"' quoted, "|" or ">" block

    def __repr__(self) -> str:
        return f"Scalar({self.value!r}, line={self.line})"


# The collections' repr counts children: an alias-built tree printed in full could be huge.
@dataclass(slots=True, eq=False, repr=False)
class Mapping(Node):
    pairs: list[tuple[Node, Node]] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"Mapping({len(self.pairs)} pairs, line={self.line})"


@dataclass(slots=True, eq=False, repr=False)
class Sequence(Node):
    items: list[Node] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"Sequence({len(self.items)} items, line={self.line})"


def short_tag(tag: str | None) -> str:
    if not tag:
        return ""
    if tag.startswith(LONG_TAG_PREFIX):
        return "!!" + tag[len(LONG_TAG_PREFIX) :]
    return tag


# Contexts whose start is the culprit: the scanner notices a key without its colon, an
# unclosed quote or an unclosed flow collection only where its scanner gives up, on a
# later line or at the end of the file. (A block collection's context is its parent's
# start: there the problem mark is the culprit.)
_CULPRIT_CONTEXTS = (
    "while scanning a simple key",
    "while scanning a plain scalar",  # a tab in its continuation line: where yaml.v3 says
    "while scanning a quoted scalar",
    "while parsing a flow mapping",
    "while parsing a flow sequence",
)


def _culprit_mark(exc: MarkedYAMLError) -> Any:
    context = " ".join(str(exc.context or "").split())
    if exc.context_mark is not None and context in _CULPRIT_CONTEXTS:
        return exc.context_mark
    return exc.problem_mark or exc.context_mark


def _marked_line(exc: MarkedYAMLError) -> int | None:
    """1-based (libyaml's marks are 0-based)."""
    mark = _culprit_mark(exc)
    return None if mark is None else int(mark.line) + 1


def _describe(exc: MarkedYAMLError) -> str:
    parts = [p for p in (exc.context, exc.problem) if p]
    text = "; ".join(str(p).strip() for p in parts) or "invalid YAML"
    return " ".join(text.split())


class _TreeBuilder:
    """Builds the node tree of the first document from libyaml's parser events."""

    def __init__(self, events: Iterator[Any]) -> None:
        from yaml import events as ev

        self.ev = ev
        self.events = events
        self.anchors: dict[str, Node] = {}
        self.building: set[str] = set()  # anchors whose node is not complete yet
        self.depth = 0

    def document(self) -> Node | None:
        ev = self.ev
        for event in self.events:
            if isinstance(event, ev.DocumentStartEvent) and event.version not in (None, (1, 1)):
                # libyaml also takes %YAML 1.2; yaml.v3 (its port) only 1.1.
                line = event.start_mark.line + 1
                raise YamlSyntaxError(line, "found incompatible YAML document")
            if isinstance(event, ev.StreamStartEvent | ev.DocumentStartEvent):
                continue
            if isinstance(event, ev.StreamEndEvent | ev.DocumentEndEvent):
                return None
            root = self.node(event)
            # yaml.v3 expects the document's end right after its root node: whatever the
            # scanner finds there is checked, later documents are never read.
            next(self.events, None)
            return root
        return None

    def node(self, event: Any) -> Node:
        ev = self.ev
        line, column = event.start_mark.line + 1, event.start_mark.column + 1
        if isinstance(event, ev.AliasEvent):
            return self.alias(event.anchor, line)
        # "!" is the non-specific tag: plain scalars are then typed as usual (yaml.v3).
        tag = short_tag(event.tag) or None
        if tag == "!":
            tag = None
        anchor = event.anchor
        if isinstance(event, ev.ScalarEvent):
            scalar = Scalar(line, column, tag, anchor, event.value, event.style or None)
            if anchor is not None:
                self.anchors[anchor] = scalar
            return scalar
        if isinstance(event, ev.MappingStartEvent):
            return self.collection(Mapping(line, column, tag, anchor), ev.MappingEndEvent)
        if isinstance(event, ev.SequenceStartEvent):
            return self.collection(Sequence(line, column, tag, anchor), ev.SequenceEndEvent)
        raise YamlSyntaxError(line, f"unexpected YAML event {type(event).__name__}")

    def alias(self, name: str, line: int) -> Node:
        if name in self.building:
            # yaml.v3: "anchor 'x' value contains itself"
            raise YamlSyntaxError(line, f"anchor {name!r} value contains itself")
        target = self.anchors.get(name)
        if target is None:
            raise YamlSyntaxError(line, f"unknown anchor {name!r} referenced")
        return target

    def collection(self, node: Mapping | Sequence, end: type) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise YamlSyntaxError(node.line, f"nested more than {MAX_DEPTH} levels deep")
        if node.anchor is not None:
            self.building.add(node.anchor)
        children: list[Node] = []
        for event in self.events:
            if isinstance(event, end):
                break
            children.append(self.node(event))
        if isinstance(node, Mapping):
            node.pairs = list(zip(children[0::2], children[1::2], strict=False))
        else:
            node.items = children
        if node.anchor is not None:
            self.building.discard(node.anchor)
            self.anchors[node.anchor] = node
        self.depth -= 1
        return node


def parse_yaml(text: str) -> Node | None:
    """The first document's root node (None for an empty document); raises YamlSyntaxError."""
    import yaml
    from yaml.error import MarkedYAMLError, YAMLError

    # PyYAML built without libyaml has only the Python port of the same parser (slower).
    parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        return _TreeBuilder(_events(parser)).document()
    except MarkedYAMLError as exc:
        raise YamlSyntaxError(_marked_line(exc), _describe(exc)) from None
    except YAMLError as exc:  # unmarked errors (e.g. the reader's)
        raise YamlSyntaxError(None, " ".join(str(exc).split())) from None
    finally:
        parser.dispose()


def _events(parser: Any) -> Iterator[Any]:
    while parser.check_event():
        yield parser.get_event()


# --- scalar typing (port of yaml.v3 resolve.go) ------------------------------------------

_RESOLVE_MAP: dict[str, tuple[str, Any]] = {
    word: (tag, value)
    for value, tag, words in (
        (True, BOOL_TAG, ("true", "True", "TRUE")),
        (False, BOOL_TAG, ("false", "False", "FALSE")),
        (None, NULL_TAG, ("", "~", "null", "Null", "NULL")),
        (math.nan, FLOAT_TAG, (".nan", ".NaN", ".NAN")),
        (math.inf, FLOAT_TAG, (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")),
        (-math.inf, FLOAT_TAG, ("-.inf", "-.Inf", "-.INF")),
        ("<<", MERGE_TAG, ("<<",)),
    )
    for word in words
}

_RESOLVABLE = frozenset(("", STR_TAG, BOOL_TAG, INT_TAG, FLOAT_TAG, NULL_TAG, TIMESTAMP_TAG))
_YAML_STYLE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
# Go's strconv.ParseFloat on text that starts with '.': ".5", ".5e3".
_DOT_FLOAT = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?\Z")
# Go's strconv.ParseInt(s, 0, 64) syntax (underscores already removed by the caller).
_GO_INT = re.compile(r"([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)\Z")
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:(?:([Tt])|[ ])(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,9}))?"
    r"(Z|[+-]\d{2}:\d{2})?)?\Z"
)
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
UINT64_MAX = 2**64 - 1


def _hint(text: str) -> str:
    if not text:
        return "N"
    first = text[0]
    if first in "+-":
        return "S"
    if first.isdigit() and first.isascii():
        return "D"
    if first in "yYnNtTfFoO~":
        return "M"
    if first == ".":
        return "."
    return ""


def _go_parse_int(plain: str) -> int | None:
    match = _GO_INT.match(plain)
    if match is None:
        return None
    sign, digits = match.groups()
    if len(digits) > 1 and digits[0] == "0" and digits[1] not in "xXoObB":
        value = int(digits, 8)
    else:
        value = int(digits, 0)
    return -value if sign == "-" else value


def _go_parse_float(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    # Go reports out-of-range values as an error; yaml.v3 then keeps the text a string.
    return None if math.isinf(value) else value


def parse_timestamp(text: str) -> dt.datetime | None:
    """yaml.v3's parseTimestamp: the few layouts it accepts, as an aware datetime."""
    match = _TIMESTAMP.match(text)
    if match is None:
        return None
    year, month, day, tee, hour, minute, second, frac, zone = match.groups()
    if tee is not None and zone is None:
        return None  # the RFC 3339 layouts need a zone
    if tee is None and hour is not None and zone is not None:
        return None  # the space-separated layout has no zone
    try:
        tz = dt.UTC
        if zone and zone != "Z":
            sign = -1 if zone[0] == "-" else 1
            offset = dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
            tz = dt.timezone(sign * offset)
        micro = int((frac or "0").ljust(9, "0")[:6])
        return dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            micro,
            tzinfo=tz,
        )
    except ValueError:
        return None


def is_indicated_string(node: Scalar) -> bool:
    tag = node.tag or ""
    return tag == STR_TAG or (tag in ("", "!") and node.style is not None)


def resolve_scalar(node: Scalar) -> tuple[str, Any]:
    """(short tag, value) as yaml.v3 decodes the scalar when no target type forces it."""
    if is_indicated_string(node):
        return STR_TAG, node.value
    return resolve(node.tag or "", node.value)


def resolve(tag: str, text: str) -> tuple[str, Any]:
    if tag not in _RESOLVABLE:
        return tag, text
    rtag, value = _resolve_untyped(tag, text)
    if tag in ("", rtag, STR_TAG, BINARY_TAG):
        return rtag, value
    if tag == FLOAT_TAG and rtag == INT_TAG:
        return FLOAT_TAG, float(value)
    raise ValueError(f"cannot decode {rtag} `{text}` as a {tag}")


def _resolve_untyped(tag: str, text: str) -> tuple[str, Any]:
    hint = _hint(text)
    if not hint or tag in (STR_TAG, BINARY_TAG):
        return STR_TAG, text
    known = _RESOLVE_MAP.get(text)
    if known is not None:
        return known
    if hint == ".":
        if _DOT_FLOAT.match(text):
            value = _go_parse_float(text)
            if value is not None:
                return FLOAT_TAG, value
        return STR_TAG, text
    if hint in "DS":
        if tag in ("", TIMESTAMP_TAG):
            stamp = parse_timestamp(text)
            if stamp is not None:
                return TIMESTAMP_TAG, stamp
        plain = text.replace("_", "")
        number = _go_parse_int(plain)
        if number is not None and INT64_MIN <= number <= UINT64_MAX:
            return INT_TAG, number
        if _YAML_STYLE_FLOAT.match(plain):
            value = _go_parse_float(plain)
            if value is not None:
                return FLOAT_TAG, value
    return STR_TAG, text


def merge_is_key(node: Node) -> bool:
    return (
        isinstance(node, Scalar)
        and node.value == "<<"
        and (node.tag in (None, "!", MERGE_TAG))
        and node.style is None
    )
