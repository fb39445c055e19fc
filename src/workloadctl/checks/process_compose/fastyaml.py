"""A fast path for the plain block YAML that most configs are written in.

ruamel.yaml's pure-Python scanner costs ~50 us per line, and the launcher checks the
config at every start. This parser handles only the simplest, most common shape of YAML
and builds the same node tree ruamel would; the moment a line is anything else
(anchors, aliases, tags, merge keys, block or multi-line scalars, escapes, flow
collections other than `[]`, `{}` and short lists of simple words, tabs, documents,
odd indentation) it gives up and the caller uses ruamel. A test compares both parsers on
every corpus file so the fast path can only be used where it agrees.
"""

from __future__ import annotations

import re

from workloadctl.checks.process_compose.yaml12 import MAX_DEPTH, Mapping, Node, Scalar, Sequence


class NotSimple(Exception):
    """The text is outside the subset: use the full parser."""


# Characters YAML allows in a document (tab excluded: its rules are subtle, give up).
_UNSUPPORTED_CHAR = re.compile(
    "[^\n\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
_PLAIN_KEY = re.compile(r"([A-Za-z0-9_.][A-Za-z0-9_.\-/]*):(?: +|$)")
_DOUBLE_KEY = re.compile(r'"([^"\\]*)":(?: +|$)')
_SINGLE_KEY = re.compile(r"'([^']*)':(?: +|$)")
_DOUBLE_VALUE = re.compile(r'"([^"\\]*)"(?: +#.*)? *\Z')
_SINGLE_VALUE = re.compile(r"'([^']*)'(?: +#.*)? *\Z")
_FLOW_WORD = re.compile(r"[A-Za-z0-9_./][A-Za-z0-9_.\-+/=]*\Z")
_FLOW_QUOTED = re.compile(r"\"([^\"\\,\[\]{}#]*)\"\Z|'([^',\[\]{}#]*)'\Z")
_PLAIN_FIRST_FORBIDDEN = frozenset("-?:,[]{}#&*!|>'\"%@`~")

Line = tuple[int, int, str]  # (1-based line number, indent, content)


def fast_parse(text: str) -> Node | None:
    """The root node (None if empty); raises NotSimple when the text is not in our subset."""
    if "\t" in text or "\r" in text or _UNSUPPORTED_CHAR.search(text):
        raise NotSimple
    lines = _content_lines(text)
    if not lines:
        return None
    root, end = _Parser(lines).block(0, lines[0][1])
    if end != len(lines):
        raise NotSimple
    return root


def _content_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(raw) - len(stripped)
        if (indent == 0 and stripped[:3] in ("---", "...")) or stripped.startswith("%"):
            raise NotSimple
        lines.append((number, indent, stripped.rstrip(" ")))
    return lines


def _is_item(content: str) -> bool:
    return content == "-" or content.startswith("- ")


class _Parser:
    def __init__(self, lines: list[Line]) -> None:
        self.lines = lines
        self.depth = 0

    def block(self, index: int, indent: int) -> tuple[Node, int]:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise NotSimple  # ruamel's builder reports it
        try:
            if _is_item(self.lines[index][2]):
                return self.sequence(index, indent)
            return self.mapping(index, indent)
        finally:
            self.depth -= 1

    def mapping(self, index: int, indent: int) -> tuple[Node, int]:
        number, _, _ = self.lines[index]
        node = Mapping(number, indent + 1, None, None)
        lines = self.lines
        while index < len(lines):
            number, line_indent, content = lines[index]
            if line_indent < indent:
                break
            if line_indent > indent or _is_item(content):
                raise NotSimple
            key, rest = self.key(number, line_indent, content)
            index += 1
            if rest:
                value = self.inline_value(number, line_indent + len(content) - len(rest), rest)
                self.no_continuation(index, indent)
            else:
                value, index = self.nested(index, indent, number)
            node.pairs.append((key, value))
        return node, index

    def sequence(self, index: int, indent: int) -> tuple[Node, int]:
        number, _, _ = self.lines[index]
        node = Sequence(number, indent + 1, None, None)
        lines = self.lines
        while index < len(lines):
            number, line_indent, content = lines[index]
            if line_indent < indent or (line_indent == indent and not _is_item(content)):
                break
            if line_indent > indent:
                raise NotSimple
            rest = content[1:].lstrip(" ")
            offset = len(content) - len(rest)
            if not rest:
                item, index = self.nested(index + 1, indent, number)
            elif _is_item(rest):
                raise NotSimple  # "- - x": nested sequences on one line
            elif self.looks_like_key(rest):
                # "- key: value": a mapping whose indentation is the key's column.
                lines[index] = (number, indent + offset, rest)
                item, index = self.mapping(index, indent + offset)
            else:
                item = self.inline_value(number, indent + offset, rest)
                index += 1
                self.no_continuation(index, indent)
            node.items.append(item)
        return node, index

    def nested(self, index: int, indent: int, number: int) -> tuple[Node, int]:
        """The value of a `key:` or `-` with nothing after it on its line."""
        lines = self.lines
        if index < len(lines):
            _, next_indent, next_content = lines[index]
            if next_indent > indent:
                return self.block(index, next_indent)
            if next_indent == indent and _is_item(next_content):
                raise NotSimple  # an indentless sequence: leave it to ruamel
        return Scalar(number, indent + 1, None, None, "", None), index

    def no_continuation(self, index: int, indent: int) -> None:
        """A scalar that goes on on the next, deeper line is a multi-line scalar."""
        if index < len(self.lines) and self.lines[index][1] > indent:
            raise NotSimple

    def looks_like_key(self, content: str) -> bool:
        return bool(
            _PLAIN_KEY.match(content) or _DOUBLE_KEY.match(content) or _SINGLE_KEY.match(content)
        )

    def key(self, number: int, indent: int, content: str) -> tuple[Scalar, str]:
        for pattern, style in ((_PLAIN_KEY, None), (_DOUBLE_KEY, '"'), (_SINGLE_KEY, "'")):
            match = pattern.match(content)
            if match is not None:
                rest = content[match.end() :]
                if rest.startswith("#"):
                    rest = ""
                return Scalar(number, indent + 1, None, None, match.group(1), style), rest
        raise NotSimple

    def inline_value(self, number: int, column: int, text: str) -> Node:
        first = text[0]
        if first == '"':
            match = _DOUBLE_VALUE.match(text)
            if match is None:
                raise NotSimple
            return Scalar(number, column + 1, None, None, match.group(1), '"')
        if first == "'":
            match = _SINGLE_VALUE.match(text)
            if match is None:
                raise NotSimple
            return Scalar(number, column + 1, None, None, match.group(1), "'")
        if first in "[{":
            return self.flow(number, column, text)
        # "-c", "-1": a dash starts a plain scalar when a word character follows it.
        if first in _PLAIN_FIRST_FORBIDDEN and not (first == "-" and text[1:2].isalnum()):
            raise NotSimple
        value = text.split(" #", 1)[0].rstrip(" ")
        if ": " in value or value.endswith(":"):
            raise NotSimple
        return Scalar(number, column + 1, None, None, value, None)

    def flow(self, number: int, column: int, text: str) -> Node:
        body = text.split(" #", 1)[0].rstrip(" ")
        if body == "{}":
            return Mapping(number, column + 1, None, None)
        if not (body.startswith("[") and body.endswith("]")):
            raise NotSimple
        node = Sequence(number, column + 1, None, None)
        inner = body[1:-1].strip(" ")
        if not inner:
            return node
        for word in inner.split(","):
            item = word.strip(" ")
            if _FLOW_WORD.match(item):
                node.items.append(Scalar(number, column + 1, None, None, item, None))
                continue
            quoted = _FLOW_QUOTED.match(item)
            if quoted is None:
                raise NotSimple
            double, single = quoted.groups()
            style = '"' if double is not None else "'"
            value = double if double is not None else single
            node.items.append(Scalar(number, column + 1, None, None, value or "", style))
        return node
