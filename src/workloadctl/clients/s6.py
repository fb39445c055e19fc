"""A thin client for s6's supervision tools (Debian's s6 package or s6-overlay's /command).

Everything here shells out to the real s6 programs: they own the supervise/ control
protocol, and reimplementing it would be a second source of truth.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from workloadctl.errors import WorkloadctlError
from workloadctl.settings import s6_binary, s6_search_path

_SVSTAT_FIELDS = ("up", "wantedup", "ready", "pid", "exitcode", "signum", "updownfor")


@dataclass(frozen=True)
class ServiceState:
    """What `s6-svstat` says of one service. `pid` is as seen inside the supervision tree's
    PID namespace; translate it with `runtime.pidns` before showing it to a caller outside."""

    up: bool
    wanted_up: bool
    ready: bool
    pid: int | None
    exit_code: int | None
    signal: int | None
    seconds_in_state: int


class S6Error(WorkloadctlError):
    pass


def not_found_message(name: str) -> str:
    """Where we looked for an s6 program, and the cure that fits where we are."""
    looked = ", ".join(s6_search_path())
    return (
        f"{name} not found (looked in PATH and {looked}): in the dev container s6-overlay "
        "puts it in /command; on another machine install Debian's package 's6'"
    )


def _run(argv: list[str], *, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    # Resolved here, not by PATH: sudo's secure_path and a login shell's /etc/profile
    # both drop s6-overlay's /command.
    binary = s6_binary(argv[0])
    if binary is None:
        raise S6Error(not_found_message(argv[0]))
    try:
        return subprocess.run(
            [binary, *argv[1:]], capture_output=True, text=True, timeout=timeout, check=False
        )
    except FileNotFoundError as exc:
        raise S6Error(not_found_message(argv[0])) from exc
    except subprocess.TimeoutExpired as exc:
        raise S6Error(f"{' '.join(argv)} did not answer within {timeout:.0f} s") from exc


def is_supervised(service: Path) -> bool:
    """True when an s6-supervise process runs for this service directory."""
    return _run(["s6-svok", str(service)]).returncode == 0


def is_supervised_scan(scan_dir: Path) -> bool:
    """True when an s6-svscan process runs on this scan directory (its control fifo answers)."""
    return (scan_dir / ".s6-svscan" / "control").exists() and _run(
        ["s6-svscanctl", "-z", str(scan_dir)]
    ).returncode == 0


def state(service: Path) -> ServiceState:
    out = _run(["s6-svstat", "-o", ",".join(_SVSTAT_FIELDS), str(service)])
    if out.returncode != 0:
        raise S6Error(f"s6-svstat {service}: {out.stderr.strip() or 'not supervised'}")
    words = out.stdout.split()
    if len(words) != len(_SVSTAT_FIELDS):
        raise S6Error(f"s6-svstat {service}: unexpected output {out.stdout.strip()!r}")
    fields = dict(zip(_SVSTAT_FIELDS, words, strict=True))

    def number(word: str) -> int | None:
        value = int(word)
        return None if value < 0 else value

    pid = number(fields["pid"])
    return ServiceState(
        up=fields["up"] == "true",
        wanted_up=fields["wantedup"] == "true",
        ready=fields["ready"] == "true",
        pid=pid if pid else None,
        exit_code=number(fields["exitcode"]),
        signal=number(fields["signum"]),
        seconds_in_state=int(fields["updownfor"]),
    )


def control(service: Path, *flags: str) -> None:
    """`s6-svc FLAGS service`: -u up, -d down, -r restart (down-signal), -k SIGKILL, -O once..."""
    out = _run(["s6-svc", *flags, str(service)])
    if out.returncode != 0:
        raise S6Error(f"s6-svc {' '.join(flags)} {service}: {out.stderr.strip() or 'failed'}")


def wait(service: Path, *, up: bool, timeout: float) -> bool:
    """Wait until the service is up (or down, finish script done). False on timeout."""
    flag = "-u" if up else "-D"
    millis = str(int(timeout * 1000))
    out = _run(["s6-svwait", flag, "-t", millis, str(service)], timeout=timeout + 5)
    return out.returncode == 0


def terminate(scan_dir: Path) -> bool:
    """Ask s6-svscan to bring every service down and exit. False if none was running."""
    return _run(["s6-svscanctl", "-t", str(scan_dir)]).returncode == 0
