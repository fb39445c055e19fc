"""Benchmark: `workloadctl status --json` against `supervisorctl status` plus
`process-compose process list` run back to back, on a real local stack with 50
supervisord and 50 process-compose programs (sleep). Needs root, s6, process-compose.

Each side is run as a fresh subprocess, as a user would; the median of --rounds runs is
compared. The goal (issue 4) is a ratio of at most 0.5.
Usage: python bench/bench_status.py [--rounds N] [--programs N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from workloadctl import settings as S
from workloadctl.errors import WorkloadctlError
from workloadctl.managers.connect import process_compose_client, supervisord_client
from workloadctl.managers.environment import process_compose_token_path
from workloadctl.runtime.decision import read_decision
from workloadctl.runtime.local_runner import start_stack, stop_stack

REPO = Path(__file__).resolve().parents[1]
SV = (
    "[program:sv-{i}]\ncommand=/bin/sleep {n}\nstdout_logfile=/dev/null\nstderr_logfile=/dev/null\n"
)
PC = "  pc-{i}:\n    command: sleep {n}\n"
BIN = Path(sys.executable).parent


def until(probe: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if probe():
                return
        except WorkloadctlError:
            pass
        time.sleep(0.1)
    raise SystemExit("timed out waiting for the stack")


def make_repo(tmp: Path, count: int) -> Path:
    root = tmp / "repo"
    shutil.copytree(REPO / ".devcontainer", root / ".devcontainer")
    header = (REPO / "tests/fixtures/stack/supervisord-header.conf").read_text()
    (root / "workloads/supervisord").mkdir(parents=True)
    (root / "workloads/process-compose").mkdir(parents=True)
    (root / S.PROJECT_SUPERVISORD_CONF).write_text(
        header + "".join(SV.format(i=i, n=9000 + i) for i in range(count))
    )
    (root / S.PROJECT_PROCESS_COMPOSE_YAML).write_text(
        "processes:\n" + "".join(PC.format(i=i, n=9500 + i) for i in range(count))
    )
    return root


def process_list_argv(settings: S.Settings) -> list[str]:
    """`process-compose process list` against the stack's API: status's peer on that side."""
    return [
        S.process_compose_binary() or "process-compose",
        "process",
        "list",
        "-u",
        str(settings.process_compose_socket),
        "--token-file",
        str(process_compose_token_path(settings)),
    ]


def timed(argvs: Sequence[Sequence[str]], env: dict[str, str]) -> float:
    """Seconds to run each argv in turn (fresh processes, output discarded)."""
    started = time.perf_counter()
    for argv in argvs:
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def median_of(rounds: int, argvs: Sequence[Sequence[str]], env: dict[str, str]) -> float:
    timed(argvs, env)  # warm-up: page cache, bytecode caches
    return statistics.median(timed(argvs, env) for _ in range(rounds))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--programs", type=int, default=50, help="per manager (default 50)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wlc-bench-status-") as tmp:
        root, top = make_repo(Path(tmp), args.programs), Path(tmp) / "state"
        record = start_stack(root, top, lambda _l: None, base_env=dict(os.environ)).record
        try:
            settings = S.Settings.from_env(record.env)
            until(
                lambda: (
                    sum(
                        p["statename"] == "RUNNING"
                        for p in supervisord_client(settings).processes()
                    )
                    == args.programs
                    and sum(
                        p["status"] == "Running"
                        for p in process_compose_client(settings).processes()
                    )
                    == args.programs
                )
            )
            decision = read_decision(settings, "supervisord")
            if decision is None or decision.config is None:
                raise SystemExit(f"bench_status: supervisord recorded no config in {top}")
            config = decision.config
            # supervisorctl expands %(ENV_X)s in the config from its own environment.
            env = {**os.environ, **record.env}
            env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: bytecode is cached
            ours = [[str(BIN / "workloadctl"), "status", "--json", "--state-dir", str(top)]]
            theirs = [
                [str(BIN / "supervisorctl"), "-c", config, "status"],
                process_list_argv(settings),
            ]
            check = subprocess.run(ours[0], env=env, capture_output=True, text=True)
            shown = len(json.loads(check.stdout)["programs"]) if check.returncode == 0 else 0
            if shown != 2 * args.programs:
                raise SystemExit(f"status showed {shown} programs: {check.stderr.strip()}")
            ours_s = median_of(args.rounds, ours, env)
            theirs_s = median_of(args.rounds, theirs, env)
        finally:
            stop_stack(top, lambda _l: None)
    print(f"programs: {args.programs} supervisord + {args.programs} process-compose")
    print(f"workloadctl status --json:                 {ours_s * 1000:7.1f} ms (median)")
    print(f"supervisorctl status + process-compose list: {theirs_s * 1000:7.1f} ms (median)")
    ratio = ours_s / theirs_s
    print(f"ratio: {ratio:.2f} (goal <= 0.50: {'met' if ratio <= 0.5 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
