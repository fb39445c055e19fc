"""What the campaign measures on a running local stack: managers answering, programs
running, PID 1 alive, twins and orphans, all from outside the stack's PID namespace."""

from __future__ import annotations

import os
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

from workloadctl import settings as S
from workloadctl.clients import s6
from workloadctl.errors import WorkloadctlError
from workloadctl.managers.connect import process_compose_client, supervisord_client
from workloadctl.runtime import pidns
from workloadctl.runtime.local_stack import StackRecord

MANAGERS = ("supervisord", "process-compose")
# Children of PID 1 that belong there: one s6-supervise per service (and s6-svscan's own
# helpers). Anything else whose parent is PID 1 was left behind by a dead tree.
PID1_CHILDREN = {"s6-supervise", "s6-svscanctl", "s6-svscan"}


@dataclass(frozen=True)
class Programs:
    """The programs each manager must run (name -> argv), from the campaign's configs."""

    supervisord: dict[str, list[str]]
    process_compose: dict[str, list[str]]

    def of(self, manager: str) -> dict[str, list[str]]:
        return self.supervisord if manager == "supervisord" else self.process_compose

    def all_argvs(self) -> list[list[str]]:
        return [*self.supervisord.values(), *self.process_compose.values()]


class StackProbe:
    def __init__(self, record: StackRecord, programs: Programs) -> None:
        self.record = record
        self.settings = S.Settings.from_env(record.env)
        self.programs = programs

    @property
    def svscan_pid(self) -> int:
        return self.record.svscan_pid

    def service(self, manager: str) -> Path:
        return self.settings.service_dir / manager

    def pid1_alive(self) -> bool:
        try:
            return "s6-svscan" in psutil.Process(self.svscan_pid).name()
        except psutil.Error:
            return False

    def manager_pid(self, manager: str) -> int | None:
        try:
            state = s6.state(self.service(manager))
        except WorkloadctlError:
            return None
        return pidns.to_caller(state.pid, self.svscan_pid) if state.up else None

    def answering(self, manager: str) -> bool:
        try:
            if manager == "supervisord":
                return supervisord_client(self.settings, 2).state() == "RUNNING"
            return process_compose_client(self.settings, 2).live()
        except WorkloadctlError:
            return False

    def running(self, manager: str) -> set[str]:
        """Names of the programs the manager says run."""
        try:
            if manager == "supervisord":
                listed = supervisord_client(self.settings, 2).processes()
                return {str(p["name"]) for p in listed if p["statename"] == "RUNNING"}
            listed = process_compose_client(self.settings, 2).processes()
            return {str(p["name"]) for p in listed if p.get("status") == "Running"}
        except WorkloadctlError:
            return set()

    def missing(self) -> dict[str, set[str]]:
        """Per manager, the expected programs that do not run."""
        return {m: set(self.programs.of(m)) - self.running(m) for m in MANAGERS}

    def all_answering(self) -> bool:
        return all(self.answering(m) for m in MANAGERS)

    def all_running(self) -> bool:
        return not any(self.missing().values())

    def members(self) -> list[psutil.Process]:
        found = []
        for pid in pidns.members(self.svscan_pid):
            try:
                found.append(psutil.Process(pid))
            except psutil.Error:
                continue
        return found

    def twins(self) -> list[str]:
        """Programs (or managers) running in more than one copy."""
        counts: Counter[str] = Counter()
        wanted = {" ".join(argv) for argv in self.programs.all_argvs()}
        for proc in self.members():
            try:
                line = " ".join(proc.cmdline())
            except psutil.Error:
                continue
            if line in wanted:
                counts[line] += 1
            elif manager := manager_of(line):
                counts[manager] += 1
        return sorted(f"{name} x{n}" for name, n in counts.items() if n > 1)

    def orphans(self) -> list[str]:
        """Processes whose parent is PID 1 but that are no s6 service supervisor."""
        found = []
        for proc in self.members():
            try:
                if proc.pid == self.svscan_pid or proc.ppid() != self.svscan_pid:
                    continue
                if proc.name() in PID1_CHILDREN:
                    continue
                found.append(f"{proc.pid} {' '.join(proc.cmdline()) or proc.name()}")
            except psutil.Error:
                continue
        return found

    def pid_of_program(self, argv: list[str]) -> int | None:
        for proc in self.members():
            try:
                if proc.cmdline() == argv:
                    return proc.pid
            except psutil.Error:
                continue
        return None

    def quarantined(self) -> list[str]:
        return [m for m in MANAGERS if (self.settings.quarantine_dir / f"{m}.json").exists()]

    def in_namespace(self, argv: list[str], *, user: str | None = None) -> int:
        """Run argv inside the stack's PID and mount namespaces (never on the host: the
        command refuses to run unless its own PID namespace is the stack's)."""
        expected = os.readlink(f"/proc/{self.svscan_pid}/ns/pid")
        if expected == os.readlink("/proc/self/ns/pid"):
            raise SystemExit("refusing: the stack shares this process's PID namespace")
        guard = (
            'test "$(readlink /proc/self/ns/pid)" = "$1" '
            '|| { echo "not in the stack PID namespace" >&2; exit 99; }; shift; exec "$@"'
        )
        as_user = []
        if user is not None:
            as_user = ["setpriv", f"--reuid={user}", "--regid=nogroup", "--clear-groups"]
        full = ["nsenter", "-t", str(self.svscan_pid), "-p", "-m", "--"]
        full += ["sh", "-c", guard, "sh", expected, *as_user, *argv]
        done = subprocess.run(full, capture_output=True, text=True, timeout=20, check=False)
        if done.returncode == 99:
            raise SystemExit(f"refusing: {done.stderr.strip()}")
        return done.returncode


def manager_of(cmdline: str) -> str | None:
    words = cmdline.split()
    if any(w.endswith("/supervisord") or w == "supervisord" for w in words[:2]):
        return "supervisord" if "-c" in words else None
    if words and words[0].endswith("process-compose") and "up" in words:
        return "process-compose"
    return None


def until(probe: Callable[[], bool], timeout: float, interval: float = 0.05) -> float | None:
    """Seconds until probe() held, or None when it did not within timeout."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if probe():
            return time.monotonic() - start
        time.sleep(interval)
    return None
