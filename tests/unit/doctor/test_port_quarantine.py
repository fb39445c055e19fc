"""A held port that got its manager quarantined: doctor names the holder and also that
the manager runs its seed, and that the quarantine must be lifted after the kill.

New-user trial 2: `doctor` said `fix: stop it (kill N), or change the port` only, and
after the kill supervisord stayed on its seed."""

from __future__ import annotations

from pathlib import Path

from workloadctl.doctor.model import failed, passed
from workloadctl.doctor.ports import WantedPort
from workloadctl.doctor.run import DoctorContext, _with_quarantine
from workloadctl.runtime.decision_record import DecisionRecord, decision_path
from workloadctl.settings import Settings

REASON = "quarantined: died 5 times in 60 s on the project config"
HELD = failed(
    "port 9001",
    "in use by PID 4242 (python3 -m http.server 9001); wanted by supervisord web UI (x.conf)",
    "stop it (kill 4242), or change the port in x.conf",
)
WEB_UI = WantedPort(9001, ["supervisord web UI (x.conf)"], ["x.conf"], {"supervisord"})


def _context(tmp_path: Path, *, quarantined: bool) -> DoctorContext:
    settings = Settings.from_env({"WORKLOADCTL_STATE_DIR": str(tmp_path / "state")})
    record = DecisionRecord(
        manager="supervisord",
        source="seed" if quarantined else "project",
        reason=REASON if quarantined else "the project config is valid",
        pid=40,
        started=True,
        quarantine={"since": 1.0, "project_sha256": "abc", "deaths": 5, "window_seconds": 60}
        if quarantined
        else None,
    )
    path = decision_path(settings, "supervisord")
    path.parent.mkdir(parents=True)
    record.write(path)
    return DoctorContext(tmp_path, settings, None, {})


def test_a_held_port_of_a_quarantined_manager_says_to_lift_the_quarantine(
    tmp_path: Path,
) -> None:
    check = _with_quarantine(_context(tmp_path, quarantined=True), WEB_UI, HELD)
    assert check.ok is False
    assert "supervisord is quarantined and runs its SEED config" in check.detail, check
    assert REASON in check.detail, check
    assert check.fix is not None
    assert check.fix.startswith("stop it (kill 4242), or change the port in x.conf; then `")
    assert check.fix.endswith(" restart supervisord --clear-quarantine`"), check.fix


def test_without_a_quarantine_the_port_check_is_unchanged(tmp_path: Path) -> None:
    context = _context(tmp_path, quarantined=False)
    assert _with_quarantine(context, WEB_UI, HELD) == HELD
    free = passed("port 9001", "free on 127.0.0.1")
    assert _with_quarantine(_context(tmp_path / "q", quarantined=True), WEB_UI, free) == free
    program_port = WantedPort(8001, ["docs"], ["x.conf:3"], {"supervisord:docs"})
    assert _with_quarantine(_context(tmp_path / "r", quarantined=True), program_port, HELD) == HELD
