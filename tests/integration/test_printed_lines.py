"""Every command line the tool prints for a local stack works exactly as printed, from any
directory (found by a new-user trial): the stack is the default `.state/` of its
repository, the lines are printed inside the repository (`creds --state-dir .state`, as
the README shows), and each is then run from a directory outside it, where a bare
`workloadctl COMMAND` reaches no stack ("s6 supervises nothing in /run/service") and a
bare `validate` checks another directory. One stack for the module."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from workloadctl import settings as S

from .stack_support import (
    Stack,
    free_port,
    make_repo,
    process_compose_available,
    process_compose_yaml,
    require_process_compose,
    require_stack_tools,
    running_stack,
    supervisord_conf,
)

pytestmark = pytest.mark.integration

WORKLOADCTL = str(Path(sys.executable).parent / "workloadctl")
NO_STACK = "no stack is running"


def _sv_manual(log_dir: Path) -> str:
    return f"""
[program:sv-manual]
command=/bin/sleep 5505
autostart=false
stdout_logfile={log_dir}/sv-manual.out
stderr_logfile={log_dir}/sv-manual.err
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    require_stack_tools()
    tmp = tmp_path_factory.mktemp("printed")
    logs = tmp / "logs"
    logs.mkdir()
    sv = supervisord_conf({"sv-sleep": 5501}, inet_port=free_port()) + _sv_manual(logs)
    pc = process_compose_yaml({"pc-sleep": 5502})
    root = make_repo(tmp, sv, pc)
    # The default state dir: the one a bare command reaches from inside the repository.
    with running_stack(root, root / ".state") as started:
        started.wait_running("supervisord", {"sv-sleep"})
        if process_compose_available():
            started.wait_running("process-compose", {"pc-sleep"})
        yield started


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory outside the repository (and outside any git repository)."""
    return tmp_path_factory.mktemp("elsewhere")


def _env() -> dict[str, str]:
    """The reader's environment: nothing points at the stack or the repository."""
    env = dict(os.environ)
    env.pop(S.ENV_STATE_DIR, None)
    env.pop(S.ENV_ROOT, None)
    return env


def _in_repository(stack: Stack, *argv: str) -> subprocess.CompletedProcess[str]:
    """`workloadctl ARGV --state-dir .state` run inside the repository, as the README does."""
    return subprocess.run(
        [WORKLOADCTL, *argv, "--state-dir", ".state"],
        cwd=stack.root,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _as_printed(line: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a printed command line exactly as printed, through a shell, from `cwd`."""
    return subprocess.run(
        ["bash", "-c", line],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _quoted(text: str, starting: str) -> str:
    """The first `...` command in `text` whose words begin with `starting`."""
    for candidate in re.findall(r"`([^`]+)`", text):
        if shlex.split(candidate)[1:2] == [starting]:
            return str(candidate)
    raise AssertionError(f"no `workloadctl {starting} ...` in {text!r}")


def _creds_lines(stack: Stack) -> tuple[str, dict[str, str]]:
    """`creds`'s output and its printed command lines by label (supervisorctl, client)."""
    creds = _in_repository(stack, "creds")
    assert creds.returncode == 0, creds.stdout + creds.stderr
    printed = dict(
        match.groups()
        for match in re.finditer(r"^\s+(supervisorctl|client):\s+(.+)$", creds.stdout, re.M)
    )
    return creds.stdout, printed


def test_creds_supervisorctl_line_works_from_another_directory(
    stack: Stack, elsewhere: Path
) -> None:
    stdout, printed = _creds_lines(stack)
    assert "supervisorctl" in printed, stdout
    assert f"--state-dir {stack.top.resolve()}" in printed["supervisorctl"], stdout
    supervisorctl = _as_printed(printed["supervisorctl"], elsewhere)
    assert NO_STACK not in supervisorctl.stderr, supervisorctl.stderr
    assert re.search(r"^sv-sleep\s+RUNNING", supervisorctl.stdout, re.M), (
        supervisorctl.stdout + supervisorctl.stderr
    )


def test_creds_process_compose_client_line_works_from_another_directory(
    stack: Stack, elsewhere: Path
) -> None:
    require_process_compose()
    stdout, printed = _creds_lines(stack)
    assert "client" in printed, stdout
    client = _as_printed(printed["client"], elsewhere)
    assert client.returncode == 0, client.stdout + client.stderr
    assert "pc-sleep" in client.stdout, client.stdout


def test_the_logs_hint_works_from_another_directory(stack: Stack, elsewhere: Path) -> None:
    logs = _in_repository(stack, "logs", "sv-manual")
    assert logs.returncode == 1 and "has not run since" in logs.stderr, logs.stderr
    start = _quoted(logs.stderr, "start")
    try:
        started = _as_printed(start, elsewhere)
        assert started.returncode == 0, started.stdout + started.stderr
        stack.wait_running("supervisord", {"sv-manual"})
    finally:
        _in_repository(stack, "stop", "sv-manual")


def test_the_degraded_lines_work_from_another_directory(stack: Stack, elsewhere: Path) -> None:
    require_process_compose()
    project = stack.root / S.PROJECT_PROCESS_COMPOSE_YAML
    original = project.read_text()
    project.write_text(original + "\nprocesses: [never closed\n")
    try:
        restart = _in_repository(stack, "restart", "process-compose")
        assert restart.returncode == 1, restart.stdout + restart.stderr
        status = _in_repository(stack, "status")
        degraded = next(
            row for row in status.stdout.splitlines() if row.startswith("DEGRADED: process-compose")
        )
        # `validate` shows the findings of this repository's file, not of the reader's cwd.
        validate = _as_printed(_quoted(degraded, "validate"), elsewhere)
        assert validate.returncode == 1, validate.stdout + validate.stderr
        found = f"{S.PROJECT_PROCESS_COMPOSE_YAML}:7: error:"  # relative to --root
        assert found in validate.stdout, validate.stdout + validate.stderr
        project.write_text(original)
        retry = _as_printed(_quoted(degraded, "restart"), elsewhere)
        assert retry.returncode == 0, retry.stdout + retry.stderr
        assert "; project config" in retry.stdout, retry.stdout
        stack.wait_running("process-compose", {"pc-sleep"})
    finally:
        project.write_text(original)
        if stack.decision("process-compose").get("source") == "seed":
            _in_repository(stack, "restart", "process-compose")
