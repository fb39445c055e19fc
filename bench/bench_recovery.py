"""Benchmark: boot-to-ready, recovery after `kill -9` of each manager, and `down`, on a real
local stack (s6-svscan as PID 1 of a fresh PID namespace). Needs root, s6, process-compose.

Ready = both managers answer on their sockets and every program of the project configs is
running. Recovery = from SIGKILL of the manager to a new manager with all its programs
running again. Usage: python bench/bench_recovery.py [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from workloadctl import settings as S
from workloadctl.clients import s6
from workloadctl.errors import WorkloadctlError
from workloadctl.managers.connect import process_compose_client, supervisord_client
from workloadctl.runtime import pidns
from workloadctl.runtime.local_runner import start_stack, stop_stack

REPO = Path(__file__).resolve().parents[1]
SV = (
    "[program:sv-{i}]\ncommand=/bin/sleep {n}\nstdout_logfile=/dev/null\nstderr_logfile=/dev/null\n"
)
PC = "  pc-{i}:\n    command: sleep {n}\n"


def until(probe: Callable[[], bool], timeout: float = 30.0) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            if probe():
                return time.monotonic() - start
        except WorkloadctlError:
            pass
        time.sleep(0.02)
    raise SystemExit(f"timed out after {timeout:.0f} s waiting for {probe.__name__}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wlc-bench-") as tmp:
        root = Path(tmp) / "repo"
        shutil.copytree(REPO / ".devcontainer", root / ".devcontainer")
        header = (REPO / "tests/fixtures/stack/supervisord-header.conf").read_text()
        (root / "workloads/supervisord").mkdir(parents=True)
        (root / "workloads/process-compose").mkdir(parents=True)
        (root / S.PROJECT_SUPERVISORD_CONF).write_text(
            header + "".join(SV.format(i=i, n=7000 + i) for i in range(5))
        )
        (root / S.PROJECT_PROCESS_COMPOSE_YAML).write_text(
            "processes:\n" + "".join(PC.format(i=i, n=8000 + i) for i in range(5))
        )
        top = Path(tmp) / "state"
        started = time.monotonic()
        # Every kill -9 counts as a crash: keep the quarantine (5 in 60 s) out of the figures.
        base_env = {**os.environ, "WORKLOADCTL_QUARANTINE_DEATHS": "1000"}
        stack = start_stack(root, top, lambda _l: None, base_env=base_env).record
        settings = S.Settings.from_env(stack.env)

        def ready() -> bool:
            sv = supervisord_client(settings, 2).processes()
            pc = process_compose_client(settings, 2).processes()
            return (
                len(sv) == 5
                and all(p["statename"] == "RUNNING" for p in sv)
                and len(pc) == 5
                and all(p["status"] == "Running" for p in pc)
            )

        until(ready)
        boot = time.monotonic() - started
        results: dict[str, list[float]] = {"supervisord": [], "process-compose": []}
        answering: dict[str, list[float]] = {"supervisord": [], "process-compose": []}
        try:
            for _ in range(args.rounds):
                for manager in results:
                    service = settings.service_dir / manager
                    old = pidns.to_caller(s6.state(service).pid, stack.svscan_pid)
                    assert old is not None
                    os.kill(old, signal.SIGKILL)
                    killed = time.monotonic()

                    def answers(m: str = manager, o: int = old) -> bool:
                        state = s6.state(settings.service_dir / m)
                        if not state.up or pidns.to_caller(state.pid, stack.svscan_pid) == o:
                            return False
                        if m == "supervisord":
                            return supervisord_client(settings, 2).state() == "RUNNING"
                        return process_compose_client(settings, 2).live()

                    until(answers)
                    answering[manager].append(time.monotonic() - killed)
                    until(ready)
                    results[manager].append(time.monotonic() - killed)
                    time.sleep(1.2)  # let s6's 1 s restart throttle reset between rounds
        finally:
            down_start = time.monotonic()
            stop_stack(top, lambda _l: None)
            down = time.monotonic() - down_start
    print(f"boot to ready (both managers, 10 programs): {boot:.2f} s")
    for manager, samples in answering.items():
        print(
            f"kill -9 {manager:16s} -> new manager answering:     median {statistics.median(samples):.2f} s,"
            f" max {max(samples):.2f} s"
        )
    for manager, samples in results.items():
        print(
            f"kill -9 {manager:16s} -> all programs running again: median {statistics.median(samples):.2f} s,"
            f" max {max(samples):.2f} s over {len(samples)} rounds"
        )
    print(f"down (nothing left): {down:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
