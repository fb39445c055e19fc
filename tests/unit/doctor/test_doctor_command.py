"""`workloadctl doctor` through `cli.main` on a fake machine: exit status, JSON, where it looks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from doctor_fakes import S6_ALL, FakeSystem

from workloadctl import settings as S
from workloadctl.cli import main
from workloadctl.commands import doctor as doctor_command
from workloadctl.doctor.configs import check_configs
from workloadctl.doctor.run import context_for
from workloadctl.doctor.system import Completed
from workloadctl.managers.environment import supervisor_user
from workloadctl.runtime.local_stack import StackRecord
from workloadctl.runtime.own_command import workloadctl_program

REPO = Path(__file__).resolve().parents[3]


def healthy() -> FakeSystem:
    return FakeSystem(
        programs=dict(S6_ALL),
        answers={
            "supervisord": Completed(0, "4.3.0\n", ""),
            "process-compose": Completed(0, "v1.122.0\n", ""),
            "unshare": Completed(0, "", ""),
        },
    )


@pytest.fixture
def repo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    assert main(["init", str(root)]) == 0
    capsys.readouterr()
    for name in (S.ENV_ROOT, S.ENV_STATE_DIR, S.ENV_IN_CONTAINER, "UNAME", "REPO_NAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(S.ENV_SUPERVISORD_BIN, "/fake/supervisord")
    monkeypatch.setenv(S.ENV_PROCESS_COMPOSE_BIN, "/fake/process-compose")
    monkeypatch.chdir(root)
    return root


def use(monkeypatch: pytest.MonkeyPatch, system: FakeSystem) -> None:
    monkeypatch.setattr(doctor_command, "RealSystem", lambda env=None: system)


def in_the_container(monkeypatch: pytest.MonkeyPatch, repo: Path) -> FakeSystem:
    """The container's environment for `repo` and a healthy system with s6-overlay's own."""
    monkeypatch.setenv(S.ENV_IN_CONTAINER, "1")
    monkeypatch.setenv(S.ENV_ROOT, str(repo))
    monkeypatch.setenv(S.ENV_STATE_DIR, str(repo / "var-lib"))
    monkeypatch.setenv(S.ENV_RUN_DIR, str(repo / "run"))
    system = healthy()
    system.programs.update({"s6-rc": "/command/s6-rc", "with-contenv": "/command/with-contenv"})
    return system


def test_all_good_json(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use(monkeypatch, healthy())
    assert main(["doctor", "--json", "--state-dir", str(repo / "st")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True
    names = [c["name"] for c in data["checks"]]
    assert names[:7] == [
        "s6",
        "execline",
        "supervisord",
        "process-compose",
        "unshare",
        "pid-namespace",
        "configs",
    ]
    assert {"port 9001", "port 4035", "port 4966", "state-dir", "secrets", "sockets"} <= set(names)
    for check in data["checks"]:
        assert set(check) == {"name", "ok", "detail", "fix", "findings"}
        assert check["ok"] is True and check["fix"] is None
    state = next(c for c in data["checks"] if c["name"] == "state-dir")
    assert str(repo / "st/var/lib/workloadctl") in state["detail"]


def test_problems_exit_1_with_fixes(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    system = healthy()
    del system.programs["execlineb"]
    system.busy_ports = {9001: [4242]}
    use(monkeypatch, system)
    assert main(["doctor", "--state-dir", str(repo / "st")]) == 1
    out = capsys.readouterr().out
    assert "FAIL execline" in out
    assert "fix: sudo apt-get install s6 execline" in out
    assert "FAIL port 9001" in out and "kill 4242" in out
    assert out.rstrip().endswith("doctor: 2 problems")


def test_broken_config_is_a_problem(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".devcontainer/devcontainer.json").write_text(
        '{"dockerComposeFile": "docker-compose.yml", "service": "dev", "init": true}'
    )
    use(monkeypatch, healthy())
    assert main(["doctor", "--json", "--state-dir", str(repo / "st")]) == 1
    configs = next(
        c for c in json.loads(capsys.readouterr().out)["checks"] if c["name"] == "configs"
    )
    assert configs["ok"] is False and "[DC010]" in configs["detail"]
    assert "workloadctl validate --root" in configs["fix"]


def test_the_validate_doctor_shows_names_the_repository(
    repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # "`workloadctl validate` in REPO: 0 error(s)" read from `/`: a bare validate checks `/`.
    monkeypatch.chdir(tmp_path)
    check = check_configs(repo, {})
    assert check.ok and check.detail.startswith(f"`{workloadctl_program()} validate --root {repo}`")


def test_not_a_workloadctl_repository(tmp_path: Path) -> None:
    check = check_configs(tmp_path, {})
    assert not check.ok and check.fix is not None and "workloadctl init" in check.fix


def test_in_the_container_checks_pid1_not_namespaces(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    system = in_the_container(monkeypatch, repo)
    system.pid1 = "docker-init"
    use(monkeypatch, system)
    assert main(["doctor", "--json"]) == 1
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert "pid-namespace" not in checks and "unshare" not in checks
    assert checks["pid-1"]["ok"] is False
    assert checks["util-linux"]["ok"] is True
    assert checks["util-linux"]["detail"].startswith("not found on PATH: flock, setsid:")
    assert "util-linux" in checks["util-linux"]["fix"]
    assert checks["state-dir"]["detail"].startswith(str(repo / "var-lib"))


def test_a_warning_is_shown_and_fails_nothing(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    system = in_the_container(monkeypatch, repo)
    system.programs["setsid"] = "/usr/bin/setsid"  # flock missing
    # The configs' pidfile and log directories, private, as boot makes them.
    (repo / "run").mkdir(mode=0o700)
    (repo / "var-lib").mkdir(mode=0o700)
    (repo / "var-lib/logs").mkdir()
    use(monkeypatch, system)
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "WARN util-linux" in out and "not found on PATH: flock:" in out
    assert "fix: install util-linux" in out
    assert out.rstrip().endswith("doctor: all good, 1 warning")


def test_context_reads_the_stack_record(repo: Path, tmp_path: Path) -> None:
    top = tmp_path / "stack"
    top.mkdir()
    env = {
        S.ENV_STATE_DIR: str(top / "var/lib/workloadctl"),
        S.ENV_RUN_DIR: str(top / "run/workloadctl"),
        "UNAME": "me",
    }
    StackRecord(str(repo), str(top), 10, 11, [], [], env, 0.0).write(top / "stack.json")
    context = context_for(top, repo, env={})
    assert context.record is not None and context.record.svscan_pid == 11
    assert context.settings.state_dir == top / "var/lib/workloadctl"
    assert context.settings.run_dir == top / "run/workloadctl"
    assert context.root == repo


def test_context_logs_in_as_the_stack_does_whoever_runs_doctor(repo: Path, tmp_path: Path) -> None:
    """A member of the stack's group runs doctor as themself: the supervisord login is the
    stack's account (its UNAME), not the caller's, or the socket answers 401 and every
    port the stack's supervisord holds looks like a stranger's."""
    top = tmp_path / "stack"
    top.mkdir()
    env = {S.ENV_STATE_DIR: str(top / "var/lib/workloadctl"), "UNAME": "dev", "REPO_NAME": "r"}
    StackRecord(str(repo), str(top), 10, 11, [], [], env, 0.0).write(top / "stack.json")
    context = context_for(top, repo, env={"UNAME": "alice"})
    assert supervisor_user(context.settings) == "dev"
    assert context.settings.user_name == "dev"


def test_context_without_a_stack_uses_the_default_state_dir(repo: Path) -> None:
    context = context_for(None, repo, env={"PATH": "/usr/bin"})
    assert context.record is None
    assert context.settings.state_dir == repo.resolve() / ".state/var/lib/workloadctl"


def _configs(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    main(["doctor", "--json", *argv])
    checks = json.loads(capsys.readouterr().out)["checks"]
    found: dict[str, object] = next(c for c in checks if c["name"] == "configs")
    return found


def test_configs_lists_each_warning_as_validate_does_whatever_the_stack_left(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with (repo / "workloads/supervisord/project.conf").open("a") as conf:
        conf.write("\n[my_tool_settings]\nx = 1\n")  # an unknown section: a warning
    use(monkeypatch, healthy())
    assert main(["validate", "--json"]) == 0
    wanted = [f for f in json.loads(capsys.readouterr().out)["findings"] if f["severity"] != "info"]
    assert [f["severity"] for f in wanted] == ["warning"]
    first = _configs(capsys, "--state-dir", str(repo / "st"))
    # A stack's directories come and go with `up` and `down`: the count must not.
    (repo / "st/run/workloadctl").mkdir(parents=True)
    (repo / "st/var/lib/workloadctl/logs").mkdir(parents=True)
    second = _configs(capsys, "--state-dir", str(repo / "st"))
    assert first == second
    assert first["findings"] == wanted
    assert "0 error(s), 1 warning(s)" in str(first["detail"])
    main(["doctor", "--state-dir", str(repo / "st")])
    out = capsys.readouterr().out
    shown = f"{wanted[0]['file']}:{wanted[0]['line']}: warning: "
    assert any(line.strip().startswith(shown) for line in out.splitlines()), out


def test_a_broken_project_config_says_what_runs_keeps_running(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The trial: "the managers run their seed configs until then" while both ran their
    # project configs. What runs keeps running; a restart would fall back to the seed.
    from workloadctl.runtime.statefile import write_json_atomic

    conf = repo / "workloads/supervisord/project.conf"
    conf.write_text(conf.read_text() + "\n[program:broken\n")
    stack = S.Settings.from_env({S.ENV_STATE_DIR: str(repo / "st"), S.ENV_ROOT: str(repo)})
    write_json_atomic(
        stack.decisions_dir / "supervisord.json",
        {"source": "project", "config": str(conf), "pid": 7, "started": True},
    )
    check = check_configs(repo, {}, stack)
    assert not check.ok and check.fix is not None
    assert "seed configs until then" not in check.fix
    assert (
        "until then: supervisord keeps running its project config as it last applied it; "
        "`reload` refuses the file, and a restart of supervisord would fall back to its "
        "seed config)"
    ) in check.fix
    assert "process-compose" not in check.fix  # its file is fine
    # No stack running: what a start would do.
    assert "(until then: a start of supervisord would run its seed config)" in str(
        check_configs(repo, {}).fix
    )


def test_outside_a_repository_doctor_says_so_and_what_to_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The trial, from /tmp: `fix: run workloadctl init /tmp` and checks of /tmp/.state.
    from workloadctl.doctor import run as doctor_run
    from workloadctl.runtime.stack_registry import StackEntry

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for name in (S.ENV_ROOT, S.ENV_STATE_DIR, S.ENV_IN_CONTAINER, "UNAME", "REPO_NAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(elsewhere)
    monkeypatch.setattr(doctor_run, "live_stacks", lambda env: [])
    use(monkeypatch, healthy())
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert f"FAIL repository       {elsewhere} is not inside a repository using workloadctl" in out
    assert "init" not in out and ".state" not in out, out
    assert "doctor --root REPO" in out and "doctor --state-dir DIR" in out, out
    # Several stacks: each one's --state-dir, as printed.
    two = [StackEntry(f"/st/{n}", f"/r/{n}", 1, 0.0, 0.0) for n in ("a", "b")]
    monkeypatch.setattr(doctor_run, "live_stacks", lambda env: two)
    assert main(["doctor", "--json"]) == 1
    (problem,) = [c for c in json.loads(capsys.readouterr().out)["checks"] if not c["ok"]]
    assert problem["name"] == "repository"
    assert "2 stacks run on this machine" in problem["fix"]
    assert "doctor --state-dir /st/a`" in problem["fix"], problem["fix"]
    # --root names the repository: checked as usual, no `repository` problem.
    monkeypatch.setattr(doctor_run, "live_stacks", lambda env: [])
    root = tmp_path / "repo"
    root.mkdir()
    assert main(["init", str(root)]) == 0
    capsys.readouterr()
    assert main(["doctor", "--json", "--root", str(root)]) == 0, capsys.readouterr().out
