"""Reading the stack inside a container: `status --json`, processes, the configs."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from .podman import Container, Proc, Result, ps_table
from .waiting import wait_for

MANAGERS = ("supervisord", "process-compose")
# The template's autostart programs (workloads/ as committed).
TEMPLATE_AUTOSTART: Mapping[str, Collection[str]] = {
    "supervisord": ("docs",),
    "process-compose": ("static-site",),
}
SUPERVISORD_CONF = "workloads/supervisord/project.conf"
PROCESS_COMPOSE_YAML = "workloads/process-compose/project.yaml"
BOOT_TIMEOUT = 120.0

Status = dict[str, Any]


def managers(doc: Status) -> dict[str, dict[str, Any]]:
    return {m["name"]: m for m in doc.get("managers", [])}


def programs(doc: Status) -> dict[tuple[str, str], dict[str, Any]]:
    return {(p["manager"], p["name"]): p for p in doc.get("programs", [])}


def program(doc: Status, manager: str, name: str) -> dict[str, Any]:
    found = programs(doc).get((manager, name))
    assert found is not None, f"{manager} has no program {name}:\n{json.dumps(doc, indent=1)}"
    return found


def not_ready(
    doc: Status | None,
    *,
    up: Collection[str] = MANAGERS,
    config: str | None = "project",
    running: Mapping[str, Collection[str]] = TEMPLATE_AUTOSTART,
) -> str | None:
    """Why the stack is not (yet) what a healthy boot gives, or None when it is.

    Managers in `up` run (on `config` when given), the others are `disabled`; every
    program of `running` (for the managers that are up) and every program that should
    run is `running`; and the status says ok.
    """
    if doc is None:
        return "no JSON from status"
    by_name = managers(doc)
    for manager in MANAGERS:
        seen = by_name.get(manager, {})
        wanted = "running" if manager in up else "disabled"
        if seen.get("state") != wanted:
            return f"{manager} is {seen.get('state')!r}, not {wanted!r}"
        if manager in up and config is not None and seen.get("config") != config:
            return f"{manager} runs config {seen.get('config')!r}, not {config!r}"
    listed = programs(doc)
    for manager, names in running.items():
        if manager not in up:
            continue
        for name in names:
            state = listed.get((manager, name), {}).get("state")
            if state != "running":
                return f"{manager}'s {name} is {state!r}"
    for (manager, name), seen in listed.items():
        if seen.get("expected") and seen.get("state") != "running":
            return f"{manager}'s {name} should run but is {seen.get('state')!r}"
    if not doc.get("ok"):
        return "status says not ok"
    return None


def wait_status(
    container: Container,
    what: str,
    why_not: Callable[[Status | None], str | None],
    *,
    timeout: float = BOOT_TIMEOUT,
) -> tuple[Status, float]:
    """Poll `status --json` (as root) until `why_not` has nothing to say."""

    def probe() -> tuple[bool, tuple[str, Result | None]]:
        if not container.is_running():
            return True, ("container exited", None)
        doc, result = container.status()
        why = why_not(doc)
        return why is None, (why or "", result)

    (why, result), seconds = wait_for(
        what,
        probe,
        timeout=timeout,
        describe=lambda seen: f"{seen[0]}\n\n{container.diagnostics()}",
    )
    assert why != "container exited", "the container exited:\n" + container.diagnostics()
    assert result is not None
    return json.loads(result.stdout), seconds


def wait_ready(
    container: Container,
    *,
    up: Collection[str] = MANAGERS,
    config: str | None = "project",
    running: Mapping[str, Collection[str]] = TEMPLATE_AUTOSTART,
    timeout: float = BOOT_TIMEOUT,
) -> tuple[Status, float]:
    """Poll `status --json` (as root) until `not_ready` has nothing to say."""
    return wait_status(
        container,
        "the stack to be ready",
        lambda doc: not_ready(doc, up=up, config=config, running=running),
        timeout=timeout,
    )


def copies(procs: Sequence[Proc], argv: Sequence[str]) -> list[Proc]:
    """The processes running exactly this command line (zombies are not copies)."""
    return [p for p in procs if p.argv == tuple(argv) and p.state != "Z"]


def is_s6(proc: Proc) -> bool:
    """s6-overlay's own processes (PID 1's legitimate children)."""
    return proc.comm.startswith("s6-") or proc.pid == 1


def leftovers(procs: Sequence[Proc]) -> list[Proc]:
    """Processes re-parented to PID 1 that are not s6's: what a dead manager left behind."""
    return [p for p in procs if p.ppid == 1 and not is_s6(p)]


def describe_procs(procs: Sequence[Proc]) -> str:
    return ps_table(procs)


def edit_text(path: Path, change: Callable[[str], str]) -> str:
    """Change a file in place (keeping its owner); return the old text."""
    old = path.read_text(encoding="utf-8")
    new = change(old)
    assert new != old, f"the edit did not change {path}"
    path.write_text(new, encoding="utf-8")
    return old


def must(result: Result, *, code: int = 0) -> Result:
    assert result.returncode == code, result.describe()
    return result


def json_of(result: Result) -> dict[str, Any]:
    try:
        doc = json.loads(result.stdout)
    except json.JSONDecodeError:
        raise AssertionError("not JSON:\n" + result.describe()) from None
    assert isinstance(doc, dict), result.describe()
    return doc


# Programs of the developer's (like code-server and difit, which the image lacks), one
# with a TCP port and one with a child of its own, under each manager. process-compose
# runs them the way workloads/process-compose/README.md says: `exec runuser -u $UNAME --`.
SV_DEVELOPER_PROGRAMS = """
[program:dev-web]
; tests/container: the developer's, with a port (a second copy would fail on it)
command=python3 -m http.server 18101 --bind 127.0.0.1 --directory %(ENV_WORKLOADCTL_USER_HOME)s
user=%(ENV_UNAME)s
directory=%(ENV_WORKLOADCTL_USER_HOME)s
environment=HOME="%(ENV_WORKLOADCTL_USER_HOME)s",USER="%(ENV_UNAME)s"
autostart=true
autorestart=true
startsecs=2
stopasgroup=true
killasgroup=true
stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=0
stderr_logfile=/dev/stderr
stderr_logfile_maxbytes=0

[program:dev-worker]
; tests/container: the developer's, with a child of its own
command=bash -c 'sleep 100101 & wait'
user=%(ENV_UNAME)s
directory=%(ENV_WORKLOADCTL_USER_HOME)s
environment=HOME="%(ENV_WORKLOADCTL_USER_HOME)s",USER="%(ENV_UNAME)s"
autostart=true
autorestart=true
startsecs=2
stopasgroup=true
killasgroup=true
stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=0
stderr_logfile=/dev/stderr
stderr_logfile_maxbytes=0
"""

PC_DEVELOPER_PROCESSES = """
  dev-web-pc:
    description: tests/container - the developer's, with a port
    command: exec runuser -u "$$UNAME" -- python3 -m http.server 18102 --bind 127.0.0.1 --directory /tmp
    availability:
      restart: always
    shutdown:
      signal: 15
      timeout_seconds: 5

  dev-worker-pc:
    description: tests/container - the developer's, with a child of its own
    command: exec runuser -u "$$UNAME" -- bash -c 'sleep 100102 & wait'
    availability:
      restart: always
    shutdown:
      signal: 15
      timeout_seconds: 5
"""

WITH_DEVELOPER_PROGRAMS: Mapping[str, Collection[str]] = {
    "supervisord": ("docs", "dev-web", "dev-worker"),
    "process-compose": ("static-site", "dev-web-pc", "dev-worker-pc"),
}

HOME = "/home/developer"
_RUNUSER = ("runuser", "-u", "developer", "--")
# Every process of those programs and the template's: each must exist exactly once.
EXPECTED_PROCESSES: Mapping[str, tuple[tuple[str, ...], ...]] = {
    "supervisord": (
        ("python3", "-m", "http.server", "8001", "--bind", "127.0.0.1", "--directory",
         "/home/developer/workloadctl/docs"),
        ("python3", "-m", "http.server", "18101", "--bind", "127.0.0.1", "--directory", HOME),
        ("bash", "-c", "sleep 100101 & wait"),
        ("sleep", "100101"),
    ),
    "process-compose": (
        ("python3", "-m", "http.server", "8000", "--bind", "127.0.0.1", "--directory",
         "workloads/process-compose/example-site"),
        (*_RUNUSER, "python3", "-m", "http.server", "18102", "--bind", "127.0.0.1",
         "--directory", "/tmp"),
        ("python3", "-m", "http.server", "18102", "--bind", "127.0.0.1", "--directory", "/tmp"),
        (*_RUNUSER, "bash", "-c", "sleep 100102 & wait"),
        ("bash", "-c", "sleep 100102 & wait"),
        ("sleep", "100102"),
    ),
}  # fmt: skip
DEVELOPER_OWNED = {
    ("python3", "-m", "http.server", "18101", "--bind", "127.0.0.1", "--directory", HOME),
    ("sleep", "100101"),
    ("python3", "-m", "http.server", "18102", "--bind", "127.0.0.1", "--directory", "/tmp"),
    ("sleep", "100102"),
}


def add_developer_programs(repo: Path) -> None:
    edit_text(repo / SUPERVISORD_CONF, lambda old: old.rstrip("\n") + "\n" + SV_DEVELOPER_PROGRAMS)
    edit_text(
        repo / PROCESS_COMPOSE_YAML, lambda old: old.rstrip("\n") + "\n" + PC_DEVELOPER_PROCESSES
    )


def process_problems(procs: Sequence[Proc], uid: int = 1000) -> list[str]:
    """Copies that are not exactly one, developer programs not run as the developer,
    processes left outside the managers."""
    problems = []
    for expected in EXPECTED_PROCESSES.values():
        for argv in expected:
            found = copies(procs, argv)
            if len(found) != 1:
                problems.append(f"{len(found)} copies of {' '.join(argv)}")
            elif argv in DEVELOPER_OWNED and found[0].uid != uid:
                problems.append(f"{' '.join(argv)} runs as uid {found[0].uid}, not {uid}")
    problems += [f"left outside the managers: {p.line()}" for p in leftovers(procs)]
    return problems
