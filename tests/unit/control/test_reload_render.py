"""What `workloadctl reload` prints, and its exit status, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from reload_support import FakeSupervisord, make_world, tmp_settings, write_project, write_record

from workloadctl import cli
from workloadctl.commands import reload as reload_command
from workloadctl.control.reload_model import ManagerReload, ReloadReport
from workloadctl.control.reload_render import relative_finding, render_text, summary_line
from workloadctl.findings import Finding, error
from workloadctl.settings import Settings


def test_finding_under_the_repository_is_shown_relative(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "workloads").mkdir(parents=True)
    link = tmp_path / "link"
    link.symlink_to(repo)
    inside = error(link / "workloads/project.conf", 3, "SV013", "bad")
    assert relative_finding(inside, link).file == "workloads/project.conf"
    through_target = error(repo / "workloads/project.conf", 3, "SV013", "bad")
    assert relative_finding(through_target, link).file == "workloads/project.conf"
    outside = error("/etc/supervisor/seed.conf", 1, "SV013", "bad")
    assert relative_finding(outside, link) == outside
    assert relative_finding(inside, None) == inside


def test_summary_line_lists_what_changed() -> None:
    entry = ManagerReload(
        "process-compose", "reloaded", "applied x", added=["a", "b"], changed=["c"], removed=[]
    )
    assert summary_line(entry) == (
        "process-compose: reloaded: applied x [added a, b; changed (restarted) c]"
    )
    assert summary_line(ManagerReload("supervisord", "unchanged", "no change")) == (
        "supervisord: unchanged: no change"
    )


def test_refusal_is_followed_by_its_findings_rendered_like_validate() -> None:
    finding = error("workloads/supervisord/project.conf", 6, "SV013", "unknown key")
    report = ReloadReport([ManagerReload("supervisord", "refused", "invalid", findings=[finding])])
    assert render_text(report) == [
        "supervisord: refused: invalid",
        "workloads/supervisord/project.conf:6: error: unknown key [SV013]",
    ]


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    settings = tmp_settings(tmp_path)
    write_project(settings, "supervisord")
    write_record(settings, "supervisord", "project", pid=42)
    monkeypatch.setattr(reload_command, "stack_settings", lambda _state_dir: (settings, None))
    return settings


def _use_world(
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
    *,
    findings: list[Finding] | None = None,
    supervisord: FakeSupervisord | None = None,
) -> None:
    world = make_world(settings, findings=findings, supervisord=supervisord)
    monkeypatch.setattr(reload_command, "world_for", lambda _settings, _record: world)


def test_cli_refusal_exits_1_with_relative_file_and_line(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert settings.project_root is not None
    bad = error(settings.project_root / "workloads/supervisord/project.conf", 6, "SV013", "typo")
    _use_world(monkeypatch, settings, findings=[bad])
    assert cli.main(["reload", "supervisord"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("supervisord: refused: the project config is invalid (1 error)")
    assert out[1] == "workloads/supervisord/project.conf:6: error: typo [SV013]"


def test_cli_json_success_exits_0(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use_world(monkeypatch, settings, supervisord=FakeSupervisord((["web"], [], [])))
    assert cli.main(["reload", "supervisord", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True
    assert [(m["name"], m["action"], m["added"]) for m in data["managers"]] == [
        ("supervisord", "reloaded", ["web"])
    ]


def test_cli_rejects_an_unknown_manager(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["reload", "nginx"])
    assert caught.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
