"""The update engine of `init --update` on small templates: what it replaces, merges,
keeps, refuses to resurrect, reports as dropped, and that nothing the user wrote is lost."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from workloadctl.runtime import own_command
from workloadctl.template.record import Record, files_of, loads, read
from workloadctl.template.selection import TemplateError
from workloadctl.template.source import Template, TemplateFile
from workloadctl.template.update import (
    CONFLICT_SUFFIX,
    Outcome,
    UpdatePlan,
    apply_update,
    plan_update,
    write_record,
)
from workloadctl.template.update_report import as_json, exit_code, next_steps

RECORD = Path(".workloadctl-template.json")
CONFIG = "workloads/app.conf"
LINES = "".join(f"line {n}\n" for n in range(1, 21))

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def template(*files: tuple[str, str]) -> Template:
    return Template("test", tuple(TemplateFile(p, c.encode(), False) for p, c in files))


def init_repo(root: Path, old: Template) -> None:
    """What `init` leaves: the files and the record of them."""
    for file in old.files:
        (root / file.path).parent.mkdir(parents=True, exist_ok=True)
        (root / file.path).write_bytes(file.content)
    write_record(root, RECORD, Record("0.1.0", None, None, files_of(old)))


def update(root: Path, new: Template, restore: frozenset[str] = frozenset()) -> UpdatePlan:
    the_plan = plan_update(
        new,
        root,
        old=read(root, RECORD),
        new_record=Record("0.2.0"),
        record_name=RECORD,
        restore=restore,
    )
    apply_update(the_plan)
    return the_plan


def outcome(the_plan: UpdatePlan, path: str) -> Outcome:
    [change] = [c for c in the_plan.changes if c.path == path]
    return change.outcome


def test_untouched_file_is_replaced(tmp_path: Path) -> None:
    init_repo(tmp_path, template((CONFIG, LINES)))
    new = LINES.replace("line 5\n", "line 5 (template v2)\n")
    the_plan = update(tmp_path, template((CONFIG, new)))
    assert outcome(the_plan, CONFIG) is Outcome.REPLACE
    assert (tmp_path / CONFIG).read_text() == new
    assert exit_code(the_plan) == 0


def test_edited_file_is_merged_with_both_changes(tmp_path: Path) -> None:
    init_repo(tmp_path, template((CONFIG, LINES)))
    yours = LINES.replace("line 18\n", "line 18 (mine)\n")
    (tmp_path / CONFIG).write_text(yours)
    new = LINES.replace("line 2\n", "line 2 (template v2)\n")
    the_plan = update(tmp_path, template((CONFIG, new)))
    assert outcome(the_plan, CONFIG) is Outcome.MERGE
    merged = (tmp_path / CONFIG).read_text()
    assert "line 18 (mine)\n" in merged
    assert "line 2 (template v2)\n" in merged
    # The next update takes the new template as its base: the user's edit stays an edit.
    again = plan_update(
        template((CONFIG, new)),
        tmp_path,
        old=read(tmp_path, RECORD),
        new_record=Record("0.2.0"),
        record_name=RECORD,
    )
    assert outcome(again, CONFIG) is Outcome.KEEP


def test_edited_file_the_template_did_not_change_is_kept(tmp_path: Path) -> None:
    init_repo(tmp_path, template((CONFIG, LINES), ("other", "a\n")))
    (tmp_path / CONFIG).write_text("all mine\n")
    the_plan = update(tmp_path, template((CONFIG, LINES), ("other", "b\n")))
    assert outcome(the_plan, CONFIG) is Outcome.KEEP
    assert (tmp_path / CONFIG).read_text() == "all mine\n"


def test_conflict_keeps_the_users_file_and_writes_the_merge_beside_it(tmp_path: Path) -> None:
    init_repo(tmp_path, template((CONFIG, LINES)))
    yours = LINES.replace("line 10\n", "line 10 (mine)\n")
    (tmp_path / CONFIG).write_text(yours)
    new = LINES.replace("line 10\n", "line 10 (template v2)\n")
    the_plan = update(tmp_path, template((CONFIG, new)))
    assert outcome(the_plan, CONFIG) is Outcome.CONFLICT
    assert (tmp_path / CONFIG).read_text() == yours  # not touched
    side = (tmp_path / (CONFIG + CONFLICT_SUFFIX)).read_text()
    assert "line 10 (mine)" in side and "line 10 (template v2)" in side and "<<<<<<<" in side
    [change] = the_plan.with_outcome(Outcome.CONFLICT)
    assert "+line 10 (template v2)\n" in change.diff
    [step] = next_steps(the_plan, dry_run=False)
    assert f"mv {tmp_path}/{CONFIG}{CONFLICT_SUFFIX} {tmp_path}/{CONFIG}" in step
    assert step.endswith(f"workloadctl init --update {tmp_path}")
    assert exit_code(the_plan) == 1
    # Until the merge file is gone, the conflict stays pending and that file is not touched.
    (tmp_path / (CONFIG + CONFLICT_SUFFIX)).write_text("half resolved\n")
    again = update(tmp_path, template((CONFIG, new)))
    [pending] = again.with_outcome(Outcome.CONFLICT)
    assert pending.pending and exit_code(again) == 1
    assert (tmp_path / (CONFIG + CONFLICT_SUFFIX)).read_text() == "half resolved\n"
    assert (tmp_path / CONFIG).read_text() == yours


def test_resolving_a_conflict_then_updating_again_settles_it(tmp_path: Path) -> None:
    init_repo(tmp_path, template((CONFIG, LINES)))
    (tmp_path / CONFIG).write_text(LINES.replace("line 10\n", "line 10 (mine)\n"))
    new = LINES.replace("line 10\n", "line 10 (template v2)\n")
    update(tmp_path, template((CONFIG, new)))
    # The user resolves by taking the template's line and adding their own below it.
    resolved = LINES.replace("line 10\n", "line 10 (template v2)\nline 10b (mine)\n")
    (tmp_path / (CONFIG + CONFLICT_SUFFIX)).rename(tmp_path / CONFIG)
    (tmp_path / CONFIG).write_text(resolved)
    the_plan = update(tmp_path, template((CONFIG, new)))
    assert outcome(the_plan, CONFIG) is Outcome.KEEP
    assert (tmp_path / CONFIG).read_text() == resolved
    assert exit_code(the_plan) == 0
    # A later template change merges into the resolved file.
    newer = new.replace("line 1\n", "line 1 (template v3)\n")
    later = update(tmp_path, template((CONFIG, newer)))
    assert outcome(later, CONFIG) is Outcome.MERGE
    assert (tmp_path / CONFIG).read_text() == resolved.replace("line 1\n", "line 1 (template v3)\n")


def test_file_deleted_by_the_user_is_not_resurrected(tmp_path: Path) -> None:
    init_repo(tmp_path, template((CONFIG, LINES)))
    (tmp_path / CONFIG).unlink()
    the_plan = update(tmp_path, template((CONFIG, LINES + "line 21\n")))
    assert outcome(the_plan, CONFIG) is Outcome.DELETED
    assert not (tmp_path / CONFIG).exists()
    [step] = next_steps(the_plan, dry_run=False)
    assert f"workloadctl init --update --restore {CONFIG} {tmp_path}" in step
    # --restore brings it back.
    restored = update(tmp_path, template((CONFIG, LINES + "line 21\n")), frozenset({CONFIG}))
    assert outcome(restored, CONFIG) is Outcome.CREATE
    assert (tmp_path / CONFIG).read_text() == LINES + "line 21\n"


def test_restore_of_a_path_outside_the_template_is_refused(tmp_path: Path) -> None:
    init_repo(tmp_path, template((CONFIG, LINES)))
    with pytest.raises(TemplateError, match="--restore nope: not a file of this template"):
        update(tmp_path, template((CONFIG, LINES)), frozenset({"nope"}))


def test_files_dropped_by_the_template_are_reported_and_left(tmp_path: Path) -> None:
    init_repo(tmp_path, template((CONFIG, LINES), ("old/untouched", "x\n"), ("old/edited", "y\n")))
    (tmp_path / "old/edited").write_text("y, mine\n")
    the_plan = update(tmp_path, template((CONFIG, LINES)))
    assert outcome(the_plan, "old/untouched") is Outcome.DROPPED
    assert outcome(the_plan, "old/edited") is Outcome.DROPPED
    assert (tmp_path / "old/untouched").read_text() == "x\n"
    assert (tmp_path / "old/edited").read_text() == "y, mine\n"
    steps = next_steps(the_plan, dry_run=False)
    assert f"old/untouched: to remove it, run: rm {tmp_path}/old/untouched" in steps
    assert f"old/edited: if you no longer need it, run: rm {tmp_path}/old/edited" in steps
    dropped = {f["path"]: f for f in as_json(the_plan, "0.2.0", dry_run=False)["files"]}
    assert dropped["old/edited"]["edited"] is True
    record = read(tmp_path, RECORD)
    assert record is not None and set(record.files) == {CONFIG}


def test_new_template_file_is_created_and_an_existing_one_is_not_overwritten(
    tmp_path: Path,
) -> None:
    init_repo(tmp_path, template((CONFIG, LINES)))
    (tmp_path / "workloads/theirs.conf").write_text("the user's own file\n")
    the_plan = update(
        tmp_path,
        template(
            (CONFIG, LINES), ("workloads/new.conf", "new\n"), ("workloads/theirs.conf", "t\n")
        ),
    )
    assert outcome(the_plan, "workloads/new.conf") is Outcome.CREATE
    assert (tmp_path / "workloads/new.conf").read_text() == "new\n"
    assert outcome(the_plan, "workloads/theirs.conf") is Outcome.CONFLICT
    assert (tmp_path / "workloads/theirs.conf").read_text() == "the user's own file\n"


def test_without_a_record_every_differing_file_is_a_conflict(tmp_path: Path) -> None:
    (tmp_path / "workloads").mkdir()
    (tmp_path / CONFIG).write_text("edited by hand\n")
    the_plan = plan_update(
        template((CONFIG, LINES)),
        tmp_path,
        old=None,
        new_record=Record("0.2.0"),
        record_name=RECORD,
    )
    assert outcome(the_plan, CONFIG) is Outcome.CONFLICT
    assert the_plan.old_version is None


def test_dry_run_plan_writes_nothing(tmp_path: Path) -> None:
    init_repo(tmp_path, template((CONFIG, LINES)))
    before = (tmp_path / RECORD).read_bytes()
    plan_update(
        template((CONFIG, "changed\n")),
        tmp_path,
        old=read(tmp_path, RECORD),
        new_record=Record("0.2.0"),
        record_name=RECORD,
    )
    assert (tmp_path / CONFIG).read_text() == LINES
    assert (tmp_path / RECORD).read_bytes() == before


def test_a_directory_where_a_file_goes_blocks_the_update(tmp_path: Path) -> None:
    init_repo(tmp_path, template((CONFIG, LINES)))
    (tmp_path / CONFIG).unlink()
    (tmp_path / CONFIG).mkdir()
    the_plan = plan_update(
        template((CONFIG, "x\n")), tmp_path, old=read(tmp_path, RECORD),
        new_record=Record("0.2.0"), record_name=RECORD,
    )  # fmt: skip
    assert outcome(the_plan, CONFIG) is Outcome.BLOCKED
    assert exit_code(the_plan) == 1


def test_a_damaged_record_is_one_line_naming_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match=r"^/x/rec.json:3: not valid JSON"):
        loads('{\n "format": 1,\n oops\n}', Path("/x/rec.json"))
    with pytest.raises(TemplateError, match="does not match its hash"):
        loads(
            '{"format": 1, "workloadctl_version": "0.1.0", "files": {"a": '
            '{"sha256": "00", "executable": false, "text": "x"}}}',
            Path("/x/rec.json"),
        )


def test_binary_content_round_trips_through_the_record(tmp_path: Path) -> None:
    binary = Template("t", (TemplateFile("bin", b"\xff\x00\xfe", True),))
    write_record(tmp_path, RECORD, Record("0.1.0", "alice", None, files_of(binary)))
    record = read(tmp_path, RECORD)
    assert record is not None and record.user == "alice"
    assert record.files["bin"].content == b"\xff\x00\xfe" and record.files["bin"].executable


def test_next_steps_name_workloadctl_as_the_caller_runs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A checkout's .venv/bin/workloadctl is not on PATH: a bare `workloadctl` would exit 127.
    monkeypatch.setattr(own_command, "workloadctl_program", lambda: "/co/.venv/bin/workloadctl")
    init_repo(tmp_path, template((CONFIG, LINES)))
    (tmp_path / CONFIG).unlink()
    the_plan = update(tmp_path, template((CONFIG, LINES + "line 21\n")))
    [step] = next_steps(the_plan, dry_run=False)
    assert step.endswith(
        f"run: /co/.venv/bin/workloadctl init --update --restore {CONFIG} {tmp_path}"
    )
    [dry] = next_steps(the_plan, dry_run=True)
    assert dry == f"to do it, run: /co/.venv/bin/workloadctl init --update {tmp_path}"
