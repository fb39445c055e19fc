"""The programs the stack needs, their versions, and PID 1 / PID namespaces."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path

from workloadctl.doctor.model import Check, failed, passed, warned
from workloadctl.doctor.system import DoctorSystem
from workloadctl.managers.base import ManagerKind
from workloadctl.runtime.own_command import own_command

S6_PROGRAMS = (
    "s6-svscan",
    "s6-svscanctl",
    "s6-supervise",
    "s6-svc",
    "s6-svok",
    "s6-svstat",
    "s6-svwait",
)
# Only s6-overlay (the image) has these; Debian's s6 package has neither.
S6_OVERLAY_PROGRAMS = ("s6-rc", "with-contenv")

# util-linux's, which the s6 finish scripts use to run `workloadctl finish` in the background.
FINISH_PROGRAMS = ("flock", "setsid")

APT_S6 = "sudo apt-get install s6 execline (what `make setup` runs on Debian/Ubuntu)"
REBUILD = "rebuild the dev container from .devcontainer/Dockerfile (the image provides it)"


def _missing(system: DoctorSystem, names: tuple[str, ...]) -> tuple[list[str], list[str]]:
    found: list[str] = []
    missing: list[str] = []
    for name in names:
        path = system.which(name)
        (found if path else missing).append(path or name)
    return found, missing


def _where(paths: list[str]) -> str:
    dirs = sorted({str(Path(p).parent) for p in paths})
    return ", ".join(dirs)


def check_s6(system: DoctorSystem, *, in_container: bool) -> Check:
    names = S6_PROGRAMS + (S6_OVERLAY_PROGRAMS if in_container else ())
    found, missing = _missing(system, names)
    if missing:
        return failed(
            "s6",
            f"not found on PATH: {', '.join(missing)}",
            REBUILD if in_container else APT_S6,
        )
    version = "" if in_container else _debian_version(system, "s6")
    return passed("s6", f"{len(found)} programs in {_where(found)}{version}")


def check_execline(system: DoctorSystem, *, in_container: bool) -> Check:
    path = system.which("execlineb")
    if path is None:
        return failed(
            "execline", "execlineb not found on PATH", REBUILD if in_container else APT_S6
        )
    version = "" if in_container else _debian_version(system, "execline")
    return passed("execline", f"{path}{version}")


def check_finish_programs(system: DoctorSystem) -> Check:
    """In the container: without these the finish scripts still work, in the foreground."""
    found, missing = _missing(system, FINISH_PROGRAMS)
    if missing:
        return warned(
            "util-linux",
            f"not found on PATH: {', '.join(missing)}: the s6 finish scripts run `workloadctl "
            "finish` in the foreground (a manager's recovery after it dies is ~0.1 s slower; "
            "nothing is lost)",
            "install util-linux in the image (Debian: apt-get install util-linux in "
            ".devcontainer/Dockerfile), then rebuild",
        )
    return passed("util-linux", ", ".join(found))


def _debian_version(system: DoctorSystem, package: str) -> str:
    """` (Debian package 2.11.3.2-1)`, or "" where dpkg does not know it."""
    if system.which("dpkg-query") is None:
        return ""
    out = system.run(["dpkg-query", "-W", "-f=${Version}", package], timeout=10)
    version = out.stdout.strip()
    return f" (Debian package {package} {version})" if out.returncode == 0 and version else ""


def check_manager(kind: ManagerKind, system: DoctorSystem, env: Mapping[str, str]) -> Check:
    """Its binary is there and prints a version workloadctl runs."""
    name, advice = kind.name, kind.install_advice
    binary = kind.binary(env)
    if binary is None:
        return failed(name, f"{name} not found", advice)
    with tempfile.TemporaryDirectory(prefix="workloadctl-doctor-") as scratch:
        argv = kind.version_argv(binary, Path(scratch))
        out = system.run(argv, timeout=30)
    version = kind.read_version(out.stdout)
    if out.returncode != 0 or version is None:
        said = out.stderr or (out.stdout if kind.version_error_on_stdout else "")
        reason = (said.strip().splitlines() or ["no version printed"])[-1]
        return failed(name, f"{binary} {argv[1]} failed: {reason}", advice)
    refused = kind.refuse_version(version)
    if refused is not None:
        return failed(name, f"{binary} is version {version}; {refused}", advice)
    return passed(name, f"{binary} version {version}")


def check_unshare(system: DoctorSystem) -> Check:
    path = system.which("unshare")
    if path is None:
        return failed(
            "unshare",
            "unshare not found (`workloadctl up` runs s6-svscan as PID 1 of a new PID namespace)",
            "sudo apt-get install util-linux",
        )
    return passed("unshare", path)


def check_pid_namespace(system: DoctorSystem) -> Check:
    name = "pid-namespace"
    if system.euid() != 0:
        return failed(
            name,
            "not root: creating a PID namespace (what `workloadctl up` does so that "
            "s6-svscan is PID 1, as in the container) needs root",
            f"run `sudo {own_command('up')}` (and `sudo {own_command('doctor')}` to test this)",
        )
    if system.which("unshare") is None:
        return failed(name, "cannot test without unshare", "sudo apt-get install util-linux")
    out = system.run(["unshare", "--pid", "--fork", "--mount-proc", "true"], timeout=15)
    if out.returncode == 0:
        return passed(name, "`unshare --pid --fork --mount-proc true` works")
    reason = (out.stderr.strip().splitlines() or [f"exit status {out.returncode}"])[-1]
    return failed(
        name,
        f"`unshare --pid --fork --mount-proc true` failed: {reason}",
        "this machine does not allow new PID namespaces (an unprivileged container?): run "
        "the stack in the dev container (.devcontainer/) instead, or on a machine where "
        "root may use unshare",
    )


def check_pid1(system: DoctorSystem) -> Check:
    """In the container: s6-overlay's s6-svscan must be PID 1."""
    name = system.pid1_name()
    if name == "s6-svscan":
        return passed("pid-1", "PID 1 is s6-svscan (s6-overlay)")
    if name in ("docker-init", "tini", "tini-static", "catatonit", "dumb-init"):
        return failed(
            "pid-1",
            f"PID 1 is {name}: the container was started with an init of Docker's",
            'remove "init": true from devcontainer.json and init: true from '
            "docker-compose.yml (and never `docker run --init`), then rebuild",
        )
    return failed(
        "pid-1",
        f"PID 1 is {name or 'unknown'}, not s6-svscan: s6-overlay's /init did not start",
        'set "overrideCommand": false in devcontainer.json and remove any entrypoint: '
        "override in docker-compose.yml (`workloadctl validate` points at them), then rebuild",
    )
