"""Every integration test records its stacks in its own directory, never in the
machine's /run/workloadctl-stacks: `workloadctl stacks` and `down --all` in a test see
that test's stacks only, and nothing of the machine's."""

from __future__ import annotations

import pytest

from workloadctl import settings as S


@pytest.fixture(autouse=True)
def own_stacks_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # os.environ: `up`/`down` run as subprocesses inherit it, as start_stack in-process reads it.
    monkeypatch.setenv(S.ENV_STACKS_DIR, str(tmp_path_factory.mktemp("stacks")))
