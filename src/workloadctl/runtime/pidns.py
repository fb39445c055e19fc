"""PIDs across the local runner's PID namespace, translated in one pass over /proc.

s6-svstat, supervisord and process-compose all report PIDs as seen inside the namespace
whose PID 1 is s6-svscan. A user outside (the local runner's caller) must get PIDs that
`kill` accepts there, so every PID we print goes through a `PidTranslator`: `status` with
100 programs needs one walk of the process tree, not 100.
"""

from __future__ import annotations

import os

import psutil

# Plain strings, not pathlib: a pass reads a few hundred of these paths.
PROC = "/proc"


def _namespace_of(pid: int | str) -> str | None:
    try:
        return os.readlink(f"{PROC}/{pid}/ns/pid")
    except OSError:
        return None


def _innermost_pid(pid: str) -> int | None:
    """The last NSpid of /proc/PID/status: the PID inside the innermost namespace."""
    try:
        with open(f"{PROC}/{pid}/status", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("NSpid:"):
                    return int(line.split()[-1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _parent_of(pid: str) -> int | None:
    """The PPID field of /proc/PID/stat (after the command, which may hold spaces)."""
    try:
        with open(f"{PROC}/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _descendants_map(ns_init: int, entries: list[str]) -> dict[int, int]:
    """The map by ancestry: every member of the namespace descends from its PID 1 (s6
    re-parents orphans to it). For a caller that may not read the namespace links of
    another user's processes (a member of the stack's group: ns/pid needs ptrace access),
    while /proc/PID/stat and status are open to all."""
    parents = {int(e): _parent_of(e) for e in entries if e.isdigit()}
    if ns_init not in parents:
        return {}
    mapping = {1: ns_init}
    for pid in parents:
        chain, seen = parents.get(pid), {pid}
        while chain is not None and chain not in seen and chain != ns_init and chain > 1:
            seen.add(chain)
            chain = parents.get(chain)
        if chain == ns_init:
            inner = _innermost_pid(str(pid))
            if inner is not None:
                mapping[inner] = pid
    return mapping


def namespace_pid_map(ns_init: int) -> dict[int, int]:
    """PID inside the namespace whose PID 1 is `ns_init` -> PID in ours, for every member."""
    namespace = _namespace_of(ns_init)
    if namespace is None:
        try:
            return _descendants_map(ns_init, os.listdir(PROC))
        except OSError:
            return {}
    mapping = {1: ns_init}
    try:
        entries = os.listdir(PROC)
    except OSError:
        return mapping
    for entry in entries:
        if not entry.isdigit() or _namespace_of(entry) != namespace:
            continue
        inner = _innermost_pid(entry)
        if inner is not None:
            mapping[inner] = int(entry)
    return mapping


class PidTranslator:
    """Callable: a PID from inside the stack -> the caller's PID (None if it is gone).

    `ns_init` is s6-svscan's PID in the caller's namespace (the local runner's record);
    None, or a caller inside that namespace (the container), means no translation.
    """

    def __init__(self, ns_init: int | None) -> None:
        self._ns_init = ns_init
        own = _namespace_of(os.getpid())
        # An unreadable link (another user's s6-svscan) is not "the same namespace".
        self._identity = ns_init is None or (own is not None and own == _namespace_of(ns_init))
        self._map: dict[int, int] | None = None

    def prepare(self) -> None:
        """Map the namespace now (e.g. in a thread while the managers answer)."""
        if not self._identity and self._ns_init is not None and self._map is None:
            self._map = namespace_pid_map(self._ns_init)

    def __call__(self, ns_pid: int | None) -> int | None:
        if ns_pid is None or ns_pid <= 0:
            return None
        if self._identity or self._ns_init is None:
            return ns_pid
        if self._map is None or ns_pid not in self._map:
            # Built lazily, and again for a PID born since the last pass.
            self._map = namespace_pid_map(self._ns_init)
        return self._map.get(ns_pid)


def same_namespace(pid_a: int, pid_b: int) -> bool:
    namespace = _namespace_of(pid_a)
    return namespace is not None and namespace == _namespace_of(pid_b)


def to_caller(ns_pid: int | None, ns_init: int | None) -> int | None:
    """One PID seen inside the namespace whose init is `ns_init` (a PID in ours), as the
    caller sees it: unchanged when there is no such namespace (the container, where we run
    inside the tree), None when no process has that PID any more."""
    return ns_pid if ns_pid is None else PidTranslator(ns_init)(ns_pid)


def members(ns_init: int) -> list[int]:
    """Every live process of the namespace, as PIDs in ours (init first)."""
    try:
        init = psutil.Process(ns_init)
        return [ns_init, *(p.pid for p in init.children(recursive=True))]
    except psutil.Error:
        return []
