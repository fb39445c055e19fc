"""The control surface (issue 4) on a real stack: status, start/stop/restart by name, logs,
creds, and every failure as one line. One stack for the module; each test leaves it as
it found it (every manager up, every autostart program running). Without process-compose
on this machine the stack runs with it switched off: the supervisord half runs, and what
needs process-compose skips."""

from __future__ import annotations

import base64
import contextlib
import json
import signal
import stat
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from workloadctl.cli import main
from workloadctl.clients import s6
from workloadctl.managers.connect import process_compose_client
from workloadctl.managers.environment import process_compose_token_path, supervisord_password_path
from workloadctl.runtime.own_command import workloadctl_program

from .stack_support import (
    Stack,
    free_port,
    make_repo,
    managers,
    process_compose_available,
    process_compose_yaml,
    require_process_compose,
    require_stack_tools,
    running_stack,
    supervisord_conf,
    wait_for,
)

pytestmark = pytest.mark.integration

SV_SLEEPERS = {"sv-one": 5301, "sv-two": 5302, "both": 5303}
# No name in both managers: the launcher refuses a program the other manager runs
# (XM001); the ambiguity of such a name is tested in tests/unit/control/test_control_names.py.
PC_SLEEPERS = {"pc-one": 5401, "pc-two": 5402, "pc-both": 5403}
SV_RUNNING = {"sv-one", "sv-two", "both", "grp:sv-g", "sv-log"}
PC_RUNNING = {"pc-one", "pc-two", "pc-both", "pc-log"}
WORKLOADCTL = str(Path(sys.executable).parent / "workloadctl")


def _supervisord_extra(log_dir: Path) -> str:
    return f"""
[program:sv-g]
command=/bin/sleep 5304
stdout_logfile=/dev/null
stderr_logfile=/dev/null

[group:grp]
programs=sv-g

[program:sv-manual]
command=/bin/sleep 5305
autostart=false
stdout_logfile=/dev/null

[program:sv-log]
command=/bin/sh -c 'i=0; while :; do echo "sv-line $i"; i=$((i+1)); sleep 0.1; done'
stdout_logfile={log_dir}/sv-log.out
stderr_logfile={log_dir}/sv-log.err
stopasgroup=true
killasgroup=true
"""


PC_EXTRA = """\
  pc-log:
    command: "i=0; while true; do echo pc-line $$i; i=$$((i+1)); sleep 0.1; done"
  pc-off:
    command: sleep 5405
    disabled: true
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    require_stack_tools()
    tmp = tmp_path_factory.mktemp("control")
    logs = tmp / "logs"
    logs.mkdir()
    sv = supervisord_conf(SV_SLEEPERS, inet_port=free_port()) + _supervisord_extra(logs)
    pc = process_compose_yaml(PC_SLEEPERS) + PC_EXTRA
    with running_stack(make_repo(tmp, sv, pc), tmp / "state") as started:
        started.wait_running("supervisord", SV_RUNNING - {"grp:sv-g"} | {"sv-g"})
        if process_compose_available():
            started.wait_running("process-compose", PC_RUNNING)
        yield started


@pytest.fixture(autouse=True)
def _all_running_after(stack: Stack) -> Iterator[None]:
    """Leave the stack as the next test expects it, whatever this one did."""
    yield
    for manager in managers():  # a switched-off process-compose stays off
        stack.settings.disabled_marker(manager).unlink(missing_ok=True)
        s6.control(stack.service(manager), "-u")
    stack.wait_running("supervisord", {"sv-one", "sv-two", "both", "sv-g", "sv-log"})
    if process_compose_available():
        stack.wait_running("process-compose", PC_RUNNING)


def cli(stack: Stack, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--state-dir", str(stack.top)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def status_json(stack: Stack, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code, out, err = cli(stack, capsys, "status", "--json")
    assert out, err
    return code, json.loads(out)


def programs_of(data: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(p["manager"], p["name"]): p for p in data["programs"]}


def one_line_error(err: str) -> str:
    assert err.count("\n") == 1 and err.startswith("workloadctl: error: "), err
    assert "Traceback" not in err
    return err


def test_status_lists_every_program_with_its_state_and_real_pid(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    code, data = status_json(stack, capsys)
    assert code == 0, data  # a manager switched off on purpose is not a failure
    by_name = {m["name"]: m for m in data["managers"]}
    for name in managers():
        assert by_name[name]["state"] == "running"
        assert by_name[name]["config"] == "project"
        assert by_name[name]["pid"] == stack.manager_pid(name)
    with_pc = process_compose_available()
    if not with_pc:
        pc = by_name["process-compose"]
        assert (pc["state"], pc["pid"], pc["ok"]) == ("disabled", None, True), pc
    rows = programs_of(data)
    expected = {("supervisord", n) for n in SV_RUNNING | {"sv-manual"}}
    if with_pc:
        expected |= {("process-compose", n) for n in PC_RUNNING | {"pc-off"}}
    assert set(rows) == expected
    assert rows[("supervisord", "sv-manual")]["state"] == "stopped"
    assert rows[("supervisord", "sv-manual")]["expected"] is False
    if with_pc:
        assert rows[("process-compose", "pc-off")]["native_state"] == "Disabled"
    for (manager, name), row in rows.items():
        if (manager, name) in {("supervisord", "sv-manual"), ("process-compose", "pc-off")}:
            continue
        assert row["state"] == "running", row
        # The PID is the caller's: the real sleep, not a PID inside the stack's namespace.
        seconds = (SV_SLEEPERS if manager == "supervisord" else PC_SLEEPERS).get(name)
        if seconds is not None:
            assert psutil.Process(row["pid"]).cmdline()[-1] == str(seconds), row
    code, out, _ = cli(stack, capsys, "status")
    assert code == 0
    summary = "all running" if with_pc else "all running (disabled on purpose: process-compose)"
    assert "grp:sv-g" in out and out.rstrip().endswith(summary)


def test_start_stop_restart_reach_the_right_manager(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    with_pc = process_compose_available()
    pc_before = stack.running_pids("process-compose") if with_pc else {}
    code, out, err = cli(stack, capsys, "stop", "sv-one")
    assert code == 0, err
    assert out.startswith("supervisord:sv-one: stopped")
    assert stack.supervisord()["sv-one"]["statename"] == "STOPPED"
    if with_pc:
        assert stack.running_pids("process-compose") == pc_before
    code, data = status_json(stack, capsys)
    assert code == 0, data  # stopped on purpose: not missing
    row = programs_of(data)[("supervisord", "sv-one")]
    assert (row["state"], row["ok"], row["expected"], row["pid"]) == (
        "stopped",
        True,
        False,
        None,
    )

    code, out, err = cli(stack, capsys, "start", "sv-one", "sv-manual")
    assert code == 0, err
    assert "supervisord:sv-one: running (RUNNING), PID" in out
    assert stack.supervisord()["sv-manual"]["statename"] == "RUNNING"
    cli(stack, capsys, "stop", "sv-manual")

    sv_before = stack.running_pids("supervisord")
    if with_pc:
        code, out, err = cli(stack, capsys, "restart", "pc-one", "process-compose:pc-both")
        assert code == 0, err
        pc_after = stack.running_pids("process-compose")
        assert pc_after["pc-one"] != pc_before["pc-one"]
        assert pc_after["pc-both"] != pc_before["pc-both"]
        assert pc_after["pc-two"] == pc_before["pc-two"]
        assert stack.running_pids("supervisord") == sv_before  # untouched

    code, _, err = cli(stack, capsys, "restart", "supervisord:both", "sv-g")
    assert code == 0, err
    sv_after = stack.running_pids("supervisord")
    assert sv_after["both"] != sv_before["both"] and sv_after["sv-g"] != sv_before["sv-g"]
    if with_pc:
        assert stack.running_pids("process-compose")["pc-both"] == pc_after["pc-both"]


def test_process_compose_stop_and_start_by_name(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    require_process_compose()
    code, out, err = cli(stack, capsys, "stop", "pc-two", "--json")
    assert code == 0, err
    result = json.loads(out)["results"][0]
    assert (result["target"], result["state"], result["ok"]) == (
        "process-compose:pc-two",
        "stopped",
        True,
    )
    assert stack.process_compose()["pc-two"]["status"] == "Completed"
    code, data = status_json(stack, capsys)
    row = programs_of(data)[("process-compose", "pc-two")]
    assert code == 0, data  # stopped on purpose: not missing
    assert (row["state"], row["ok"], row["expected"]) == ("stopped", True, False)
    code, out, err = cli(stack, capsys, "start", "pc-two")
    assert code == 0, err
    assert stack.process_compose()["pc-two"]["status"] == "Running"
    # A `disabled: true` process started and stopped again is not counted as missing.
    assert cli(stack, capsys, "start", "pc-off")[0] == 0
    assert cli(stack, capsys, "stop", "pc-off")[0] == 0
    code, data = status_json(stack, capsys)
    assert code == 0, [p for p in data["programs"] if not p["ok"]]


def test_unknown_names_change_nothing(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    require_process_compose()
    before = (stack.running_pids("supervisord"), stack.running_pids("process-compose"))
    code, _, err = cli(stack, capsys, "stop", "sv-two", "nobody-has-this")
    assert code == 2 and "nobody-has-this" in one_line_error(err)
    code, _, err = cli(stack, capsys, "restart", "pc-onee")
    assert code == 2
    assert "did you mean: process-compose:pc-one" in one_line_error(err)
    assert (stack.running_pids("supervisord"), stack.running_pids("process-compose")) == before


def test_manager_restart_through_s6_keeps_pid_1_and_the_other_manager(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    svscan = stack.record.svscan_pid
    running = managers()
    for manager, other in (("supervisord", "process-compose"), ("process-compose", "supervisord")):
        if manager not in running:
            continue
        old_pid = stack.manager_pid(manager)
        other_programs = stack.running_pids(other) if other in running else None
        restarts_before = status_json(stack, capsys)[1]["managers"]
        code, out, err = cli(stack, capsys, "restart", manager)
        assert code == 0, err
        new_pid = stack.manager_pid(manager)
        assert new_pid not in (None, old_pid)
        assert f"{manager}: running, PID {new_pid}; project config" in out
        assert psutil.pid_exists(svscan) and stack.record.svscan_pid == svscan
        if other_programs is None:
            stack.assert_switched_off(other)
        else:
            assert stack.running_pids(other) == other_programs
        stack.wait_running(
            manager,
            SV_RUNNING - {"grp:sv-g"} | {"sv-g"} if manager == "supervisord" else PC_RUNNING,
        )
        code, data = status_json(stack, capsys)
        assert code == 0
        entry = next(m for m in data["managers"] if m["name"] == manager)
        previous = next(m for m in restarts_before if m["name"] == manager)
        assert (
            entry["restarts"] == previous["restarts"] + 1
            and entry["crashes"] == previous["crashes"]
        )


def test_a_manager_on_its_seed_fails_restart_and_status_until_fixed(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    """Degraded is not healthy (issue 10): a restart that ends on the seed and `status`
    after it say so, with the first finding; the fixed file and a restart end it."""
    require_process_compose()
    project = stack.root / "workloads/process-compose/project.yaml"
    original = project.read_text()
    project.write_text(original + "\nprocesses: [never closed\n")
    try:
        code, out, err = cli(stack, capsys, "restart", "process-compose")
        assert code == 1, (out, err)
        line = next(row for row in out.splitlines() if row.startswith("process-compose:"))
        assert "running, PID" in line and "but on its SEED config" in line, line
        assert "project.yaml was refused (the project config is invalid" in line, line
        assert "project.yaml:" in line and "error:" in line and "]; " in line, line
        validate = f"`{workloadctl_program()} validate --root {stack.root.resolve()}`"
        assert f"{validate} shows every finding" in line, line
        code, out, _ = cli(stack, capsys, "status")
        assert code == 3, out
        degraded = [row for row in out.splitlines() if row.startswith("DEGRADED: ")]
        assert degraded[0].startswith(
            "DEGRADED: process-compose runs its SEED config, not the project config: "
        ), out
        assert "project.yaml:" in degraded[0], out
        retry = f"`{workloadctl_program()} restart process-compose --state-dir {stack.top}`"
        assert retry in degraded[0], out
        code, data = status_json(stack, capsys)
        assert (code, data["degraded"], data["ok"]) == (3, ["process-compose"], False), data
        pc = next(m for m in data["managers"] if m["name"] == "process-compose")
        assert pc["degraded"] is True and "project.yaml:" in pc["first_finding"], pc
        project.write_text(original)
        code, out, err = cli(stack, capsys, "restart", "process-compose")
        assert code == 0, (out, err)
        assert "; project config (the project config is valid)" in out, out
        stack.wait_running("process-compose", PC_RUNNING)
        code, data = status_json(stack, capsys)
        assert (code, data["degraded"], data["ok"]) == (0, [], True), data
    finally:
        project.write_text(original)
        if stack.decision("process-compose").get("source") == "seed":
            cli(stack, capsys, "restart", "process-compose")


def test_stop_and_start_a_manager(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    require_process_compose()
    code, out, err = cli(stack, capsys, "stop", "process-compose")
    assert code == 0, err
    assert "process-compose: stopped" in out
    code, data = status_json(stack, capsys)
    assert code == 0  # switched off on purpose
    pc = next(m for m in data["managers"] if m["name"] == "process-compose")
    assert (pc["state"], pc["pid"]) == ("disabled", None)
    assert {p["manager"] for p in data["programs"]} == {"supervisord"}
    code, _, err = cli(stack, capsys, "start", "pc-one")
    assert code == 1 and "could not ask process-compose" in one_line_error(err)
    code, _, err = cli(stack, capsys, "logs", "process-compose:pc-log")
    assert code == 1 and "process-compose is not running" in one_line_error(err)
    code, out, err = cli(stack, capsys, "start", "process-compose")
    assert code == 0, err
    assert "process-compose: running, PID" in out
    stack.wait_running("process-compose", PC_RUNNING)


@contextlib.contextmanager
def replaced(path: Path, text: str) -> Iterator[None]:
    original = path.read_text()
    path.write_text(text)
    try:
        yield
    finally:
        path.write_text(original)


def test_wrong_token_is_one_line_everywhere(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    require_process_compose()
    with replaced(process_compose_token_path(stack.settings), "not-the-token-0123456789"):
        code, data = status_json(stack, capsys)
        assert code == 1
        pc = next(m for m in data["managers"] if m["name"] == "process-compose")
        assert pc["state"] == "unreachable" and "refused the API token (401)" in pc["error"]
        assert {p["manager"] for p in data["programs"]} == {"supervisord"}
        code, _, err = cli(stack, capsys, "stop", "process-compose:pc-one")
        assert code == 1 and "401" in one_line_error(err)
        code, _, err = cli(stack, capsys, "logs", "-n", "1", "process-compose:pc-log")
        assert code == 1 and "401" in one_line_error(err)


def test_missing_socket_is_one_line(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    sock = stack.settings.supervisord_socket
    aside = sock.with_name("moved-away.sock")
    sock.rename(aside)
    try:
        code, data = status_json(stack, capsys)
        assert code == 1
        sv = next(m for m in data["managers"] if m["name"] == "supervisord")
        assert sv["state"] == "unreachable" and "no socket at" in sv["error"]
        assert {p["manager"] for p in data["programs"]} == set(managers()) - {"supervisord"}
        code, _, err = cli(stack, capsys, "start", "supervisord:sv-one")
        assert code == 1 and "supervisord is not running (no socket at" in one_line_error(err)
        code, out, err = cli(stack, capsys, "status")
        assert code == 1 and "unreachable" in out and err == ""
    finally:
        aside.rename(sock)


def test_logs_from_either_manager(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    wait_for("sv-log output", lambda: (stack.top.parent / "logs/sv-log.out").stat().st_size > 200)
    code, out, err = cli(stack, capsys, "logs", "sv-log", "-n", "5")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 5 and all(line.startswith("sv-line ") for line in lines)
    numbers = [int(line.split()[1]) for line in lines]
    assert numbers == list(range(numbers[0], numbers[0] + 5))
    with_pc = process_compose_available()
    if with_pc:
        wait_for(  # a restarted process-compose starts pc-log's buffer afresh
            "pc-log output",
            lambda: len(process_compose_client(stack.settings).logs("pc-log", 0, 3)) == 3,
        )
        code, out, err = cli(stack, capsys, "logs", "pc-log", "-n", "3")
        assert code == 0, err
        assert [line.split()[0] for line in out.splitlines()] == ["pc-line"] * 3
    code, _, err = cli(stack, capsys, "logs", "sv-one")
    assert code == 1
    assert "/dev/null" in one_line_error(err) and "stdout_logfile=AUTO" in err
    if with_pc:
        code, _, err = cli(stack, capsys, "logs", "pc-log", "--stderr")
        assert code == 2 and "stdout and stderr together" in err


@pytest.mark.parametrize(("name", "prefix"), [("sv-log", "sv-line"), ("pc-log", "pc-line")])
def test_logs_follow_until_ctrl_c(stack: Stack, name: str, prefix: str) -> None:
    if name.startswith("pc-"):
        require_process_compose()
    proc = subprocess.Popen(
        [WORKLOADCTL, "logs", "-f", "-n", "1", name, "--state-dir", str(stack.top)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    lines = [proc.stdout.readline() for _ in range(8)]  # 1 old line, then new ones as they come
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    numbers = [int(line.split()[1]) for line in lines]
    assert all(line.startswith(prefix) for line in lines)
    assert numbers == sorted(numbers) and numbers[-1] - numbers[0] >= 7


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_creds_log_in_and_nothing_is_world_accessible(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = stack.settings
    code, out, err = cli(stack, capsys, "creds", "--json")
    assert code == 0, err
    data = json.loads(out)
    web = data["supervisord"]["web_ui"]
    password = supervisord_password_path(settings).read_text().strip()
    assert web["password"] == password and web["password_source"] == "generated"
    assert web["username"] == stack.record.env["UNAME"]
    assert (
        data["process_compose"]["token"] == process_compose_token_path(settings).read_text().strip()
    )
    assert f"-u {settings.process_compose_socket}" in data["process_compose"]["attach"]

    def rpc(user: str, secret: str) -> int:
        """supervisor.getState over the web UI's TCP port, with HTTP basic auth."""
        body = b"<?xml version='1.0'?><methodCall><methodName>supervisor.getState</methodName><params/></methodCall>"
        token = base64.b64encode(f"{user}:{secret}".encode()).decode()
        request = urllib.request.Request(
            web["url"] + "RPC2",
            data=body,
            headers={"Content-Type": "text/xml", "Authorization": f"Basic {token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    assert rpc(web["username"], password) == 200
    assert rpc(web["username"], "admin") == 401
    assert rpc("admin", "admin") == 401

    # Directories and secrets: nothing for "other". A socket file may keep its default
    # mode (process-compose makes it 0755): connecting needs write access to it, and the
    # run dir around it is closed anyway.
    for path in (
        settings.run_dir,
        settings.state_dir,
        settings.secrets_dir,
        supervisord_password_path(settings),
        process_compose_token_path(settings),
    ):
        assert _mode(path) & 0o007 == 0, f"{path} is {oct(_mode(path))}"
    assert _mode(settings.secrets_dir) & 0o077 == 0
    sockets = [settings.supervisord_socket]
    if process_compose_available():
        sockets.append(settings.process_compose_socket)
    for sock in sockets:
        assert _mode(sock) & 0o002 == 0, f"{sock} is {oct(_mode(sock))}"
        assert not _can_connect_as_nobody(sock), sock


def _can_connect_as_nobody(sock: Path) -> bool:
    """Whether an unprivileged user gets through to the socket (it must not)."""
    probe = (
        "import socket, sys\n"
        "s = socket.socket(socket.AF_UNIX)\n"
        "try:\n"
        f"    s.connect({str(sock)!r})\n"
        "except PermissionError:\n"
        "    sys.exit(3)\n"
    )
    result = subprocess.run(
        [
            "setpriv",
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            sys.executable,
            "-c",
            probe,
        ],
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert result.returncode in (0, 3), result.stderr  # 3: refused for lack of permission
    return result.returncode == 0


def test_a_user_without_root_gets_one_line(stack: Stack) -> None:
    for argv in (["status"], ["restart", "sv-one"], ["creds"]):
        result = subprocess.run(
            [
                "setpriv",
                "--reuid=nobody",
                "--regid=nogroup",
                "--clear-groups",
                WORKLOADCTL,
                *argv,
                "--state-dir",
                str(stack.top),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 1, result
        assert "permission denied" in one_line_error(result.stderr)
        assert "only root" in result.stderr and "(you are nobody)" in result.stderr
