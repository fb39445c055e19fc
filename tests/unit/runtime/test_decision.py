from __future__ import annotations

import hashlib
import json
from pathlib import Path

from launcher_support import FakeLoader, invalid_loader, tmp_env, tmp_settings, write_project

from workloadctl import settings as S
from workloadctl.checks.programs import LoadResult
from workloadctl.runtime import decision as D
from workloadctl.runtime import quarantine as Q

POLICY = Q.QuarantinePolicy(deaths=2, window_seconds=60)


def test_missing_project_config_means_seed(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    loader = FakeLoader()
    decision = D.decide("supervisord", settings, loader=loader)
    assert decision.source == "seed"
    assert decision.config == settings.seed_supervisord_conf
    assert decision.project_sha256 is None
    assert [f.code for f in decision.findings] == ["LCH002"]
    assert loader.loaded == []


def test_no_project_root_means_seed(tmp_path: Path) -> None:
    env = tmp_env(tmp_path)
    del env[S.ENV_ROOT]
    decision = D.decide("process-compose", S.Settings.from_env(env), loader=FakeLoader())
    assert decision.source == "seed"
    assert decision.project_config is None
    assert [f.code for f in decision.findings] == ["LCH001"]


def test_invalid_project_config_means_seed_with_the_loader_findings(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    project = write_project(settings, "[program:web]\nautorestrat=true\n")
    decision = D.decide("supervisord", settings, loader=invalid_loader())
    assert decision.source == "seed"
    assert decision.reason == "the project config is invalid (1 error)"
    assert [(f.file, f.line, f.code) for f in decision.errors] == [(str(project), 7, "SUP999")]
    assert decision.project_sha256 == hashlib.sha256(project.read_bytes()).hexdigest()


def test_valid_project_config_is_used_with_its_warnings(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    project = write_project(settings)
    loader = FakeLoader([("warning", 3, "SUP100", "just saying")])
    decision = D.decide("supervisord", settings, loader=loader)
    assert decision.source == "project"
    assert decision.config == project
    assert loader.loaded == [project]
    assert [f.code for f in decision.findings] == ["SUP100"]


def crash(settings: S.Settings, project: Path, at: float) -> None:
    Q.record_death(
        settings,
        "supervisord",
        Q.Death(at, 256, 9, False, "project", str(project), D.file_sha256(project)),
    )


def test_crash_loop_quarantines_until_the_file_changes(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    project = write_project(settings)
    crash(settings, project, 100.0)
    crash(settings, project, 101.0)
    decision = D.decide("supervisord", settings, loader=FakeLoader(), policy=POLICY, now=102.0)
    assert decision.source == "seed"
    assert decision.quarantine is not None
    assert decision.reason == "quarantined: died 2 times in 60 s on the project config"
    assert decision.findings[0].code == "LCH003"
    assert "workloadctl restart supervisord --clear-quarantine" in decision.findings[0].message
    # Still quarantined much later: only a change to the file lifts it.
    again = D.decide("supervisord", settings, loader=FakeLoader(), policy=POLICY, now=9999.0)
    assert again.source == "seed"
    project.write_text("[supervisord]\n; fixed\n")
    fixed = D.decide("supervisord", settings, loader=FakeLoader(), policy=POLICY, now=10000.0)
    assert fixed.source == "project"
    assert fixed.quarantine is None


def test_a_failing_loader_still_means_seed(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    write_project(settings)

    def broken(path: Path) -> LoadResult:
        raise RuntimeError("boom")

    decision = D.decide("supervisord", settings, loader=broken)
    assert decision.source == "seed"
    assert decision.failed is True
    assert decision.findings[0].code == "LCH004"
    assert "RuntimeError: boom" in decision.findings[0].message


def test_record_decision_writes_the_json_atomically(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    project = write_project(settings)
    decision = D.decide("supervisord", settings, loader=invalid_loader())
    path = D.record_decision(settings, decision, pid=4242, now=0.0)
    assert path == settings.decisions_dir / "supervisord.json"
    data = json.loads(path.read_text())
    assert data["source"] == "seed"
    assert data["config"] == str(settings.seed_supervisord_conf)
    assert data["project_config"] == str(project)
    assert data["project_sha256"] == D.file_sha256(project)
    assert data["pid"] == 4242
    assert data["started"] is True
    assert data["time"] == "1970-01-01T00:00:00Z"
    assert data["findings"][0]["line"] == 7
    assert data["findings"][0]["code"] == "SUP999"
    assert [p.name for p in settings.decisions_dir.iterdir()] == ["supervisord.json"]
    record = D.read_decision(settings, "supervisord")
    assert record is not None and record.as_json() == data


def test_the_record_of_a_project_decision_has_its_settings_digest(tmp_path: Path) -> None:
    # What reload compares to tell an edit outside the programs ([inet_http_server]).
    settings = tmp_settings(tmp_path)
    project = write_project(settings, "[inet_http_server]\nport = 127.0.0.1:9001\n")
    decision = D.decide("supervisord", settings, loader=FakeLoader())
    data = json.loads(D.record_decision(settings, decision, pid=1, now=0.0).read_text())
    assert data["settings_sha256"] == D.settings_sha256("supervisord", project)
    assert data["settings_sha256"] is not None
    record = D.read_decision(settings, "supervisord")
    assert record is not None and record.settings_sha256 == data["settings_sha256"]
    reloaded = record.reloaded(project_sha256="0" * 64, findings=(), now=1.0)
    assert reloaded.settings_sha256 == data["settings_sha256"]  # a reload keeps it
