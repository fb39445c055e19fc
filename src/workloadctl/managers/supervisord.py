"""supervisord as workloadctl runs it: `supervisord -n -c FILE`, XML-RPC on a unix socket."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING

from workloadctl.manager_names import PROGRAM_NOUN, Manager
from workloadctl.managers.environment import supervisor_credentials
from workloadctl.settings import (
    ENV_SUPERVISORD_BIN,
    PROJECT_SUPERVISORD_CONF,
    SEED_SUPERVISORD_CONF,
    Settings,
)
from workloadctl.settings import supervisord_binary as find_supervisord

if TYPE_CHECKING:
    from workloadctl.checks.programs import LoadResult
    from workloadctl.managers.access import AccessInputs, Remarks
    from workloadctl.managers.supervisord_access import SupervisordAccess
    from workloadctl.managers.supervisord_live import LiveSupervisord

SUPERVISOR_RANGE = ((4, 2), (5, 0))  # pyproject: supervisor>=4.2,<5
_VERSION = re.compile(r"\bv?(\d+)\.(\d+)(?:\.(\d+))?\b")


class Supervisord:
    name: Manager = "supervisord"
    noun: str = PROGRAM_NOUN["supervisord"]
    project_config: Path = PROJECT_SUPERVISORD_CONF
    seed_source: Path = SEED_SUPERVISORD_CONF
    starting_states: frozenset[str] = frozenset({"STARTING"})
    exec_umask: int | None = None
    install_hint: tuple[str, ...] = (
        "install supervisor into the workloadctl virtualenv",
        "(`/opt/workloadctl/bin/pip install supervisor`; the Dockerfile does this),",
        f"or point ${ENV_SUPERVISORD_BIN} at a supervisord binary.",
    )
    install_advice: str = (
        "run `make setup` in the workloadctl checkout (installs supervisor into .venv), or "
        "`pip install 'supervisor>=4.2,<5'` next to workloadctl; "
        f"${ENV_SUPERVISORD_BIN} names another supervisord"
    )
    version_error_on_stdout: bool = True

    def service(self, settings: Settings) -> Path:
        return settings.service_dir / self.name

    def seed_config(self, settings: Settings) -> Path:
        return settings.seed_supervisord_conf

    def matches(self, word: str, names: Iterable[str]) -> list[str]:
        names = list(names)
        exact = [n for n in names if n == word or (":" not in n and word == f"{n}:{n}")]
        if exact:
            return exact
        # A grouped program by its bare name: `web` for `frontend:web`.
        return [n for n in names if ":" in n and n.split(":", 1)[1] == word]

    def socket(self, settings: Settings) -> Path:
        return settings.supervisord_socket

    def binary(self, environ: Mapping[str, str]) -> str | None:
        return find_supervisord(environ)

    def version_argv(self, binary: str, scratch: Path) -> list[str]:
        return [binary, "--version"]

    def read_version(self, stdout: str) -> str | None:
        match = _VERSION.search(stdout)
        if match is None:
            return None
        return f"{match.group(1)}.{match.group(2)}.{match.group(3) or 0}"

    def refuse_version(self, version: str) -> str | None:
        major, minor, _ = map(int, version.split("."))
        low, high = SUPERVISOR_RANGE
        return None if low <= (major, minor) < high else "workloadctl needs >= 4.2 and < 5"

    def argv(self, binary: str, config: Path, settings: Settings) -> list[str]:
        return [binary, "-n", "-c", str(config)]

    def load(
        self, path: Path, *, env: Mapping[str, str], on_target: bool, cwd: Path | None
    ) -> LoadResult:
        # Imported on use: the launcher must still reach the seed when a loader's import
        # fails, and each caller pays only for the format it reads.
        from workloadctl.checks.supervisord import load_supervisord

        return load_supervisord(path, env=env, on_target=on_target)

    def adjust_environment(
        self, env: MutableMapping[str, str], settings: Settings, *, for_validation: bool
    ) -> None:
        env.update(supervisor_credentials(settings, for_validation=for_validation))

    def prepare_exec(self, settings: Settings, environ: Mapping[str, str]) -> list[str]:
        return []

    def settings_digest(self, text: bytes) -> str | None:
        from workloadctl.managers.settings_digest import supervisord_settings_digest

        return supervisord_settings_digest(text)

    def live(self, settings: Settings, timeout: float) -> LiveSupervisord:
        # Deferred: `validate` and `launch` never talk to a manager; its client's imports
        # (xmlrpc, http.client) would cost them tens of milliseconds.
        from workloadctl.managers.connect import supervisord_client
        from workloadctl.managers.supervisord_live import LiveSupervisord

        return LiveSupervisord(supervisord_client(settings, timeout=timeout))

    def access(self, inputs: AccessInputs, remarks: Remarks) -> SupervisordAccess:
        from workloadctl.managers.supervisord_access import supervisord_access

        return supervisord_access(inputs, remarks)
