"""Applying a re-read config to a live manager without restarting it.

supervisord: `reloadConfig()` only computes the difference; applying it is the client's
job, and we do exactly what `supervisorctl update` does (supervisor/supervisorctl.py
`do_update`): stop and remove removed groups (a group whose processes fail to stop is
kept), stop/remove/add changed groups, add added groups.

process-compose: `POST /project/configuration`, which makes the running instance re-read
its own `-f` files with its own environment and working directory and then diff and
apply them (ProjectRunner.ReloadProject -> UpdateProject). `POST /project` (what
`process-compose project update -f` sends) would need us to build the JSON project
exactly as process-compose's loader does (executables, merged environments, replicas,
templates), and any field we built differently would restart a process for nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from workloadctl.errors import WorkloadctlError


class SupervisordApi(Protocol):
    def reload_config(self) -> tuple[list[str], list[str], list[str]]: ...
    def stop_group(self, name: str) -> list[dict[str, Any]]: ...
    def remove_group(self, name: str) -> None: ...
    def add_group(self, name: str) -> None: ...


class ProcessComposeApi(Protocol):
    def reload_configuration(self) -> dict[str, str]: ...
    def processes(self) -> list[dict[str, Any]]: ...


@dataclass
class Applied:
    """What a reload did to the running programs; `problems` are one-line failures."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def nothing(self) -> bool:
        return not (self.added or self.changed or self.removed or self.problems)


class PartialReloadError(WorkloadctlError):
    """A reload that failed after it had already changed something."""

    def __init__(self, message: str, applied: Applied) -> None:
        super().__init__(message)
        self.applied = applied


def _failed_stops(results: list[dict[str, Any]]) -> list[str]:
    # Deferred: this module is imported on every `launch` and `finish`, which never apply.
    from workloadctl.clients.supervisord import FAULT_FAILED

    return [
        f"{result.get('name', '?')}: {result.get('description', 'failed')}"
        for result in results
        if result.get("status") == FAULT_FAILED
    ]


def _remove_supervisord_group(client: SupervisordApi, group: str, applied: Applied) -> None:
    failures = _failed_stops(client.stop_group(group))
    if failures:
        # supervisorctl keeps such a group too: removing it would lose track of a live process.
        applied.problems.append(
            f"group {group} was removed from the config but did not stop "
            f"({'; '.join(failures)}); it was kept"
        )
        return
    client.remove_group(group)
    applied.removed.append(group)


def apply_supervisord(client: SupervisordApi) -> Applied:
    """Re-read the config and apply the difference like `supervisorctl update`.

    Raises `WorkloadctlError` when supervisord refuses a step; what was applied before
    that step is in the exception's `applied` attribute.
    """
    added, changed, removed = client.reload_config()
    applied = Applied()
    try:
        for group in sorted(removed):
            _remove_supervisord_group(client, group, applied)
        for group in sorted(changed):
            client.stop_group(group)
            client.remove_group(group)
            client.add_group(group)
            applied.changed.append(group)
        for group in sorted(added):
            client.add_group(group)
            applied.added.append(group)
    except WorkloadctlError as exc:
        raise PartialReloadError(str(exc), applied) from exc
    return applied


# process-compose's per-process words (src/types/process.go, ProcessUpdate*).
_PC_ADDED = "added"
_PC_UPDATED = "updated"
_PC_REMOVED = "removed"


def process_compose_outcome(status: dict[str, Any]) -> Applied:
    """Sort process-compose's `{name: "added"|"updated"|"removed"|"error"}` answer."""
    applied = Applied()
    buckets = {_PC_ADDED: applied.added, _PC_UPDATED: applied.changed, _PC_REMOVED: applied.removed}
    for name in sorted(status):
        word = status[name]
        bucket = buckets.get(word) if isinstance(word, str) else None
        if bucket is None:
            applied.problems.append(f"process {name}: process-compose reported {word!r}")
        else:
            bucket.append(name)
    return applied


# process-compose v1.122.0 (app/project_runner.go removeProcess) deletes a removed
# process's config before it stops the process; when the process exits in between, the
# stop fails with ESRCH and ReloadProject drops its whole per-process answer for
# `400 no such process`. Every step had been applied by then (UpdateProject goes on after
# a failed removal): what was added or removed is told by the process list.
_ALREADY_GONE = "no such process"


def _names(client: ProcessComposeApi) -> set[str]:
    return {str(process.get("name", "")) for process in client.processes()}


def apply_process_compose(client: ProcessComposeApi) -> Applied:
    """Ask process-compose to re-read its config files and apply them. An `updated`
    process was stopped and started again with its new definition."""
    before = _names(client)
    try:
        status = client.reload_configuration()
    except WorkloadctlError as exc:
        if not str(exc).endswith(_ALREADY_GONE):
            raise
        after = _names(client)
        return Applied(added=sorted(after - before), removed=sorted(before - after))
    if not isinstance(status, dict):
        raise WorkloadctlError(f"process-compose answered the reload with {status!r}")
    return process_compose_outcome(status)
