"""supervisorctl and process-compose's own client on a real `workloadctl up` stack (issue
10, point 3): exactly the command lines `creds` prints, run with bash, and
`workloadctl supervisorctl` / `workloadctl process-compose`, as root, as a member of the
stack's group and, refused in one line, as anyone else.

The stack's socket asks for the generated login, as the template's does; its files live
in a directory others may traverse (pytest's own tmp is root's alone), so the group's
file modes are what decides."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from creds_lines import creds_lines
from workloadctl import settings as S

from .stack_support import (
    MEMBER_GROUP,
    REPO,
    SUPERVISORD_HEADER,
    Stack,
    free_port,
    make_repo,
    member_group,
    process_compose_available,
    process_compose_yaml,
    require_process_compose,
    require_stack_tools,
    running_stack,
    supervisord_conf,
)

pytestmark = pytest.mark.integration

WORKLOADCTL = str(Path(sys.executable).parent / "workloadctl")
SV_PROGRAMS = {"pt-sv-one": 6301, "pt-sv-two": 6302}
PC_PROCESSES = {"pt-pc-one": 6401}
# The socket asks for the login, as the template's project.conf and seed.conf do.
# What the non-root users' commands get besides: see _tools_for_others.
OTHERS_ENV: dict[str, str] = {}
SOCKET_LOGIN = (
    "chmod=0770\n"
    "username=%(ENV_WORKLOADCTL_SUPERVISOR_USER)s\n"
    "password={SHA}%(ENV_WORKLOADCTL_SUPERVISOR_PASSWORD)s\n"
)


def _supervisord_conf() -> str:
    conf = supervisord_conf(SV_PROGRAMS, inet_port=free_port())
    assert "chmod=0700\n" in SUPERVISORD_HEADER
    return conf.replace("chmod=0700\n", SOCKET_LOGIN, 1)


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    require_stack_tools()
    base = Path(tempfile.mkdtemp(prefix="pt3-passthrough-", dir="/tmp"))
    base.chmod(0o755)
    env = {S.ENV_CONTROL_GROUP: MEMBER_GROUP} if member_group() else {}
    pc = process_compose_yaml(PC_PROCESSES)
    OTHERS_ENV.update(_tools_for_others(base))
    try:
        with running_stack(make_repo(base, _supervisord_conf(), pc), base / "state", env) as up:
            up.wait_running("supervisord", set(SV_PROGRAMS))
            if process_compose_available():
                up.wait_running("process-compose", set(PC_PROCESSES))
            yield up
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _tools_for_others(base: Path) -> dict[str, str]:
    """workloadctl, supervisorctl and process-compose that others may run, first on their
    PATH: this checkout's venv may use an interpreter (pyenv's) and a process-compose
    (`go install`'s) in root's home, which no one else may enter. The wrappers run the
    same code with the system's Python of the same minor version."""
    site = (
        Path(sys.executable).parent.parent
        / "lib"
        / f"python{sys.version_info[0]}.{sys.version_info[1]}"
        / "site-packages"
    )
    python = shutil.which("python3", path="/usr/bin:/bin")
    if python is None:
        pytest.skip("no system python3 in /usr/bin or /bin for the non-root user")
    bin_dir = base / "bin"
    bin_dir.mkdir(mode=0o755)
    path = f"{REPO / 'src'}:{site}"
    for name, module in (
        ("workloadctl", "workloadctl"),
        ("supervisorctl", "supervisor.supervisorctl"),
    ):
        wrapper = bin_dir / name
        wrapper.write_text(f'#!/bin/sh\nPYTHONPATH={path} exec {python} -m {module} "$@"\n')
        wrapper.chmod(0o755)
    binary = S.process_compose_binary()
    if process_compose_available() and binary is not None:
        shutil.copy(binary, bin_dir / "process-compose")
        (bin_dir / "process-compose").chmod(0o755)
    return {"PATH": f"{bin_dir}:/usr/bin:/bin"}


def _as(who: str, argv: list[str], home: Path | None = None) -> list[str]:
    """argv run as root, as a member of the stack's group, or as an outsider."""
    if who == "root":
        return argv
    env = [f"{k}={v}" for k, v in OTHERS_ENV.items()] + ([f"HOME={home}"] if home else [])
    group = member_group()
    if who == "member":
        if group is None:
            pytest.skip(f"no group {MEMBER_GROUP!r} on this machine to share the stack with")
        groups = [f"--groups={group.gr_gid}"]
    else:
        groups = ["--clear-groups"]
    return ["setpriv", "--reuid=nobody", "--regid=nogroup", *groups, "env", *env, *argv]


def _workloadctl(who: str) -> str:
    return WORKLOADCTL if who == "root" else "workloadctl"


def _run(who: str, argv: list[str], home: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _as(who, argv, home), capture_output=True, text=True, timeout=60, check=False
    )


def _home(who: str) -> Path:
    """A HOME the user may write (process-compose's client puts its config dir there)."""
    home = Path(tempfile.mkdtemp(prefix=f"pt3-home-{who}-", dir="/tmp"))
    if who != "root":
        shutil.chown(home, "nobody", "nogroup")
    return home


def _printed_lines(who: str, stack: Stack) -> dict[str, str]:
    out = _run(who, [_workloadctl(who), "creds", "--state-dir", str(stack.top)])
    assert out.returncode == 0, (out.stdout, out.stderr)
    return creds_lines(out.stdout)


@pytest.mark.parametrize("who", ["root", "member"])
def test_the_supervisorctl_lines_creds_prints_work_as_printed(stack: Stack, who: str) -> None:
    lines = _printed_lines(who, stack)
    for label in ("supervisord supervisorctl", "supervisord or directly"):
        line = lines[label]
        assert line.endswith(" status"), line
        assert str(stack.top) in line or "unix://" in line, line
        result = _run(who, ["bash", "-c", line], _home(who))
        assert result.returncode == 0, (label, line, result.stdout, result.stderr)
        for name in SV_PROGRAMS:
            assert f"{name}" in result.stdout and "RUNNING" in result.stdout, result.stdout


@pytest.mark.parametrize("who", ["root", "member"])
def test_the_process_compose_lines_creds_prints_work_as_printed(stack: Stack, who: str) -> None:
    require_process_compose()
    lines = _printed_lines(who, stack)
    client = lines["process-compose client"]
    assert client.endswith(" process list"), client
    result = _run(who, ["bash", "-c", client], _home(who))
    assert result.returncode == 0, (client, result.stdout, result.stderr)
    assert "pt-pc-one" in result.stdout, result.stdout
    rest = lines["process-compose REST"]
    result = _run(who, ["bash", "-c", rest], _home(who))
    assert result.returncode == 0 and "pt-pc-one" in result.stdout, (rest, result)


@pytest.mark.parametrize("who", ["root", "member"])
def test_workloadctl_supervisorctl_passes_every_argument(stack: Stack, who: str) -> None:
    top = str(stack.top)
    base = [_workloadctl(who), "supervisorctl", "--state-dir", top]
    status = _run(who, [*base, "status"])
    assert status.returncode == 0, status
    assert {line.split()[0] for line in status.stdout.splitlines()} == set(SV_PROGRAMS)
    stopped = _run(who, [*base, "stop", "pt-sv-two"])
    assert stopped.returncode == 0 and "pt-sv-two: stopped" in stopped.stdout, stopped
    # supervisorctl's own exit status comes through: 3 when a program is not running.
    assert _run(who, [*base, "status", "pt-sv-two"]).returncode == 3
    started = _run(who, [*base, "start", "pt-sv-two"])
    assert started.returncode == 0 and "pt-sv-two: started" in started.stdout, started
    # After `--`, options are supervisorctl's own.
    helped = _run(who, [*base, "--", "--help"])
    assert "supervisorctl -- control applications run by supervisord" in helped.stdout, helped


@pytest.mark.parametrize("who", ["root", "member"])
def test_workloadctl_process_compose_passes_every_argument(stack: Stack, who: str) -> None:
    require_process_compose()
    base = [_workloadctl(who), "process-compose", "--state-dir", str(stack.top)]
    listed = _run(who, [*base, "process", "list", "-o", "json"], _home(who))
    assert listed.returncode == 0, listed
    names = {process["name"] for process in json.loads(listed.stdout)}
    assert names == set(PC_PROCESSES)
    refused = _run(who, [*base, "up"], _home(who))
    assert refused.returncode == 2 and "would start a second process-compose" in refused.stderr


@pytest.mark.parametrize("command", [["supervisorctl", "status"], ["process-compose", "list"]])
def test_anyone_else_gets_one_line(stack: Stack, command: list[str]) -> None:
    result = _run(
        "outsider",
        [_workloadctl("outsider"), command[0], "--state-dir", str(stack.top), *command[1:]],
    )
    assert result.returncode == 1, result
    assert result.stderr.count("\n") == 1, result.stderr
    assert "permission denied" in result.stderr and "(you are nobody" in result.stderr
