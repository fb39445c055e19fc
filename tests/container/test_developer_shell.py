"""Scenario 2: the developer's day-to-day commands, as the developer in a LOGIN shell
(`podman exec -u developer C bash -lc ...`: what a VS Code terminal is), no sudo."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from .harness import Containers
from .podman import Container, Result
from .stack import (
    PROCESS_COMPOSE_YAML,
    SUPERVISORD_CONF,
    edit_text,
    json_of,
    must,
    not_ready,
    program,
    programs,
    wait_ready,
)
from .waiting import wait_for

pytestmark = pytest.mark.container

SV_ADDED = """
[program:reload-added]
; added by tests/container, then reloaded
command=bash -c 'echo hello-from-reload-added; exec sleep 100201'
autostart=true
autorestart=true
startsecs=1
stdout_logfile=AUTO
stderr_logfile=AUTO
"""

PC_ADDED = """
  reload-added-pc:
    command: echo hello-from-reload-added-pc; exec sleep 100202
    availability:
      restart: always
    shutdown:
      signal: 15
      timeout_seconds: 5
"""


@pytest.fixture(scope="module")
def dev(containers: Containers) -> Iterator[Container]:
    container = containers.create("dev")
    wait_ready(container)
    yield container
    containers.remove(container)


def status_as_developer(container: Container) -> tuple[dict[str, object], Result]:
    doc, result = container.status(as_developer=True)
    assert doc is not None, result.describe()
    return doc, result


def status_as_root(container: Container) -> tuple[dict[str, object], Result]:
    """For checking what a developer's command did: only that command is under test."""
    doc, result = container.status()
    assert doc is not None, result.describe()
    return doc, result


def test_status(dev: Container) -> None:
    doc, result = status_as_developer(dev)
    assert result.returncode == 0, result.describe()
    assert not_ready(doc) is None, result.describe()

    text = must(dev.dev("workloadctl status"))
    for word in ("supervisord", "process-compose", "docs", "static-site", "project"):
        assert word in text.stdout, text.describe()


@pytest.mark.parametrize(
    ("manager", "name"), [("supervisord", "docs"), ("process-compose", "static-site")]
)
def test_stop_then_start_a_program(dev: Container, manager: str, name: str) -> None:
    doc, _ = status_as_root(dev)
    old_pid = program(doc, manager, name)["pid"]
    try:
        must(dev.dev(f"workloadctl stop {name}"))
        doc, result = status_as_root(dev)
        assert program(doc, manager, name)["state"] == "stopped", result.describe()
        # issue 8, point 6: a deliberate stop is not a failure.
        text = dev.root("workloadctl status")
        assert "stopped!" not in text.stdout, text.describe()
        assert "NOT all running" not in text.output, text.describe()
        assert text.returncode == 0, text.describe()
    finally:
        started = dev.dev(f"workloadctl start {name}")
    must(started)
    doc, result = status_as_root(dev)
    seen = program(doc, manager, name)
    assert seen["state"] == "running", result.describe()
    assert seen["pid"] != old_pid, result.describe()


def test_logs(dev: Container) -> None:
    # static-site's readiness probe GETs / every 10 s; http.server logs each request.
    def probe() -> tuple[bool, Result]:
        result = dev.dev("workloadctl logs static-site -n 50")
        return result.returncode != 0 or '"GET / HTTP/1.1" 200' in result.stdout, result

    result, _ = wait_for("static-site's request log", probe, timeout=30, describe=Result.describe)
    must(result)

    # docs (supervisord) logs to its own file, which the developer may read; `logs docs`
    # shows its lines only, and the container log carries them as "[docs\t] line".
    marker = f"probe-{time.monotonic_ns()}"
    must(
        dev.dev(
            "python3 -c 'import urllib.request as u; "
            f'u.urlopen("http://127.0.0.1:8001/?{marker}", timeout=10).read()\''
        )
    )

    def docs_probe() -> tuple[bool, Result]:
        result = dev.dev("workloadctl logs docs -n 20")
        return result.returncode != 0 or marker in result.stdout, result

    docs, _ = wait_for("docs' request log", docs_probe, timeout=30, describe=Result.describe)
    must(docs)
    assert "[static-site" not in docs.stdout and "[docs" not in docs.stdout, docs.describe()
    own_file = must(dev.dev("cat /var/lib/workloadctl/logs/docs.log"))
    assert marker in own_file.stdout, own_file.describe()

    def prefixed_in_container_log() -> tuple[bool, str]:
        log = dev.logs()
        lines = log.splitlines()
        return any(line.startswith("[docs\t] ") and marker in line for line in lines), log

    wait_for("docs' prefixed line in the container log", prefixed_in_container_log, timeout=30)


@pytest.mark.parametrize("manager", ["supervisord", "process-compose"])
def test_reload_of_an_untouched_config_changes_nothing(dev: Container, manager: str) -> None:
    before, _ = status_as_root(dev)
    result = must(dev.dev(f"workloadctl reload {manager} --json"))
    doc = json_of(result)
    assert doc["ok"] is True, result.describe()
    (entry,) = doc["managers"]
    assert entry["name"] == manager and entry["action"] == "unchanged", result.describe()
    after, _ = status_as_root(dev)
    pids = {key: p["pid"] for key, p in programs(before).items()}
    assert {key: p["pid"] for key, p in programs(after).items()} == pids


@pytest.mark.parametrize(
    ("manager", "path", "added", "text", "kept"),
    [
        ("supervisord", SUPERVISORD_CONF, "reload-added", SV_ADDED, "docs"),
        ("process-compose", PROCESS_COMPOSE_YAML, "reload-added-pc", PC_ADDED, "static-site"),
    ],
)
def test_reload_of_an_edited_config(
    dev: Container, manager: str, path: str, added: str, text: str, kept: str
) -> None:
    before, _ = status_as_root(dev)
    kept_pid = program(before, manager, kept)["pid"]
    original = edit_text(dev.repo / path, lambda old: old.rstrip("\n") + "\n" + text)
    try:
        result = must(dev.dev(f"workloadctl reload {manager} --json"))
        (entry,) = json_of(result)["managers"]
        assert entry["action"] == "reloaded", result.describe()
        assert entry["added"] == [added], result.describe()

        def running() -> tuple[bool, Result]:
            doc, status = dev.status()
            seen = programs(doc or {}).get((manager, added), {})
            return seen.get("state") == "running", status

        wait_for(f"{added} to run", running, timeout=30, describe=Result.describe)
        logs = must(dev.dev(f"workloadctl logs {added}"))
        assert f"hello-from-{added}" in logs.stdout, logs.describe()
        after, _ = status_as_root(dev)
        assert program(after, manager, kept)["pid"] == kept_pid, "reload restarted " + kept
    finally:
        (dev.repo / path).write_text(original, encoding="utf-8")
    result = must(dev.dev(f"workloadctl reload {manager} --json"))
    (entry,) = json_of(result)["managers"]
    assert entry["action"] == "reloaded" and entry["removed"] == [added], result.describe()
    doc, _ = status_as_root(dev)
    assert (manager, added) not in programs(doc), json.dumps(doc, indent=1)
    assert program(doc, manager, kept)["pid"] == kept_pid


def test_creds(dev: Container) -> None:
    password = must(dev.root("cat /var/lib/workloadctl/secrets/supervisord-password")).stdout
    token = must(dev.root("cat /var/lib/workloadctl/secrets/process-compose-token")).stdout
    result = must(dev.dev("workloadctl creds --json"))
    doc = json_of(result)
    web_ui = doc["supervisord"]["web_ui"]
    assert web_ui["username"] == "developer", result.describe()
    assert web_ui["password"] == password.strip(), result.describe()
    assert doc["process_compose"]["token"] == token.strip(), result.describe()

    text = must(dev.dev("workloadctl creds"))
    assert "problem:" not in text.stdout, text.describe()

    # The web UI takes what creds printed (and nothing else).
    url = web_ui["url"]
    for user, secret, code in (
        ("developer", password.strip(), "200"),
        ("developer", "wrong", "401"),
    ):
        answer = dev.root(f"curl -s -o /dev/null -w '%{{http_code}}' -u '{user}:{secret}' {url}")
        assert answer.stdout.strip() == code, answer.describe()


def test_doctor(dev: Container) -> None:
    result = dev.dev("workloadctl doctor")
    assert "internal error" not in result.output and "Traceback" not in result.output, (
        result.describe()
    )
    assert result.returncode == 0, result.describe()
    assert "doctor: all good" in result.stdout, result.describe()


def test_root_and_sudo_in_a_login_shell(dev: Container) -> None:
    """The documented `sudo workloadctl ...` and root's own login shell work too (sudo's
    secure_path and /etc/profile both drop /command), and creds keeps the developer as
    the web UI's user under sudo (sudo drops UNAME)."""
    as_root = dev.exec(["bash", "-lc", "workloadctl status --json"])
    assert json_of(as_root)["ok"] is True, as_root.describe()
    assert as_root.returncode == 0, as_root.describe()
    with_sudo = dev.dev("sudo workloadctl status --json")
    assert json_of(with_sudo)["ok"] is True, with_sudo.describe()
    assert with_sudo.returncode == 0, with_sudo.describe()
    creds = must(dev.dev("sudo workloadctl creds --json"))
    assert json_of(creds)["supervisord"]["web_ui"]["username"] == "developer", creds.describe()


def test_the_stack_is_still_whole(dev: Container) -> None:
    """After all of the above, as root: nothing was left broken."""
    time.sleep(1)
    doc, result = dev.status()
    assert not_ready(doc) is None, result.describe() + "\n" + dev.diagnostics()
