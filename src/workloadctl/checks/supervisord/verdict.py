"""Supervisor's own verdict on a config file, obtained without side effects.

`ServerOptions().realize(['-c', path])` is exactly what supervisord does before it
starts anything, so it is the authority on what it accepts. Left alone it would
exit our process (`usage()` calls `sys.exit(2)`), read `os.environ`, and stop at
the first check that only depends on the machine it runs on (a `user=` or a log
directory that exists in the container but not on the developer's host). Here:

- `usage()` raises instead of exiting;
- `%(ENV_X)s` names come from the caller's `env`, never `os.environ`;
- the machine-dependent lookups (users, groups, directories) are wrapped for the
  duration of the call so that a failure is recorded and parsing carries on with
  a stand-in value; the originals are put back afterwards, under a lock because
  they are module globals;
- plugin factories from modules that are not importable here are recorded as
  machine-dependent instead of failing;
- every file it opens (the main file, each `[include]` match) is looked at first: a
  FIFO, socket, device or over-large file stops the parse before it is opened
  (`unsafe_file`), as reading it could block forever or exhaust memory.

No sockets are opened, no files are written, no uid changes: `realize()` does none
of that (it only reads files, looks names up and imports factory modules).
"""

from __future__ import annotations

import enum
import importlib.util
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supervisor import datatypes as sv_datatypes
from supervisor import options as sv_options

from workloadctl.checks.supervisord.expand import env_names
from workloadctl.fileio import unsafe_to_read

_PATCH_LOCK = threading.Lock()


class MachineKind(enum.StrEnum):
    USER = "user"
    GROUP = "group"
    DIRECTORY = "directory"
    PARENT_DIRECTORY = "parent directory"
    MODULE = "module"


@dataclass(frozen=True)
class MachineProblem:
    """A check that failed only because of the machine running it."""

    kind: MachineKind
    value: str  # the user name / path / import spec as Supervisor saw it
    message: str  # Supervisor's own wording


@dataclass
class Verdict:
    error: str | None = None  # Supervisor's refusal (what `usage()` would print)
    crash: str | None = None  # an exception Supervisor did not catch itself
    machine_problems: list[MachineProblem] = field(default_factory=list)
    parse_warnings: list[str] = field(default_factory=list)
    options: Any = None  # the realized ServerOptions when it accepted the file
    # (path, why) of a file Supervisor was about to read and was not let read
    unsafe_file: tuple[str, str] | None = None
    # section name -> the process configs Supervisor built for it
    process_configs: dict[str, list[Any]] = field(default_factory=dict)
    # section name -> that section's own environment= (before [supervisord]'s is merged in)
    own_environments: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return self.error is None and self.crash is None and self.unsafe_file is None


class _Refused(Exception):
    """Raised by our `usage()` in place of `sys.exit(2)`."""


class _UnsafeFile(Exception):
    """Raised in place of opening a file that could block or never end. Neither an
    OSError nor a ValueError, so Supervisor lets it through to us."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path} {reason}")
        self.path = path
        self.reason = reason


def _check_readable(path: object) -> None:
    if isinstance(path, (str, os.PathLike)):
        reason = unsafe_to_read(os.fspath(path))
        if reason is not None:
            raise _UnsafeFile(str(path), reason)


def _guarded_parser_class() -> Any:
    """Supervisor's config parser, looking at each `[include]` match before reading it."""

    class GuardedConfigParser(sv_options.UnhosedConfigParser):  # type: ignore[misc]
        def read(self, filenames: Any, **kwargs: Any) -> Any:
            names = [filenames] if isinstance(filenames, (str, os.PathLike)) else filenames
            for name in names:
                _check_readable(name)
            return super().read(filenames, **kwargs)

    return GuardedConfigParser


def _recording(
    original: Callable[[Any], Any],
    kind: MachineKind,
    problems: list[MachineProblem],
    stand_in: Callable[[Any], Any],
) -> Callable[[Any], Any]:
    def wrapper(value: Any) -> Any:
        try:
            return original(value)
        except ValueError as exc:
            problem = MachineProblem(kind, str(value), str(exc))
            if problem not in problems:
                problems.append(problem)
            return stand_in(value)

    return wrapper


def _patched_lookups(problems: list[MachineProblem]) -> dict[tuple[Any, str], Any]:
    """The module globals to replace: what each becomes."""

    def keep_path(value: Any) -> Any:
        return os.path.expanduser(value)

    def this_uid(_: Any) -> int:
        return os.getuid()

    def this_gid(_: Any) -> int:
        return os.getgid()

    replacements: dict[tuple[Any, str], Any] = {}
    for module in (sv_options, sv_datatypes):
        # `options` imported these names from `datatypes`, and `datatypes` calls its
        # own copies (logfile_name -> existing_dirpath, colon_separated_user_group ->
        # name_to_uid): both namespaces need the wrapper.
        for name, kind, stand_in in (
            ("name_to_uid", MachineKind.USER, this_uid),
            ("existing_directory", MachineKind.DIRECTORY, keep_path),
            ("existing_dirpath", MachineKind.PARENT_DIRECTORY, keep_path),
        ):
            original = getattr(sv_datatypes, name)
            replacements[(module, name)] = _recording(original, kind, problems, stand_in)
    replacements[(sv_datatypes, "name_to_gid")] = _recording(
        sv_datatypes.name_to_gid, MachineKind.GROUP, problems, this_gid
    )
    # `read_config` builds its parser from this module global, then `read()`s each match.
    replacements[(sv_options, "UnhosedConfigParser")] = _guarded_parser_class()
    return replacements


@contextmanager
def _patched(replacements: dict[tuple[Any, str], Any]) -> Iterator[None]:
    saved = {(module, name): getattr(module, name) for module, name in replacements}
    try:
        for (module, name), value in replacements.items():
            setattr(module, name, value)
        yield
    finally:
        for (module, name), value in saved.items():
            setattr(module, name, value)


def _module_importable(spec: str) -> bool:
    """Whether the top-level package of `pkg.mod:attr` exists here (without importing it)."""
    top = spec.split(":", 1)[0].strip().split(".", 1)[0]
    if not top:
        return True  # let Supervisor report the malformed spec itself
    try:
        return importlib.util.find_spec(top) is not None
    except (ImportError, ValueError):
        return False


def _make_options(env: Mapping[str, str], extra: Mapping[str, str], verdict: Verdict) -> Any:
    class QuietServerOptions(sv_options.ServerOptions):  # type: ignore[misc]
        def usage(self, msg: object) -> None:
            raise _Refused(str(msg))

        def open(self, fn: Any, mode: str = "r") -> Any:
            _check_readable(fn)  # the main file
            return super().open(fn, mode)

        def exit(self, code: object = 0) -> None:
            raise _Refused(f"Supervisor tried to exit with status {code}")

        def import_spec(self, spec: str) -> Any:
            if not _module_importable(spec):
                problem = MachineProblem(
                    MachineKind.MODULE, spec, f"cannot import {spec.split(':', 1)[0]}"
                )
                verdict.machine_problems.append(problem)
                return object  # a stand-in factory; nothing calls it during parsing
            return super().import_spec(spec)

        def processes_from_section(
            self, parser: Any, section: str, group_name: str, klass: Any = None
        ) -> Any:
            configs = super().processes_from_section(parser, section, group_name, klass)
            verdict.process_configs[section] = configs
            verdict.own_environments[section] = [dict(c.environment) for c in configs]
            return configs

    options = QuietServerOptions()
    # Options.__init__ filled this from os.environ; the caller's env decides instead.
    options.environ_expansions = {**env_names(env), **extra}
    return options


def supervisor_verdict(
    path: Path, env: Mapping[str, str], extra_names: Mapping[str, str] | None = None
) -> Verdict:
    """Run Supervisor's own config parsing on `path` and report what it said.

    `extra_names` are added to the expansion names: stand-ins for unset variables
    and typos already reported, so that the parse carries on past them.
    """
    verdict = Verdict()
    with _PATCH_LOCK, _patched(_patched_lookups(verdict.machine_problems)):
        try:
            options = _make_options(env, extra_names or {}, verdict)
            options.realize(args=["-c", str(path)], doc="", progname="supervisord")
        except _Refused as exc:
            verdict.error = str(exc)
        except _UnsafeFile as exc:
            verdict.unsafe_file = (exc.path, exc.reason)
        except Exception as exc:  # Supervisor's own bugs (e.g. UnicodeDecodeError)
            verdict.crash = f"{type(exc).__name__}: {exc}"
        else:
            verdict.options = options
            verdict.parse_warnings = list(options.parse_warnings)
    return verdict
