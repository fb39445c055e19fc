"""Crash-loop quarantine: a project config that validates but keeps killing its manager.

`workloadctl finish` (the s6 `finish` script) records every death of a manager, with the
project file hash it was running. When the manager died `deaths` times within
`window_seconds` on the same project file, the launcher quarantines that file: later
starts use the seed, until the file changes (its hash differs from the quarantined one)
or someone clears the quarantine.

Only deaths that say something about the config count (`Death.counts`):

- intentional stops never count: s6-svc -r/-t/-d send SIGTERM, and a manager stopped
  cleanly exits 0;
- a death within the manager's start period (its first `start_period_seconds`, default
  10 s, longer than any healthy start, on the config it runs: since its start or its
  last reload) counts, whatever killed it;
- after the start period, a manager that exited on its own with a non-zero code, or was
  killed by a signal of its own making (SIGSEGV, SIGABRT, ...), counts;
- after the start period, SIGKILL, SIGTERM, SIGHUP or SIGINT do not count: they came
  from outside (someone's `kill -9`, `pkill`, the OOM killer) to a manager that was
  running fine, which says nothing about its config.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from workloadctl.manager_names import Manager
from workloadctl.runtime.statefile import read_json_object, write_json_atomic
from workloadctl.settings import Settings

if TYPE_CHECKING:
    from workloadctl.findings import Finding

ENV_QUARANTINE_DEATHS = "WORKLOADCTL_QUARANTINE_DEATHS"
ENV_QUARANTINE_WINDOW = "WORKLOADCTL_QUARANTINE_WINDOW"
ENV_QUARANTINE_START_PERIOD = "WORKLOADCTL_QUARANTINE_START_PERIOD"
DEFAULT_DEATHS = 5
DEFAULT_WINDOW_SECONDS = 60.0
# Both managers answer on their sockets within a second or two of a healthy start; a
# config that kills its manager does so while it starts (binding, spawning, parsing).
DEFAULT_START_PERIOD_SECONDS = 10.0
# Signals someone else sends: after the start period they say nothing about the config.
OUTSIDE_SIGNALS = frozenset({signal.SIGKILL, signal.SIGTERM, signal.SIGHUP, signal.SIGINT})
# Enough history to explain a crash loop; older deaths can never count again.
MAX_RECORDED_DEATHS = 100
# s6-supervise passes 256 as the exit code when ./run was killed by a signal.
S6_KILLED_BY_SIGNAL = 256
T = TypeVar("T")


@dataclass(frozen=True)
class QuarantinePolicy:
    deaths: int = DEFAULT_DEATHS
    window_seconds: float = DEFAULT_WINDOW_SECONDS
    start_period_seconds: float = DEFAULT_START_PERIOD_SECONDS


@dataclass(frozen=True)
class Death:
    time: float
    exit_code: int | None  # None when s6 passed something that is not a number
    signal: int | None
    intentional: bool
    source: str | None  # "project" | "seed" | None when no started manager was recorded
    config: str | None
    project_sha256: str | None
    # Seconds the manager had run on its config (None: unknown, e.g. no start recorded).
    uptime: float | None = None
    # A signal from outside after the start period: recorded, never counted.
    outside_signal: bool = False
    # Lifted by `restart --clear-quarantine`: kept for `status`'s counts (which must not
    # go down), never counted towards a quarantine again.
    forgiven: bool = False

    @property
    def counts(self) -> bool:
        """Whether this death says something about the config it ran."""
        return not self.intentional and not self.outside_signal and not self.forgiven

    @classmethod
    def from_json(cls, data: Any) -> Death | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(
                time=float(data["time"]),
                exit_code=_optional(int, data.get("exit_code")),
                signal=_optional(int, data.get("signal")),
                intentional=bool(data.get("intentional", False)),
                source=_optional(str, data.get("source")),
                config=_optional(str, data.get("config")),
                project_sha256=_optional(str, data.get("project_sha256")),
                uptime=_optional(float, data.get("uptime")),
                outside_signal=bool(data.get("outside_signal", False)),
                forgiven=bool(data.get("forgiven", False)),
            )
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class QuarantineRecord:
    since: float
    project_sha256: str
    deaths: int
    window_seconds: float

    def describe(self) -> str:
        return (
            f"quarantined: died {self.deaths} times in {self.window_seconds:g} s "
            "on the project config"
        )

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QuarantineRecord | None:
        try:
            return cls(
                since=float(data["since"]),
                project_sha256=str(data["project_sha256"]),
                deaths=int(data["deaths"]),
                window_seconds=float(data["window_seconds"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


# A bad WORKLOADCTL_QUARANTINE_* value: the default is used, with this warning.
CODE_BAD_POLICY = "LCH005"


def _optional(convert: Callable[[Any], T], value: Any) -> T | None:
    return None if value is None else convert(value)


def positive_number_from_env(
    env: Mapping[str, str], name: str, default: float, *, code: str, unit: str = ""
) -> tuple[float, list[Finding]]:
    """`$name` as a positive number, or `default` with a warning (`code`) for a bad value.
    `unit` (" of seconds") goes into the warning only."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default, []
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        from workloadctl.findings import warning  # here: `status` reads deaths only

        problem = warning(
            f"${name}",
            None,
            code,
            f"{name}={raw!r} is not a positive number{unit}; using the default {default:g}",
        )
        return default, [problem]
    return value, []


def _positive_number(
    env: Mapping[str, str], name: str, default: float
) -> tuple[float, list[Finding]]:
    return positive_number_from_env(env, name, default, code=CODE_BAD_POLICY)


def policy_from_env(env: Mapping[str, str]) -> tuple[QuarantinePolicy, list[Finding]]:
    """The policy from `WORKLOADCTL_QUARANTINE_DEATHS`/`_WINDOW`/`_START_PERIOD`; bad
    values fall back to the defaults, with a warning."""
    deaths, deaths_problems = _positive_number(env, ENV_QUARANTINE_DEATHS, DEFAULT_DEATHS)
    window, window_problems = _positive_number(env, ENV_QUARANTINE_WINDOW, DEFAULT_WINDOW_SECONDS)
    start, start_problems = _positive_number(
        env, ENV_QUARANTINE_START_PERIOD, DEFAULT_START_PERIOD_SECONDS
    )
    policy = QuarantinePolicy(
        deaths=max(1, math.ceil(deaths)), window_seconds=window, start_period_seconds=start
    )
    return policy, deaths_problems + window_problems + start_problems


def is_intentional(exit_code: int | None, signal_number: int | None) -> bool:
    """Whether a death was a stop someone asked for (clean exit, or s6's SIGTERM)."""
    if exit_code == 0:
        return True
    return exit_code == S6_KILLED_BY_SIGNAL and signal_number == signal.SIGTERM


def is_outside_signal(
    exit_code: int | None,
    signal_number: int | None,
    uptime: float | None,
    *,
    policy: QuarantinePolicy,
) -> bool:
    """Whether a death was a signal from outside to a manager past its start period
    (see the module docstring): such a death is recorded but never counted. An unknown
    uptime (no start recorded, or a clock that went backwards) is within the start period."""
    if exit_code != S6_KILLED_BY_SIGNAL or signal_number not in OUTSIDE_SIGNALS:
        return False
    return uptime is not None and uptime >= policy.start_period_seconds


def deaths_path(settings: Settings, manager: Manager) -> Path:
    return settings.deaths_dir / f"{manager}.json"


def quarantine_path(settings: Settings, manager: Manager) -> Path:
    return settings.quarantine_dir / f"{manager}.json"


def load_deaths(settings: Settings, manager: Manager) -> list[Death]:
    data = read_json_object(deaths_path(settings, manager))
    entries = data.get("deaths") if data else None
    if not isinstance(entries, list):
        return []
    return [death for death in map(Death.from_json, entries) if death is not None]


def _write_deaths(settings: Settings, manager: Manager, history: list[Death]) -> None:
    payload = {"manager": manager, "deaths": [asdict(entry) for entry in history]}
    write_json_atomic(deaths_path(settings, manager), payload)


def record_death(settings: Settings, manager: Manager, death: Death) -> None:
    """Append `death` to the manager's history (the newest MAX_RECORDED_DEATHS). Raises OSError."""
    _write_deaths(
        settings, manager, [*load_deaths(settings, manager), death][-MAX_RECORDED_DEATHS:]
    )


def _forgive_deaths(settings: Settings, manager: Manager) -> None:
    """Keep the history (`status` counts restarts from it) but let none of it count again."""
    history = load_deaths(settings, manager)
    if history:
        with contextlib.suppress(OSError):
            _write_deaths(settings, manager, [replace(d, forgiven=True) for d in history])


def counting_deaths(
    deaths: list[Death], project_sha256: str, *, now: float, policy: QuarantinePolicy
) -> list[Death]:
    """The deaths that count towards quarantining this project file right now."""
    oldest = now - policy.window_seconds
    return [
        death
        for death in deaths
        if death.counts
        and death.source == "project"
        and death.project_sha256 == project_sha256
        and death.time >= oldest
    ]


def load_quarantine(settings: Settings, manager: Manager) -> QuarantineRecord | None:
    data = read_json_object(quarantine_path(settings, manager))
    return QuarantineRecord.from_json(data) if data else None


def _remove(path: Path) -> bool:
    try:
        path.unlink()
    except OSError:
        return False
    return True


def unliftable(settings: Settings, manager: Manager) -> Path | None:
    """The quarantine or death record that `clear_quarantine` would have to remove but this
    user may not: in the image the state dir is root's and the group `workloadctl` only
    reads it, and a removal that fails must not pass for "no quarantine was in force"."""
    for path in (quarantine_path(settings, manager), deaths_path(settings, manager)):
        if path.exists() and not os.access(path.parent, os.W_OK | os.X_OK):
            return path
    return None


def clear_quarantine(settings: Settings, manager: Manager, *, forget_deaths: bool = True) -> bool:
    """Lift the quarantine (for `restart --clear-quarantine`). Returns whether one was in force.

    The death history is forgiven too by default: otherwise the deaths that caused the
    quarantine would put it straight back at the next start. It stays on record, so the
    restarts `status` counts do not go down.
    """
    was_quarantined = _remove(quarantine_path(settings, manager))
    if forget_deaths:
        _forgive_deaths(settings, manager)
    return was_quarantined


def check_quarantine(
    settings: Settings,
    manager: Manager,
    project_sha256: str,
    *,
    policy: QuarantinePolicy,
    now: float | None = None,
) -> QuarantineRecord | None:
    """The quarantine in force for this project file, entering it when the deaths say so.

    None means the project config may run.
    """
    now = time.time() if now is None else now
    existing = load_quarantine(settings, manager)
    if existing is not None:
        if existing.project_sha256 == project_sha256:
            return existing
        # The file changed since: the user tried a fix, which deserves a run.
        clear_quarantine(settings, manager, forget_deaths=False)
    counted = counting_deaths(
        load_deaths(settings, manager), project_sha256, now=now, policy=policy
    )
    if len(counted) < policy.deaths:
        return None
    record = QuarantineRecord(
        since=now,
        project_sha256=project_sha256,
        deaths=len(counted),
        window_seconds=policy.window_seconds,
    )
    # Unwritable state: the deaths stay on record, so the next start decides the same.
    with contextlib.suppress(OSError):
        write_json_atomic(quarantine_path(settings, manager), asdict(record))
    return record
