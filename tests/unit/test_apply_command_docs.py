"""Every place that says how to apply an edited project config says the same thing,
and what really applies it: `workloadctl reload MANAGER` (validates, then applies it to
the running manager; from the seed it restarts the manager onto the fixed file, see
docs/reload.md). `restart` stays the retry command of the banners and seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT_FILES = {
    "supervisord": ROOT / "workloads/supervisord/project.conf",
    "process-compose": ROOT / "workloads/process-compose/project.yaml",
}


def _header(path: Path) -> str:
    lines = []
    for line in path.read_text().splitlines():
        if line and not line.startswith((";", "#")):
            break
        lines.append(line)
    return "\n".join(lines)


@pytest.mark.parametrize("manager", sorted(PROJECT_FILES))
def test_the_project_headers_say_reload(manager: str) -> None:
    header = _header(PROJECT_FILES[manager])
    assert f"workloadctl reload {manager}" in header
    assert (
        "workloadctl restart" not in header.split("After editing", 1)[1].split("If this file", 1)[0]
    )


@pytest.mark.parametrize("manager", sorted(PROJECT_FILES))
def test_the_readmes_apply_with_reload(manager: str) -> None:
    assert f"workloadctl reload {manager}" in (ROOT / f"workloads/{manager}/README.md").read_text()
    assert "`workloadctl reload [MANAGER]`" in (ROOT / "README.md").read_text()


def test_the_guide_does_not_say_only_a_restart_leaves_the_seed() -> None:
    guide = (ROOT / "foundations/onboarding/s6-hybrid-process-management-guide.md").read_text()
    assert "workloadctl reload" in guide
    # reload from the seed with a fixed file switches to it (docs/reload.md).
    assert "a restart is what makes the" not in " ".join(guide.split())
