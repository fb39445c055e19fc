"""validate_layout: which files the cross-manager rules compare."""

from __future__ import annotations

from pathlib import Path

from workloadctl import settings as S
from workloadctl.managers.layout import validate_layout, validation_settings

SUPERVISORD_CONF = """\
[supervisord]
nodaemon=true
logfile=/dev/null
logfile_maxbytes=0
pidfile={tmp}/supervisord.pid

[unix_http_server]
file={tmp}/supervisord.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{tmp}/supervisord.sock

[program:web]
command=/bin/sleep 1000
"""

PROCESS_COMPOSE_YAML = "processes:\n  web:\n    command: /bin/sleep 1000\n"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def cross_manager_codes(root: Path) -> list[str]:
    settings = validation_settings(S.Settings.from_env({}), root)
    report = validate_layout(root, settings)
    return [f.code for f in report.findings if f.code.startswith("XM")]


def test_a_seed_is_not_compared_with_the_other_managers_project_config(tmp_path: Path) -> None:
    # The seeds are fallbacks: supervisord's seed never runs beside its project config,
    # so its `web` does not clash with process-compose's `web`.
    write(tmp_path / S.SEED_SUPERVISORD_CONF, SUPERVISORD_CONF.format(tmp=tmp_path))
    write(tmp_path / S.PROJECT_PROCESS_COMPOSE_YAML, PROCESS_COMPOSE_YAML)
    write(tmp_path / S.SEED_PROCESS_COMPOSE_YAML, "processes: {}\n")
    assert cross_manager_codes(tmp_path) == []


def test_the_two_project_configs_are_compared(tmp_path: Path) -> None:
    write(tmp_path / S.PROJECT_SUPERVISORD_CONF, SUPERVISORD_CONF.format(tmp=tmp_path))
    write(tmp_path / S.PROJECT_PROCESS_COMPOSE_YAML, PROCESS_COMPOSE_YAML)
    assert "XM001" in cross_manager_codes(tmp_path)
