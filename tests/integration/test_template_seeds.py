"""The template's seeds and project configs against the REAL supervisord and process-compose.

- process-compose v1.122.0 accepts both YAML files (`--dry-run`), and the seed keeps
  process-compose up (its process stays Running; nothing exits into a restart loop);
- supervisord runs seed.conf with the contract's environment: the web UI accepts the
  generated password (the env carries only its {SHA} digest) and nothing else, each log
  line appears once, and a missing code-server is retried (it comes back by itself once
  installed) while supervisord stays up.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from base64 import b64encode
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from workloadctl.settings import process_compose_binary, supervisord_binary

from .stack_support import PROCESS_COMPOSE_MISSING, free_port, process_compose_available

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SEED_CONF = REPO / ".devcontainer/supervisord/seed.conf"
SEED_YAML = REPO / ".devcontainer/process-compose/seed.yaml"
PROJECT_YAML = REPO / "workloads/process-compose/project.yaml"


def wait_for(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def pc_env(home: Path) -> dict[str, str]:
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home)}


@pytest.fixture
def pc_binary() -> str:
    binary = process_compose_binary()
    if binary is None or not process_compose_available():
        pytest.skip(PROCESS_COMPOSE_MISSING)
    return binary


@pytest.mark.parametrize("config", [SEED_YAML, PROJECT_YAML], ids=lambda p: p.name)
def test_process_compose_accepts_the_yaml(pc_binary: str, config: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [pc_binary, "--dry-run", "-f", str(config), "-L", str(tmp_path / "pc.log")],
        cwd=REPO,
        env=pc_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Validated 1 configured processes" in done.stdout + done.stderr


@pytest.fixture
def seed_process_compose(pc_binary: str, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    token = secrets.token_urlsafe(32)
    token_file = tmp_path / "token"
    token_file.write_text(token)
    token_file.chmod(0o600)
    sock = tmp_path / "pc.sock"
    process = subprocess.Popen(
        [
            pc_binary,
            "up",
            "-f",
            str(SEED_YAML),
            "-t=false",
            "--keep-project",
            "-u",
            str(sock),
            "--token-file",
            str(token_file),
            "-L",
            str(tmp_path / "pc.log"),
        ],
        cwd=tmp_path,
        env=pc_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield sock, token
    finally:
        stop(process)  # SIGTERM: process-compose stops the seed's process (signal 15) first


def test_process_compose_seed_stays_up(seed_process_compose: tuple[Path, str]) -> None:
    sock, token = seed_process_compose
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is needed to talk to the unix socket")

    def processes() -> list[dict[str, object]]:
        header = f"X-PC-Token-Key: {token}"
        url = "http://localhost/processes"
        done = subprocess.run(
            [curl, "-s", "--unix-socket", str(sock), "-H", header, url],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        try:
            data: list[dict[str, object]] = json.loads(done.stdout)["data"]
        except (ValueError, KeyError):
            return []
        return data

    assert wait_for(lambda: any(p.get("status") == "Running" for p in processes()), 15)
    time.sleep(2)  # still up a moment later: the placeholder does not exit
    [seed] = processes()
    assert seed["name"] == "seed" and seed["status"] == "Running"
    assert seed["restarts"] == 0


# --- supervisord --------------------------------------------------------------------


@pytest.fixture
def seed_supervisord(tmp_path: Path) -> Iterator[tuple[int, str, Path]]:
    binary = supervisord_binary()
    if binary is None:
        pytest.skip("supervisord is not installed")
    if os.geteuid() != 0:
        pytest.skip("the seed runs supervisord as root (user=root, programs as $UNAME)")
    port = free_port()
    # The file under test, with only the web UI port moved off 9001 so parallel runs and
    # a real supervisord on this machine cannot collide.
    text = SEED_CONF.read_text().replace("port=127.0.0.1:9001", f"port=127.0.0.1:{port}")
    assert f"127.0.0.1:{port}" in text
    conf = tmp_path / "seed.conf"
    conf.write_text(text)
    run_dir = tmp_path / "run"
    run_dir.mkdir(mode=0o700)
    log_dir = tmp_path / "logs"  # boot makes it in the container
    log_dir.mkdir(mode=0o700)
    password = secrets.token_urlsafe(32)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": "/root",
        "UNAME": "root",
        "REPO_NAME": "no-such-repo",
        "WORKLOADCTL_ROOT": str(tmp_path / "no-such-repo"),
        "WORKLOADCTL_USER_HOME": str(tmp_path / "home"),
        "WORKLOADCTL_RUN_DIR": str(run_dir),
        "WORKLOADCTL_LOG_DIR": str(log_dir),
        "WORKLOADCTL_SUPERVISOR_USER": "dev",
        "WORKLOADCTL_SUPERVISOR_PASSWORD": hashlib.sha1(password.encode()).hexdigest(),
    }
    log = tmp_path / "supervisord.out"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, "-n", "-c", str(conf)], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield port, password, log
    finally:
        stop(process)


def http_status(port: int, credentials: tuple[str, str] | None) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/")
    if credentials is not None:
        token = b64encode(f"{credentials[0]}:{credentials[1]}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def test_supervisord_seed_web_ui_takes_only_the_generated_password(
    seed_supervisord: tuple[int, str, Path],
) -> None:
    port, password, _ = seed_supervisord
    assert wait_for(lambda: http_status(port, None) != 0, 15), "web UI never came up"
    digest = hashlib.sha1(password.encode()).hexdigest()
    assert http_status(port, None) == 401
    assert http_status(port, ("dev", "admin")) == 401
    assert http_status(port, ("dev", digest)) == 401  # what children see is useless
    assert http_status(port, ("root", password)) == 401
    assert http_status(port, ("dev", password)) == 200


def test_supervisord_seed_logs_once_and_survives_a_missing_code_server(
    seed_supervisord: tuple[int, str, Path],
) -> None:
    if shutil.which("code-server", path="/root/.local/bin:/usr/local/bin:/usr/bin:/bin"):
        pytest.skip("code-server is installed here: the missing-binary case cannot be shown")
    port, _, log = seed_supervisord

    missing = "can't find command 'code-server'"

    def tried_again() -> bool:  # after 1 s of backoff; it keeps trying (startretries=200)
        return log.read_text().count(missing) >= 2

    assert wait_for(tried_again, 30), log.read_text()
    text = log.read_text()
    started = [line for line in text.splitlines() if "supervisord started with pid" in line]
    assert len(started) == 1, text  # silent=true: no second copy of each line
    assert "entered FATAL state" not in text
    assert "success: log-echo entered RUNNING state" in text
    assert http_status(port, None) == 401  # supervisord itself is still serving
