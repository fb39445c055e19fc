"""What the local runner starts together: s6-rc starts every longrun whose dependencies
are up at once, so `up` does not make supervisord wait for process-compose's start."""

from __future__ import annotations

from pathlib import Path

from workloadctl.checks.s6rc import S6RcResult, S6Service, ServiceType, load_s6rc_tree
from workloadctl.runtime.local_runner import TOP_BUNDLE, start_waves

REPO = Path(__file__).resolve().parents[3]


def _service(name: str, type_: ServiceType, *dependencies: str) -> S6Service:
    return S6Service(name, type_, Path(name), dependencies, (), None, None, None, None)


def _tree(*services: S6Service) -> S6RcResult:
    return S6RcResult(services={service.name: service for service in services})


def test_the_template_starts_both_managers_together_after_boot() -> None:
    tree = load_s6rc_tree(REPO / ".devcontainer/s6-rc.d")
    order = tree.closure([TOP_BUNDLE])
    waves = start_waves(tree, order)
    assert waves == [["workloadctl-boot"], [n for n in order if n != "workloadctl-boot"]]
    assert sorted(waves[1]) == ["process-compose", "supervisord"]


def test_a_longrun_needing_another_waits_for_it() -> None:
    tree = _tree(
        _service("a", "longrun"),
        _service("b", "longrun", "a"),
        _service("c", "longrun"),
    )
    assert start_waves(tree, ["a", "b", "c"]) == [["a"], ["b", "c"]]


def test_a_longrun_needing_one_through_a_oneshot_waits_for_it() -> None:
    tree = _tree(
        _service("a", "longrun"),
        _service("once", "oneshot", "a"),
        _service("b", "longrun", "once"),
    )
    assert start_waves(tree, ["a", "once", "b"]) == [["a"], ["once"], ["b"]]


def test_oneshots_run_one_at_a_time() -> None:
    tree = _tree(_service("x", "oneshot"), _service("y", "oneshot"))
    assert start_waves(tree, ["x", "y"]) == [["x"], ["y"]]
