"""What `init --update` prints for a dry run with a conflict (what it WOULD write, and the
exit status of the real run) and for an update that has nothing to do."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from workloadctl.template.record import Record, files_of, read
from workloadctl.template.source import Template, TemplateFile
from workloadctl.template.update import (
    CONFLICT_SUFFIX,
    UpdatePlan,
    apply_update,
    plan_update,
    write_record,
)
from workloadctl.template.update_report import exit_code, print_human

RECORD = Path(".workloadctl-template.json")
CONFIG = "workloads/app.conf"
LINES = "".join(f"line {n}\n" for n in range(1, 21))

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def template(content: str) -> Template:
    return Template("test", (TemplateFile(CONFIG, content.encode(), False),))


def init_repo(root: Path, content: str, version: str = "0.1.0") -> None:
    (root / CONFIG).parent.mkdir(parents=True, exist_ok=True)
    (root / CONFIG).write_text(content)
    write_record(root, RECORD, Record(version, None, None, files_of(template(content))))


def plan(root: Path, content: str, version: str) -> UpdatePlan:
    return plan_update(
        template(content),
        root,
        old=read(root, RECORD),
        new_record=Record(version),
        record_name=RECORD,
    )


def test_dry_run_of_a_conflict_says_what_it_would_write_and_exits_as_the_real_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    init_repo(tmp_path, LINES)
    (tmp_path / CONFIG).write_text(LINES.replace("line 10\n", "line 10 (mine)\n"))
    the_plan = plan(tmp_path, LINES.replace("line 10\n", "line 10 (v2)\n"), "0.2.0")
    print_human(the_plan, "0.2.0", dry_run=True)
    out = capsys.readouterr().out
    assert not (tmp_path / (CONFIG + CONFLICT_SUFFIX)).exists()
    assert "is in" not in out
    assert (
        f"{CONFIG}: yours would be kept; the merge with its conflicts would be written to "
        f"{CONFIG}{CONFLICT_SUFFIX}" in out
    )
    assert exit_code(the_plan) == 1  # the real run's: a conflict waits for the user


def test_an_update_with_nothing_to_do_says_it_is_up_to_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    init_repo(tmp_path, LINES)
    the_plan = plan(tmp_path, LINES, "0.1.0")
    apply_update(the_plan)
    print_human(the_plan, "0.1.0", dry_run=False)
    first = capsys.readouterr().out.splitlines()[0]
    assert first == f"init --update: {tmp_path} is already up to date with the template of 0.1.0"
    assert exit_code(the_plan) == 0


def test_an_update_to_a_new_version_names_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    init_repo(tmp_path, LINES)
    the_plan = plan(tmp_path, LINES + "more\n", "0.2.0")
    print_human(the_plan, "0.2.0", dry_run=False)
    assert capsys.readouterr().out.startswith(
        f"init --update: updated {tmp_path} from 0.1.0 to 0.2.0\n"
    )
