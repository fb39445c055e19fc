"""PIDs across the local runner's PID namespace.

s6-svstat, supervisord and process-compose all report PIDs as seen inside the namespace
whose PID 1 is s6-svscan. A user outside (the local runner's caller) must get PIDs that
`kill` accepts there, so every PID we print goes through `to_caller`.
"""

from __future__ import annotations

import os
from pathlib import Path

import psutil


def _ns_pid_chain(pid: int) -> list[int]:
    """The NSpid line of /proc/PID/status: the PID in each namespace, outermost first."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("NSpid:"):
                return [int(word) for word in line.split()[1:]]
    except (OSError, ValueError):
        pass
    return []


def same_namespace(pid_a: int, pid_b: int) -> bool:
    try:
        return os.readlink(f"/proc/{pid_a}/ns/pid") == os.readlink(f"/proc/{pid_b}/ns/pid")
    except OSError:
        return False


def to_caller(ns_pid: int | None, ns_init: int | None) -> int | None:
    """Translate a PID seen inside the namespace whose init is `ns_init` (a PID in ours).

    Returns the PID unchanged when there is no such namespace (the container, where we run
    inside the tree), None when no process has that PID any more.
    """
    if ns_pid is None or ns_init is None or same_namespace(os.getpid(), ns_init):
        return ns_pid
    if ns_pid == 1:
        return ns_init
    try:
        members = psutil.Process(ns_init).children(recursive=True)
    except psutil.Error:
        return None
    for proc in members:
        chain = _ns_pid_chain(proc.pid)
        if chain and chain[-1] == ns_pid and same_namespace(proc.pid, ns_init):
            return proc.pid
    return None


def members(ns_init: int) -> list[int]:
    """Every live process of the namespace, as PIDs in ours (init first)."""
    try:
        init = psutil.Process(ns_init)
        return [ns_init, *(p.pid for p in init.children(recursive=True))]
    except psutil.Error:
        return []
