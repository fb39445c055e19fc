"""Applying a re-read config: supervisord like `supervisorctl update`, process-compose's
per-process answer sorted into added/changed/removed."""

from __future__ import annotations

import pytest
from reload_support import FakeProcessCompose, FakeSupervisord

from workloadctl.errors import WorkloadctlError
from workloadctl.managers.reload_apply import (
    PartialReloadError,
    apply_process_compose,
    apply_supervisord,
    process_compose_outcome,
)


def test_supervisord_update_order_matches_supervisorctl() -> None:
    client = FakeSupervisord((["new"], ["edited"], ["gone"]))
    applied = apply_supervisord(client)
    assert (applied.added, applied.changed, applied.removed) == (["new"], ["edited"], ["gone"])
    assert not applied.problems
    assert client.calls == [
        ("reload_config",),
        ("stop_group", "gone"),
        ("remove_group", "gone"),
        ("stop_group", "edited"),
        ("remove_group", "edited"),
        ("add_group", "edited"),
        ("add_group", "new"),
    ]


def test_supervisord_nothing_to_apply() -> None:
    client = FakeSupervisord()
    applied = apply_supervisord(client)
    assert applied.nothing
    assert client.calls == [("reload_config",)]


def test_supervisord_group_that_does_not_stop_is_kept() -> None:
    client = FakeSupervisord(([], [], ["stuck", "gone"]), stuck=frozenset({"stuck"}))
    applied = apply_supervisord(client)
    assert applied.removed == ["gone"]
    assert ("remove_group", "stuck") not in client.calls
    assert len(applied.problems) == 1
    assert "stuck" in applied.problems[0] and "ABNORMAL" in applied.problems[0]


def test_supervisord_refused_reread_changes_nothing() -> None:
    client = FakeSupervisord((["new"], [], []), refuse="reload_config")
    with pytest.raises(WorkloadctlError) as caught:
        apply_supervisord(client)
    assert not isinstance(caught.value, PartialReloadError)
    assert client.calls == [("reload_config",)]


def test_supervisord_failure_half_way_reports_what_was_done() -> None:
    client = FakeSupervisord((["new"], ["edited"], ["gone"]), refuse="add_group")
    with pytest.raises(PartialReloadError) as caught:
        apply_supervisord(client)
    assert caught.value.applied.removed == ["gone"]
    assert caught.value.applied.changed == []  # its add_group is the call that failed
    assert "add_group" in str(caught.value)


def test_process_compose_outcome_sorts_each_word() -> None:
    applied = process_compose_outcome(
        {"b": "updated", "a": "added", "c": "removed", "d": "error", "e": 7}
    )
    assert (applied.added, applied.changed, applied.removed) == (["a"], ["b"], ["c"])
    assert applied.problems == [
        "process d: process-compose reported 'error'",
        "process e: process-compose reported 7",
    ]


def test_process_compose_apply_uses_the_reload_endpoint() -> None:
    client = FakeProcessCompose({"web": "added"})
    applied = apply_process_compose(client)
    assert applied.added == ["web"]
    assert client.calls == ["processes", "reload_configuration"]
    assert apply_process_compose(FakeProcessCompose({})).nothing


class RemovedProcessAlreadyExited(FakeProcessCompose):
    """process-compose's answer when a removed process exits while it is being stopped:
    the config was applied, the per-process answer is lost to a 400."""

    def reload_configuration(self) -> dict[str, str]:
        self.calls.append("reload_configuration")
        self.names = ["web", "worker"]
        raise WorkloadctlError("process-compose: POST /project/configuration: 400 no such process")


def test_process_compose_removal_of_a_process_that_just_exited_is_a_removal() -> None:
    client = RemovedProcessAlreadyExited(names=("web", "old"))
    applied = apply_process_compose(client)
    assert (applied.added, applied.removed, applied.problems) == (["worker"], ["old"], [])


def test_process_compose_other_refusals_still_fail() -> None:
    with pytest.raises(WorkloadctlError, match="400 bad yaml"):
        apply_process_compose(FakeProcessCompose(refuse="process-compose: POST x: 400 bad yaml"))
