"""`${VAR}` substitution as envsubst does it inside process-compose, and `.env` parsing as
godotenv does it."""

from __future__ import annotations

from pathlib import Path

import pytest

from workloadctl.checks.process_compose.dotenv import (
    DotenvSyntaxError,
    parse_dotenv,
    read_dotenv,
)
from workloadctl.checks.process_compose.gopath import match
from workloadctl.checks.process_compose.interpolate import substitute

VARS = {"NAME": "World", "EMPTY": "", "PATHV": "/usr/local/bin", "N": "2"}


def expand(text: str) -> str:
    result = substitute(text, VARS.get)
    assert result.problems == [], result.problems
    return result.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${NAME}", "World"),
        ("$NAME", "$NAME"),  # only the braced form
        ("$${NAME}", "${NAME}"),  # $$ escapes
        ("$$NAME", "$NAME"),
        ("${MISSING}", ""),
        ("${MISSING:-dflt}", "dflt"),
        ("${EMPTY:-dflt}", "dflt"),
        ("${MISSING=dflt}", "dflt"),
        ("${MISSING:=a${NAME}b}", "aWorldb"),
        ("${NAME:?boom}", "World"),  # envsubst: a default, never an error
        ("${MISSING:+alt}", "alt"),  # ... and not bash's "alternate value"
        ("${NAME:+alt}", "World"),
        ("${#NAME}", "5"),
        ("${NAME,,}", "world"),
        ("${NAME^^}", "WORLD"),
        ("${NAME,}", "world"),
        ("${NAME:1}", "orld"),
        ("${NAME:1:2}", "or"),
        ("${NAME:-2}", "World"),  # ":-" is the default operator
        ("${PATHV#*/}", "usr/local/bin"),
        ("${PATHV##*/}", "bin"),
        ("${PATHV%/*}", "/usr/local"),
        ("${PATHV%%/l*}", "/usr"),
        ("${PATHV/local/opt}", "/usr/opt/bin"),
        ("${PATHV//\\//:}", ":usr:local:bin"),
        ("${A:-${B:-deep}}", "deep"),
        ("a\\\\b", "a\\b"),  # outside ${}, backslash-backslash becomes one backslash
        ("a\\/b", "a/b"),
        ("a\\nb", "a\\nb"),
        ("cost: 5$", "cost: 5$"),
        ("${1abc}", ""),
    ],
)
def test_substitution_like_envsubst(text: str, expected: str) -> None:
    assert expand(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("${NAME-dflt}", "missing closing brace"),
        ("${NAME", "missing closing brace"),
        ("${}", "unable to parse variable name"),
        ("${ NAME }", "unable to parse variable name"),
        ("${NAME:}", "unable to parse substitution"),
        ("${NAME:-unclosed", "unable to parse substitution"),
    ],
)
def test_substitution_errors(text: str, message: str) -> None:
    result = substitute(text, VARS.get)
    assert [p.line for p in result.problems] == [1]
    assert message in result.problems[0].message


def test_every_bad_expression_is_reported_with_its_line() -> None:
    text = "a: ${X-1}\nb: ${NAME}\nc: ${}\n"
    result = substitute(text, VARS.get)
    assert [p.line for p in result.problems] == [1, 3]
    assert "b: World" in result.text


def test_unset_variables_are_listed_unless_defaulted() -> None:
    result = substitute("a: ${NOPE}\nb: ${NOPE2:-x}\nc: ${NAME}\n", VARS.get)
    assert [(u.line, u.name) for u in result.unset] == [(1, "NOPE")]


def test_line_map_when_a_value_adds_lines() -> None:
    result = substitute("a: ${ML}\nb: 1\nc: ${X:-y}\n", {"ML": "x\ny\nz"}.get)
    assert result.text == "a: x\ny\nz\nb: 1\nc: y\n"
    assert [result.original_line(n) for n in (1, 2, 3, 4, 5)] == [1, 1, 1, 2, 3]


def test_line_map_when_an_expression_spans_lines() -> None:
    nothing: dict[str, str] = {}
    result = substitute("a: ${X:-one\ntwo}\nb: 1\n", nothing.get)
    assert result.text == "a: one\ntwo\nb: 1\n"
    assert result.line_map is None  # same number of lines
    result = substitute("a: ${X:-one\ntwo}\nb: 1\n", {"X": "v"}.get)
    assert result.text == "a: v\nb: 1\n"
    assert result.original_line(2) == 3


def test_text_without_dollars_or_backslashes_is_untouched() -> None:
    text = "processes:\n  web:\n    command: sleep 1\n"
    assert substitute(text, VARS.get).text == text


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [("*/", "/usr/", True), ("a?c", "abc", True), ("[a-c]x", "bx", True), ("[^a]x", "ax", False)],
)
def test_go_path_match(pattern: str, name: str, expected: bool) -> None:
    assert match(pattern, name) is expected


def test_go_path_match_bad_pattern() -> None:
    assert match("[", "x") is None


# --- .env ---------------------------------------------------------------------------------


def test_dotenv_forms() -> None:
    text = (
        "# comment\n"
        "PLAIN=value\n"
        "export EXPORTED=yes\n"
        "SPACED = padded   \n"
        "WITH_COMMENT=abc # trailing\n"
        "HASH=abc#not-a-comment\n"
        "SINGLE='lit $PLAIN \\n'\n"
        'DOUBLE="line\\nnext $PLAIN ${PLAIN}"\n'
        "YAML_STYLE: colon\n"
        "EMPTY=\n"
    )
    assert parse_dotenv(text) == {
        "PLAIN": "value",
        "EXPORTED": "yes",
        "SPACED": "padded",
        "WITH_COMMENT": "abc",
        "HASH": "abc#not-a-comment",
        "SINGLE": "lit $PLAIN \\n",
        "DOUBLE": "line\nnext value value",
        "YAML_STYLE": "colon",
        "EMPTY": "",
    }


@pytest.mark.parametrize("text", ["NO_EQUALS\nX=1\n", 'Q="unterminated\n', "BAD-NAME=1\n"])
def test_dotenv_syntax_errors(text: str) -> None:
    with pytest.raises(DotenvSyntaxError):
        parse_dotenv(text)


def test_read_dotenv_gives_nothing_on_a_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("GOOD=1\nBAD LINE\n")
    result = read_dotenv(path)
    assert result.exists and result.variables == {} and result.error


def test_read_dotenv_missing_file_is_silent(tmp_path: Path) -> None:
    result = read_dotenv(tmp_path / ".env")
    assert not result.exists and result.variables == {} and result.error is None
