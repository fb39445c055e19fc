"""`load_process_compose`: read, substitute, parse, decode, merge, mutate and check a
process-compose config the way `process-compose --dry-run -f FILE` (v1.122.0) does,
reporting every problem (with file and line) instead of stopping at the first.

process-compose resolves relative paths (`.env`, `env_file`, `working_dir`, watch paths)
against its own working directory. `cwd` says what that will be; by default the
config's directory (`process-compose -f FILE` run from there).
"""

from __future__ import annotations

import copy
import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from workloadctl.checks.graph import cycles
from workloadctl.checks.process_compose import codes
from workloadctl.checks.process_compose.decode import Decoder
from workloadctl.checks.process_compose.dotenv import read_dotenv
from workloadctl.checks.process_compose.interpolate import Substituted, substitute
from workloadctl.checks.process_compose.limits import resource_findings
from workloadctl.checks.process_compose.merge import merge_process, merge_struct
from workloadctl.checks.process_compose.model import Origin, ProcessConfig, Project
from workloadctl.checks.process_compose.mutators import (
    TemplateRenderer,
    apply_disabled,
    assign_default_process_values,
    assign_executable_and_args,
    clone_replicas,
    copy_working_dir_to_probes,
    go_join,
    resolve_watch_paths,
    set_default_shell,
)
from workloadctl.checks.process_compose.validators import Validator
from workloadctl.checks.process_compose.yaml12 import YamlSyntaxError, parse_yaml
from workloadctl.checks.programs import LoadResult, ProgramSpec
from workloadctl.fileio import TextFile, read_config_text
from workloadctl.findings import Finding, error, warning

DOTENV_NAME = ".env"


@dataclass
class ProcessComposeResult(LoadResult):
    project: Project | None = None  # the project as process-compose would run it


def load_process_compose(
    path: Path,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    use_dotenv: bool = True,
) -> ProcessComposeResult:
    """Check a process-compose config; never raises for anything in the user's files.

    `env` is process-compose's environment (default: ours): `${VAR}` values, PATH for
    the shell, COMPOSE_SHELL, PC_LOG_LEVEL, PC_DISABLED_PROCESSES. `cwd` is the
    directory it runs in (default: the config's). `use_dotenv=False` is
    `--disable-dotenv`.
    """
    return _Load(path, os.environ if env is None else env, cwd, use_dotenv).run()


class _Load:
    def __init__(
        self, path: Path, env: Mapping[str, str], cwd: Path | None, use_dotenv: bool
    ) -> None:
        self.path = path
        self.env = env
        # Absolute, like os.Getwd() in process-compose (watch paths are joined to it).
        self.cwd = (cwd if cwd is not None else path.parent).absolute()
        self.use_dotenv = use_dotenv
        self.findings: list[Finding] = []
        self.files: list[str] = [str(path)]
        self.dotenv: dict[str, str] = {}

    # --- the steps --------------------------------------------------------------------

    def run(self) -> ProcessComposeResult:
        if self.use_dotenv:
            self.load_dotenv()
        main = self.load_file(self.path, referrer=None)
        if main is None:
            return self.result(None)
        project = main
        chain = self.extends_chain(main)
        if len(chain) > 1:
            project = chain[0]
            for override in chain[1:]:
                merge_struct(project, override)
            project.file, project.line = main.file, main.line
        self.resolve_process_extends(project)
        self.finish_project(project)
        return self.result(project)

    def load_dotenv(self) -> None:
        dotenv = read_dotenv(self.cwd / DOTENV_NAME)
        self.dotenv = dotenv.variables
        if dotenv.error is not None:
            self.findings.append(
                warning(
                    dotenv.path,
                    None,
                    codes.DOTENV_IGNORED,
                    f"process-compose ignores this whole .env file: {dotenv.error}",
                )
            )

    def lookup(self, name: str) -> str | None:
        if name in self.dotenv:
            return self.dotenv[name]
        return self.env.get(name)

    def load_file(self, path: Path, referrer: Origin | None) -> Project | None:
        what = "process-compose config" if referrer is None else "extended config"
        text = read_config_text(path, what=what)
        if not isinstance(text, TextFile):
            if referrer is None:
                self.findings.append(text)
            else:
                self.findings.append(
                    error(
                        referrer[0],
                        referrer[1],
                        codes.EXTENDS_UNREADABLE,
                        f"extends {str(path)!r}: {text.message}",
                    )
                )
            return None
        substituted = substitute(text.text, self.lookup)
        for problem in substituted.problems:
            self.findings.append(error(path, problem.line, codes.SUBSTITUTION, problem.message))
        project = self.parse(path, substituted.text, substituted)
        if project is not None and project.disable_env_expansion:
            # process-compose decodes the raw text again over the substituted result.
            project = self.parse(path, text.text, None) or project
        elif project is not None:
            self.warn_unset(path, substituted)
        return project

    def parse(self, path: Path, text: str, substituted: Substituted | None) -> Project | None:
        line_of = substituted.original_line if substituted is not None else _same_line
        try:
            root = parse_yaml(text)
        except YamlSyntaxError as exc:
            self.findings.append(
                error(path, line_of(exc.line), codes.YAML_SYNTAX, f"YAML: {exc.message}")
            )
            return None
        decoder = Decoder(str(path), line_of)
        project = decoder.project(root)
        self.findings.extend(decoder.findings)
        return project

    def warn_unset(self, path: Path, substituted: Substituted) -> None:
        for unset in substituted.unset:
            self.findings.append(
                warning(
                    path,
                    unset.line,
                    codes.UNSET_VARIABLE,
                    f"${{{unset.name}}} is not set (neither in the environment nor in .env): "
                    "process-compose substitutes an empty string",
                )
            )

    def extends_chain(self, main: Project) -> list[Project]:
        """[deepest base, ..., main]: the files `extends` names, loaded like the main one."""
        chain = [main]
        seen = {os.path.realpath(self.path)}
        current, current_file = main, str(self.path)
        while current.extends:
            target = (
                current.extends
                if os.path.isabs(current.extends)
                else go_join(os.path.dirname(current_file), current.extends)
            )
            where = current.where("extends")
            written, current.extends = current.extends, target  # as process-compose keeps it
            if "\x00" in target:  # a "\0" escape: no such file can exist
                self.findings.append(
                    error(
                        where[0],
                        where[1],
                        codes.EXTENDS_UNREADABLE,
                        f"extends {written!r}: no such file",
                    )
                )
                break
            if os.path.realpath(target) in seen:
                self.findings.append(
                    error(
                        where[0],
                        where[1],
                        codes.EXTENDS_LOOP,
                        f"extends {written!r}: {target} is already loaded "
                        "(a file cannot extend itself or a file that extends it)",
                    )
                )
                break
            seen.add(os.path.realpath(target))
            base = self.load_file(Path(target), referrer=where)
            if base is None:
                break
            self.files.append(target)
            _working_dir_from_file(base, os.path.dirname(target) or ".")
            chain.insert(0, base)
            current, current_file = base, target
        return chain

    def resolve_process_extends(self, project: Project) -> None:
        """resolveProcessExtends: `extends: other` in a process inherits that process.

        Iterative (a long chain must not exhaust Python's stack): for each process, walk
        up its parents to one already resolved, then merge back down the walk.
        """
        processes = project.processes
        # The walks below follow the same chains in the same order as the graph's walk, so
        # a walk reaches each cycle at its first process: where the cycle is reported.
        extends = {
            name: [process.extends]
            for name, process in processes.items()
            if process.extends in processes and process.extends != name
        }
        cycle_of = {name: cycle for cycle in cycles(extends) for name in cycle}
        settled: set[str] = set()  # resolved, or reported and left as written
        for name in list(processes):
            walk: list[str] = []
            current = name
            while current not in settled and processes[current].extends:
                cycle = cycle_of.get(current, [])
                problem = _extends_problem(current, cycle, processes)
                if problem is not None:
                    file, line = processes[current].where("extends")
                    self.findings.append(error(file, line, *problem))
                    settled.update([*walk, current, *cycle])
                    walk = []
                    break
                walk.append(current)
                current = processes[current].extends
            for child in reversed(walk):
                base = copy.deepcopy(processes[processes[child].extends])
                base.extends = ""
                merged = merge_process(base, processes[child])
                merged.extends = ""
                processes[child] = merged
                settled.add(child)
            settled.add(name)

    def finish_project(self, project: Project) -> None:
        """The rest of loader.Load: env overrides, mutators, then the validators."""
        log_level_from_env = "PC_LOG_LEVEL" in self.env
        if log_level_from_env:
            project.log_level = self.env["PC_LOG_LEVEL"]
        set_default_shell(project, self.env)
        assign_default_process_values(project)
        self.findings.extend(resource_findings(project))  # before replicas are expanded
        self.findings.extend(clone_replicas(project))
        copy_working_dir_to_probes(project)
        resolve_watch_paths(project, self.cwd)
        apply_disabled(project, self.env)
        renderer = TemplateRenderer(project)
        renderer.run()
        self.findings.extend(renderer.findings)
        self.findings.extend(assign_executable_and_args(project))
        validator = Validator(project, self.env, self.cwd)
        self.findings.extend(validator.run(log_level_from_env=log_level_from_env))

    # --- the result -------------------------------------------------------------------

    def result(self, project: Project | None) -> ProcessComposeResult:
        return ProcessComposeResult(
            findings=self.ordered_findings(),
            programs=programs_of(project) if project is not None else [],
            project=project,
        )

    def ordered_findings(self) -> list[Finding]:
        """De-duplicated, in file order: the main file, the files it extends, then others
        (the .env file)."""
        rank = {name: index for index, name in enumerate(self.files)}
        unique = list(dict.fromkeys(self.findings))
        return sorted(
            unique,
            key=lambda f: (rank.get(f.file, len(rank)), f.file, f.line or 0),
        )


def _same_line(line: int | None) -> int | None:
    return line


def _extends_problem(
    name: str, cycle: list[str], processes: Mapping[str, ProcessConfig]
) -> tuple[str, str] | None:
    """Why `name`'s `extends` cannot be followed (cycle: the one `name` is on, if any)."""
    parent = processes[name].extends
    if parent == name:
        return codes.EXTENDS_PROCESS_CYCLE, f"process {name!r} cannot extend itself"
    if parent not in processes:
        return codes.EXTENDS_UNKNOWN_PROCESS, f"process {name!r} extends unknown process {parent!r}"
    if cycle:
        return codes.EXTENDS_PROCESS_CYCLE, "circular extends: " + " -> ".join(cycle)
    return None


def _working_dir_from_file(project: Project, directory: str) -> None:
    """copyWorkingDirToProcesses: an extended file's processes run in its directory."""
    for process in project.processes.values():
        if not process.working_dir:
            process.working_dir = directory
        elif not os.path.isabs(process.working_dir):
            process.working_dir = go_join(directory, process.working_dir)


def programs_of(project: Project) -> list[ProgramSpec]:
    """One ProgramSpec per configured process (replicas share their process's spec)."""
    programs: list[ProgramSpec] = []
    seen: set[str] = set()
    for process in project.processes.values():
        if process.name in seen:
            continue
        seen.add(process.name)
        programs.append(program_of(process))
    return programs


def program_of(process: ProcessConfig) -> ProgramSpec:
    scheduled_later = (
        process.schedule is not None
        and process.schedule.is_scheduled
        and not process.schedule.run_on_start
    )
    return ProgramSpec(
        manager="process-compose",
        name=process.name,
        argv=argv_of(process),
        file=process.file,
        line=process.line,
        environment=process.environment_dict(),
        autostart=not (process.is_deferred or scheduled_later),
        disabled=process.disabled,
    )


def argv_of(process: ProcessConfig) -> tuple[str, ...]:
    if process.command:
        try:
            return tuple(shlex.split(process.command))
        except ValueError:  # unbalanced quotes: the shell will complain, not us
            return tuple(process.command.split())
    return tuple(process.entrypoint)
