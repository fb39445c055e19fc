from __future__ import annotations

import hashlib
from pathlib import Path

from launcher_support import tmp_env, tmp_settings

from workloadctl import settings as S
from workloadctl.managers import MANAGERS
from workloadctl.managers import environment as M


def test_markers_are_set_and_instance_is_stable_per_state_dir(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    env = M.manager_environment(settings, "supervisord", for_validation=True, base={})
    assert env[M.ENV_MANAGER] == "supervisord"
    assert env[M.ENV_INSTANCE] == M.instance_id(settings)
    assert M.instance_id(tmp_settings(tmp_path)) == M.instance_id(settings)
    other = tmp_settings(tmp_path, **{S.ENV_STATE_DIR: str(tmp_path / "elsewhere")})
    assert M.instance_id(other) != M.instance_id(settings)


def test_path_variables_round_trip_through_settings(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    base = {"UNAME": "dev"}  # the container's env: only the WORKLOADCTL_* paths are added
    env = M.manager_environment(settings, "process-compose", for_validation=False, base=base)
    assert env[S.ENV_RUN_DIR] == str(tmp_path / "run")
    # A `workloadctl` started by a managed program sees the very same layout.
    assert S.Settings.from_env(env) == settings


def test_both_managers_get_the_log_dir_the_templates_name(tmp_path: Path) -> None:
    """`stdout_logfile=%(ENV_WORKLOADCTL_LOG_DIR)s/...`: the directory boot creates."""
    settings = tmp_settings(tmp_path)
    for manager in MANAGERS:
        for for_validation in (True, False):
            env = M.manager_environment(settings, manager, for_validation=for_validation, base={})
            assert env[M.ENV_LOG_DIR] == str(settings.logs_dir)
    assert settings.logs_dir in settings.shared_state_dirs


def test_process_compose_overrides_and_token_are_removed(tmp_path: Path) -> None:
    base = {"PC_API_TOKEN": "x" * 40, "PC_NO_SERVER": "1", "PC_PORT_NUM": "9", "KEEP": "me"}
    env = M.manager_environment(
        tmp_settings(tmp_path), "process-compose", for_validation=False, base=base
    )
    assert "PC_API_TOKEN" not in env
    assert "PC_NO_SERVER" not in env
    assert "PC_PORT_NUM" not in env
    assert env["KEEP"] == "me"


def test_supervisord_gets_the_sha1_of_the_password_file_never_the_plaintext(
    tmp_path: Path,
) -> None:
    settings = tmp_settings(tmp_path)
    password_file = M.supervisord_password_path(settings)
    password_file.parent.mkdir(parents=True)
    password_file.write_text("s3cret-password\n")
    env = M.manager_environment(settings, "supervisord", for_validation=False, base={})
    assert env[S.ENV_SUPERVISOR_USER] == "dev"
    assert env[S.ENV_SUPERVISOR_PASSWORD] == hashlib.sha1(b"s3cret-password").hexdigest()
    assert "s3cret-password" not in env.values()


def test_user_defaults_to_workloadctl_without_uname(tmp_path: Path) -> None:
    env_vars = tmp_env(tmp_path)
    del env_vars["UNAME"]
    settings = S.Settings.from_env(env_vars)
    env = M.manager_environment(settings, "supervisord", for_validation=True, base={})
    assert env[S.ENV_SUPERVISOR_USER] == "workloadctl"


def test_validation_uses_a_placeholder_and_needs_no_secrets(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    env = M.manager_environment(settings, "supervisord", for_validation=True, base={})
    assert env[S.ENV_SUPERVISOR_PASSWORD] == M.VALIDATION_PASSWORD_PLACEHOLDER
    assert not settings.secrets_dir.exists()


def test_missing_password_file_gives_a_random_password_not_a_known_one(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    first = M.manager_environment(settings, "supervisord", for_validation=False, base={})
    second = M.manager_environment(settings, "supervisord", for_validation=False, base={})
    assert first[S.ENV_SUPERVISOR_PASSWORD] != M.VALIDATION_PASSWORD_PLACEHOLDER
    assert first[S.ENV_SUPERVISOR_PASSWORD] != second[S.ENV_SUPERVISOR_PASSWORD]


def test_process_compose_gets_no_supervisor_credentials(tmp_path: Path) -> None:
    base = {S.ENV_SUPERVISOR_PASSWORD: "abc", S.ENV_SUPERVISOR_USER: "u"}
    env = M.manager_environment(
        tmp_settings(tmp_path), "process-compose", for_validation=False, base=base
    )
    assert S.ENV_SUPERVISOR_PASSWORD not in env
    assert S.ENV_SUPERVISOR_USER not in env


def test_read_secret_treats_missing_and_empty_as_none(tmp_path: Path) -> None:
    assert M.read_secret(tmp_path / "absent") is None
    empty = tmp_path / "empty"
    empty.write_text("  \n")
    assert M.read_secret(empty) is None
