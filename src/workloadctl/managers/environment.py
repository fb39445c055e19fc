"""The one environment a manager is validated with and runs with.

`validate`, the launcher and the loaders all call `manager_environment`, so a config that
uses `%(ENV_WORKLOADCTL_RUN_DIR)s` (supervisord) or `${WORKLOADCTL_RUN_DIR}`
(process-compose) expands to the same value when it is checked as when it runs.

The environment also carries two markers, `WORKLOADCTL_MANAGER` and
`WORKLOADCTL_INSTANCE`. Every program a manager starts inherits them, which is how the
reaper finds a dead manager's programs after they were re-parented to PID 1.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from workloadctl.manager_names import Manager
from workloadctl.settings import (
    ENV_PROCESS_COMPOSE_ETC,
    ENV_ROOT,
    ENV_RUN_DIR,
    ENV_SERVICE_DIR,
    ENV_STATE_DIR,
    ENV_SUPERVISOR_ETC,
    ENV_SUPERVISOR_PASSWORD,
    ENV_SUPERVISOR_USER,
    ENV_USER_HOME,
    Settings,
)

ENV_MANAGER = "WORKLOADCTL_MANAGER"
ENV_INSTANCE = "WORKLOADCTL_INSTANCE"
# The programs' log directory (`Settings.logs_dir`, in the state dir) for the configs to
# name: `stdout_logfile=%(ENV_WORKLOADCTL_LOG_DIR)s/%(program_name)s.log`. Exported, never
# read back: the state dir decides it.
ENV_LOG_DIR = "WORKLOADCTL_LOG_DIR"

SUPERVISORD_PASSWORD_FILE = "supervisord-password"
PROCESS_COMPOSE_TOKEN_FILE = "process-compose-token"
# The web UI account when the container has no developer account name ($UNAME).
DEFAULT_SUPERVISOR_USER = "workloadctl"
# process-compose insists on >= 20 characters; 32 random bytes give 43 URL-safe ones.
SECRET_BYTES = 32
# `validate` runs on hosts without the generated secrets; the value only has to expand.
VALIDATION_PASSWORD_PLACEHOLDER = "0" * 40

# process-compose reads these itself and each would silently undo a flag the launcher
# passes (a token in the env wins over --token-file and is inherited by every program;
# PC_NO_SERVER turns the unix socket off). Nobody else has a use for them.
_PROCESS_COMPOSE_OVERRIDES = (
    "PC_API_TOKEN",
    "PC_API_TOKEN_PATH",
    "PC_NO_SERVER",
    "PC_SOCKET_PATH",
    "PC_PORT_NUM",
    "PC_ADDRESS",
    "PC_CONFIG_FILES",
    "PC_DISABLE_TUI",
    "PC_LOG_FILE",
)


def instance_id(settings: Settings) -> str:
    """A stable id for this state directory: one container (or one local runner) = one id."""
    import hashlib  # here: `validate` and `status` import this module, never hash

    digest = hashlib.sha256(str(settings.state_dir.resolve()).encode("utf-8"))
    return digest.hexdigest()[:16]


def supervisord_password_path(settings: Settings) -> Path:
    return settings.secrets_dir / SUPERVISORD_PASSWORD_FILE


def process_compose_token_path(settings: Settings) -> Path:
    return settings.secrets_dir / PROCESS_COMPOSE_TOKEN_FILE


def supervisor_user(settings: Settings) -> str:
    return settings.user_name or DEFAULT_SUPERVISOR_USER


def sha1_password_digest(plaintext: str) -> str:
    """The hex digest supervisord compares `{SHA}` passwords with (unsalted SHA-1)."""
    import hashlib

    return hashlib.sha1(plaintext.encode("utf-8")).hexdigest()


def read_secret(path: Path) -> str | None:
    """The secret in `path` without surrounding whitespace; None when absent, unreadable or empty."""
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return value or None


def settings_environment(settings: Settings) -> dict[str, str]:
    """The WORKLOADCTL_* path variables that make `Settings.from_env()` in a child equal ours."""
    env = {
        ENV_RUN_DIR: str(settings.run_dir),
        ENV_STATE_DIR: str(settings.state_dir),
        ENV_SERVICE_DIR: str(settings.service_dir),
        ENV_SUPERVISOR_ETC: str(settings.supervisor_etc),
        ENV_PROCESS_COMPOSE_ETC: str(settings.process_compose_etc),
    }
    if settings.project_root is not None:
        env[ENV_ROOT] = str(settings.project_root)
    if settings.user_home is not None:
        env[ENV_USER_HOME] = str(settings.user_home)
    return env


def supervisor_credentials(settings: Settings, *, for_validation: bool) -> dict[str, str]:
    if for_validation:
        digest = VALIDATION_PASSWORD_PLACEHOLDER
    else:
        # Without the file (state dir unwritable) an ephemeral password still keeps the
        # web UI closed; the launcher has already said loudly that the file is missing.
        import secrets  # here: `status` and `finish` import this module, never need it

        plaintext = read_secret(supervisord_password_path(settings)) or secrets.token_urlsafe(
            SECRET_BYTES
        )
        digest = sha1_password_digest(plaintext)
    return {ENV_SUPERVISOR_USER: supervisor_user(settings), ENV_SUPERVISOR_PASSWORD: digest}


def manager_environment(
    settings: Settings,
    manager: Manager,
    *,
    for_validation: bool,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment `manager` is validated with and exec'd with.

    `base` is the container environment (default: ours, which `with-contenv` filled).
    `for_validation=True` never touches the secrets, so it works on a host too.
    """
    env = dict(os.environ if base is None else base)
    for name in _PROCESS_COMPOSE_OVERRIDES:
        env.pop(name, None)
    env.update(settings_environment(settings))
    env[ENV_LOG_DIR] = str(settings.logs_dir)
    if for_validation:
        # The container's ENV names these; a host checking the same file may not.
        if settings.user_name:
            env.setdefault("UNAME", settings.user_name)
        if settings.project_root is not None:
            env.setdefault("REPO_NAME", settings.project_root.name)
    from workloadctl.managers import kind  # the registry imports this module

    kind(manager).adjust_environment(env, settings, for_validation=for_validation)
    env[ENV_MANAGER] = manager
    env[ENV_INSTANCE] = instance_id(settings)
    return env
