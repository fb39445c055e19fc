"""The state dir, secrets and sockets: never open to others, nor to a group but the
control group (or root's)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from workloadctl import settings as S
from workloadctl.doctor.permissions import check_private_dir, check_secrets, check_sockets


def test_missing_dir_is_fine(tmp_path: Path) -> None:
    check = check_private_dir("state-dir", tmp_path / "nope")
    assert check.ok and "does not exist yet" in check.detail


def test_private_dir(tmp_path: Path) -> None:
    tmp_path.chmod(0o700)
    assert check_private_dir("state-dir", tmp_path).ok
    os.chown(tmp_path, os.getuid(), 0)
    tmp_path.chmod(0o2750)  # root's group (or the control group) may read
    assert check_private_dir("state-dir", tmp_path).ok
    tmp_path.chmod(0o755)
    check = check_private_dir("state-dir", tmp_path)
    assert not check.ok and "mode 0755: others can get in" in check.detail
    assert check.fix is not None and f"chmod o-rwx {tmp_path}" in check.fix


def test_a_foreign_group_may_not_read(tmp_path: Path) -> None:
    directory = tmp_path / "state"
    directory.mkdir(mode=0o750)
    os.chown(directory, os.getuid(), 65534)  # nogroup: not the control group
    check = check_private_dir("state-dir", directory, "no-such-group-here")
    assert not check.ok and "group id 65534" in check.detail


def test_a_link_is_not_a_private_dir(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir(mode=0o700)
    os.symlink(tmp_path / "real", tmp_path / "link")
    assert not check_private_dir("state-dir", tmp_path / "link").ok


def make_secrets(tmp_path: Path, mode: int = 0o600) -> Path:
    secrets = tmp_path / "secrets"
    secrets.mkdir(mode=0o700)
    for name in ("supervisord-password", "process-compose-token"):
        (secrets / name).write_text("x" * 43)
        (secrets / name).chmod(mode)
    return secrets


def test_secrets_ok(tmp_path: Path) -> None:
    check = check_secrets(make_secrets(tmp_path))
    assert check.ok and "2 file(s)" in check.detail


def test_readable_secret(tmp_path: Path) -> None:
    secrets = make_secrets(tmp_path)
    (secrets / "process-compose-token").chmod(0o644)
    check = check_secrets(secrets)
    assert not check.ok
    assert "process-compose-token (mode 0644" in check.detail
    assert "supervisord-password" not in check.detail
    assert check.fix is not None and "chmod 640" in check.fix


def test_secret_that_is_a_link(tmp_path: Path) -> None:
    secrets = make_secrets(tmp_path)
    os.symlink("/etc/hostname", secrets / "extra")
    check = check_secrets(secrets)
    assert not check.ok and "extra (not a regular file)" in check.detail


def settings_for(run_dir: Path) -> S.Settings:
    return S.Settings.from_env({S.ENV_RUN_DIR: str(run_dir)})


def bind_socket(path: Path, mode: int) -> socket.socket:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    path.chmod(mode)
    return server


def test_sockets(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir(mode=0o700)
    check = check_sockets(settings_for(run_dir))
    assert check.ok and "no manager socket yet" in check.detail
    with (
        bind_socket(run_dir / "supervisord.sock", 0o700),
        bind_socket(run_dir / "process-compose.sock", 0o755),
    ):
        check = check_sockets(settings_for(run_dir))
        assert check.ok
        assert "supervisord.sock 0700, process-compose.sock 0755" in check.detail
    (run_dir / "process-compose.sock").unlink()
    with bind_socket(run_dir / "process-compose.sock", 0o775):  # umask 002, root's group
        assert check_sockets(settings_for(run_dir)).ok


def test_world_writable_socket(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir(mode=0o700)
    with bind_socket(run_dir / "supervisord.sock", 0o777):
        check = check_sockets(settings_for(run_dir))
    assert not check.ok and "supervisord.sock (mode 0777: others can get in)" in check.detail
    assert check.fix is not None and "chmod=0770" in check.fix


def test_open_run_dir(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    run_dir.chmod(0o755)
    check = check_sockets(settings_for(run_dir))
    assert not check.ok and check.name == "sockets" and "mode 0755" in check.detail


def test_a_manager_switched_off_needs_no_binary(tmp_path: Path) -> None:
    from workloadctl.doctor.model import failed
    from workloadctl.doctor.run import _unless_switched_off

    settings = settings_for(tmp_path)

    def missing(_system: object, _env: object) -> object:
        return failed("process-compose", "process-compose not found", "install it")

    check = _unless_switched_off("process-compose", settings, missing, None, {})  # type: ignore[arg-type]
    assert not check.ok
    (tmp_path / "process-compose.disabled").write_text("off\n")
    check = _unless_switched_off("process-compose", settings, missing, None, {})  # type: ignore[arg-type]
    assert check.ok and "switched off" in check.detail
