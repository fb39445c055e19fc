"""The process-compose config loader: our typed model of v1.122.0's config and checks
that agree with `process-compose --dry-run`, reporting every problem with its line.

    result = load_process_compose(Path("workloads/process-compose/project.yaml"))
    result.findings   # errors and warnings (codes PCnnn, see docs/validate-codes.md)
    result.programs   # one ProgramSpec per process
    result.project    # the Project, as process-compose would run it (None if unparsable)
"""

from __future__ import annotations

from workloadctl.checks.process_compose.loader import load_process_compose

__all__ = ["load_process_compose"]
