"""Which manager runs a program, from its name alone.

    catalog = fetch_catalog(ctx)                 # both managers' names, asked at once
    target = resolve("web", catalog)             # Target("supervisord", "web")
    resolve("supervisord", catalog)              # Target("supervisord", None): the manager

Accepted forms of NAME:
- `supervisord` / `process-compose`: the manager itself (acted on through s6);
- `supervisord:NAME` / `process-compose:NAME`: that manager's program (needed when
  both managers have a program called NAME, and for a program called like a manager);
- `NAME`: the one program of either manager with that name. supervisord names are
  `group:name` (or `name` in its own group); a grouped program's bare `name` is accepted
  when no other group has one.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from workloadctl.control.context import ControlContext
from workloadctl.errors import UsageError, WorkloadctlError
from workloadctl.manager_names import Manager
from workloadctl.managers import MANAGERS, kind

MAX_SUGGESTIONS = 5


@dataclass(frozen=True)
class Target:
    manager: Manager
    program: str | None  # None: the manager itself

    @property
    def is_manager(self) -> bool:
        return self.program is None

    @property
    def label(self) -> str:
        return self.manager if self.program is None else f"{self.manager}:{self.program}"


@dataclass(frozen=True)
class Catalog:
    """The program names each manager reported; `unreachable` says why some are missing."""

    programs: Mapping[Manager, tuple[str, ...]]
    unreachable: Mapping[Manager, str]

    def names(self, manager: Manager) -> tuple[str, ...]:
        return self.programs.get(manager, ())


class UnknownProgramError(UsageError):
    pass


class AmbiguousProgramError(UsageError):
    pass


def _program_names(ctx: ControlContext, manager: Manager) -> tuple[str, ...]:
    return kind(manager).live(ctx.settings, ctx.timeout).program_names()


def fetch_catalog(ctx: ControlContext, managers: Iterable[Manager] = MANAGERS) -> Catalog:
    """Ask the managers for their program names, at the same time."""
    wanted = list(managers)
    programs: dict[Manager, tuple[str, ...]] = {}
    unreachable: dict[Manager, str] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {m: pool.submit(_program_names, ctx, m) for m in wanted}
        for manager, future in futures.items():
            try:
                programs[manager] = future.result()
            except (WorkloadctlError, OSError) as exc:
                unreachable[manager] = str(exc)
    return Catalog(programs, unreachable)


def manager_named(word: str) -> Manager | None:
    """The manager `word` is the name of, if any."""
    return next((m for m in MANAGERS if m == word), None)


def split_qualified(word: str) -> tuple[Manager | None, str]:
    """`supervisord:web` -> ("supervisord", "web"); `web` -> (None, "web")."""
    for manager in MANAGERS:
        prefix = f"{manager}:"
        if word.startswith(prefix):
            return manager, word[len(prefix) :]
    return None, word


def _matches(manager: Manager, word: str, catalog: Catalog) -> list[str]:
    return kind(manager).matches(word, catalog.names(manager))


def _suggestions(word: str, catalog: Catalog, managers: Iterable[Manager]) -> list[str]:
    # The managers themselves are names too: `restart supervisor` means supervisord.
    labels: list[tuple[str, str]] = [(m, m) for m in MANAGERS]
    labels += [(f"{m}:{n}", n) for m in managers for n in catalog.names(m)]
    names = list(dict.fromkeys(name for _, name in labels))
    close = difflib.get_close_matches(word, names, n=MAX_SUGGESTIONS, cutoff=0.6)
    # Closest first, as difflib ranks them; a name both managers have gives both labels.
    return [label for name in close for label, candidate in labels if candidate == name][
        :MAX_SUGGESTIONS
    ]


def _not_found(word: str, catalog: Catalog, managers: list[Manager]) -> WorkloadctlError:
    searched = [m for m in managers if m not in catalog.unreachable]
    missing = [m for m in managers if m in catalog.unreachable]
    details = "; ".join(f"{m}: {catalog.unreachable[m]}" for m in missing)
    if not searched:
        close = difflib.get_close_matches(word, MANAGERS, n=1, cutoff=0.6)
        hint = f"; did you mean: {close[0]}?" if close else ""
        return WorkloadctlError(f"cannot look up {word!r}: no manager answers ({details}){hint}")
    message = f"no program {word!r} in {' or '.join(searched)}"
    suggestions = _suggestions(word, catalog, searched)
    if suggestions:
        message += f"; did you mean: {', '.join(suggestions)}?"
    if missing:
        # Not a usage error: the name may well be right, its manager is just not answering.
        return WorkloadctlError(f"{message} (could not ask {details})")
    return UnknownProgramError(message)


def _one(manager: Manager, word: str, matches: list[str]) -> Target:
    if len(matches) > 1:
        options = ", ".join(f"{manager}:{m}" for m in matches)
        raise AmbiguousProgramError(f"{word!r} names several {manager} programs: {options}")
    return Target(manager, matches[0])


def resolve(word: str, catalog: Catalog) -> Target:
    """The target `word` names; UsageError when unknown or ambiguous (one line)."""
    itself = manager_named(word)
    if itself is not None:
        return Target(itself, None)
    manager, name = split_qualified(word)
    if manager is not None:
        if not name:
            raise UsageError(f"{word!r}: a program name is missing after the colon")
        if manager in catalog.unreachable:
            raise WorkloadctlError(f"cannot find {word!r}: {catalog.unreachable[manager]}")
        matches = _matches(manager, name, catalog)
        if not matches:
            raise _not_found(name, catalog, [manager])
        return _one(manager, name, matches)
    found = {m: _matches(m, word, catalog) for m in MANAGERS}
    owners = [m for m in MANAGERS if found[m]]
    if len(owners) > 1:
        options = ", ".join(f"{m}:{n}" for m in owners for n in found[m])
        raise AmbiguousProgramError(f"{word!r} is a program of both managers: use {options}")
    if not owners:
        raise _not_found(word, catalog, list(MANAGERS))
    return _one(owners[0], word, found[owners[0]])


def resolve_all(ctx: ControlContext, words: list[str]) -> list[Target]:
    """Every word resolved before anything is done (an unknown name changes nothing)."""
    if all(word in MANAGERS for word in words):  # then nobody has to be asked
        return [resolve(word, Catalog({}, {})) for word in words]
    # Only the managers a name may belong to are asked: `supervisord:web` needs one.
    owners = [split_qualified(w)[0] for w in words if manager_named(w) is None]
    catalog = fetch_catalog(ctx, [m for m in MANAGERS if None in owners or m in owners])
    return [resolve(word, catalog) for word in words]
