"""Report: the ordered, de-duplicated findings every loader's results end up in."""

from __future__ import annotations

from workloadctl.findings import Report, error, warning


def test_a_finding_reported_twice_is_kept_once_in_first_seen_order() -> None:
    cycle = error("a.yaml", 3, "PC023", "circular dependency: a -> a")
    unset = warning("a.yaml", 1, "PC051", "unset")
    report = Report()
    report.extend([cycle, unset])
    report.extend([unset, cycle, unset])
    assert report.findings == [cycle, unset]
    assert report.errors == [cycle] and report.warnings == [unset]
