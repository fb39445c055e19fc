"""Scenario 4: a broken project config -> the seed, with a banner in `podman logs` and in
status -> the file fixed -> `workloadctl restart MANAGER` (what the banner says) -> the
project config again. For each manager, the other one keeps its project config."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from .harness import Containers
from .stack import (
    MANAGERS,
    PROCESS_COMPOSE_YAML,
    SUPERVISORD_CONF,
    TEMPLATE_AUTOSTART,
    Status,
    edit_text,
    managers,
    must,
    program,
    programs,
    wait_ready,
    wait_status,
)

pytestmark = pytest.mark.container


@dataclass(frozen=True)
class Breakage:
    manager: str
    path: str  # in the repository
    change: Callable[[str], str]
    line_text: str  # the broken line, for the banner's FILE:LINE
    seed_program: str  # what the seed runs


def _append(text: str) -> Callable[[str], str]:
    return lambda old: old.rstrip("\n") + "\n" + text


BREAKAGES = [
    # supervisord refuses a program without a command.
    Breakage(
        "supervisord",
        SUPERVISORD_CONF,
        _append("\n[program:broken]\nautostart=true\n"),
        "[program:broken]",
        "code-server",
    ),
    # process-compose knows no restart policy `never` (always fatal, even without strict).
    Breakage(
        "process-compose",
        PROCESS_COMPOSE_YAML,
        lambda old: old.replace("restart: on_failure", "restart: never", 1),
        "restart: never",
        "seed",
    ),
]


def line_of(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


@pytest.mark.parametrize("broken", BREAKAGES, ids=[b.manager for b in BREAKAGES])
def test_broken_config_runs_the_seed_then_the_fixed_one(
    containers: Containers, broken: Breakage
) -> None:
    originals: dict[str, str] = {}

    def break_it(repo: Path) -> None:
        originals["text"] = edit_text(repo / broken.path, broken.change)

    container = containers.create(f"seed-{broken.manager}", edit_repo=break_it)
    try:
        other = next(m for m in MANAGERS if m != broken.manager)

        def on_seed(doc: Status | None) -> str | None:
            if doc is None:
                return "no JSON from status"
            seed, mine = managers(doc)[broken.manager], managers(doc)[other]
            if seed.get("state") != "running" or seed.get("config") != "seed":
                return f"{broken.manager}: {seed}"
            if mine.get("state") != "running" or mine.get("config") != "project":
                return f"{other}: {mine}"
            listed = programs(doc)
            for name in TEMPLATE_AUTOSTART[other]:
                if listed.get((other, name), {}).get("state") != "running":
                    return f"{other}'s {name}: {listed.get((other, name))}"
            # The seed's program is there (the supervisord seed's code-server is not in
            # the image: it keeps retrying, so its state is not checked).
            if (broken.manager, broken.seed_program) not in listed:
                return f"no {broken.seed_program} in {broken.manager}'s programs"
            return None

        doc, _ = wait_status(container, f"{broken.manager} on its seed", on_seed)
        seen = managers(doc)[broken.manager]
        assert seen["config"] == "seed", seen
        assert seen["reason"], seen
        assert managers(doc)[other]["config"] == "project", managers(doc)[other]

        # The banner: in the container log, naming the file and line and the retry command.
        line = line_of(container.repo / broken.path, broken.line_text)
        log = container.logs()
        assert f"{broken.manager} is running the SEED config" in log, log
        assert f"{broken.path}:{line}" in log, f"no {broken.path}:{line} in the log:\n{log}"
        assert f"workloadctl restart {broken.manager}" in log, log

        # And in status (the table's CONFIG column).
        text = container.root("workloadctl status")
        assert "seed" in text.stdout, text.describe()

        # Fixed: restore the file; the banner's command brings the project config back.
        (container.repo / broken.path).write_text(originals["text"], encoding="utf-8")
        restarted = must(container.root(f"workloadctl restart {broken.manager}"), code=0)
        assert "project" in restarted.stdout, restarted.describe()
        doc, _ = wait_ready(container)
        for name in TEMPLATE_AUTOSTART[broken.manager]:
            assert program(doc, broken.manager, name)["state"] == "running"
    finally:
        containers.remove(container)
