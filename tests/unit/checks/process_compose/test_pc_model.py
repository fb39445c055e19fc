"""The project as process-compose would run it: defaults, executable and replica vars."""

from __future__ import annotations

from pathlib import Path

from workloadctl.checks.process_compose import load_process_compose
from workloadctl.checks.process_compose.model import Project

ENV = {"HOME": "/nonexistent-home", "PATH": "/usr/local/bin:/usr/bin:/bin"}


def load(path: Path) -> Project:
    result = load_process_compose(path, env=ENV)
    assert result.project is not None
    return result.project


def test_defaults_and_the_command_run_through_the_shell(tmp_path: Path) -> None:
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
    project = load(config)
    assert project.log_length == 1000  # process-compose's default
    shell = project.shell
    assert shell is not None
    assert (shell.shell_command, shell.shell_argument) == ("bash", "-c")
    assert (shell.elevated_shell_command, shell.elevated_shell_argument) == ("sudo", "-S")
    web = project.processes["web"]
    assert web.availability.restart == "on_failure"
    assert web.depends_on["db"].condition == "process_healthy"
    assert web.namespace == ["default"]
    assert web.executable == "bash" and web.args == ["-c", "sleep 2 <&>"]
    assert web.vars == {"PC_REPLICA_NUM": 0}
    probe = project.processes["db"].readiness_probe
    assert probe is not None and probe.period_seconds == 10  # defaults applied
