"""Binaries, versions, PID 1 and PID namespaces, against a fake machine."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from doctor_fakes import S6_ALL, FakeSystem

from workloadctl.doctor import tools
from workloadctl.doctor.system import Completed
from workloadctl.managers import kind
from workloadctl.runtime.own_command import workloadctl_program

# How the tool names itself in the commands it prints (a checkout's .venv/bin/workloadctl).
PROGRAM = workloadctl_program()


def test_s6_all_present() -> None:
    system = FakeSystem(programs=dict(S6_ALL))
    check = tools.check_s6(system, in_container=False)
    assert check.ok and check.fix is None
    assert "7 programs in /usr/bin" in check.detail


def test_s6_missing_says_apt_get() -> None:
    programs = dict(S6_ALL)
    del programs["s6-svwait"], programs["s6-svc"]
    check = tools.check_s6(FakeSystem(programs=programs), in_container=False)
    assert not check.ok
    assert "s6-svc, s6-svwait" in check.detail
    assert check.fix is not None and "apt-get install s6 execline" in check.fix


def test_s6_in_container_needs_s6_overlay_programs() -> None:
    check = tools.check_s6(FakeSystem(programs=dict(S6_ALL)), in_container=True)
    assert not check.ok
    assert "s6-rc, with-contenv" in check.detail
    assert check.fix is not None and "rebuild the dev container" in check.fix


def test_s6_debian_version_is_shown() -> None:
    system = FakeSystem(
        programs={**S6_ALL, "dpkg-query": "/usr/bin/dpkg-query"},
        answers={"dpkg-query": Completed(0, "2.11.3.2-1", "")},
    )
    assert "(Debian package s6 2.11.3.2-1)" in tools.check_s6(system, in_container=False).detail


def test_execline_missing() -> None:
    check = tools.check_execline(FakeSystem(), in_container=False)
    assert not check.ok and check.fix is not None and "execline" in check.fix


def test_finish_programs_present() -> None:
    system = FakeSystem(programs={"flock": "/usr/bin/flock", "setsid": "/usr/bin/setsid"})
    check = tools.check_finish_programs(system)
    assert check.ok and check.fix is None
    assert check.name == "util-linux"
    assert check.detail == "/usr/bin/flock, /usr/bin/setsid"


@pytest.mark.parametrize("missing", ["flock", "setsid"])
def test_finish_programs_missing_is_a_warning(missing: str) -> None:
    programs = {"flock": "/usr/bin/flock", "setsid": "/usr/bin/setsid"}
    del programs[missing]
    check = tools.check_finish_programs(FakeSystem(programs=programs))
    assert check.ok, "a warning, never a failure: the finish still runs, in the foreground"
    assert check.detail.startswith(f"not found on PATH: {missing}:")
    assert "in the foreground" in check.detail and "~0.1 s slower" in check.detail
    assert "nothing is lost" in check.detail
    assert check.fix is not None and "util-linux" in check.fix


@pytest.mark.parametrize(
    ("answer", "ok", "text"),
    [
        (Completed(0, "4.3.0\n", ""), True, "version 4.3.0"),
        (Completed(0, "4.2.5\n", ""), True, "version 4.2.5"),
        (Completed(0, "4.1.0\n", ""), False, "needs >= 4.2 and < 5"),
        (Completed(0, "5.0.0\n", ""), False, "needs >= 4.2 and < 5"),
        (Completed(1, "", "Traceback...\nImportError: no supervisor\n"), False, "ImportError"),
        (Completed(None, "", "Permission denied"), False, "Permission denied"),
    ],
)
def test_supervisord_version(answer: Completed, ok: bool, text: str) -> None:
    env = {"WORKLOADCTL_SUPERVISORD": "/opt/sv/supervisord"}
    check = tools.check_manager(
        kind("supervisord"), FakeSystem(answers={"supervisord": answer}), env
    )
    assert check.ok is ok
    assert text in check.detail
    assert (check.fix is None) is ok


def test_supervisord_not_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kind("supervisord"), "binary", lambda env=None: None)
    check = tools.check_manager(kind("supervisord"), FakeSystem(), {})
    assert not check.ok and check.fix is not None and "make setup" in check.fix


@pytest.mark.parametrize(
    ("stdout", "ok", "text"),
    [
        ("v1.122.0\n", True, "version v1.122.0"),
        ("v1.85.0\n", False, "is version v1.85.0"),
        ("undefined\n", False, "plain `go install`"),
    ],
)
def test_process_compose_version(stdout: str, ok: bool, text: str) -> None:
    seen: list[Sequence[str]] = []

    def answer(argv: Sequence[str]) -> Completed:
        seen.append(argv)
        return Completed(0, stdout, "")

    system = FakeSystem(on_run=answer)
    check = tools.check_manager(
        kind("process-compose"), system, {"WORKLOADCTL_PROCESS_COMPOSE": "/x/pc"}
    )
    assert check.ok is ok and text in check.detail
    # A throwaway log file, so a running instance's default log is never truncated.
    [argv] = seen
    assert list(argv[:3]) == ["/x/pc", "version", "--short"]
    assert argv[3] == "-L" and not Path(argv[4]).exists()
    if not ok:
        assert check.fix is not None and "v1.122.0" in check.fix


def test_process_compose_not_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kind("process-compose"), "binary", lambda env=None: None)
    check = tools.check_manager(kind("process-compose"), FakeSystem(), {})
    assert not check.ok and check.fix is not None and "WORKLOADCTL_PROCESS_COMPOSE" in check.fix


def test_pid_namespace_as_root() -> None:
    system = FakeSystem(programs=dict(S6_ALL), answers={"unshare": Completed(0, "", "")})
    assert tools.check_pid_namespace(system).ok
    assert system.ran == [["unshare", "--pid", "--fork", "--mount-proc", "true"]]


def test_pid_namespace_refused() -> None:
    system = FakeSystem(
        programs=dict(S6_ALL),
        answers={"unshare": Completed(1, "", "unshare: unshare failed: Operation not permitted\n")},
    )
    check = tools.check_pid_namespace(system)
    assert not check.ok and "Operation not permitted" in check.detail
    assert check.fix is not None and "dev container" in check.fix


def test_pid_namespace_not_root_explains_and_does_not_try() -> None:
    system = FakeSystem(programs=dict(S6_ALL), uid=1000)
    check = tools.check_pid_namespace(system)
    assert not check.ok and "needs root" in check.detail
    assert check.fix is not None and f"sudo {PROGRAM} up" in check.fix
    assert system.ran == []


@pytest.mark.parametrize(
    ("pid1", "ok", "fix_text"),
    [
        ("s6-svscan", True, None),
        ("docker-init", False, '"init": true'),
        ("tini", False, '"init": true'),
        ("sleep", False, '"overrideCommand": false'),
        (None, False, '"overrideCommand": false'),
    ],
)
def test_pid1(pid1: str | None, ok: bool, fix_text: str | None) -> None:
    check = tools.check_pid1(FakeSystem(pid1=pid1))
    assert check.ok is ok
    if fix_text is not None:
        assert check.fix is not None and fix_text in check.fix


def test_unshare_missing() -> None:
    check = tools.check_unshare(FakeSystem())
    assert not check.ok and check.fix == "sudo apt-get install util-linux"
