"""`${VAR}` substitution on the raw config text, exactly as process-compose v1.122.0 does it.

process-compose (src/loader/loader.go) replaces every `$$` with a placeholder, runs
github.com/drone/envsubst v1.0.3 over the whole file (comments included) and turns the
placeholder back into a single `$`. Values come from the `.env` file first, then the
environment; an unset variable becomes the empty string. This module ports envsubst's
scanner and parser so that the same inputs succeed, fail and expand the same way:

- only the braced form is expanded: `${VAR}`; a bare `$VAR` stays as it is;
- bash-like operators: `${V:-d}`, `${V=d}`, `${V:=d}` (all "use d when V is empty"),
  and `${V:?d}`, `${V:+d}`, which envsubst also treats as "default" (no error, no
  alternate value), `${#V}`, `${V:1:2}`, `${V#p}`, `${V%p}`, `${V/a/b}`, `${V,,}`, `${V^^}`;
- `${V-d}` is NOT supported (a parse error, fatal in process-compose), nor `${ V }`;
- outside `${...}`, a backslash before `\\` or `/` is dropped: `a\\b` becomes `a\b`.

Where process-compose stops at the first bad `${`, we report each one and leave it as
written, so one run shows every problem.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from workloadctl.checks.process_compose import envsubst_funcs

# process-compose's own placeholder for `$$` while envsubst runs.
ESCAPED_PLACEHOLDER = "##PC_ENV_ESCAPED##"
_TOP_LEVEL_ESCAPE = re.compile(r"\\([\\/])")
_EOF = ""

# Operators that supply a value of their own: an unset variable there is intended.
DEFAULTING_OPERATORS = frozenset(("=", ":=", ":-", ":?", ":+", "-", "+"))


class SubstitutionError(Exception):
    """envsubst rejected a `${...}` expression."""


@dataclass(frozen=True)
class SubstitutionProblem:
    line: int  # 1-based line of the `${` in the original text
    message: str


@dataclass(frozen=True)
class UnsetVariable:
    line: int
    name: str


@dataclass
class Substituted:
    text: str
    problems: list[SubstitutionProblem] = field(default_factory=list)
    unset: list[UnsetVariable] = field(default_factory=list)
    # For each line of `text` (index 0 = line 1), its line in the original; None when
    # every substitution kept the line structure (the usual case).
    line_map: list[int] | None = None

    def original_line(self, line: int | None) -> int | None:
        if line is None or self.line_map is None:
            return line
        if 1 <= line <= len(self.line_map):
            return self.line_map[line - 1]
        return self.line_map[-1] if self.line_map else line


# --- the envsubst parse tree -------------------------------------------------------------


@dataclass
class _Text:
    value: str


@dataclass
class _Func:
    param: str = ""
    name: str = ""
    args: list[_Text | _Func] = field(default_factory=list)


# --- scanner (port of envsubst/parse/scan.go) ------------------------------------------

SCAN_IDENT = 1
SCAN_LBRACK = 2
SCAN_RBRACK = 4
SCAN_ESCAPE = 8

TOKEN_ILLEGAL = 0
TOKEN_EOF = 1
TOKEN_IDENT = 2
TOKEN_LBRACK = 3
TOKEN_RBRACK = 4

Accept = Callable[[str, int], bool]


def _accept_rune(r: str, i: int) -> bool:
    return True


def _accept_ident(r: str, i: int) -> bool:
    return r.isalpha() or r.isdecimal() or r == "_"


def _accept_colon(r: str, i: int) -> bool:
    return r == ":"


def _accept_one_hash(r: str, i: int) -> bool:
    return r == "#" and i == 1


def _accept_not_closing(r: str, i: int) -> bool:
    return r != "}"


def _accept_hash_func(r: str, i: int) -> bool:
    return r == "#" and i < 3


def _accept_percent_func(r: str, i: int) -> bool:
    return r == "%" and i < 3


def _accept_default_func(r: str, i: int) -> bool:
    return (i == 1 and r == ":") or (i == 2 and r in "=-?+")


def _accept_replace_func(r: str, i: int) -> bool:
    return (i == 1 and r == "/") or (i == 2 and r in "/#%")


def _accept_one_equal(r: str, i: int) -> bool:
    return i == 1 and r == "="


def _accept_one_colon(r: str, i: int) -> bool:
    return i == 1 and r == ":"


def _reject_colon_close(r: str, i: int) -> bool:
    return r not in ":}"


def _accept_slash(r: str, i: int) -> bool:
    return r == "/"


def _accept_not_slash(r: str, i: int) -> bool:
    return r != "/"


def _accept_casing_func(r: str, i: int) -> bool:
    return r in ",^" and i < 3


class _Scanner:
    """envsubst's scanner over `buf`, starting at `pos`.

    Go's scanner deletes escape characters from its buffer (`skip`); we leave the text
    alone and remember which positions were deleted instead, which keeps `pos` in
    original coordinates and avoids copying the whole file per escape.
    """

    def __init__(self, buf: str, pos: int) -> None:
        self.buf = buf
        self.pos = pos
        self.start = pos
        self.width = 0
        self.mode = 0
        self.accept: Accept = _accept_rune
        self.skipped: list[int] = []
        # Deleted characters shift later indices in Go; `i` passed to accept functions
        # counts characters of the current token, which we reproduce with `deleted`.
        self.deleted = 0

    def read(self) -> str:
        if self.pos >= len(self.buf):
            self.width = 0
            return _EOF
        self.width = 1
        self.pos += 1
        return self.buf[self.pos - 1]

    def unread(self) -> None:
        self.pos -= self.width

    def skip(self) -> None:
        # Go removes the escape character; the character after it then sits behind
        # `pos`, so it is taken into the token without being looked at.
        self.skipped.append(self.pos - 1)
        self.deleted += 1
        self.pos += 1

    def peek(self) -> str:
        r = self.read()
        self.unread()
        return r

    def string(self) -> str:
        if not self.skipped:
            return self.buf[self.start : self.pos]
        skipped = set(self.skipped)
        return "".join(self.buf[i] for i in range(self.start, self.pos) if i not in skipped)

    def index(self) -> int:
        """Go's `s.pos - s.start` after a read: characters of the token so far."""
        return self.pos - self.start - self.deleted

    def scan(self) -> int:
        self.start = self.pos
        self.skipped = []
        self.deleted = 0
        r = self.read()
        if r == _EOF:
            return TOKEN_EOF
        if self.scan_lbrack(r):
            return TOKEN_LBRACK
        if self.scan_rbrack(r):
            return TOKEN_RBRACK
        if self.scan_ident(r):
            return TOKEN_IDENT
        return TOKEN_ILLEGAL

    def scan_ident(self, r: str) -> bool:
        if not self.mode & SCAN_IDENT:
            return False
        if self.scan_escaped(r):
            self.skip()
        elif not self.accept(r, self.index()):
            return False
        while True:
            r = self.read()
            if r == _EOF:
                self.unread()
                break
            if self.scan_lbrack(r):
                self.unread()
                self.unread()
                break
            if self.scan_escaped(r):
                self.skip()
                continue
            if not self.accept(r, self.index()):
                self.unread()
                break
        return True

    def scan_lbrack(self, r: str) -> bool:
        if not self.mode & SCAN_LBRACK:
            return False
        if r == "$":
            if self.read() == "{":
                return True
            self.unread()
        return False

    def scan_rbrack(self, r: str) -> bool:
        return bool(self.mode & SCAN_RBRACK) and r == "}"

    def scan_escaped(self, r: str) -> bool:
        if not self.mode & SCAN_ESCAPE:
            return False
        if r == "$" and self.peek() == "$":
            return True
        if r != "\\":
            return False
        return self.peek() in ("/", "\\")


# --- parser (port of envsubst/parse/parse.go, from `${` on) ---------------------------


# `${A:-${B:-...}}` nests; past this depth we stop (envsubst has no limit, Python's
# stack has one).
MAX_NESTING = 50


class _FuncParser:
    def __init__(self, scanner: _Scanner) -> None:
        self.s = scanner
        self.depth = 0

    def parse_func(self) -> _Func:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise SubstitutionError(f"nested more than {MAX_NESTING} levels deep")
        try:
            return self._parse_func()
        finally:
            self.depth -= 1

    def _parse_func(self) -> _Func:
        s = self.s
        if s.peek() == "#":
            return self.parse_len_func()
        name = self.scan_ident(_accept_ident, "unable to parse variable name")
        nxt = s.peek()
        if nxt == ":":
            return self.parse_default_or_substr(name)
        if nxt == "=":
            return self.parse_default_func(name)
        if nxt in (",", "^"):
            return self.parse_casing_func(name)
        if nxt == "/":
            return self.parse_replace_func(name)
        if nxt == "#":
            return self.parse_remove_func(name, _accept_hash_func)
        if nxt == "%":
            return self.parse_remove_func(name, _accept_percent_func)
        s.accept = _accept_ident
        s.mode = SCAN_RBRACK
        if s.scan() != TOKEN_RBRACK:
            raise SubstitutionError("missing closing brace")
        return _Func(param=name)

    def scan_ident(self, accept: Accept, message: str = "bad substitution") -> str:
        """The identifier token `accept` takes here (a name or an operator)."""
        self.s.accept = accept
        self.s.mode = SCAN_IDENT
        if self.s.scan() != TOKEN_IDENT:
            raise SubstitutionError(message)
        return self.s.string()

    def parse_param(self, accept: Accept, mode: int) -> _Text | _Func:
        s = self.s
        s.accept = accept
        s.mode = mode | SCAN_LBRACK
        token = s.scan()
        if token == TOKEN_LBRACK:
            return self.parse_func()
        if token in (TOKEN_IDENT, TOKEN_RBRACK):
            return _Text(s.string())
        raise SubstitutionError("unable to parse substitution within function")

    def parse_default_or_substr(self, name: str) -> _Func:
        s = self.s
        s.read()
        r = s.peek()
        s.unread()
        if r and r in "=-?+":
            return self.parse_default_func(name)
        return self.parse_substr_func(name)

    def parse_substr_func(self, name: str) -> _Func:
        s = self.s
        node = _Func(name, self.scan_ident(_accept_one_colon))
        node.args.append(self.parse_param(_reject_colon_close, SCAN_IDENT))
        s.accept = _accept_colon
        s.mode = SCAN_IDENT | SCAN_RBRACK
        token = s.scan()
        if token == TOKEN_RBRACK:
            return node
        if token != TOKEN_IDENT:
            raise SubstitutionError("bad substitution")
        node.args.append(self.parse_param(_accept_not_closing, SCAN_IDENT))
        self.consume_rbrack()
        return node

    def parse_remove_func(self, name: str, accept: Accept) -> _Func:
        node = _Func(name, self.scan_ident(accept))
        node.args.append(self.parse_param(_accept_not_closing, SCAN_IDENT))
        self.consume_rbrack()
        return node

    def parse_replace_func(self, name: str) -> _Func:
        node = _Func(name, self.scan_ident(_accept_replace_func))
        node.args.append(self.parse_param(_accept_not_slash, SCAN_IDENT | SCAN_ESCAPE))
        self.scan_ident(_accept_slash)
        if self.s.peek() != "}":
            node.args.append(self.parse_param(_accept_not_closing, SCAN_IDENT | SCAN_ESCAPE))
        self.consume_rbrack()
        return node

    def parse_default_func(self, name: str) -> _Func:
        accept = _accept_one_equal if self.s.peek() == "=" else _accept_default_func
        node = _Func(name, self.scan_ident(accept, "unable to parse default function"))
        while self.s.peek() != "}":
            node.args.append(self.parse_param(_accept_not_closing, SCAN_IDENT))
        self.consume_rbrack()
        return node

    def parse_casing_func(self, name: str) -> _Func:
        node = _Func(name, self.scan_ident(_accept_casing_func))
        self.consume_rbrack()
        return node

    def parse_len_func(self) -> _Func:
        operator = self.scan_ident(_accept_one_hash)
        node = _Func(self.scan_ident(_accept_ident), operator)
        self.consume_rbrack()
        return node

    def consume_rbrack(self) -> None:
        self.s.mode = SCAN_RBRACK
        if self.s.scan() != TOKEN_RBRACK:
            raise SubstitutionError("bad substitution")


class _Evaluator:
    def __init__(self, lookup: Callable[[str], str | None], line: int) -> None:
        self.lookup = lookup
        self.line = line
        self.unset: list[UnsetVariable] = []

    def value(self, node: _Text | _Func) -> str:
        if isinstance(node, _Text):
            return node.value
        args = [self.value(arg) for arg in node.args]
        found = self.lookup(node.param)
        if found is None and node.name not in DEFAULTING_OPERATORS:
            self.unset.append(UnsetVariable(self.line, node.param))
        return envsubst_funcs.apply(node.name, found or "", args)


def substitute(text: str, lookup: Callable[[str], str | None]) -> Substituted:
    """process-compose's substitution of `text`; `lookup` returns None for an unset name."""
    if "$" not in text and "\\" not in text:
        return Substituted(text)
    work = text.replace("$$", ESCAPED_PLACEHOLDER)
    pieces: list[str] = []
    length = 0  # of "".join(pieces)
    problems: list[SubstitutionProblem] = []
    unset: list[UnsetVariable] = []
    # Values whose line count differs from their `${...}` text:
    # (start in result, end in result, newlines of the original text).
    reshaped: list[tuple[int, int, int]] = []
    pos = 0
    line = 1
    while True:
        start = work.find("${", pos)
        literal = work[pos:] if start < 0 else work[pos:start]
        literal = _TOP_LEVEL_ESCAPE.sub(r"\1", literal)
        pieces.append(literal)
        length += len(literal)
        line += literal.count("\n")
        if start < 0:
            break
        scanner = _Scanner(work, start + 2)
        evaluator = _Evaluator(lookup, line)
        try:
            value = evaluator.value(_FuncParser(scanner).parse_func())
        except SubstitutionError as exc:
            problems.append(SubstitutionProblem(line, f"{exc} in {_excerpt(work, start)}"))
            pieces.append("${")
            length += 2
            pos = start + 2
            continue
        unset.extend(evaluator.unset)
        span_newlines = work.count("\n", start, scanner.pos)
        if span_newlines != value.count("\n"):
            reshaped.append((length, length + len(value), span_newlines))
        pieces.append(value)
        length += len(value)
        line += span_newlines
        pos = scanner.pos
    joined = "".join(pieces)
    substituted = Substituted(joined.replace(ESCAPED_PLACEHOLDER, "$"), problems, unset)
    if reshaped:
        substituted.line_map = _line_map(joined, reshaped)
    return substituted


def _excerpt(text: str, start: int) -> str:
    ends = [x for x in (text.find("}", start) + 1, text.find("\n", start)) if x > start]
    stop = min([*ends, start + 60, len(text)])
    return repr(text[start:stop].replace(ESCAPED_PLACEHOLDER, "$$"))


def _line_map(result: str, reshaped: list[tuple[int, int, int]]) -> list[int]:
    """Original line of each result line, when substituted values added or removed lines."""
    mapping: list[int] = []
    orig = 1
    cursor = 0
    for res_start, res_end, orig_newlines in reshaped:
        for _ in range(result.count("\n", cursor, res_start)):
            mapping.append(orig)
            orig += 1
        # Every line break inside the value belongs to the line of its `${`.
        mapping.extend([orig] * result.count("\n", res_start, res_end))
        orig += orig_newlines
        cursor = res_end
    for _ in range(result.count("\n", cursor) + 1):
        mapping.append(orig)
        orig += 1
    return mapping
