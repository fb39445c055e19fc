"""What every supervisord check needs: the parsed files, the environment, the target."""

from __future__ import annotations

import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from supervisor.datatypes import dict_of_key_value_pairs

from workloadctl.checks.supervisord.expand import env_names, expand
from workloadctl.checks.supervisord.ini import IniEntry, IniModel
from workloadctl.checks.supervisord.tables import (
    PROGRAM_LIKE,
    SectionKind,
    classify_section,
    section_suffix,
)
from workloadctl.findings import Finding, error, info, warning


class MakeFinding(Protocol):
    def __call__(self, file: str, line: int | None, code: str, message: str) -> Finding: ...


@dataclass
class Context:
    path: Path  # the main config file, as the caller named it
    env: Mapping[str, str]  # the environment supervisord will have
    on_target: bool  # True inside the container that runs supervisord
    model: IniModel = field(default_factory=IniModel)
    # %(ENV_X)s names used somewhere and set nowhere (reported once, by name)
    unset_env: set[str] = field(default_factory=set)
    # %(name)s names that Supervisor never offers anywhere (typos), reported once each
    unknown_names: set[str] = field(default_factory=set)
    _base_cache: tuple[Any, dict[str, Any]] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _environment_cache: tuple[Any, dict[str, str]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def placeholders(self) -> dict[str, str]:
        """Stand-ins for the names above, so Supervisor's own parse gets past them."""
        values = {f"ENV_{name}": "" for name in self.unset_env}
        values.update({name: "" for name in self.unknown_names})
        return values

    def uses_placeholder(self, value: str) -> bool:
        return any(f"%({name})" in value for name in self.placeholders())

    @property
    def file(self) -> str:
        return str(self.path)

    @property
    def here(self) -> str:
        # Supervisor's %(here)s: the directory of the config file, made absolute.
        return str(self.path.absolute().parent)

    def depends_on_machine(
        self,
        file: str,
        line: int | None,
        code: str,
        fact: str,
        consequence: str,
        *,
        fatal: bool = True,
        off_target: MakeFinding = info,
    ) -> Finding:
        """A problem that is only real where supervisord runs.

        `fact` states it ("user 'app' does not exist"); on the machine that runs
        supervisord it is an error (a warning if not `fatal`: supervisord still
        starts), elsewhere (`off_target`) a note saying where it holds: what the host
        lacks says nothing of the container, so it must not fail `validate --strict`.
        """
        if self.on_target:
            make = error if fatal else warning
            return make(file, line, code, f"{fact}: {consequence}")
        return off_target(
            file,
            line,
            code,
            f"{fact} on this machine: {consequence} if that is also so where it runs",
        )

    def _base_names(self) -> dict[str, Any]:
        """%(here)s, %(host_node_name)s and %(ENV_X)s of our environment: the same for
        every section, so made once, not once per program and key."""
        key = (self.here, id(self.env))
        if self._base_cache is None or self._base_cache[0] != key:
            names = {"here": self.here, "host_node_name": platform.node()}
            self._base_cache = (key, {**names, **env_names(self.env)})
        return self._base_cache[1]

    def supervisord_environment(self) -> dict[str, str]:
        """[supervisord] environment=, parsed the way Supervisor does (empty if it cannot)."""
        entry = self.model.get("supervisord", "environment")
        if entry is None:
            return {}
        key = (id(entry), entry.value)
        if self._environment_cache is None or self._environment_cache[0] != key:
            parsed = parse_environment(entry.value, self._base_names())
            self._environment_cache = (key, parsed)
        return dict(self._environment_cache[1])

    def names_for(self, section: str) -> dict[str, Any]:
        """Best-effort expansion names for values of `section` (for our own checks)."""
        names: dict[str, Any] = dict(self._base_names())
        if section != "supervisord":
            names.update(env_names(self.supervisord_environment()))
        kind = classify_section(section)
        if kind in PROGRAM_LIKE:
            program = section_suffix(section)
            names.update(program_name=program, group_name=program, process_num=0, numprocs=1)
            own = self.model.get(section, "environment")
            if own is not None:
                names.update(env_names(parse_environment(own.value, names)))
        if kind is SectionKind.GROUP:
            names["group_name"] = section_suffix(section)
        return names

    def expanded(self, section: str, key: str) -> tuple[IniEntry | None, str | None]:
        """The winning entry for `key` and its expanded value (None when it cannot expand)."""
        entry = self.model.get(section, key)
        if entry is None:
            return None, None
        if "%" not in entry.value:  # nothing to expand: skip building the names
            return entry, entry.value
        return entry, expand(entry.value, self.names_for(section))


def parse_environment(raw: str, names: Mapping[str, Any]) -> dict[str, str]:
    """An `environment=` value as Supervisor parses it (empty if it cannot)."""
    expanded = expand(raw, names)
    if expanded is None:
        return {}
    try:
        parsed: dict[str, str] = dict_of_key_value_pairs(expanded)
    except ValueError:
        return {}
    return parsed
