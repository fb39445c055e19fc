"""The launcher's decision under a deadline.

Checking the project config reads files the project names (includes, `.env`); the
loaders refuse FIFOs, devices and huge files, but if a check blocks or runs away anyway
the manager must still start: past the deadline the seed runs, and its banner says the
project config could not be checked in time. The check runs in a daemon thread; the
launcher then execs the manager, which ends that thread with the rest of this process.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path

from workloadctl.findings import Finding, error
from workloadctl.manager_names import Manager
from workloadctl.runtime.decision import (
    Decision,
    Loader,
    decide,
    failed_decision,
    project_config_path,
    seed_decision,
)
from workloadctl.runtime.quarantine import QuarantinePolicy, positive_number_from_env
from workloadctl.settings import (
    DEFAULT_DECISION_TIMEOUT_SECONDS,
    ENV_DECISION_TIMEOUT,
    Settings,
)

CODE_DECISION_TIMEOUT = "LCH006"
CODE_BAD_DECISION_TIMEOUT = "LCH007"


def decision_timeout_from_env(env: Mapping[str, str]) -> tuple[float, list[Finding]]:
    """`$WORKLOADCTL_DECISION_TIMEOUT` in seconds; a bad value gives the default and a warning."""
    return positive_number_from_env(
        env,
        ENV_DECISION_TIMEOUT,
        DEFAULT_DECISION_TIMEOUT_SECONDS,
        code=CODE_BAD_DECISION_TIMEOUT,
        unit=" of seconds",
    )


def timed_out_decision(
    manager: Manager, settings: Settings, timeout: float, extra_findings: list[Finding]
) -> Decision:
    """The seed, because checking the project config did not finish within `timeout`."""
    project: Path | None = project_config_path(settings, manager)
    problem = error(
        project or "workloadctl",
        None,
        CODE_DECISION_TIMEOUT,
        f"the project config could not be checked within {timeout:g} s (a file it names "
        "may block or never end, or the machine is overloaded); "
        f"{ENV_DECISION_TIMEOUT} sets the limit",
    )
    return seed_decision(
        manager,
        settings,
        project_config=project,
        reason=f"the project config could not be checked within {timeout:g} s",
        findings=[problem, *extra_findings],
    )


def decide_within(
    timeout: float,
    manager: Manager,
    settings: Settings,
    *,
    loader: Loader,
    policy: QuarantinePolicy,
    now: float,
    extra_findings: list[Finding],
) -> Decision:
    """`decide`, or the seed when it has not decided after `timeout` seconds."""
    decided: list[Decision] = []

    def run() -> None:
        decided.append(
            decide(
                manager,
                settings,
                loader=loader,
                policy=policy,
                now=now,
                extra_findings=extra_findings,
            )
        )

    worker = threading.Thread(target=run, name=f"decide-{manager}", daemon=True)
    worker.start()
    worker.join(timeout)
    if decided:
        return decided[0]
    if not worker.is_alive():  # `decide` catches Exception; something harsher ended it
        problem = RuntimeError("the check ended without a decision")
        return failed_decision(manager, settings, problem, extra_findings=extra_findings)
    return timed_out_decision(manager, settings, timeout, extra_findings)
