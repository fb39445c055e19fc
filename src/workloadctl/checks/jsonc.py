"""JSON with comments (JSONC), as devcontainer.json is written, with a line for every value.

What the dev-container tools accept (Microsoft's jsonc-parser): JSON plus `//` and
`/* */` comments and trailing commas in objects and arrays. A key given twice keeps the
last value, as JSON.parse does. Strings, numbers and literals follow RFC 8259.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

# Deeper nesting than this is not a config anyone wrote; stop before Python's recursion does.
MAX_DEPTH = 200

_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}


@dataclass(frozen=True)
class Node:
    """A parsed value. Objects are `dict[str, Node]`, arrays `list[Node]`; `line` is where
    the value starts (1-based), `key_line` where its key is, for an object's member."""

    value: Any
    line: int
    key_line: int | None = None

    @property
    def where(self) -> int:
        return self.key_line if self.key_line is not None else self.line


class JsoncError(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1

    # --- whitespace and comments -------------------------------------------------------

    def _advance(self, count: int) -> None:
        self.line += self.text.count("\n", self.pos, self.pos + count)
        self.pos += count

    def skip_blank(self) -> None:
        text = self.text
        while self.pos < len(text):
            ch = text[self.pos]
            if ch in " \t\r\n":
                self._advance(1)
            elif text.startswith("//", self.pos):
                end = text.find("\n", self.pos)
                self._advance((len(text) if end == -1 else end) - self.pos)
            elif text.startswith("/*", self.pos):
                end = text.find("*/", self.pos + 2)
                if end == -1:
                    raise JsoncError("unterminated /* comment", self.line)
                self._advance(end + 2 - self.pos)
            else:
                return

    def peek(self) -> str:
        self.skip_blank()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, ch: str) -> None:
        if self.peek() != ch:
            raise JsoncError(f"expected '{ch}', found {self._describe_here()}", self.line)
        self._advance(1)

    def _describe_here(self) -> str:
        if self.pos >= len(self.text):
            return "the end of the file"
        return repr(self.text[self.pos])

    # --- values ---------------------------------------------------------------------------

    def value(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise JsoncError(f"nested deeper than {MAX_DEPTH} levels", self.line)
        ch = self.peek()
        line = self.line
        if ch == "{":
            return Node(self.members(depth), line)
        if ch == "[":
            return Node(self.elements(depth), line)
        if ch == '"':
            return Node(self.string(), line)
        return Node(self.scalar(), line)

    def members(self, depth: int) -> dict[str, Node]:
        self.expect("{")
        out: dict[str, Node] = {}
        while self.peek() != "}":
            if self.peek() != '"':
                raise JsoncError(
                    f"expected a quoted key or '}}', found {self._describe_here()}", self.line
                )
            key_line = self.line
            key = self.string()
            self.expect(":")
            node = self.value(depth + 1)
            out.pop(key, None)  # the last occurrence wins, and its position counts
            out[key] = Node(node.value, node.line, key_line)
            if self.peek() != ",":
                break
            self._advance(1)
        self.expect("}")
        return out

    def elements(self, depth: int) -> list[Node]:
        self.expect("[")
        out: list[Node] = []
        while self.peek() != "]":
            out.append(self.value(depth + 1))
            if self.peek() != ",":
                break
            self._advance(1)
        self.expect("]")
        return out

    def string(self) -> str:
        start, line = self.pos, self.line
        i = start + 1
        text = self.text
        while i < len(text):
            ch = text[i]
            if ch == '"':
                break
            if ch == "\\":
                i += 2
                continue
            if ch == "\n" or ord(ch) < 0x20:
                raise JsoncError("a string contains a line break or control character", line)
            i += 1
        else:
            raise JsoncError("unterminated string", line)
        raw = text[start : i + 1]
        try:
            decoded: str = json.loads(raw)
        except ValueError:
            raise JsoncError(f"invalid escape in the string {raw[:40]}", line) from None
        self._advance(i + 1 - start)
        return decoded

    def scalar(self) -> Any:
        for word, value in _LITERALS.items():
            if self.text.startswith(word, self.pos):
                self._advance(len(word))
                return value
        match = _NUMBER.match(self.text, self.pos)
        if match is None or match.end() == self.pos:
            raise JsoncError(f"expected a value, found {self._describe_here()}", self.line)
        self._advance(match.end() - self.pos)
        number = match.group()
        return float(number) if any(c in number for c in ".eE") else int(number)


def parse_jsonc(text: str) -> Node:
    """Parse a whole JSONC document. Raises JsoncError with the line of the problem."""
    parser = _Parser(text)
    if parser.peek() == "":
        raise JsoncError("the file holds no JSON value", parser.line)
    node = parser.value(0)
    if parser.peek() != "":
        raise JsoncError(f"unexpected {parser._describe_here()} after the value", parser.line)
    return node


def plain(node: Node) -> Any:
    """The Python value without positions."""
    if isinstance(node.value, dict):
        return {k: plain(v) for k, v in node.value.items()}
    if isinstance(node.value, list):
        return [plain(v) for v in node.value]
    return node.value
