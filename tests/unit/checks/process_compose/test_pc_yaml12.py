"""YAML parsing (lines, first document only) and yaml.v3's scalar typing."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pytest

from workloadctl.checks.process_compose.yaml12 import (
    Mapping,
    Scalar,
    YamlSyntaxError,
    parse_yaml,
    resolve,
    resolve_scalar,
)

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "process_compose"
UPSTREAM = Path(__file__).resolve().parents[5] / "shared" / "upstream-corpus" / "process-compose"


@pytest.mark.parametrize(
    ("text", "tag", "value"),
    [
        ("no", "!!str", "no"),  # YAML 1.2: not a bool
        ("yes", "!!str", "yes"),
        ("off", "!!str", "off"),
        ("true", "!!bool", True),
        ("False", "!!bool", False),
        ("~", "!!null", None),
        ("", "!!null", None),
        ("Null", "!!null", None),
        ("1_000", "!!int", 1000),
        ("0x1F", "!!int", 31),
        ("0o17", "!!int", 15),
        ("017", "!!int", 15),  # yaml.v3 keeps YAML 1.1 octals
        ("08", "!!float", 8.0),  # not octal, not int: Go's ParseFloat takes it
        ("+5", "!!int", 5),
        ("-0b101", "!!int", -5),
        ("1e3", "!!float", 1000.0),
        (".5", "!!float", 0.5),
        ("1e400", "!!str", "1e400"),  # out of range: stays a string
        ("12:30", "!!str", "12:30"),  # no sexagesimal numbers
        ("0.1.2", "!!str", "0.1.2"),
        ("9223372036854775808", "!!int", 9223372036854775808),  # uint64
    ],
)
def test_resolve_like_yaml_v3(text: str, tag: str, value: Any) -> None:
    assert resolve("", text) == (tag, value)


def test_resolve_special_floats_and_timestamps() -> None:
    assert math.isinf(resolve("", ".inf")[1])
    assert math.isnan(resolve("", ".NaN")[1])
    assert resolve("", "2024-01-02") == (
        "!!timestamp",
        dt.datetime(2024, 1, 2, tzinfo=dt.UTC),
    )
    assert resolve("", "2024-13-02")[0] == "!!str"


def test_explicit_tag_that_does_not_fit_raises() -> None:
    with pytest.raises(ValueError, match="cannot decode"):
        resolve("!!int", "many")
    assert resolve("!!float", "3") == ("!!float", 3.0)


def test_quoted_and_tagged_scalars_are_strings() -> None:
    root = parse_yaml("a: 'true'\nb: !!str 12\nc: ! 12\nd: |\n  x\n")
    assert isinstance(root, Mapping)
    values = [v for _, v in root.pairs]
    assert all(isinstance(v, Scalar) for v in values)
    typed = [resolve_scalar(v) for v in values if isinstance(v, Scalar)]
    assert typed == [("!!str", "true"), ("!!str", "12"), ("!!int", 12), ("!!str", "x\n")]


def test_lines_are_one_based() -> None:
    root = parse_yaml("# comment\nprocesses:\n  web:\n    command: x\n")
    assert isinstance(root, Mapping)
    key, value = root.pairs[0]
    assert key.line == 2
    assert isinstance(value, Mapping)
    assert value.pairs[0][0].line == 3


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: 1\n b: 2\n", 2),
        ("a:\n\t- x\n", 2),
        ("a: b: c\n", 1),
        ("a: &x [1, *x]\n", 1),
        ("a: *nope\n", 1),
        ("a:\n  b: 1\n   c: 2\n", 3),  # bad indentation
        ("a:\n  b: 1\n  c:\td\n\te: 1\n", 3),  # a tab
        # Where the problem starts, not where the scanner gave up (the next line, or
        # the end of the file): the key without its colon, the opening quote or
        # bracket. libyaml's marks are 0-based; these lines are 1-based.
        ("a:\n  b: 1\n  c\n", 3),  # a key without a colon at the end of a block
        ("a:\n  b: 1\n  c\n  d: 2\n", 3),
        ("a:\n  - b\n  c\n", 3),
        ('a: "x\nb: 1\n', 1),  # an unclosed quote
        ("a: 'x\n", 1),
        ("a: [1, 2\n", 1),  # an unclosed bracket
        ("a: {b: 1\nc: 2\n", 1),
        # A value at column 0 without its key: yaml.v3 (a port of libyaml) refuses it;
        # ruamel's parser took it as a null key.
        ("processes:\n  - web\n  - db\n:\n", 4),
    ],
)
def test_syntax_errors_have_lines(text: str, line: int) -> None:
    with pytest.raises(YamlSyntaxError) as info:
        parse_yaml(text)
    assert info.value.line == line


def test_a_tab_after_a_value_is_whitespace() -> None:
    # process-compose (yaml.v3) runs this file; ruamel's scanner refused the tab.
    root = parse_yaml("shell:\n  shell_argument: -c\t\nprocesses: {}\n")
    assert isinstance(root, Mapping)
    shell = root.pairs[0][1]
    assert isinstance(shell, Mapping)
    value = shell.pairs[0][1]
    assert isinstance(value, Scalar) and value.value == "-c"


def test_yaml_directive_other_than_1_1_is_refused() -> None:
    # process-compose: "yaml: found incompatible YAML document" (yaml.v3 takes only 1.1).
    with pytest.raises(YamlSyntaxError) as info:
        parse_yaml("%YAML 1.2\n---\na: b\n")
    assert info.value.line == 1
    assert isinstance(parse_yaml("%YAML 1.1\n---\na: b\n"), Mapping)


def test_a_next_line_character_breaks_the_line() -> None:
    # U+0085 is a line break to yaml.v3 as to libyaml: process-compose refuses this file
    # ("could not find expected ':'"); ruamel read "b c".
    with pytest.raises(YamlSyntaxError):
        parse_yaml("processes:\n  a:\n    command: echo b\x85c\n")


def test_only_the_first_document_is_read() -> None:
    root = parse_yaml("a: 1\n---\nb: [broken\n")
    assert isinstance(root, Mapping)
    assert len(root.pairs) == 1


def test_empty_documents() -> None:
    assert parse_yaml("") is None
    assert parse_yaml("# only a comment\n") is None
    empty = parse_yaml("---\n")
    assert isinstance(empty, Scalar) and empty.value == ""


def test_aliases_share_the_anchored_node() -> None:
    root = parse_yaml("a: &x {k: v}\nb: *x\n")
    assert isinstance(root, Mapping)
    assert root.pairs[0][1] is root.pairs[1][1]
