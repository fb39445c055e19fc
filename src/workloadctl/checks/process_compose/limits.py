"""Values process-compose accepts, then crashes or runs out of memory on (PC055).

process-compose v1.122.0 gives every process, each replica being one, a log ring of
`log_length` entries, allocated whole when its project runner is built, `--dry-run`
included (pclog.NewLogBuffer: `make([]string, log_length)`, a 16-byte string header per
entry; a `log_length` of 0 or less means 1000). Seen with the real binary:
`log_length: 300000000000000` panics (`makeslice: len out of range`); `log_length:
1000000000` asks for one 16 GB block and dies out of memory. `replicas: N` makes N
processes at load and N running programs: in `--dry-run`, 100000 replicas took 760 MB
and 6 s, 1000000 ran out of memory under a 4 GB address-space limit.
"""

from __future__ import annotations

from workloadctl.checks.process_compose import codes
from workloadctl.checks.process_compose.model import DEFAULT_LOG_LENGTH, Project
from workloadctl.findings import Finding, error

# A Go string header on 64-bit: what each ring entry costs before any line is stored.
LOG_ENTRY_BYTES = 16
# 2**20 lines a process: a 16 MiB ring before the first line, and when full about
# 100 MiB of kept lines at ~100 bytes each. More is a typo or a wish no terminal or
# `workloadctl logs` serves (the default is 1000).
MAX_LOG_LENGTH = 1 << 20
# All rings together, allocated at start: past 1 GiB the manager of a dev container
# would hold more memory for empty log slots than the programs it runs.
MAX_LOG_RING_BYTES = 1 << 30
# Every replica is a running program and ~7.6 KB of process-compose state at load; ten
# thousand copies of one program is already no development setup.
MAX_REPLICAS = 10_000


def resource_findings(project: Project) -> list[Finding]:
    """PC055 for `log_length` and `replicas` that crash or exhaust process-compose. Run
    on the configured processes (before replicas are expanded)."""
    findings: list[Finding] = []
    instances = 0
    for name, process in project.processes.items():
        instances += max(process.replicas, 1)
        if process.replicas > MAX_REPLICAS:
            file, line = process.where("replicas")
            findings.append(
                error(
                    file,
                    line,
                    codes.EXHAUSTS_PROCESS_COMPOSE,
                    f"process {name!r}: replicas: {process.replicas} is more than "
                    f"{MAX_REPLICAS}: process-compose would start that many programs and "
                    "run out of memory or processes",
                )
            )
    log_length = project.log_length if project.log_length > 0 else DEFAULT_LOG_LENGTH
    file, line = project.where("log_length")
    ring_bytes = LOG_ENTRY_BYTES * log_length * instances
    if log_length > MAX_LOG_LENGTH:
        findings.append(
            error(
                file,
                line,
                codes.EXHAUSTS_PROCESS_COMPOSE,
                f"log_length: {log_length} is more than {MAX_LOG_LENGTH}: process-compose "
                f"reserves {LOG_ENTRY_BYTES} bytes a line for every process when it starts "
                f"({_size(LOG_ENTRY_BYTES * log_length)} each, before any output)",
            )
        )
    elif ring_bytes > MAX_LOG_RING_BYTES and not findings:  # not when replicas say why
        findings.append(
            error(
                file,
                line,
                codes.EXHAUSTS_PROCESS_COMPOSE,
                f"log_length: {log_length} for {instances} processes: process-compose "
                f"allocates {_size(ring_bytes)} for their logs at start, more than "
                f"{_size(MAX_LOG_RING_BYTES)}",
            )
        )
    return findings


def _size(count: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= scale:
            value = count / scale
            return f"{value:,.0f} {unit}" if value >= 100 else f"{value:.3g} {unit}"
    return f"{count} bytes"
