"""`workloadctl init` then `init --update` as an adopter runs them: init into an empty git
repository, a newer template (a modified copy of this one, via $WORKLOADCTL_TEMPLATE_DIR),
one file edited by the user, the update: untouched files replaced, the edit kept."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from workloadctl.cli import main
from workloadctl.settings import ENV_TEMPLATE_DIR, TEMPLATE_RECORD
from workloadctl.template.selection import TEMPLATE_DIRS

from .repo_copy import REPO

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]
README = ".devcontainer/README.md"
PROJECT_CONF = "workloads/supervisord/project.conf"


def test_update_replaces_untouched_files_and_keeps_an_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "adopter"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    assert main(["init", str(repo)]) == 0
    assert (repo / TEMPLATE_RECORD).is_file()

    newer = tmp_path / "newer-template"
    for top in TEMPLATE_DIRS:
        shutil.copytree(REPO / top, newer / top, ignore=shutil.ignore_patterns(".env", ".env.*"))
    with (newer / README).open("a") as handle:
        handle.write("\nA line the newer template adds.\n")
    conf = (newer / PROJECT_CONF).read_text()
    (newer / PROJECT_CONF).write_text(conf + "\n; the newer template's closing comment\n")
    mine = "; my own note at the top\n" + (repo / PROJECT_CONF).read_text()
    (repo / PROJECT_CONF).write_text(mine)
    capsys.readouterr()

    monkeypatch.setenv(ENV_TEMPLATE_DIR, str(newer))
    assert main(["init", "--update", "--dry-run", "--json", str(repo)]) == 0
    dry = json.loads(capsys.readouterr().out)
    assert dry["written"] is False
    assert "A line the newer template adds." not in (repo / README).read_text()

    assert main(["init", "--update", "--json", str(repo)]) == 0
    report = json.loads(capsys.readouterr().out)
    outcomes = {f["path"]: f["outcome"] for f in report["files"]}
    assert outcomes[README] == "replace"
    assert outcomes[PROJECT_CONF] == "merge"
    assert {o for p, o in outcomes.items() if p not in (README, PROJECT_CONF)} == {"unchanged"}
    assert (repo / README).read_bytes() == (newer / README).read_bytes()
    merged = (repo / PROJECT_CONF).read_text()
    assert merged.startswith("; my own note at the top\n")
    assert merged.endswith("; the newer template's closing comment\n")
    assert main(["validate", "--root", str(repo)]) == 0
