"""The decision record: one class writes it and reads it back, forgiving other versions."""

from __future__ import annotations

import json
from pathlib import Path

from workloadctl.findings import Finding, Severity
from workloadctl.runtime.decision_record import DecisionRecord

FOUND = Finding("/repo/project.conf", 3, Severity.ERROR, "SV001", "refused")


def test_a_record_reads_back_as_written(tmp_path: Path) -> None:
    record = DecisionRecord(
        manager="supervisord",
        source="seed",
        reason="the project config is invalid (1 error)",
        pid=42,
        started=True,
        epoch=1.0,
        config="/seed.conf",
        findings=(FOUND,),
        quarantine={"deaths": 5},
    )
    record.write(tmp_path / "supervisord.json")
    assert DecisionRecord.read(tmp_path / "supervisord.json") == record


def test_a_not_started_record_carries_only_who_why_when(tmp_path: Path) -> None:
    path = tmp_path / "supervisord.json"
    DecisionRecord(manager="supervisord", source=None, reason="no binary", pid=1, started=False,
                   full=False).write(path)  # fmt: skip
    assert set(json.loads(path.read_text())) == {
        "manager", "source", "reason", "time", "epoch", "pid", "started"
    }  # fmt: skip
    record = DecisionRecord.read(path)
    assert record is not None and record.started_source is None


def test_fields_of_the_wrong_type_read_as_absent(tmp_path: Path) -> None:
    path = tmp_path / "supervisord.json"
    good = FOUND.as_dict()
    path.write_text(json.dumps({
        "source": "elsewhere", "started": "yes", "pid": True, "epoch": "0",
        "findings": [{"file": "x"}, good, 7], "programs": {},
    }))  # fmt: skip
    record = DecisionRecord.read(path)
    assert record is not None
    assert (record.source, record.started, record.pid, record.epoch) == (None, False, None, None)
    assert record.findings == (FOUND,) and record.programs is None


def test_a_missing_or_damaged_file_is_no_record(tmp_path: Path) -> None:
    assert DecisionRecord.read(tmp_path / "absent.json") is None
    (tmp_path / "list.json").write_text("[]")
    assert DecisionRecord.read(tmp_path / "list.json") is None
