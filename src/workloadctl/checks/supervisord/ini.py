"""A line-tracking reading of Supervisor's INI dialect.

Supervisor parses with `configparser.RawConfigParser(strict=False,
inline_comment_prefixes=(';', '#'))`, which keeps no line numbers and silently
merges duplicate sections and keys. This module walks the text with the same rules
(the same regular expressions, the same comment and continuation handling) but
records every section header and every key with its file and line, so the checks
can point at the exact line and see the duplicates configparser throws away.
"""

from __future__ import annotations

import configparser
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

# configparser's own patterns, so a line is a header, a key or an error exactly
# when it is one for Supervisor.
_SECTION_RE = configparser.RawConfigParser.SECTCRE
_OPTION_RE = configparser.RawConfigParser.OPTCRE
_NONSPACE_RE = configparser.RawConfigParser.NONSPACECRE
_COMMENT_PREFIXES = ("#", ";")
_INLINE_COMMENT_PREFIXES = (";", "#")
DEFAULT_SECTION = "DEFAULT"


@dataclass
class IniEntry:
    """One `key = value` line (plus its continuation lines)."""

    section: str
    key: str  # lower-cased, as configparser's optionxform makes it
    written_key: str  # as the user wrote it, for messages
    file: str
    line: int
    value_lines: list[str] = field(default_factory=list)

    @property
    def value(self) -> str:
        # configparser joins continuation lines with newlines and strips the end.
        return "\n".join(self.value_lines).rstrip()


@dataclass
class IniSection:
    """One occurrence of a `[header]`; a name may occur more than once."""

    name: str
    file: str
    line: int
    entries: list[IniEntry] = field(default_factory=list)


@dataclass
class IniSyntaxError:
    file: str
    line: int
    text: str
    reason: str


@dataclass
class IniDocument:
    """Every section occurrence of one file, in order, and the lines that are not INI."""

    file: str
    sections: list[IniSection] = field(default_factory=list)
    syntax_errors: list[IniSyntaxError] = field(default_factory=list)


def _comment_start(line: str) -> int | None:
    """Where configparser would cut the line off as a comment, or None.

    Mirrors configparser's search round by round: each round moves every prefix to
    its next occurrence, and the first round that finds one preceded by whitespace
    (or at the start) decides, which is not always the leftmost candidate.
    """
    for prefix in _COMMENT_PREFIXES:
        if line.strip().startswith(prefix):
            return 0
    best = sys.maxsize
    positions = {prefix: -1 for prefix in _INLINE_COMMENT_PREFIXES}
    while best == sys.maxsize and positions:
        next_positions: dict[str, int] = {}
        for prefix, index in positions.items():
            index = line.find(prefix, index + 1)
            if index == -1:
                continue
            next_positions[prefix] = index
            if index == 0 or line[index - 1].isspace():
                best = min(best, index)
        positions = next_positions
    return None if best == sys.maxsize else best


class _Scanner:
    def __init__(self, file: str) -> None:
        self.doc = IniDocument(file)
        self.section: IniSection | None = None
        self.entry: IniEntry | None = None
        self.indent_level = 0

    def feed(self, lineno: int, line: str) -> None:
        cut = _comment_start(line)
        value = line[:cut].strip()
        if not value:
            # With empty_lines_in_values (configparser's default) a blank line
            # belongs to the value being read, unless it held a comment.
            if cut is None and self.entry is not None:
                self.entry.value_lines.append("")
            return
        first = _NONSPACE_RE.search(line)
        indent = first.start() if first else 0
        if self.entry is not None and indent > self.indent_level:
            self.entry.value_lines.append(value)
            return
        self.indent_level = indent
        header = _SECTION_RE.match(value)
        if header:
            self.section = IniSection(header.group("header"), self.doc.file, lineno)
            self.doc.sections.append(self.section)
            self.entry = None
            return
        if self.section is None:
            self._error(lineno, line, "text before the first [section] header")
            return
        self._option(lineno, line, value)

    def _option(self, lineno: int, line: str, value: str) -> None:
        assert self.section is not None
        match = _OPTION_RE.match(value)
        if not match:
            # configparser keeps the previous key current, so an indented line
            # after this one still continues it.
            self._error(lineno, line, "not a section header, a key = value line or a comment")
            return
        name = match.group("option").rstrip()
        if not name:
            self._error(lineno, line, "a value with no key before the '='")
            self.entry = None  # an empty key takes no continuation lines
            return
        self.entry = IniEntry(
            section=self.section.name,
            key=name.lower(),
            written_key=name,
            file=self.doc.file,
            line=lineno,
            value_lines=[match.group("value").strip()],
        )
        self.section.entries.append(self.entry)

    def _error(self, lineno: int, line: str, reason: str) -> None:
        self.doc.syntax_errors.append(
            IniSyntaxError(self.doc.file, lineno, line.rstrip("\r\n"), reason)
        )


def scan_ini(text: str, file: str) -> IniDocument:
    """Read `text` with configparser's rules, keeping every header and key with its line."""
    scanner = _Scanner(file)
    # Supervisor opens the file in text mode: universal newlines, and only those
    # end a line (str.splitlines would also split on form feeds and the like).
    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    for lineno, line in enumerate(normalized.split("\n"), start=1):
        scanner.feed(lineno, line + "\n")
    return scanner.doc


@dataclass
class IniModel:
    """The merged view Supervisor sees: several documents (main file + includes) in order."""

    documents: list[IniDocument] = field(default_factory=list)
    # Sections by name, for lookups per program that would otherwise scan every section
    # (quadratic in the number of programs); rebuilt when a document or section is added.
    _index: tuple[tuple[tuple[int, int], ...], dict[str, list[IniSection]]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def _by_name(self) -> dict[str, list[IniSection]]:
        shape = tuple((id(doc), len(doc.sections)) for doc in self.documents)
        if self._index is None or self._index[0] != shape:
            by_name: dict[str, list[IniSection]] = {}
            for section in self.occurrences():
                by_name.setdefault(section.name, []).append(section)
            self._index = (shape, by_name)
        return self._index[1]

    def occurrences(self) -> Iterator[IniSection]:
        for doc in self.documents:
            yield from doc.sections

    def section_names(self) -> list[str]:
        """Distinct section names in order of first appearance (as configparser lists them)."""
        seen: dict[str, None] = {}
        for section in self.occurrences():
            if section.name != DEFAULT_SECTION:
                seen.setdefault(section.name, None)
        return list(seen)

    def has_section(self, name: str) -> bool:
        return name in self._by_name()

    def first(self, name: str) -> IniSection | None:
        found = self._by_name().get(name)
        return found[0] if found else None

    def entries(self, name: str) -> list[IniEntry]:
        """Every key line of section `name`, across its occurrences, in file order."""
        return [e for s in self._by_name().get(name, ()) for e in s.entries]

    def effective(self, name: str) -> dict[str, IniEntry]:
        """The entry that wins for each key: the last one, as configparser merges."""
        return {entry.key: entry for entry in self.entries(name)}

    def get(self, name: str, key: str) -> IniEntry | None:
        return self.effective(name).get(key)
