"""Benchmark: `workloadctl validate` on a 200-program layout vs `process-compose --dry-run`.

Generates a repository layout in a temp dir with 100 supervisord programs and 100
process-compose processes (plus seeds and an s6-rc tree), then times, in one run:
  A. `workloadctl validate --root DIR` (all layers + cross-manager rules), as a subprocess;
  B. `process-compose --dry-run -f project.yaml` (the process-compose layer only);
and prints the median of each and the ratio A/B. Ratios, not absolute times, are the
figure to compare across machines. Usage: python bench/bench_validate.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from workloadctl.settings import process_compose_binary

PROGRAMS_PER_MANAGER = 100


def write_layout(root: Path, per_manager: int = PROGRAMS_PER_MANAGER) -> None:
    sv = root / "workloads/supervisord"
    pc = root / "workloads/process-compose"
    seeds_sv = root / ".devcontainer/supervisord"
    seeds_pc = root / ".devcontainer/process-compose"
    for d in (sv, pc, seeds_sv, seeds_pc):
        d.mkdir(parents=True)
    header = (
        "[supervisord]\nnodaemon=true\nlogfile=/dev/null\nlogfile_maxbytes=0\n"
        f"pidfile={root}/supervisord.pid\n\n"
        f"[unix_http_server]\nfile={root}/supervisord.sock\nchmod=0700\n\n"
        "[rpcinterface:supervisor]\n"
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n"
        f"[supervisorctl]\nserverurl=unix://{root}/supervisord.sock\n\n"
    )
    programs = "".join(
        f"[program:sv-{i}]\ncommand=/bin/sleep {1000 + i}\nautostart=true\n"
        "stdout_logfile=/dev/null\nstderr_logfile=/dev/null\n\n"
        for i in range(per_manager)
    )
    (sv / "project.conf").write_text(header + programs)
    (seeds_sv / "seed.conf").write_text(header)
    processes = "".join(
        f"  pc-{i}:\n    command: sleep {5000 + i}\n"
        f'    availability:\n      restart: "no"\n'
        + (f"    depends_on:\n      pc-{i - 1}:\n        condition: process_started\n" if i else "")
        for i in range(per_manager)
    )
    (pc / "project.yaml").write_text(f'version: "0.5"\nprocesses:\n{processes}')
    (seeds_pc / "seed.yaml").write_text("processes:\n  idle:\n    command: sleep 100\n")
    s6 = root / ".devcontainer/s6-rc.d"
    for name, kind in (("workloadctl-boot", "oneshot"), ("supervisord", "longrun")):
        (s6 / name / "dependencies.d").mkdir(parents=True)
        (s6 / name / "type").write_text(kind + "\n")
    (s6 / "workloadctl-boot/up").write_text("with-contenv workloadctl boot\n")
    (s6 / "workloadctl-boot/dependencies.d/base").touch()
    run = s6 / "supervisord/run"
    run.write_text("#!/bin/sh\nexec with-contenv workloadctl launch supervisord\n")
    run.chmod(0o755)
    (s6 / "supervisord/dependencies.d/workloadctl-boot").touch()
    (s6 / "user/contents.d").mkdir(parents=True)
    (s6 / "user/type").write_text("bundle\n")
    (s6 / "user/contents.d/supervisord").touch()


def median_seconds(cmd: list[str], runs: int, cwd: Path, env: dict[str, str]) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
        samples.append(time.perf_counter() - start)
        if proc.returncode != 0:
            sys.exit(
                f"benchmark command failed ({proc.returncode}): {cmd}\n{proc.stdout}{proc.stderr}"
            )
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    pc_bin = process_compose_binary()
    if pc_bin is None:
        sys.exit("process-compose not found: run `make setup` or set WORKLOADCTL_PROCESS_COMPOSE")
    workloadctl = (
        shutil.which("workloadctl", path=str(Path(sys.executable).parent)) or "workloadctl"
    )
    with tempfile.TemporaryDirectory(prefix="wlc-bench-") as tmp:
        root = Path(tmp)
        write_layout(root)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PC_")}
        env["WORKLOADCTL_ROOT"] = str(root)
        ours = median_seconds([workloadctl, "validate", "--root", str(root)], args.runs, root, env)
        pc_dir = root / "workloads/process-compose"
        theirs = median_seconds(
            [pc_bin, "--dry-run", "-f", "project.yaml", "-L", str(root / "pc.log")],
            args.runs,
            pc_dir,
            env,
        )
    print(
        f"layout: {PROGRAMS_PER_MANAGER} supervisord programs + {PROGRAMS_PER_MANAGER} "
        f"process-compose processes, {args.runs} runs each (median)"
    )
    print(f"workloadctl validate (all layers):   {ours * 1000:8.1f} ms")
    print(f"process-compose --dry-run (yaml):    {theirs * 1000:8.1f} ms")
    print(f"ratio workloadctl / process-compose: {ours / theirs:8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
