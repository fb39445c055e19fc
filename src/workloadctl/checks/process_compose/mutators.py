"""What process-compose does to a project after parsing it (src/loader/mutators.go, the
templater and `AssignProcessExecutableAndArgs`), in its order: default shell, process
defaults, replicas, probe working dirs, watch paths, `is_disabled`, `PC_DISABLED_PROCESSES`,
templates, executable and args.

The result is the project process-compose would run and would send to a running
instance (`project update`); the validators then judge that project.
"""

from __future__ import annotations

import copy
import math
import os.path
import posixpath
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workloadctl.checks.process_compose import codes
from workloadctl.checks.process_compose.gotemplate import render
from workloadctl.checks.process_compose.gotime import atoi
from workloadctl.checks.process_compose.model import (
    Probe,
    ProcessConfig,
    Project,
    ShellConfig,
)
from workloadctl.findings import Finding, error, warning

DEFAULT_LAUNCH_TIMEOUT = 5
SIGTERM = 15
# A typo like `replicas: 100000` must not make the check copy a process 100000 times.
MAX_EXPANDED_REPLICAS = 1000


def default_shell(env: Mapping[str, str]) -> ShellConfig:
    """command.DefaultShellConfig() on Linux: $COMPOSE_SHELL (even empty) or bash."""
    shell = env.get("COMPOSE_SHELL", "bash")
    return ShellConfig(
        shell_command=shell,
        shell_argument="-c",
        elevated_shell_command="sudo",
        elevated_shell_argument="-S",
    )


def set_default_shell(project: Project, env: Mapping[str, str]) -> None:
    default = default_shell(env)
    if project.shell is None:
        project.shell = default
    elif not project.shell.elevated_shell_command or not project.shell.elevated_shell_argument:
        project.shell.elevated_shell_command = default.elevated_shell_command
        project.shell.elevated_shell_argument = default.elevated_shell_argument


def normalized_namespaces(namespaces: list[str]) -> list[str]:
    result: list[str] = []
    for name in namespaces:
        if name and name not in result:
            result.append(name)
    return result or ["default"]


def assign_default_process_values(project: Project) -> None:
    for name, process in project.processes.items():
        process.namespace = normalized_namespaces(process.namespace)
        if process.replicas == 0:
            process.replicas = 1
        if process.launch_timeout_seconds < 1:
            process.launch_timeout_seconds = DEFAULT_LAUNCH_TIMEOUT
        if process.shutdown.signal == 0:
            process.shutdown.signal = SIGTERM
        process.name = name


def replica_name(process: ProcessConfig, number: int) -> str:
    if process.replicas <= 1:
        return process.name
    width = 1 + int(math.log10(process.replicas))
    return f"{process.name}-{number:0{width}d}"


def clone_replicas(project: Project) -> list[Finding]:
    """cloneReplicas: `replicas: N` > 1 becomes processes NAME-0 .. NAME-(N-1)."""
    findings: list[Finding] = []
    groups: dict[str, list[str]] = {}
    expanded: dict[str, ProcessConfig] = {}
    for name, process in project.processes.items():
        if process.replicas < 1:
            expanded[name] = process  # Go's loop adds nothing and keeps the original
            continue
        if process.replicas > MAX_EXPANDED_REPLICAS:
            file, line = process.where("replicas")
            findings.append(
                warning(
                    file,
                    line,
                    codes.REPLICAS_NOT_EXPANDED,
                    f"process {name!r}: replicas: {process.replicas} is more than workloadctl "
                    f"expands ({MAX_EXPANDED_REPLICAS}); its replicas are checked as one process",
                )
            )
            process.replica_name = name
            expanded[name] = process
            continue
        for number in range(process.replicas):
            # A single replica keeps its object: nothing else refers to it.
            replica = process if process.replicas == 1 else copy.deepcopy(process)
            replica.replica_num = number
            replica.replica_name = replica_name(process, number)
            groups.setdefault(name, []).append(replica.replica_name)
            expanded[replica.replica_name] = replica
    for process in expanded.values():
        if not process.depends_on:
            continue
        rewritten = {}
        for target, dependency in process.depends_on.items():
            replicas = groups.get(target, [])
            if len(replicas) > 1:
                for name in replicas:
                    if name not in process.depends_on:
                        rewritten[name] = copy.deepcopy(dependency)
            else:
                rewritten[target] = dependency
        process.depends_on = rewritten
    project.processes = expanded
    return findings


def copy_working_dir_to_probes(project: Project) -> None:
    for process in project.processes.values():
        for probe in (process.liveness_probe, process.readiness_probe):
            exec_probe = None if probe is None else probe.exec_probe
            if exec_probe is not None and not exec_probe.working_dir:
                exec_probe.working_dir = process.working_dir


def go_join(*parts: str) -> str:
    """filepath.Join: join the non-empty parts and Clean the result."""
    joined = "/".join(p for p in parts if p)
    return go_clean(joined) if joined else ""


def go_clean(path: str) -> str:
    if not path:
        return "."
    cleaned = posixpath.normpath(path)
    # normpath keeps a leading "//"; Go's Clean does not.
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def resolve_watch_paths(project: Project, cwd: Path) -> None:
    for process in project.processes.values():
        watch = process.watch
        if watch is None or not watch.paths:
            continue
        base = process.working_dir or str(cwd)
        for watch_path in watch.paths:
            if not watch_path.path:
                continue
            if os.path.isabs(watch_path.path):
                watch_path.path = go_clean(watch_path.path)
            else:
                watch_path.path = go_join(base, watch_path.path)


def apply_disabled(project: Project, env: Mapping[str, str]) -> None:
    """convertStrDisabledToBool, then PC_DISABLED_PROCESSES."""
    for process in project.processes.values():
        if process.is_disabled == "true":
            process.disabled = True
        elif process.is_disabled == "false":
            process.disabled = False
    listed = env.get("PC_DISABLED_PROCESSES", "")
    if listed:
        names = set(listed.split(","))
        for name, process in project.processes.items():
            if name in names:
                process.disabled = True


class TemplateRenderer:
    """renderTemplates: every process's templated fields, with findings."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.findings: list[Finding] = []

    def run(self) -> None:
        for name, process in self.project.processes.items():
            self.render_process(name, process)

    def render_process(self, name: str, process: ProcessConfig) -> None:
        process.vars = dict(process.vars)
        process.vars["PC_REPLICA_NUM"] = process.replica_num
        data = {**self.project.vars, **process.vars}
        if not process.is_template_disabled:
            process.command = self.field(process, name, "command", process.command, data)
        process.working_dir = self.field(process, name, "working_dir", process.working_dir, data)
        process.log_location = self.field(process, name, "log_location", process.log_location, data)
        process.description = self.field(process, name, "description", process.description, data)
        process.environment = [
            self.field(process, name, "environment", entry, data) for entry in process.environment
        ]
        for key in ("readiness_probe", "liveness_probe"):
            probe = getattr(process, key)
            if probe is not None:
                self.render_probe(process, name, key, probe, data)

    def render_probe(
        self, process: ProcessConfig, name: str, key: str, probe: Probe, data: dict[str, Any]
    ) -> None:
        if probe.exec_probe is not None:
            exec_probe = probe.exec_probe
            exec_probe.command = self.field(process, name, key, exec_probe.command, data)
        elif probe.http_get is not None:
            http = probe.http_get
            http.path = self.field(process, name, key, http.path, data)
            http.host = self.field(process, name, key, http.host, data)
            http.scheme = self.field(process, name, key, http.scheme, data)
            http.port = self.field(process, name, key, http.port, data)
        set_probe_defaults(probe)

    def field(
        self, process: ProcessConfig, name: str, key: str, text: str, data: dict[str, Any]
    ) -> str:
        if not text:
            return text
        rendered = render(text, data)
        file, line = process.where(key)
        where = f"process {process.name or name!r} {key}"
        if rendered.error is not None:
            self.findings.append(
                error(
                    file,
                    line,
                    codes.TEMPLATE_ERROR,
                    f"{where}: template error: {rendered.error} in {_shorten(text)}",
                )
            )
            return text
        if rendered.unchecked is not None:
            self.findings.append(
                warning(
                    file,
                    line,
                    codes.TEMPLATE_UNCHECKED,
                    f"{where}: Go template not checked by workloadctl ({rendered.unchecked})",
                )
            )
            return text
        for missing in rendered.no_value:
            hint = " (or `is_template_disabled: true`)" if key == "command" else ""
            self.findings.append(
                warning(
                    file,
                    line,
                    codes.TEMPLATE_NO_VALUE,
                    f"{where}: {{{{{missing}}}}} has no value (not in `vars`, or null): "
                    "process-compose replaces it with <no value>; define it under `vars`, "
                    f'or write {{{{"{{{{{missing}}}}}"}}}} for the literal text{hint}',
                )
            )
        return rendered.text


def _shorten(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


def set_probe_defaults(probe: Probe) -> None:
    """health.Probe.ValidateAndSetDefaults."""
    probe.initial_delay_seconds = max(probe.initial_delay_seconds, 0)
    if probe.period_seconds < 1:
        probe.period_seconds = 10
    if probe.timeout_seconds < 1:
        probe.timeout_seconds = 1
    if probe.success_threshold < 1:
        probe.success_threshold = 1
    if probe.failure_threshold < 1:
        probe.failure_threshold = 3
    http = probe.http_get
    if http is None:
        return
    if not http.host.strip():
        http.host = "127.0.0.1"
    if not http.scheme.strip():
        http.scheme = "http"
    if not http.path.strip():
        http.path = "/"
    http.num_port = atoi(http.port) or 0
    if not 1 <= http.num_port <= 65535:
        http.num_port = 0
    if http.status_code < 1 or http.status_code >= 400:
        http.status_code = 200


def assign_executable_and_args(project: Project) -> list[Finding]:
    """AssignProcessExecutableAndArgs for every process; warns on command + entrypoint."""
    shell = project.shell
    assert shell is not None
    elevated_arg = "" if project.is_tui_disabled else shell.elevated_shell_argument
    findings: list[Finding] = []
    for process in project.processes.values():
        if process.args and (process.command or process.entrypoint):
            file, line = process.where("args")
            findings.append(
                warning(
                    file,
                    line,
                    codes.ARGS_IGNORED,
                    f"process {process.name!r}: 'args' is ignored; process-compose builds "
                    "the arguments from 'command' (or 'entrypoint')",
                )
            )
        if process.command or not process.entrypoint:
            if process.entrypoint:
                file, line = process.where("entrypoint")
                findings.append(
                    warning(
                        file,
                        line,
                        codes.COMMAND_AND_ENTRYPOINT,
                        f"process {process.name!r} sets both 'command' and 'entrypoint'; "
                        "process-compose uses 'command'",
                    )
                )
            process.executable = shell.shell_command
            if not process.command:
                continue
            if process.is_elevated:
                wrapped = f"{shell.elevated_shell_command} {elevated_arg} {process.command}"
                process.args = [shell.shell_argument, wrapped]
            else:
                process.args = [shell.shell_argument, process.command]
        else:
            if process.is_elevated:
                process.entrypoint = [
                    shell.elevated_shell_command,
                    elevated_arg,
                    *process.entrypoint,
                ]
            process.executable = process.entrypoint[0]
            process.args = process.entrypoint[1:]
    return findings
