"""Finding the manager of a program by name: plain, qualified, grouped, ambiguous, unknown."""

from __future__ import annotations

from typing import Any

import pytest

from workloadctl.control import names
from workloadctl.control.names import (
    AmbiguousProgramError,
    Catalog,
    Target,
    UnknownProgramError,
    resolve,
    split_qualified,
)
from workloadctl.errors import UsageError, WorkloadctlError

CATALOG = Catalog(
    programs={
        "supervisord": ("web", "both", "frontend:ui", "backend:ui", "tools:lint", "supervisord"),
        "process-compose": ("api", "both", "worker"),
    },
    unreachable={},
)


@pytest.mark.parametrize(
    ("word", "manager", "program"),
    [
        ("web", "supervisord", "web"),
        ("api", "process-compose", "api"),
        ("supervisord:both", "supervisord", "both"),
        ("process-compose:both", "process-compose", "both"),
        ("web:web", "supervisord", "web"),  # supervisorctl's group:name for an ungrouped one
        ("frontend:ui", "supervisord", "frontend:ui"),
        ("lint", "supervisord", "tools:lint"),  # a grouped program by its unique bare name
        ("supervisord:tools:lint", "supervisord", "tools:lint"),
        ("supervisord:supervisord", "supervisord", "supervisord"),
    ],
)
def test_resolves_programs(word: str, manager: str, program: str) -> None:
    assert resolve(word, CATALOG) == Target(manager, program)  # type: ignore[arg-type]


@pytest.mark.parametrize("manager", ["supervisord", "process-compose"])
def test_manager_names_are_the_managers(manager: str) -> None:
    target = resolve(manager, CATALOG)
    assert target.is_manager
    assert target.label == manager


def test_a_name_in_both_managers_lists_both_qualified_forms() -> None:
    with pytest.raises(AmbiguousProgramError) as caught:
        resolve("both", CATALOG)
    message = str(caught.value)
    assert "supervisord:both" in message and "process-compose:both" in message
    assert caught.value.exit_code == 2


def test_a_bare_name_in_two_groups_is_ambiguous() -> None:
    with pytest.raises(
        AmbiguousProgramError, match="supervisord:frontend:ui, supervisord:backend:ui"
    ):
        resolve("ui", CATALOG)


def test_unknown_name_suggests_close_matches() -> None:
    with pytest.raises(UnknownProgramError) as caught:
        resolve("wokrer", CATALOG)
    assert "process-compose:worker" in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("word", "meant"), [("supervisor", "supervisord"), ("proces-compose", "process-compose")]
)
def test_a_mistyped_manager_name_gets_the_manager_suggested(word: str, meant: str) -> None:
    with pytest.raises(UnknownProgramError, match=f"did you mean: {meant}"):
        resolve(word, CATALOG)
    nobody = Catalog({}, {"supervisord": "not running", "process-compose": "not running"})
    with pytest.raises(WorkloadctlError, match=f"no manager answers .*did you mean: {meant}"):
        resolve(word, nobody)


def test_unknown_qualified_name_searches_that_manager_only() -> None:
    with pytest.raises(UnknownProgramError, match="no program 'api' in supervisord"):
        resolve("supervisord:api", CATALOG)


def test_qualified_name_without_a_program() -> None:
    with pytest.raises(UsageError, match="missing after the colon"):
        resolve("process-compose:", CATALOG)


def test_unknown_name_while_a_manager_is_unreachable_is_not_a_usage_error() -> None:
    catalog = Catalog(
        {"supervisord": ("web",)}, {"process-compose": "process-compose is not running"}
    )
    with pytest.raises(WorkloadctlError) as caught:
        resolve("api", catalog)
    assert not isinstance(caught.value, UsageError)
    assert "could not ask process-compose: process-compose is not running" in str(caught.value)


def test_no_manager_answers() -> None:
    catalog = Catalog({}, {"supervisord": "down", "process-compose": "down"})
    with pytest.raises(WorkloadctlError, match="no manager answers"):
        resolve("web", catalog)


def test_qualified_name_of_an_unreachable_manager() -> None:
    catalog = Catalog({"supervisord": ("web",)}, {"process-compose": "refused the API token (401)"})
    with pytest.raises(WorkloadctlError, match="401"):
        resolve("process-compose:api", catalog)


def test_split_qualified() -> None:
    assert split_qualified("supervisord:a:b") == ("supervisord", "a:b")
    assert split_qualified("group:name") == (None, "group:name")


def test_resolve_all_asks_only_the_managers_it_needs(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[list[str]] = []

    def fake_fetch(_ctx: Any, managers: list[str]) -> Catalog:
        asked.append(list(managers))
        return CATALOG

    monkeypatch.setattr(names, "fetch_catalog", fake_fetch)
    assert names.resolve_all(None, ["supervisord", "process-compose"]) == [  # type: ignore[arg-type]
        Target("supervisord", None),
        Target("process-compose", None),
    ]
    assert asked == []
    names.resolve_all(None, ["process-compose:api", "supervisord"])  # type: ignore[arg-type]
    assert asked == [["process-compose"]]
    names.resolve_all(None, ["web"])  # type: ignore[arg-type]
    assert asked[-1] == ["supervisord", "process-compose"]
