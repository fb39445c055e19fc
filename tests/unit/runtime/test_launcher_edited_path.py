"""Under `workloadctl up` the launcher reads the repository through a link in the state
dir: what it prints and records names the repository's file, the one the user edits."""

from __future__ import annotations

import io
from pathlib import Path

from launcher_support import invalid_loader, tmp_env, write, write_seed

from workloadctl import settings as S
from workloadctl.runtime import launcher as L
from workloadctl.runtime.decision import read_decision

BINARIES = {S.ENV_SUPERVISORD_BIN: "/bin/true", S.ENV_PROCESS_COMPOSE_BIN: "/bin/true"}


def test_a_refused_project_config_is_named_where_the_user_edits_it(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    real = write(repo / S.PROJECT_SUPERVISORD_CONF, "[supervisord]\n")
    link = tmp_path / "state" / "home" / "dev" / "repo"  # as `up` maps /home/USER/REPO
    link.parent.mkdir(parents=True)
    link.symlink_to(repo)
    environ = tmp_env(tmp_path, **BINARIES, **{S.ENV_ROOT: str(link)})
    settings = S.Settings.from_env(environ)
    write_seed(settings)
    err = io.StringIO()
    plan = L.prepare("supervisord", settings, environ=environ, stderr=err, loader=invalid_loader())
    assert isinstance(plan, L.LaunchPlan) and plan.decision.source == "seed"
    record = read_decision(settings, "supervisord")
    assert record is not None
    # restart's "the project config ... was refused" and status's DEGRADED line read these.
    assert record.project_config == str(real)
    assert {finding.file for finding in record.findings} == {str(real)}
    banner = err.getvalue()
    assert f"{real}:7: error: unknown key 'autorestrat'" in banner
    assert f"project: {real}" in banner
    assert str(link) not in banner
