"""The template's comments show commands and examples: each must work as shown, in the
config it is written in (issue 10, "Done when")."""

from __future__ import annotations

import configparser
import re
import shutil
from pathlib import Path

import pytest

from workloadctl.cli import main

REPO = Path(__file__).resolve().parents[2]
SEED_CONF = REPO / ".devcontainer" / "supervisord" / "seed.conf"
PROJECT_CONF = REPO / "workloads" / "supervisord" / "project.conf"
PROJECT_YAML = REPO / "workloads" / "process-compose" / "project.yaml"

# `workloadctl start difit`, `workloadctl supervisorctl start difit`, `workloadctl logs docs`
_NAMED_IN_A_COMMAND = re.compile(
    r"`workloadctl (?:supervisorctl )?(?:start|stop|restart|logs) ([a-z][\w-]*)"
)
_MANAGERS = {"supervisord", "process-compose"}


def _comments(path: Path) -> str:
    return "\n".join(
        line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith(";")
    )


@pytest.mark.parametrize("path", (SEED_CONF, PROJECT_CONF), ids=lambda p: p.name)
def test_commands_in_comments_name_a_program_of_the_same_config(path: Path) -> None:
    parser = configparser.RawConfigParser(strict=False)
    parser.read(path, encoding="utf-8")
    programs = {s.split(":", 1)[1] for s in parser.sections() if s.startswith("program:")}
    named = set(_NAMED_IN_A_COMMAND.findall(_comments(path))) - _MANAGERS
    assert named, "the comments show commands on programs"
    assert named <= programs, f"{path.name} shows commands on {sorted(named - programs)}"


def _uncommented_examples(text: str) -> str:
    """project.yaml with its commented-out example processes uncommented, as a reader
    following "uncomment and adapt" would."""
    lines = []
    for line in text.splitlines():
        if line.startswith("  #   ") or re.fullmatch(r"  # [a-z][\w-]*:", line):
            line = "  " + line[4:]
        lines.append(line)
    return "\n".join(lines) + "\n"


def test_uncommented_process_compose_examples_clash_with_nothing_of_supervisord(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for part in (".devcontainer", "workloads"):
        shutil.copytree(REPO / part, tmp_path / part)
    yaml_path = tmp_path / "workloads" / "process-compose" / "project.yaml"
    uncommented = _uncommented_examples(PROJECT_YAML.read_text(encoding="utf-8"))
    assert uncommented.count("\n  vite:") == 1 and "\n  docs-preview:" in uncommented
    yaml_path.write_text(uncommented, encoding="utf-8")
    main(["validate", "--root", str(tmp_path)])
    out = capsys.readouterr()
    found = out.out + out.err
    assert "OK:" in found or "FAILED:" in found, found
    assert "[XM" not in found, found
