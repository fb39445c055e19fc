"""The JSON of `POST /project` (Go encoding/json shapes) and its round trip.

The integration test compares `to_api_json` with what the real `process-compose project
update` sends; these tests pin the shapes and the round trip without the binary.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from workloadctl.checks.process_compose import Project, load_process_compose
from workloadctl.checks.process_compose.model import (
    PROCESS_CONDITION,
    RESTART_POLICY,
    ProcessConfig,
    fields_of,
)
from workloadctl.checks.process_compose.mutators import go_json

CORPUS = Path(__file__).resolve().parents[3] / "fixtures" / "process_compose" / "corpus"
ENV = {"HOME": "/nonexistent-home", "PATH": "/usr/local/bin:/usr/bin:/bin"}


def load(path: Path) -> Project:
    result = load_process_compose(path, env=ENV)
    assert result.project is not None
    return result.project


def test_api_json_shapes(tmp_path: Path) -> None:
    config = tmp_path / "pc.yaml"
    config.write_text(
        "processes:\n"
        "  db:\n"
        "    command: sleep 1\n"
        "    readiness_probe: {exec: {command: 'true'}}\n"
        "  web:\n"
        "    command: sleep 2 <&>\n"
        "    availability: {restart: on_failure}\n"
        "    depends_on: {db: {condition: process_healthy}}\n"
        "    args: []\n"
    )
    data = load(config).to_api_json()
    assert list(data)[:3] == ["Version", "Name", "LogLocation"]  # Go field names
    assert data["LogLength"] == 1000  # process-compose's default
    assert data["Environment"] is None and data["Vars"] is None  # nil, not []
    assert data["Processes"] and data["DotEnvVars"] == {}
    assert data["ShellConfig"] == {
        "ShellCommand": "bash",
        "ShellArgument": "-c",
        "ElevatedShellCmd": "sudo",
        "ElevatedShellArg": "-S",
    }
    web = data["Processes"]["web"]
    assert web["restartPolicy"] == {"restart": RESTART_POLICY.to_int("on_failure")}
    assert web["dependsOn"] == {"db": {"condition": PROCESS_CONDITION.to_int("process_healthy")}}
    assert web["namespace"] == "default"  # a lone namespace is a string
    assert web["executable"] == "bash" and web["args"] == ["-c", "sleep 2 <&>"]
    assert web["vars"] == {"PC_REPLICA_NUM": 0}
    assert "isDaemon" not in web  # omitempty
    original = json.loads(web["originalConfig"])
    assert original["command"] == "sleep 2 <&>"
    assert "\\u003c\\u0026\\u003e" in web["originalConfig"]  # Go escapes HTML characters
    assert data["Processes"]["db"]["readinessProbe"]["periodSeconds"] == 10  # defaults applied


def test_go_json_is_compact_and_escaped() -> None:
    assert go_json({"a": "<b>&"}) == '{"a":"\\u003cb\\u003e\\u0026"}'


def _valid_files() -> list[Path]:
    return sorted(CORPUS.rglob("valid-*.yaml"))


@pytest.mark.parametrize("path", _valid_files(), ids=lambda p: p.name)
def test_api_json_round_trips(path: Path) -> None:
    project = load(path)
    data = json.loads(json.dumps(project.to_api_json()))
    again = Project.from_api_json(data)
    assert again == project
    assert again.to_api_json() == data


def test_round_trip_keeps_every_process_field() -> None:
    process = ProcessConfig(
        name="p",
        command="c",
        environment=["A=1"],
        namespace=["x", "y"],
        monitor_for="silence",
        monitor_silence_threshold=5,
        success_exit_codes=[3],
        extensions={"x-a": {"b": [1]}},
    )
    process.availability.restart = "exit_on_failure"
    project = Project(processes={"p": process})
    again = Project.from_api_json(json.loads(json.dumps(project.to_api_json())))
    assert again.processes["p"] == process
    for name, _spec in fields_of(ProcessConfig):
        assert getattr(again.processes["p"], name) == getattr(process, name), name


def test_from_api_json_matches_keys_case_insensitively() -> None:
    data: dict[str, Any] = {"processes": {"a": {"Command": "x", "restartPolicy": {"RESTART": 1}}}}
    project = Project.from_api_json(data)
    assert project.processes["a"].command == "x"
    assert project.processes["a"].availability.restart == "always"
