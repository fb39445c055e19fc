"""Everything the doctor asks the machine, behind one interface the unit tests replace."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import socket
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import psutil

from workloadctl.runtime.pidns import same_namespace


@dataclass(frozen=True)
class Completed:
    returncode: int | None  # None: it could not be started, or it timed out
    stdout: str
    stderr: str


class DoctorSystem(Protocol):
    def which(self, name: str) -> str | None: ...

    def run(self, argv: Sequence[str], timeout: float = 15.0) -> Completed: ...

    def euid(self) -> int: ...

    def pid1_name(self) -> str | None: ...

    def port_in_use(self, port: int) -> bool: ...

    def port_holders(self, port: int) -> list[int]: ...

    def describe_process(self, pid: int) -> str: ...

    def ancestors(self, pid: int) -> list[int]: ...

    def same_pid_namespace(self, first: int, second: int) -> bool: ...


class RealSystem:
    """The machine this runs on."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.env = dict(os.environ if env is None else env)

    def which(self, name: str) -> str | None:
        return shutil.which(name, path=self.env.get("PATH"))

    def run(self, argv: Sequence[str], timeout: float = 15.0) -> Completed:
        try:
            out = subprocess.run(
                list(argv),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                env=self.env,
                stdin=subprocess.DEVNULL,
                errors="replace",
            )
        except subprocess.TimeoutExpired:
            return Completed(None, "", f"no answer within {timeout:.0f} s")
        except OSError as exc:
            return Completed(None, "", exc.strerror or str(exc))
        return Completed(out.returncode, out.stdout, out.stderr)

    def euid(self) -> int:
        return os.geteuid()

    def pid1_name(self) -> str | None:
        try:
            return Path("/proc/1/comm").read_text(encoding="utf-8").strip()
        except OSError:
            return None

    def port_in_use(self, port: int) -> bool:
        """Whether a server could NOT listen on 127.0.0.1:port right now. SO_REUSEADDR as
        servers set it, so connections in TIME_WAIT do not count as "in use"."""
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError as exc:
                return exc.errno == errno.EADDRINUSE
        return False

    def port_holders(self, port: int) -> list[int]:
        try:
            connections = psutil.net_connections(kind="tcp")
        except (psutil.Error, OSError):
            return []
        pids = {
            c.pid
            for c in connections
            if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port and c.pid
        }
        return sorted(pids)

    def describe_process(self, pid: int) -> str:
        with contextlib.suppress(psutil.Error):
            process = psutil.Process(pid)
            words = process.cmdline() or [process.name()]
            text = " ".join(words)
            return text if len(text) <= 80 else text[:77] + "..."
        return "?"

    def ancestors(self, pid: int) -> list[int]:
        try:
            return [p.pid for p in psutil.Process(pid).parents()]
        except psutil.Error:
            return []

    def same_pid_namespace(self, first: int, second: int) -> bool:
        return same_namespace(first, second)
