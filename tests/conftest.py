"""Every test session records the stacks it starts in a directory of its own, never in the
machine's /run/workloadctl-stacks: a `workloadctl down --all` run by someone on this
machine never stops a test's stack, and the tests' `stacks` listings see no stack of the
machine's. Session-scoped, so that module-scoped stack fixtures, set up before any
function-scoped fixture, register there too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from workloadctl import settings as S


@pytest.fixture(scope="session", autouse=True)
def session_stacks_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    # os.environ: `up`/`down` run as subprocesses inherit it, as start_stack in-process reads it.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(S.ENV_STACKS_DIR, str(tmp_path_factory.mktemp("session-stacks")))
        yield
