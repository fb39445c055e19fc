"""Our subset of Go text/template; expected outputs were produced by Go 1.26's own."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from workloadctl.checks.process_compose.gotemplate import go_float, go_time, render

DATA: dict[str, Any] = {
    "A": "x",
    "N": None,
    "I": 3,
    "F": 1.5,
    "F2": 1e21,
    "F3": 2.0,
    "B": True,
    "M": {"k": 1, "a": "z"},
    "L": ["a", 1],
    "T": dt.datetime(2001, 1, 2, tzinfo=dt.UTC),
    "PC_REPLICA_NUM": 0,
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("plain text }}", "plain text }}"),
        ("{{.A}}", "x"),
        ("{{ .A }}", "x"),
        ("{{.N}}", "<no value>"),
        ("{{.Missing}}", "<no value>"),
        ("{{.Missing.x}}", "<no value>"),
        ("{{.M.k}}", "1"),
        ("{{.M.zz}}", "<no value>"),
        ("{{.I}}", "3"),
        ("{{.F}}", "1.5"),
        ("{{.F2}}", "1e+21"),
        ("{{.F3}}", "2"),
        ("{{.B}}", "true"),
        ("{{.M}}", "map[a:z k:1]"),
        ("{{.L}}", "[a 1]"),
        ("{{.T}}", "2001-01-02 00:00:00 +0000 UTC"),
        ("a {{- .A -}} b", "axb"),
        ("{{.A -}}\n  z", "xz"),
        ("{{/* c */}}x", "x"),
        ("{{- /* c */ -}} x", "x"),
        ("{{.PC_REPLICA_NUM}}", "0"),
        ("{{.A}} {{.Missing}}", "x <no value>"),
    ],
)
def test_renders_like_go(template: str, expected: str) -> None:
    result = render(template, DATA)
    assert result.error is None and result.unchecked is None
    assert result.text == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{", "unclosed action"),
        ("{{.A", "unclosed action"),
        ("{{ .A}}{{", "unclosed action"),
        ("{{}}", "missing value for command"),
        ("{{.A.x}}", "can't evaluate field x"),
        ("{{.M.a.b}}", "can't evaluate field b"),
        ("{{.I.x}}", "can't evaluate field x"),
    ],
)
def test_errors_go_also_reports(template: str, message: str) -> None:
    result = render(template, DATA)
    assert result.error is not None and message in result.error


@pytest.mark.parametrize(
    "template",
    ['{{ .A | printf "%s!" }}', "{{ if .B }}y{{ end }}", "{{$}}", "{{.}}", '{{"lit"}}', "{{.1}}"],
)
def test_everything_else_is_left_unchecked(template: str) -> None:
    result = render(template, DATA)
    assert result.unchecked is not None and result.error is None
    assert result.text == template


def test_names_without_value_are_listed() -> None:
    assert render("{{.Names}} {{.A}} {{.N}}", DATA).no_value == [".Names", ".N"]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1, "0.1"),
        (123456.0, "123456"),
        (1234567.0, "1.234567e+06"),
        (123456.789, "123456.789"),
        (1e20, "1e+20"),
        (1e-4, "0.0001"),
        (1e-5, "1e-05"),
        (-2.5, "-2.5"),
        (1.5e300, "1.5e+300"),
    ],
)
def test_go_float_formatting(value: float, text: str) -> None:
    assert go_float(value) == text


def test_go_time_with_offset() -> None:
    stamp = dt.datetime(2001, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert go_time(stamp) == "2001-01-02 03:04:05 +0200 +0200"
