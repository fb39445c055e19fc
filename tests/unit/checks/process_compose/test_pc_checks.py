"""Validators and merge rules, piece by piece."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workloadctl.checks.process_compose.merge import merge_environment, merge_process
from workloadctl.checks.process_compose.model import ProcessConfig, ProcessDependency
from workloadctl.checks.process_compose.validators import (
    _is_log_level,
    dependency_cycles,
    look_path,
    valid_glob,
)


def graph(edges: dict[str, list[str]]) -> dict[str, ProcessConfig]:
    return {
        name: ProcessConfig(name=name, depends_on={t: ProcessDependency() for t in targets})
        for name, targets in edges.items()
    }


def test_cycles_are_printed_as_paths() -> None:
    processes = graph(
        {"a": ["b"], "b": ["c"], "c": ["a"], "d": ["d"], "e": ["a"], "f": ["g"], "g": ["f"]}
    )
    assert dependency_cycles(processes) == [
        ["a", "b", "c", "a"],
        ["d", "d"],
        ["f", "g", "f"],
    ]


def test_no_cycle_in_a_diamond_or_with_missing_targets() -> None:
    assert dependency_cycles(graph({"a": ["b", "c"], "b": ["d"], "c": ["d"], "d": ["x"]})) == []


def test_deep_chains_do_not_hit_the_recursion_limit() -> None:
    edges = {f"p{i}": [f"p{i + 1}"] for i in range(5000)}
    edges["p5000"] = ["p0"]
    cycles = dependency_cycles(graph(edges))
    assert len(cycles) == 1 and len(cycles[0]) == 5002


@pytest.mark.parametrize(
    ("level", "ok"),
    [
        ("info", True),
        ("INFO", True),
        ("Warn", True),
        ("disabled", True),
        ("", True),
        ("-1", True),
        ("127", True),
        ("128", False),
        ("warning", False),
        ("verbose", False),
        ("1.5", False),
    ],
)
def test_log_levels_like_zerolog(level: str, ok: bool) -> None:
    assert _is_log_level(level) is ok


@pytest.mark.parametrize(
    ("pattern", "ok"),
    [
        ("*.go", True),
        ("**/x/{a,b}", True),
        ("[a", False),
        ("[]", False),
        ("a}", False),
        ("\\", False),
    ],
)
def test_glob_validation_like_doublestar(pattern: str, ok: bool) -> None:
    assert valid_glob(pattern) is ok


def test_look_path(tmp_path: Path) -> None:
    tool = tmp_path / "bin" / "mysh"
    tool.parent.mkdir()
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    plain = tmp_path / "bin" / "notexec"
    plain.write_text("")
    assert look_path("mysh", str(tool.parent), tmp_path)
    assert look_path(str(tool), "", tmp_path)
    assert look_path("bin/mysh", "", tmp_path)  # a name with "/" is relative to the cwd
    assert not look_path("notexec", str(tool.parent), tmp_path)
    assert not look_path("mysh", "bin", tmp_path)  # relative PATH entries: Go's ErrDot
    assert not look_path("", str(tool.parent), tmp_path)
    assert not look_path("bin", str(tmp_path), tmp_path)  # a directory
    assert os.access(tool, os.X_OK)


def test_environment_merge_like_process_compose() -> None:
    merged = merge_environment(["B=1", "A=1", "BAD", "X=1=2"], ["A=2", "C=3"])
    assert merged == ["A=2", "B=1", "C=3"]  # by name, sorted; odd entries dropped
    assert merge_environment([], ["Z=1", "ODD"]) == ["Z=1", "ODD"]  # no base: taken as is


def test_process_merge_rules() -> None:
    base = ProcessConfig(command="base", disabled=True, args=["a"], namespace=["x"])
    base.availability.restart = "always"
    override = ProcessConfig(args=["b"], namespace=["y"], description="d")
    merged = merge_process(base, override)
    assert merged.command == "base"  # "" does not override
    assert merged.disabled is True  # false does not override
    assert merged.availability.restart == "always"  # "no" (zero) does not override
    assert merged.args == ["a", "b"]  # lists append
    assert merged.namespace == ["y"]  # namespaces are replaced
    assert merged.description == "d"
