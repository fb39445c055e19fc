from __future__ import annotations

import json
from pathlib import Path

import pytest
from launcher_support import tmp_settings

from workloadctl.runtime import quarantine as Q

HASH = "a" * 64
POLICY = Q.QuarantinePolicy(deaths=3, window_seconds=60)


def crash(
    at: float, *, sha: str = HASH, source: str = "project", intentional: bool = False
) -> Q.Death:
    return Q.Death(
        time=at,
        exit_code=256,
        signal=9,
        intentional=intentional,
        source=source,
        config="/p/project.conf",
        project_sha256=sha,
    )


@pytest.mark.parametrize(
    ("exit_code", "signal", "intentional"),
    [
        (0, None, True),  # clean stop
        (0, 0, True),
        (256, 15, True),  # s6-svc -r/-t/-d
        (256, 9, False),  # SIGKILL, OOM
        (256, 11, False),
        (1, None, False),
        (2, 15, False),  # a signal number means nothing unless the exit code says signalled
        (None, None, False),  # garbage from the finish script counts as a crash
    ],
)
def test_is_intentional(exit_code: int | None, signal: int | None, intentional: bool) -> None:
    assert Q.is_intentional(exit_code, signal) is intentional


def test_counting_ignores_intentional_seed_other_file_and_old_deaths() -> None:
    now = 1000.0
    deaths = [
        crash(now - 1),
        crash(now - 2, intentional=True),
        crash(now - 3, source="seed"),
        crash(now - 4, sha="b" * 64),
        crash(now - 61),  # outside the window
        crash(now - 59),
    ]
    counted = Q.counting_deaths(deaths, HASH, now=now, policy=POLICY)
    assert [d.time for d in counted] == [now - 1, now - 59]


def test_record_and_load_deaths_round_trip_and_cap(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    for i in range(Q.MAX_RECORDED_DEATHS + 5):
        Q.record_death(settings, "supervisord", crash(float(i)))
    deaths = Q.load_deaths(settings, "supervisord")
    assert len(deaths) == Q.MAX_RECORDED_DEATHS
    assert deaths[-1] == crash(float(Q.MAX_RECORDED_DEATHS + 4))
    assert Q.load_deaths(settings, "process-compose") == []


def test_damaged_history_reads_as_empty(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    path = Q.deaths_path(settings, "supervisord")
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert Q.load_deaths(settings, "supervisord") == []
    path.write_text(json.dumps({"deaths": [{"time": "x"}, {"no": "time"}, 3]}))
    assert Q.load_deaths(settings, "supervisord") == []


def test_quarantine_starts_at_the_threshold_and_sticks_for_the_same_file(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    for at in (100.0, 101.0):
        Q.record_death(settings, "supervisord", crash(at))
    assert Q.check_quarantine(settings, "supervisord", HASH, policy=POLICY, now=102.0) is None
    Q.record_death(settings, "supervisord", crash(102.0))
    record = Q.check_quarantine(settings, "supervisord", HASH, policy=POLICY, now=103.0)
    assert record is not None
    assert record.deaths == 3
    assert record.describe() == "quarantined: died 3 times in 60 s on the project config"
    # Long after the window, the same file stays quarantined: time alone does not lift it.
    later = Q.check_quarantine(settings, "supervisord", HASH, policy=POLICY, now=10_000.0)
    assert later == record


def test_a_changed_file_lifts_the_quarantine(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    for at in (100.0, 101.0, 102.0):
        Q.record_death(settings, "supervisord", crash(at))
    assert Q.check_quarantine(settings, "supervisord", HASH, policy=POLICY, now=103.0)
    assert Q.check_quarantine(settings, "supervisord", "b" * 64, policy=POLICY, now=104.0) is None
    assert Q.load_quarantine(settings, "supervisord") is None


def test_intentional_restarts_never_quarantine(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    for at in range(10):
        Q.record_death(settings, "supervisord", crash(100.0 + at, intentional=True))
    assert Q.check_quarantine(settings, "supervisord", HASH, policy=POLICY, now=111.0) is None


def test_clear_quarantine_forgets_the_deaths_too(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    for at in (100.0, 101.0, 102.0):
        Q.record_death(settings, "supervisord", crash(at))
    assert Q.check_quarantine(settings, "supervisord", HASH, policy=POLICY, now=103.0)
    assert Q.clear_quarantine(settings, "supervisord") is True
    assert Q.check_quarantine(settings, "supervisord", HASH, policy=POLICY, now=104.0) is None
    assert Q.clear_quarantine(settings, "supervisord") is False


def test_clear_quarantine_keeps_the_deaths_on_record_for_the_restart_count(
    tmp_path: Path,
) -> None:
    """`status`'s RESTARTS went from 25 to 22 after `--clear-quarantine` (trial 2): the
    deaths stay recorded, forgiven (never counted towards a quarantine again)."""
    settings = tmp_settings(tmp_path)
    for at in (100.0, 101.0, 102.0):
        Q.record_death(settings, "supervisord", crash(at))
    Q.clear_quarantine(settings, "supervisord")
    kept = Q.load_deaths(settings, "supervisord")
    assert [d.time for d in kept] == [100.0, 101.0, 102.0]
    assert all(d.forgiven and not d.counts for d in kept)
    Q.record_death(settings, "supervisord", crash(103.0))
    assert len(Q.load_deaths(settings, "supervisord")) == 4
    assert Q.check_quarantine(settings, "supervisord", HASH, policy=POLICY, now=104.0) is None


def test_policy_from_env_defaults_and_overrides() -> None:
    assert Q.policy_from_env({}) == (Q.QuarantinePolicy(5, 60.0), [])
    policy, problems = Q.policy_from_env(
        {Q.ENV_QUARANTINE_DEATHS: "2", Q.ENV_QUARANTINE_WINDOW: "7.5"}
    )
    assert policy == Q.QuarantinePolicy(2, 7.5)
    assert problems == []


@pytest.mark.parametrize("bad", ["zero", "0", "-3", "nan", "inf"])
def test_policy_from_env_rejects_bad_values_with_a_warning(bad: str) -> None:
    policy, problems = Q.policy_from_env({Q.ENV_QUARANTINE_DEATHS: bad})
    assert policy.deaths == Q.DEFAULT_DEATHS
    assert [p.code for p in problems] == ["LCH005"]
    assert problems[0].file == f"${Q.ENV_QUARANTINE_DEATHS}"


@pytest.mark.parametrize(
    ("exit_code", "signal", "uptime", "outside"),
    [
        (256, 9, 30.0, True),  # kill -9 of a manager that ran fine
        (256, 15, 30.0, True),  # SIGTERM (intentional anyway)
        (256, 1, 30.0, True),  # SIGHUP
        (256, 2, 30.0, True),  # SIGINT
        (256, 9, 9.9, False),  # within the start period: says something about the config
        (256, 9, None, False),  # start unknown: counted, as before the rule
        (256, 9, -5.0, False),  # a clock that went backwards: unknown
        (256, 11, 30.0, False),  # SIGSEGV is the manager's own
        (256, 6, 30.0, False),  # SIGABRT
        (2, None, 30.0, False),  # exited on its own with an error
        (1, 9, 30.0, False),  # a signal number means nothing unless signalled
    ],
)
def test_is_outside_signal(
    exit_code: int, signal: int | None, uptime: float | None, outside: bool
) -> None:
    policy = Q.QuarantinePolicy(start_period_seconds=10.0)
    assert Q.is_outside_signal(exit_code, signal, uptime, policy=policy) is outside


def test_outside_signals_never_count_but_start_up_crashes_do() -> None:
    now = 1000.0
    outside = Q.Death(now - 1, 256, 9, False, "project", None, HASH, 30.0, outside_signal=True)
    early = Q.Death(now - 2, 256, 9, False, "project", None, HASH, 0.5)
    counted = Q.counting_deaths([outside, early], HASH, now=now, policy=POLICY)
    assert counted == [early]


def test_outside_signal_round_trips_and_old_records_count(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    death = Q.Death(1.0, 256, 9, False, "project", None, HASH, 42.5, outside_signal=True)
    Q.record_death(settings, "supervisord", death)
    assert Q.load_deaths(settings, "supervisord") == [death]
    # A history written before the rule has neither field: its deaths count as they did.
    old = Q.Death.from_json({"time": 1, "exit_code": 256, "signal": 9, "source": "project"})
    assert old is not None and old.counts and old.uptime is None


def test_policy_start_period_from_env() -> None:
    policy, problems = Q.policy_from_env({Q.ENV_QUARANTINE_START_PERIOD: "2.5"})
    assert (policy.start_period_seconds, problems) == (2.5, [])
    policy, problems = Q.policy_from_env({Q.ENV_QUARANTINE_START_PERIOD: "-1"})
    assert policy.start_period_seconds == Q.DEFAULT_START_PERIOD_SECONDS
    assert [p.code for p in problems] == ["LCH005"]
