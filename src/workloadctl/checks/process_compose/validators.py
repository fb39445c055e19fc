"""The checks of process-compose's loader (src/loader/validators.go) in strict mode, as
`--dry-run` runs them, except that we report every problem instead of the first.

They run on the project after the mutators (replicas expanded, defaults applied), as
process-compose's do; messages name processes the way process-compose does.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path

from workloadctl.checks.graph import cycles
from workloadctl.checks.process_compose import codes
from workloadctl.checks.process_compose.gotime import atoi, parse_duration
from workloadctl.checks.process_compose.model import McpArgument, ProcessConfig, Project
from workloadctl.findings import Finding, error

MIN_WATCH_BUFFER_SIZE = 4096
_LOG_LEVELS = frozenset(
    ("trace", "debug", "info", "warn", "error", "fatal", "panic", "disabled", "")
)
_MCP_ARG_TYPES = frozenset(("string", "number", "boolean", "integer"))
_ARG_REFERENCE = re.compile(r"@\{([^}]+)\}")
_ESCAPED_ARG_REFERENCE = re.compile(r"\\@\{([^}]+)\}")
_VALID_ARG_NAME = re.compile(r"[A-Za-z0-9_]+\Z")


class Validator:
    def __init__(self, project: Project, env: Mapping[str, str], cwd: Path) -> None:
        self.project = project
        self.env = env
        self.cwd = cwd
        self.findings: list[Finding] = []

    def report(self, where: tuple[str, int | None], code: str, message: str) -> None:
        self.findings.append(error(where[0], where[1], code, message))

    def run(self, *, log_level_from_env: bool) -> list[Finding]:
        # process-compose's order matters once: the MCP check disables MCP processes
        # after the dependency checks have looked at them.
        processes = list(self.project.processes.values())
        self.log_level(from_env=log_level_from_env)
        for process in processes:
            self.process_config(process)
            self.env_file(process)
        self.cycles()
        self.shell()
        for process in processes:
            self.dependencies(process)
            self.incompatible_health_checks(process)
            self.scheduled_scaling(process)
            self.watch(process)
        self.mcp_server()
        for process in processes:
            self.mcp_process(process)
        return self.findings

    # --- project ------------------------------------------------------------------------

    def log_level(self, *, from_env: bool) -> None:
        level = self.project.log_level
        if _is_log_level(level):
            return
        where = (self.project.file, None) if from_env else self.project.where("log_level")
        origin = " (from PC_LOG_LEVEL)" if from_env else ""
        self.report(
            where,
            codes.BAD_LOG_LEVEL,
            f"unknown log level {level!r}{origin}; one of: trace, debug, info, warn, error, "
            "fatal, panic, disabled (or a number from -128 to 127)",
        )

    def shell(self) -> None:
        shell = self.project.shell
        assert shell is not None
        command = shell.shell_command
        if look_path(command, self.env.get("PATH", ""), self.cwd):
            return
        # A defaulted shell has no origin: the finding is about the whole file.
        where = shell.where("shell_command") if shell.file else (self.project.file, None)
        if not command:
            message = "the shell command is empty (`shell.shell_command` is required)"
        else:
            message = f"shell command {command!r} not found on PATH"
            if "COMPOSE_SHELL" in self.env and where[1] is None:
                message += " (from COMPOSE_SHELL)"
        self.report(where, codes.SHELL_NOT_FOUND, message)

    def cycles(self) -> None:
        for cycle in dependency_cycles(self.project.processes):
            first = self.project.processes[cycle[0]]
            dependency = first.depends_on[cycle[1]]
            self.report(
                dependency.where(),
                codes.DEPENDENCY_CYCLE,
                "circular dependency: " + " -> ".join(cycle),
            )

    def mcp_server(self) -> None:
        server = self.project.mcp_server
        if server is None:
            return
        transport = server.effective_transport
        where = self.project.where("mcp_server")
        if transport not in ("sse", "stdio"):
            message = f"invalid MCP transport: {server.transport} (must be 'sse' or 'stdio')"
        elif transport == "stdio":
            return
        elif not server.host:
            message = "MCP SSE transport requires host"
        elif server.port <= 0:
            message = "MCP SSE transport requires a valid port"
        else:
            return
        self.report(where, codes.BAD_MCP_SERVER, message)

    # --- per process -------------------------------------------------------------------

    def process_config(self, process: ProcessConfig) -> None:
        for code in process.success_exit_codes:
            if not 0 <= code <= 255:
                self.report(
                    process.where("success_exit_codes"),
                    codes.BAD_EXIT_CODE,
                    f"invalid success_exit_codes value {code} in process {process.name!r}: "
                    "exit codes must be in the range 0-255",
                )
        if process.shutdown.send_keys and not (process.is_interactive or process.is_tty):
            self.report(
                process.shutdown.where("send_keys"),
                codes.SEND_KEYS_WITHOUT_TTY,
                f"process {process.name!r}: shutdown.send_keys requires is_interactive (or is_tty)",
            )

    def env_file(self, process: ProcessConfig) -> None:
        if not process.env_file:
            return
        env_file = process.env_file
        if not os.path.isabs(env_file) and process.working_dir:
            env_file = os.path.join(process.working_dir, env_file)
        if not _exists(self.cwd, env_file):
            self.report(
                process.where("env_file"),
                codes.ENV_FILE_MISSING,
                f"env_file {env_file!r} for process {process.name!r} does not exist",
            )

    def dependencies(self, process: ProcessConfig) -> None:
        processes = self.project.processes
        label = process.replica_name or process.name
        for target, dependency in process.depends_on.items():
            where = dependency.where()
            other = processes.get(target)
            if other is None:
                self.report(
                    where,
                    codes.MISSING_DEPENDENCY,
                    f"dependency process {target!r} in process {label!r} is not defined",
                )
                continue
            condition = dependency.condition
            if (
                condition == "process_healthy"
                and other.readiness_probe is None
                and other.liveness_probe is None
            ):
                self.report(
                    where,
                    codes.HEALTHY_WITHOUT_PROBE,
                    f"health dependency defined in {label!r} but no health check "
                    f"(readiness_probe or liveness_probe) exists in {target!r}",
                )
            if condition == "process_log_ready" and not other.ready_log_line:
                self.report(
                    where,
                    codes.LOG_READY_WITHOUT_LINE,
                    f"log ready dependency defined in {label!r} but no ready_log_line "
                    f"exists in {target!r}",
                )
            if other.disabled and not process.disabled:
                self.report(
                    where,
                    codes.DISABLED_DEPENDENCY,
                    f"dependency process {target!r} in process {label!r} is disabled",
                )

    def incompatible_health_checks(self, process: ProcessConfig) -> None:
        if process.readiness_probe is not None and process.ready_log_line:
            self.report(
                process.where("ready_log_line"),
                codes.READY_LINE_AND_PROBE,
                f"'ready_log_line' and readiness probe defined in {process.name!r} are "
                "incompatible",
            )

    def scheduled_scaling(self, process: ProcessConfig) -> None:
        if process.schedule is not None and process.replicas > 1:
            self.report(
                process.where("replicas"),
                codes.SCHEDULED_WITH_REPLICAS,
                f"scheduled process {process.name!r} cannot be scaled (replicas > 1)",
            )

    def watch(self, process: ProcessConfig) -> None:
        watch = process.watch
        if watch is None:
            return
        where = process.where("watch")
        name = process.name
        if not watch.paths:
            self.report(
                where, codes.BAD_WATCH, f"process {name!r} has a 'watch' block with no 'paths'"
            )
            return
        problems: list[str] = []
        if process.replicas > 1:
            problems.append(f"watched process {name!r} cannot be scaled (replicas > 1)")
        if process.schedule is not None and process.schedule.is_scheduled:
            problems.append(f"process {name!r} cannot combine 'schedule' with 'watch'")
        if process.is_foreground:
            problems.append(f"process {name!r} cannot combine 'is_foreground' with 'watch'")
        if watch.buffer_size != 0 and watch.buffer_size < MIN_WATCH_BUFFER_SIZE:
            problems.append(
                f"process {name!r} has a watch 'buffer_size' of {watch.buffer_size}, below "
                f"the minimum of {MIN_WATCH_BUFFER_SIZE} bytes"
            )
        if watch.debounce and parse_duration(watch.debounce) is None:
            problems.append(
                f"process {name!r} has an invalid watch 'debounce' value {watch.debounce!r} "
                "(expected a duration such as '300ms' or '1s')"
            )
        for problem in problems:
            self.report(where, codes.BAD_WATCH, problem)
        for watch_path in watch.paths:
            self.watch_path(
                process, watch_path.path, watch_path.include, watch_path.exclude, watch_path.where()
            )

    def watch_path(
        self,
        process: ProcessConfig,
        path: str,
        include: list[str],
        exclude: list[str],
        where: tuple[str, int | None],
    ) -> None:
        name = process.name
        if not path.strip():
            self.report(
                where, codes.BAD_WATCH, f"process {name!r} has a watch path with an empty 'path'"
            )
            return
        if "{{" in path:
            self.report(
                where,
                codes.BAD_WATCH,
                f"process {name!r} watch path {path!r} uses a template variable, which is not "
                "supported for watch paths",
            )
            return
        for kind, patterns in (("include", include), ("exclude", exclude)):
            for pattern in patterns:
                if not valid_glob(pattern):
                    self.report(
                        where,
                        codes.BAD_WATCH,
                        f"process {name!r} watch path {path!r} has an invalid {kind} pattern "
                        f"{pattern!r}",
                    )
        if not _exists(self.cwd, path):
            self.report(
                where,
                codes.WATCH_PATH_MISSING,
                f"watch path {path!r} for process {name!r} does not exist",
            )

    def mcp_process(self, process: ProcessConfig) -> None:
        mcp = process.mcp
        if mcp is None:
            return
        problem = mcp_problem(process)
        if problem is not None:
            self.report(process.where("mcp"), codes.BAD_MCP_PROCESS, problem)
        # process-compose then disables every MCP process (they run on demand).
        process.disabled = True


# --- helpers -----------------------------------------------------------------------------


def _is_log_level(level: str) -> bool:
    if level.lower() in _LOG_LEVELS:
        return True
    number = atoi(level)
    return number is not None and -128 <= number <= 127


def _exists(cwd: Path, path: str) -> bool:
    """os.Stat's "does not exist" (other errors count as existing, as in Go)."""
    try:
        (cwd / path).stat()
    except (FileNotFoundError, NotADirectoryError):
        return False  # ENOTDIR is IsNotExist in Go too
    except ValueError:
        return False  # an embedded NUL ("\0" in YAML): no such file
    except OSError:
        return True
    return True


def look_path(command: str, path_env: str, cwd: Path) -> bool:
    """exec.LookPath: a name with "/" is checked as is, else searched on PATH.

    Relative PATH entries are refused, as Go does since 1.19 (ErrDot).
    """
    if not command:
        return False
    if "/" in command:
        return _is_executable(cwd / command)
    for directory in path_env.split(os.pathsep):
        if not directory or not os.path.isabs(directory):
            continue
        if _is_executable(Path(directory) / command):
            return True
    return False


def _is_executable(path: Path) -> bool:
    try:
        mode = path.stat().st_mode
    except (OSError, ValueError):  # ValueError: an embedded NUL
        return False
    if stat.S_ISDIR(mode):
        return False
    return os.access(path, os.X_OK)


def dependency_cycles(processes: Mapping[str, ProcessConfig]) -> list[list[str]]:
    """One cycle per group of cycles sharing a process, e.g. ['a', 'b', 'c', 'a'], starting
    at its earliest process in the file, in file order."""
    order = {name: index for index, name in enumerate(processes)}
    graph = {
        name: [t for t in process.depends_on if t in processes]
        for name, process in processes.items()
    }
    found: list[list[str]] = []
    reported: set[str] = set()
    for cycle in cycles(graph):
        if reported.isdisjoint(cycle):
            reported.update(cycle)
            loop = cycle[:-1]
            first = loop.index(min(loop, key=order.__getitem__))
            found.append([*loop[first:], *loop[:first], loop[first]])
    return sorted(found, key=lambda cycle: order[cycle[0]])


def valid_glob(pattern: str) -> bool:
    """doublestar v4 ValidatePattern ('/' separator)."""
    depth = 0
    i, length = 0, len(pattern)
    while i < length:
        char = pattern[i]
        if char == "\\":
            i += 2
            if i > length:
                return False
            continue
        if char == "[":
            i += 1
            if i >= length:
                return False
            if pattern[i] in "^!":
                i += 1
            if i >= length or pattern[i] == "]":
                return False
            while i < length:
                if pattern[i] == "\\":
                    i += 1
                elif pattern[i] == "]":
                    break
                i += 1
            else:
                return False
        elif char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return False
            depth -= 1
        i += 1
    return depth == 0


def mcp_problem(process: ProcessConfig) -> str | None:
    """MCPProcessConfig.Validate(name, command, args)."""
    mcp = process.mcp
    assert mcp is not None
    name = process.name
    if mcp.type not in ("tool", "resource"):
        return f"process {name}: invalid MCP type: {mcp.type} (must be 'tool' or 'resource')"
    if mcp.is_resource and mcp.arguments:
        return f"process {name}: resources cannot have arguments"
    known: set[str] = set()
    for argument in mcp.arguments:
        if not argument.name:
            return f"process {name}: argument must have a name"
        if argument.type not in _MCP_ARG_TYPES:
            return f"process {name}: argument {argument.name} has invalid type: {argument.type}"
        known.add(argument.name)
    if mcp.is_tool:
        texts = [("command", process.command)] if process.command else []
        texts += [(f"args[{i}]", arg) for i, arg in enumerate(process.args)]
        for where, text in texts:
            problem = _argument_references_problem(name, where, text, known, mcp.arguments)
            if problem is not None:
                return problem
    if mcp.timeout and parse_duration(mcp.timeout) is None:
        return f"process {name}: invalid timeout {mcp.timeout!r}"
    return None


def _argument_references_problem(
    name: str, where: str, text: str, known: set[str], arguments: list[McpArgument]
) -> str | None:
    without_escaped = _ESCAPED_ARG_REFERENCE.sub("", text)
    seen: set[str] = set()
    for match in _ARG_REFERENCE.finditer(without_escaped):
        content = match.group(1)
        colon = content.find(":")
        reference = content[:colon] if colon > 0 else content
        if reference in seen:
            continue
        seen.add(reference)
        if not _VALID_ARG_NAME.match(reference):
            return (
                f"process {name}: invalid argument name {reference!r} in pattern '@{{{content}}}'"
            )
        if reference not in known:
            valid = ", ".join(a.name for a in arguments)
            return (
                f"process {name}: undefined argument '@{{{reference}}}' in {where}. "
                f"Valid arguments: {valid}"
            )
    return None
