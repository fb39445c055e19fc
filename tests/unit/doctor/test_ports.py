"""Which ports the configs want, and who may hold them."""

from __future__ import annotations

from pathlib import Path

import pytest
from doctor_fakes import FakeSystem

from workloadctl import settings as S
from workloadctl.cli import main
from workloadctl.doctor.ports import (
    WantedPort,
    check_port,
    running_configs,
    running_owners,
    wanted_ports,
)
from workloadctl.managers.layout import validation_settings
from workloadctl.runtime.local_stack import StackRecord
from workloadctl.runtime.own_command import workloadctl_program
from workloadctl.runtime.stack_registry import StackEntry

# How the tool names itself in the commands it prints (a checkout's .venv/bin/workloadctl).
PROGRAM = workloadctl_program()

REPO = Path(__file__).resolve().parents[3]


def vsettings(root: Path) -> S.Settings:
    return validation_settings(S.Settings.from_env({}), root)


def record(svscan_pid: int = 500) -> StackRecord:
    return StackRecord("/r", "/t", 499, svscan_pid, [], [], {}, 0.0)


def test_ports_of_this_repositorys_configs() -> None:
    wanted = {w.port: w for w in wanted_ports(running_configs(REPO, vsettings(REPO)), REPO)}
    assert {9001, 4035, 4966} <= set(wanted)
    assert wanted[9001].wanted_by == ["supervisord web UI (workloads/supervisord/project.conf)"]
    assert (
        wanted[4035]
        .wanted_by[0]
        .startswith("supervisord program 'code-server' (workloads/supervisord/project.conf:")
    )


def test_an_invalid_project_config_means_the_seed_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path)]) == 0
    capsys.readouterr()
    conf = tmp_path / "workloads/supervisord/project.conf"
    conf.write_text(conf.read_text() + "\n[program:broken]\n")  # no command=
    configs = running_configs(tmp_path, vsettings(tmp_path))
    supervisord = next(c for c in configs if c.manager == "supervisord")
    assert supervisord.path == tmp_path / ".devcontainer/supervisord/seed.conf"
    ports = {w.port for w in wanted_ports(configs, tmp_path)}
    assert {9001, 4035} <= ports and 4966 not in ports  # difit is only in the project


def wanted(port: int = 9001) -> WantedPort:
    return WantedPort(port, ["supervisord web UI (x.conf)"], ["x.conf"])


def test_free_port() -> None:
    check = check_port(FakeSystem(), wanted(), None, in_container=False)
    assert check.ok and check.name == "port 9001" and "free" in check.detail


def test_port_held_by_our_local_stack() -> None:
    system = FakeSystem(busy_ports={9001: [777]}, parents={777: [600, 500, 499, 1]})
    check = check_port(system, wanted(), record(500), in_container=False)
    assert check.ok and "our own running stack" in check.detail and "PID 777" in check.detail


def test_port_held_by_a_process_in_the_stacks_namespace() -> None:
    system = FakeSystem(busy_ports={9001: [777]}, namespaces={777: "ns-a", 500: "ns-a"})
    assert check_port(system, wanted(), record(500), in_container=False).ok


def test_port_held_by_something_else() -> None:
    system = FakeSystem(busy_ports={9001: [4242]}, parents={4242: [1]})
    check = check_port(system, wanted(), record(500), in_container=False)
    assert not check.ok
    assert "in use by PID 4242 (proc-4242)" in check.detail
    assert check.fix == "stop it (kill 4242), or change the port in x.conf"


def test_in_the_container_descendants_of_pid1_are_ours() -> None:
    system = FakeSystem(busy_ports={9001: [80]}, parents={80: [40, 1]})
    assert check_port(system, wanted(), None, in_container=True).ok
    # A `docker exec` shell's child has no PID 1 above it.
    system = FakeSystem(busy_ports={9001: [90]}, parents={90: [85]})
    assert not check_port(system, wanted(), None, in_container=True).ok


def test_in_the_container_a_detached_process_adopted_by_pid1_is_not_ours() -> None:
    # Seen in the container: `setsid python3 -m http.server 9001 &` holding the web UI's
    # port (supervisord crash-looping on it) was "in use by our own running stack".
    system = FakeSystem(busy_ports={9001: [95]}, parents={95: [1]})
    check = check_port(system, wanted(), None, in_container=True, managers=frozenset({40}))
    assert not check.ok and check.fix == "stop it (kill 95), or change the port in x.conf"
    # Both managers down: nothing running is theirs.
    assert not check_port(system, wanted(), None, in_container=True, managers=frozenset()).ok
    # A manager's own program (supervisord is PID 40) is.
    system = FakeSystem(busy_ports={9001: [80]}, parents={80: [40, 1]})
    assert check_port(system, wanted(), None, in_container=True, managers=frozenset({40})).ok


def test_outside_without_a_stack_nothing_is_ours() -> None:
    system = FakeSystem(busy_ports={9001: [80]}, parents={80: [40, 1]})
    assert not check_port(system, wanted(), None, in_container=False).ok


def test_holder_this_user_cannot_see() -> None:
    system = FakeSystem(busy_ports={9001: []})
    check = check_port(system, wanted(), None, in_container=False)
    assert not check.ok and "cannot see" in check.detail
    # The image has no `ss`: the fix names only what is there.
    assert check.fix is not None and f"sudo {PROGRAM} doctor" in check.fix
    assert "`ss" not in check.fix and "sudo ss" not in check.fix


def test_a_holder_this_user_cannot_see_is_ours_when_its_manager_says_it_runs() -> None:
    # The developer cannot read root's /proc/PID/fd; supervisord's answer says who runs.
    system = FakeSystem(busy_ports={9001: []})
    entry = wanted()
    entry.owners.add("supervisord:docs")
    check = check_port(
        system, entry, None, in_container=True, running=frozenset({"supervisord:docs"})
    )
    assert check.ok and "supervisord:docs runs" in check.detail
    other = check_port(system, entry, None, in_container=True, running=frozenset({"supervisord:x"}))
    assert not other.ok


def test_port_held_by_another_stack_of_ours_advises_its_down_command() -> None:
    # Another `workloadctl up --state-dir /srv/b`: its supervisord (777) under its s6-svscan (800).
    other = StackEntry("/srv/b", "/srv/repo", 800, 0.0, 0.0)
    system = FakeSystem(busy_ports={9001: [777]}, parents={777: [800, 799, 1]})
    check = check_port(system, wanted(), record(500), in_container=False, stacks=[other])
    assert not check.ok
    assert "in use by the workloadctl stack in /srv/b (PID 777 proc-777)" in check.detail
    assert check.fix == (
        f"`{PROGRAM} down --state-dir /srv/b` stops it, or change the port in x.conf"
    )
    assert "kill" not in check.fix


def test_running_owners_are_the_managers_that_answer_and_their_running_programs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """supervisord's programs by their config name (not group:name), process-compose's
    running processes; a manager that cannot be asked owns nothing."""
    from workloadctl.errors import WorkloadctlError
    from workloadctl.managers import connect

    class Supervisord:
        def processes(self) -> list[dict[str, str]]:
            return [
                {"name": "web", "group": "front", "statename": "RUNNING"},
                {"name": "job", "group": "job", "statename": "EXITED"},
            ]

    class Unreachable:
        def processes(self) -> list[dict[str, str]]:
            raise WorkloadctlError("no socket")

    monkeypatch.setattr(connect, "supervisord_client", lambda *_a, **_k: Supervisord())
    monkeypatch.setattr(connect, "process_compose_client", lambda *_a, **_k: Unreachable())
    owners = running_owners(S.Settings.from_env({}))
    assert owners == {"supervisord", "supervisord:web"}


def test_manager_pids_asks_s6_and_says_none_when_it_cannot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workloadctl.clients import s6
    from workloadctl.doctor.ports import manager_pids

    settings = S.Settings.from_env({"WORKLOADCTL_STATE_DIR": str(tmp_path / "state")})
    states = {
        "supervisord": s6.ServiceState(True, True, True, 40, None, None, 9),
        "process-compose": s6.ServiceState(False, True, False, None, 1, None, 0),
    }
    monkeypatch.setattr(s6, "state", lambda service: states[service.name])
    assert manager_pids(settings) == frozenset({40})

    def unreachable(service: Path) -> s6.ServiceState:
        raise s6.S6Error("s6-svstat: not supervised")

    monkeypatch.setattr(s6, "state", unreachable)
    assert manager_pids(settings) is None
