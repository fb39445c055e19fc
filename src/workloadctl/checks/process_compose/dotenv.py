"""The `.env` file as process-compose reads it: a port of github.com/joho/godotenv v1.5.1.

process-compose calls `godotenv.Read(".env")` (relative to its working directory) and
ignores the error: a missing file, or one with a syntax error, gives NO variables at
all (godotenv returns before merging anything), silently. We reproduce that and report
the syntax error as a warning.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from workloadctl.fileio import TextFile, read_config_text


class DotenvSyntaxError(Exception):
    pass


@dataclass
class DotenvResult:
    path: Path
    variables: dict[str, str] = field(default_factory=dict)
    exists: bool = False
    error: str | None = None  # why the file gave no variables although it exists


_ESCAPE = re.compile(r"\\.")
_EXPAND_VAR = re.compile(r"(\\)?(\$)(\()?\{?([A-Z0-9_]+)?\}?")
_UNESCAPE_CHARS = re.compile(r"\\([^$])")
_SPACE_NOT_NEWLINE = "\t\v\f\r \x85\xa0"


def _is_space(ch: str) -> bool:
    return ch in _SPACE_NOT_NEWLINE


def _go_is_space(ch: str) -> bool:
    # unicode.IsSpace
    return ch in "\t\n\v\f\r \x85\xa0" or (ord(ch) > 0xFF and ch.isspace())


def _is_letter_or_number_byte(byte: int) -> bool:
    # godotenv ranges over the key's BYTES and tests rune(byte): bytes of multi-byte
    # UTF-8 characters are judged as if they were Latin-1 characters.
    category = unicodedata.category(chr(byte))
    return category.startswith("L") or category.startswith("N")


def read_dotenv(path: Path) -> DotenvResult:
    result = DotenvResult(path)
    if not path.exists():
        return result
    result.exists = True
    text = read_config_text(path, what=".env file")
    if not isinstance(text, TextFile):
        result.error = text.message
        return result
    try:
        result.variables = parse_dotenv(text.text)
    except DotenvSyntaxError as exc:
        result.error = str(exc)
    return result


def parse_dotenv(source: str) -> dict[str, str]:
    out: dict[str, str] = {}
    rest: str | None = source.replace("\r\n", "\n")
    while True:
        rest = _statement_start(rest)
        if rest is None:
            return out
        key, rest = _locate_key_name(rest)
        value, rest = _extract_value(rest, out)
        out[key] = value


def _statement_start(src: str | None) -> str | None:
    while src:
        pos = next((i for i, ch in enumerate(src) if not _go_is_space(ch)), -1)
        if pos < 0:
            return None
        src = src[pos:]
        if src[0] != "#":
            return src
        newline = src.find("\n")
        if newline < 0:
            return None
        src = src[newline:]
    return None


def _locate_key_name(src: str) -> tuple[str, str]:
    src = src.lstrip(_SPACE_NOT_NEWLINE)
    if src.startswith("export"):
        trimmed = src[len("export") :]
        if trimmed[:1] and _is_space(trimmed[0]):
            src = trimmed.lstrip(_SPACE_NOT_NEWLINE)
    raw = src.encode()
    key_bytes = b""
    offset = 0
    for i, byte in enumerate(raw):
        ch = chr(byte)
        if _is_space(ch):
            continue
        if ch in "=:":
            key_bytes = raw[:i]
            offset = i + 1
            break
        if ch == "_" or ch == "." or _is_letter_or_number_byte(byte):
            continue
        near = raw.decode(errors="replace")
        raise DotenvSyntaxError(f"unexpected character {ch!r} in variable name near {near[:40]!r}")
    if not raw:
        raise DotenvSyntaxError("zero length string")
    key = key_bytes.decode(errors="replace").rstrip()
    rest = raw[offset:].decode(errors="replace").lstrip(_SPACE_NOT_NEWLINE)
    return key, rest


def _extract_value(src: str, variables: dict[str, str]) -> tuple[str, str | None]:
    quote = src[:1] if src[:1] in ("'", '"') else ""
    if not quote:
        return _unquoted_value(src, variables)
    for i in range(1, len(src)):
        if src[i] != quote or src[i - 1] == "\\":
            continue
        value = src[:i].rstrip(quote).lstrip(quote)
        if quote == '"':
            value = _expand_variables(_expand_escapes(value), variables)
        return value, src[i + 1 :]
    line_end = src.find("\n")
    shown = src if line_end < 0 else src[:line_end]
    raise DotenvSyntaxError(f"unterminated quoted value {shown}")


def _unquoted_value(src: str, variables: dict[str, str]) -> tuple[str, str | None]:
    ends = [i for i in (src.find("\n"), src.find("\r")) if i >= 0]
    end_of_line = min(ends) if ends else -1
    if end_of_line < 0:
        end_of_line = len(src)
        if end_of_line == 0:
            return "", None
    line = src[:end_of_line]
    if not line:
        return "", src[end_of_line:]
    end_of_var = len(line)
    for i in range(len(line) - 1, -1, -1):
        if line[i] == "#" and i > 0 and _is_space(line[i - 1]):
            end_of_var = i
            break
    trimmed = line[:end_of_var].strip(_SPACE_NOT_NEWLINE)
    return _expand_variables(trimmed, variables), src[end_of_line:]


def _expand_escapes(value: str) -> str:
    def one(match: re.Match[str]) -> str:
        char = match.group(0)[1:]
        return {"n": "\n", "r": "\r"}.get(char, match.group(0))

    return _UNESCAPE_CHARS.sub(r"\1", _ESCAPE.sub(one, value))


def _expand_variables(value: str, variables: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        # godotenv tests group 2 for "(" (always "$"): only a backslash escapes.
        if match.group(1) == "\\":
            return match.group(0)[1:]
        if match.group(4):
            return variables.get(match.group(4), "")
        return match.group(0)

    return _EXPAND_VAR.sub(one, value)
