"""process-compose as workloadctl runs it: `process-compose up -f FILE`, its REST API on a
unix socket with a token file."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING

from workloadctl.manager_names import PROGRAM_NOUN, Manager
from workloadctl.managers.environment import process_compose_token_path
from workloadctl.settings import (
    ENV_PROCESS_COMPOSE_BIN,
    ENV_SUPERVISOR_PASSWORD,
    ENV_SUPERVISOR_USER,
    PROCESS_COMPOSE_VERSION,
    PROJECT_PROCESS_COMPOSE_YAML,
    SEED_PROCESS_COMPOSE_YAML,
    Settings,
    process_compose_config_home,
)
from workloadctl.settings import process_compose_binary as find_process_compose

if TYPE_CHECKING:
    from workloadctl.checks.programs import LoadResult
    from workloadctl.managers.access import AccessInputs, Remarks
    from workloadctl.managers.process_compose_access import ProcessComposeAccess
    from workloadctl.managers.process_compose_live import LiveProcessCompose

# process-compose creates its API socket with the default mode (0777 & ~umask): 002 lets
# the control group (the run dir's, inherited) connect, and no one else.
PROCESS_COMPOSE_UMASK = 0o002


class ProcessCompose:
    name: Manager = "process-compose"
    noun: str = PROGRAM_NOUN["process-compose"]
    project_config: Path = PROJECT_PROCESS_COMPOSE_YAML
    seed_source: Path = SEED_PROCESS_COMPOSE_YAML
    starting_states: frozenset[str] = frozenset({"Pending", "Launching"})
    exec_umask: int | None = PROCESS_COMPOSE_UMASK
    install_hint: tuple[str, ...] = (
        f"install process-compose {PROCESS_COMPOSE_VERSION} as /usr/local/bin/process-compose",
        "(the Dockerfile does this),",
        f"or point ${ENV_PROCESS_COMPOSE_BIN} at a process-compose binary.",
    )
    install_advice: str = (
        f"run `make setup` in the workloadctl checkout (builds process-compose "
        f"{PROCESS_COMPOSE_VERSION} into .venv/bin), or point ${ENV_PROCESS_COMPOSE_BIN} "
        f"at a process-compose {PROCESS_COMPOSE_VERSION} binary"
    )
    version_error_on_stdout: bool = False

    def service(self, settings: Settings) -> Path:
        return settings.service_dir / self.name

    def seed_config(self, settings: Settings) -> Path:
        return settings.seed_process_compose_yaml

    def matches(self, word: str, names: Iterable[str]) -> list[str]:
        return [n for n in names if n == word]

    def socket(self, settings: Settings) -> Path:
        return settings.process_compose_socket

    def binary(self, environ: Mapping[str, str]) -> str | None:
        return find_process_compose(environ)

    def version_argv(self, binary: str, scratch: Path) -> list[str]:
        # `version` opens its default log file and truncates it, which would wipe the log
        # of an instance running with the default: give it a throwaway one.
        return [binary, "version", "--short", "-L", str(scratch / "version.log")]

    def read_version(self, stdout: str) -> str | None:
        lines = [line.strip() for line in stdout.splitlines() if line.strip()]
        return lines[-1] if lines else None

    def refuse_version(self, version: str) -> str | None:
        if version == PROCESS_COMPOSE_VERSION:
            return None
        return (
            f"workloadctl is built and tested against {PROCESS_COMPOSE_VERSION} "
            "(a plain `go install` prints 'undefined' and checks for updates online)"
        )

    def argv(self, binary: str, config: Path, settings: Settings) -> list[str]:
        # -u alone selects the unix-socket API and no TCP listener (process-compose serves
        # one or the other); --token-file, not PC_API_TOKEN, which every program would inherit.
        return [
            binary,
            "up",
            "-f",
            str(config),
            "-t=false",
            "--keep-project",
            "-u",
            str(settings.process_compose_socket),
            "--token-file",
            str(process_compose_token_path(settings)),
            "-L",
            str(settings.process_compose_log),
        ]

    def load(
        self, path: Path, *, env: Mapping[str, str], on_target: bool, cwd: Path | None
    ) -> LoadResult:
        # Imported on use, as supervisord's loader is.
        from workloadctl.checks.process_compose import load_process_compose

        return load_process_compose(path, env=env, cwd=cwd)

    def adjust_environment(
        self, env: MutableMapping[str, str], settings: Settings, *, for_validation: bool
    ) -> None:
        # It has no use for supervisord's web UI account; its programs should not see it.
        env.pop(ENV_SUPERVISOR_USER, None)
        env.pop(ENV_SUPERVISOR_PASSWORD, None)

    def prepare_exec(self, settings: Settings, environ: Mapping[str, str]) -> list[str]:
        """Its log's directory, and its config home: without the latter it logs two JSON
        debug lines ("Path not found for process compose config home") at every start."""
        warnings = []
        wanted = [settings.process_compose_log.parent, process_compose_config_home(environ)]
        for directory in wanted:
            if directory is None:
                continue
            try:
                directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            except OSError as exc:
                warnings.append(f"cannot create {exc.filename}: {exc.strerror}")
        return warnings

    def settings_digest(self, text: bytes) -> str | None:
        from workloadctl.managers.settings_digest import process_compose_settings_digest

        return process_compose_settings_digest(text)

    def live(self, settings: Settings, timeout: float) -> LiveProcessCompose:
        # Deferred: `validate` and `launch` never talk to a manager; its client's imports
        # (xmlrpc, http.client) would cost them tens of milliseconds.
        from workloadctl.managers.connect import process_compose_client
        from workloadctl.managers.process_compose_live import LiveProcessCompose

        return LiveProcessCompose(process_compose_client(settings, timeout=timeout))

    def access(self, inputs: AccessInputs, remarks: Remarks) -> ProcessComposeAccess:
        from workloadctl.managers.process_compose_access import process_compose_access

        return process_compose_access(inputs, remarks)
