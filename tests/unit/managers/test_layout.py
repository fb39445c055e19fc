"""validate_layout: which files the cross-manager rules compare."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from workloadctl import settings as S
from workloadctl.checks.programs import LoadResult
from workloadctl.managers import forked, layout
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


# --- the supervisord files loaded in a forked child: the same report as in-process ---------

BROKEN_SUPERVISORD_CONF = SUPERVISORD_CONF + "autostart=maybe\nbogus_key=1\n[program:bad\n"
BROKEN_PROCESS_COMPOSE_YAML = "processes:\n  web:\n    command: [1\n"
S6_TYPE = S.S6_RC_SOURCE_DIR / "workloadctl-boot/type"


def _layouts(tmp: Path) -> dict[str, Path]:
    """A few repositories: clean, broken in each format, with cross-manager findings,
    with files missing."""
    layouts: dict[str, dict[Path, str]] = {
        "clean": {
            S.PROJECT_SUPERVISORD_CONF: SUPERVISORD_CONF.replace("web", "sv-web"),
            S.PROJECT_PROCESS_COMPOSE_YAML: PROCESS_COMPOSE_YAML,
            S.SEED_SUPERVISORD_CONF: SUPERVISORD_CONF,
            S.SEED_PROCESS_COMPOSE_YAML: PROCESS_COMPOSE_YAML,
            S6_TYPE: "oneshot\n",
        },
        "cross-manager": {
            S.PROJECT_SUPERVISORD_CONF: SUPERVISORD_CONF,
            S.PROJECT_PROCESS_COMPOSE_YAML: PROCESS_COMPOSE_YAML,
        },
        "errors": {
            S.PROJECT_SUPERVISORD_CONF: BROKEN_SUPERVISORD_CONF,
            S.PROJECT_PROCESS_COMPOSE_YAML: BROKEN_PROCESS_COMPOSE_YAML,
            S.SEED_SUPERVISORD_CONF: "[supervisord\n",
            S.SEED_PROCESS_COMPOSE_YAML: "processes: 3\n",
            S6_TYPE: "sometimes\n",
        },
        "only-missing": {},
    }
    roots = {}
    for name, files in layouts.items():
        root = tmp / name
        root.mkdir()
        for relative, text in files.items():
            write(root / relative, text.format(tmp=root) if "{tmp}" in text else text)
        roots[name] = root
    return roots


def _report(root: Path, *, fork: bool) -> list[str]:
    settings = validation_settings(S.Settings.from_env({}), root)
    return [f.render() for f in validate_layout(root, settings, fork=fork).findings]


def test_the_forked_report_is_the_in_process_one(tmp_path: Path) -> None:
    for name, root in _layouts(tmp_path).items():
        in_process = _report(root, fork=False)
        assert _report(root, fork=True) == in_process, name
        assert in_process, name  # every layout here has something to say
    errors = _report(tmp_path / "errors", fork=False)
    assert any("[SV" in line for line in errors) and any("[PC" in line for line in errors)
    assert any("[XM" in line for line in _report(tmp_path / "cross-manager", fork=True))


def test_the_supervisord_files_are_loaded_in_the_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded_here: list[str] = []
    real_load_one = layout.load_one
    parent = os.getpid()

    def recording_load_one(target: layout.Target, settings: S.Settings) -> LoadResult:
        if os.getpid() == parent:
            loaded_here.append(target.kind)
        return real_load_one(target, settings)

    monkeypatch.setattr(layout, "load_one", recording_load_one)
    root = _layouts(tmp_path)["clean"]
    _report(root, fork=True)
    assert sorted(loaded_here) == ["process-compose", "process-compose", "s6-rc"]
    loaded_here.clear()
    _report(root, fork=False)
    assert sorted(loaded_here) == [
        "process-compose",
        "process-compose",
        "s6-rc",
        "supervisord",
        "supervisord",
    ]


def test_a_failed_child_leaves_the_same_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    roots = _layouts(tmp_path)
    expected = {name: _report(root, fork=False) for name, root in roots.items()}

    def dying_child(*args: object) -> None:
        os._exit(1)

    monkeypatch.setattr(forked, "_child", dying_child)
    for name, root in roots.items():
        assert _report(root, fork=True) == expected[name], name


def test_the_serial_switch_keeps_every_load_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _layouts(tmp_path)["clean"]
    started: list[object] = []
    real_start_forked = layout.start_forked

    def recording_start_forked(work: Callable[[], object]) -> object:
        started.append(work)
        return real_start_forked(work)

    monkeypatch.setattr(layout, "start_forked", recording_start_forked)
    settings = validation_settings(S.Settings.from_env({}), root)
    monkeypatch.setenv(layout.SERIAL_ENV, "1")
    serial = validate_layout(root, settings)
    assert started == []
    monkeypatch.setenv(layout.SERIAL_ENV, "0")
    assert validate_layout(root, settings) == serial
    assert len(started) == 1


def test_the_collector_pauses_for_the_loads_and_resumes_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    collecting_during_loads: list[bool] = []
    real_load_one = layout.load_one

    def recording_load_one(target: layout.Target, settings: S.Settings) -> LoadResult:
        collecting_during_loads.append(gc.isenabled())
        return real_load_one(target, settings)

    monkeypatch.setattr(layout, "load_one", recording_load_one)
    root = _layouts(tmp_path)["clean"]
    assert gc.isenabled()
    _report(root, fork=False)
    assert collecting_during_loads and not any(collecting_during_loads)
    assert gc.isenabled()
    gc.disable()
    try:
        _report(root, fork=False)
        assert not gc.isenabled()  # not switched on behind a caller that turned it off
    finally:
        gc.enable()
