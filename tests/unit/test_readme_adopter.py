"""The README's adopter section: the version it installs and the pre-commit `rev` it pins
are this version's, and the hook it names exists."""

from __future__ import annotations

import re
from pathlib import Path

from ruamel.yaml import YAML

from workloadctl import __version__

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_pipx_installs_this_version() -> None:
    assert f"pipx install workloadctl=={__version__}\n" in README


def test_precommit_rev_is_this_versions_tag_and_the_hook_exists() -> None:
    block = re.search(r"```yaml\n# \.pre-commit-config\.yaml\n(.*?)```", README, re.DOTALL)
    assert block is not None
    config = YAML(typ="safe").load(block.group(1))
    [repo] = config["repos"]
    assert repo["rev"] == f"v{__version__}"
    hooks = YAML(typ="safe").load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for h in repo["hooks"]] == ["workloadctl-validate"]
    assert "workloadctl-validate" in {h["id"] for h in hooks}


def test_the_update_commands_shown_exist() -> None:
    for command in ("workloadctl init --update --dry-run\n", "workloadctl init --update\n"):
        assert command in README
