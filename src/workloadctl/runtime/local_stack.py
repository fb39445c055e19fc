"""Where the local runner (`workloadctl up`) puts the container's paths on a machine
without Docker, and the record it leaves for `down`, `status` and friends.

In-container path             under the state dir S
/run/service                  S/run/service          (s6 scan dir)
/run/workloadctl              S/run/workloadctl      (sockets)
/var/lib/workloadctl          S/var/lib/workloadctl  (decisions, secrets, deaths)
/etc/supervisor               S/etc/supervisor       (seed.conf copied from .devcontainer/)
/etc/process-compose          S/etc/process-compose  (seed.yaml copied from .devcontainer/)
/home/$UNAME                  S/home/$UNAME          (empty: boot never touches your real home)
/home/$UNAME/$REPO_NAME       -> the repository (a symbolic link)
/command/with-contenv         S/bin/with-contenv     (s6-overlay's, emulated: runs its arguments)
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workloadctl import settings as S

RECORD_NAME = "stack.json"


@dataclass(frozen=True)
class LocalLayout:
    root: Path  # the repository
    top: Path  # the state dir S
    user: str
    repo_name: str

    @classmethod
    def create(cls, root: Path, top: Path) -> LocalLayout:
        return cls(root.resolve(), top.resolve(), getpass.getuser(), root.resolve().name)

    @property
    def service_dir(self) -> Path:
        return self.top / "run/service"

    @property
    def run_dir(self) -> Path:
        return self.top / "run/workloadctl"

    @property
    def state_dir(self) -> Path:
        return self.top / "var/lib/workloadctl"

    @property
    def supervisor_etc(self) -> Path:
        return self.top / "etc/supervisor"

    @property
    def process_compose_etc(self) -> Path:
        return self.top / "etc/process-compose"

    @property
    def home(self) -> Path:
        return self.top / "home" / self.user

    @property
    def project_link(self) -> Path:
        return self.home / self.repo_name

    @property
    def shim_dir(self) -> Path:
        return self.top / "bin"

    @property
    def log_file(self) -> Path:
        return self.top / "log/stack.log"

    @property
    def record_file(self) -> Path:
        return self.top / RECORD_NAME

    def environment(self, base: Mapping[str, str]) -> dict[str, str]:
        """The services' environment: the caller's, plus what the Dockerfile's ENV sets in the
        container, with every path pointed under the state dir."""
        # Path variables are all set below; other WORKLOADCTL_* settings (quarantine limits,
        # the process-compose switch, binary overrides) pass through. PC_* would override
        # the launcher's flags.
        env = {k: v for k, v in base.items() if not k.startswith("PC_")}
        venv_bin = str(Path(sys.executable).parent)
        env.update(
            {
                "UNAME": self.user,
                "REPO_NAME": self.repo_name,
                "HOME": str(self.home),
                "PATH": os.pathsep.join([str(self.shim_dir), venv_bin, base.get("PATH", "")]),
                S.ENV_ROOT: str(self.project_link),
                S.ENV_STATE_DIR: str(self.state_dir),
                S.ENV_RUN_DIR: str(self.run_dir),
                S.ENV_SERVICE_DIR: str(self.service_dir),
                S.ENV_SUPERVISOR_ETC: str(self.supervisor_etc),
                S.ENV_PROCESS_COMPOSE_ETC: str(self.process_compose_etc),
                S.ENV_USER_HOME: str(self.home),
                S.ENV_DOCKER_SOCKET: str(self.top / "var/run/docker.sock"),
            }
        )
        return env


def caller_path(services_path: str) -> str | None:
    """The PATH `up` was run with, when `services_path` is the PATH `LocalLayout.environment`
    gave a stack's services (its shim dir, this venv's bin, then the caller's); else None.
    A hint a service prints (the launcher's banner) is read by the developer, not by s6."""
    shims, _, rest = services_path.partition(os.pathsep)
    venv_bin, _, caller = rest.partition(os.pathsep)
    if not shims or not (Path(shims).parent / RECORD_NAME).is_file():
        return None
    return caller if venv_bin == str(Path(sys.executable).parent) else None


@dataclass(frozen=True)
class StackRecord:
    """What `up` leaves in S/stack.json for the commands that come after it."""

    root: str
    top: str
    unshare_pid: int  # the `unshare` process, a PID in the caller's namespace
    svscan_pid: int  # s6-svscan, PID 1 of the stack's namespace, as a PID in the caller's
    services: list[str]  # atomic services in the order they were brought up
    longruns: list[str]
    env: dict[str, str]
    started_at: float

    @property
    def stack_env(self) -> dict[str, str]:
        """What a command run from outside takes from the stack's environment: its paths
        (WORKLOADCTL_*) and the account and repository its services run with."""
        return {
            k: v
            for k, v in self.env.items()
            if k.startswith("WORKLOADCTL_") or k in ("UNAME", "REPO_NAME")
        }

    def write(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.__dict__, indent=2, sort_keys=True))
        tmp.replace(path)

    @classmethod
    def read(cls, path: Path) -> StackRecord | None:
        try:
            data: dict[str, Any] = json.loads(path.read_text())
            return cls(**data)
        except (OSError, ValueError, TypeError):
            return None


def default_top(root: Path, env: Mapping[str, str] | None = None) -> Path:
    """The local runner's state dir: $WORKLOADCTL_STATE_DIR, else .state/ in the repository."""
    env = os.environ if env is None else env
    return Path(env[S.ENV_STATE_DIR]) if env.get(S.ENV_STATE_DIR) else root / ".state"


def find_record(top: Path) -> StackRecord | None:
    """The record of a local stack whose state dir is `top` (or whose internal state dir is,
    as services see it through $WORKLOADCTL_STATE_DIR)."""
    for candidate in (top, top.parent.parent.parent):
        record = StackRecord.read(candidate / RECORD_NAME)
        if record is not None:
            return record
    return None


def repository_of(top: Path) -> Path | None:
    """The repository a stack in state dir `top` ran, also after `down` removed its record:
    `up` links it as TOP/home/USER/REPO_NAME (and leaves the link). None when no single
    repository is linked there (a state dir never used, or used by several)."""
    record = find_record(top)
    if record is not None:
        return Path(record.root)
    try:
        links = [p for p in (top / "home").glob("*/*") if p.is_symlink()]
    except OSError:
        return None
    targets = {p.resolve() for p in links}
    found = [t for t in targets if (t / S.S6_RC_SOURCE_DIR).is_dir()]
    return found[0] if len(found) == 1 else None


def _exists(path: Path) -> bool:
    """False also for a path we may not look at (a repository in another user's home)."""
    try:
        return path.exists()
    except OSError:
        return False


def settings_for(
    top: Path | None, env: Mapping[str, str] | None = None
) -> tuple[S.Settings, StackRecord | None]:
    """Settings for a command run from outside a local stack (`--state-dir`) or inside the container."""
    # Ours over the container's: sudo drops UNAME and the WORKLOADCTL_* the image set.
    env = S.process_environment() if env is None else dict(env)
    if top is None and env.get(S.ENV_STATE_DIR):
        top = Path(env[S.ENV_STATE_DIR])
    if top is None:
        root = S.find_repo_root(Path.cwd(), env)
        candidate = default_top(root, env)
        top = candidate if _exists(candidate / RECORD_NAME) else None
    record = find_record(top) if top is not None else None
    if record is not None:
        env.update(record.stack_env)
    return S.Settings.from_env(env), record
