"""JSON with comments, as devcontainer.json is written: values, lines and errors."""

from __future__ import annotations

import pytest

from workloadctl.checks.jsonc import MAX_DEPTH, JsoncError, parse_jsonc, plain


def test_comments_and_trailing_commas() -> None:
    text = '// head\n{\n  "a": 1, /* inline */\n  "b": [true, null, "x//y",],\n}\n'
    assert plain(parse_jsonc(text)) == {"a": 1, "b": [True, None, "x//y"]}


def test_lines_of_keys_and_values() -> None:
    node = parse_jsonc('{\n  "a": 1,\n  /* two\n  lines */\n  "b":\n    [\n      2\n    ]\n}')
    members = node.value
    assert node.line == 1
    assert (members["a"].key_line, members["a"].line) == (2, 2)
    assert (members["b"].key_line, members["b"].line) == (5, 6)
    assert members["b"].value[0].line == 7


def test_last_duplicate_wins_with_its_line() -> None:
    node = parse_jsonc('{\n "init": true,\n "init": false\n}')
    assert node.value["init"].value is False
    assert node.value["init"].where == 3


def test_strings_escapes_and_numbers() -> None:
    node = parse_jsonc('{"s": "a\\"b\\u00e9\\n", "n": -1.5e2, "i": 10, "z": 0}')
    assert plain(node) == {"s": 'a"b\u00e9\n', "n": -150.0, "i": 10, "z": 0}


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('{\n "a": 1\n "b": 2\n}', 3, "expected '}'"),
        ("{\n /* open", 2, "unterminated /* comment"),
        ('{\n "a": "x\n"}', 2, "line break"),
        ('{"a": "\\q"}', 1, "invalid escape"),
        ("{'a': 1}", 1, "quoted key"),
        ('{"a": 01}', 1, "expected '}'"),
        ('{"a": tru}', 1, "expected a value"),
        ("", 1, "no JSON value"),
        ("// only a comment\n", 2, "no JSON value"),
        ('{}\n{"b": 1}', 2, "after the value"),
        ('{"a": [1, 2', 1, "expected ']'"),
    ],
)
def test_errors_have_lines(text: str, line: int, message: str) -> None:
    with pytest.raises(JsoncError) as info:
        parse_jsonc(text)
    assert info.value.line == line
    assert message in info.value.message


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(JsoncError, match="nested deeper"):
        parse_jsonc("[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5))
    assert parse_jsonc("[" * 50 + "]" * 50).line == 1
