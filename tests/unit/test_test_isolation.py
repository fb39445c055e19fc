"""The suite never registers a stack in the machine's /run: a module-scoped fixture (as
the integration suite's stacks are) already sees the session's own stacks directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from workloadctl import settings as S


@pytest.fixture(scope="module")
def stacks_dir_seen_by_a_module_fixture() -> Path:
    return S.stacks_dir()


def test_module_fixtures_register_stacks_in_the_sessions_own_directory(
    stacks_dir_seen_by_a_module_fixture: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    assert stacks_dir_seen_by_a_module_fixture.is_relative_to(tmp_path_factory.getbasetemp())
