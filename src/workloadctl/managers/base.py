"""What a process manager is to workloadctl: the one interface both implementations fill.

Everything that differs between supervisord and process-compose is a member here; the
rest of the code asks `kind(manager)` (managers/__init__.py) and never branches on the
name. Modelled on pre-commit's `Language` protocol and its `languages` dict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from workloadctl.errors import WorkloadctlError
from workloadctl.manager_names import Manager
from workloadctl.managers.program_status import PidMap, ProgramStatus
from workloadctl.settings import Settings

if TYPE_CHECKING:  # its module imports supervisor's XML-RPC faults
    from workloadctl.checks.programs import LoadResult
    from workloadctl.managers.access import AccessInputs, ManagerAccess, Remarks
    from workloadctl.managers.reload_apply import Applied


# Every program's state as one answer gave it; called with the PID map once that is ready.
ProgramsSnapshot = Callable[[PidMap], list[ProgramStatus]]


@dataclass
class NoLogError(Exception):
    """A log that cannot be read: the channel goes to no file (`logfile` is /dev/stdout,
    syslog, NONE), or the file is not there (the program `never_ran`, or it was deleted).
    control/logs.py words it for the caller."""

    name: str
    channel: str  # stdout | stderr
    logfile: str  # what its config names ("" for none)
    no_file: bool
    never_ran: bool = False
    other_logfile: str = ""  # the other channel's file when it differs
    other_is_file: bool = False
    redirected: bool = False  # stderr goes into the stdout log (redirect_stderr=true)


class CommandNotFoundError(WorkloadctlError):
    """A start refused because the program's command is not found (supervisord's NO_FILE);
    control/actions.py names the command and where it is configured."""


class LiveManager(Protocol):
    """A running manager's API, in common terms (each call raises WorkloadctlError)."""

    # Whether a program its start call reports running is up for good: supervisord's
    # RUNNING comes after `startsecs`; a process-compose process still has to prove it.
    start_waits: bool
    # What a refused start that is still `starting` means (a retry under way), or "".
    retry_note: str
    # Whether a program's stderr is a log of its own (`logs --stderr`).
    separate_stderr: bool

    def answers(self) -> bool:
        """Whether the manager itself is up and answering."""
        ...

    def program_names(self) -> tuple[str, ...]:
        """Every program, named as its own client names it (`start NAME` accepts it)."""
        ...

    def program_groups(self) -> set[str]:
        """What a reload adds, changes and removes: supervisord groups, processes."""
        ...

    def running_groups(self) -> set[str]:
        """The `program_groups` with a program running now."""
        ...

    def started_groups(self) -> set[str]:
        """The `program_groups` it has started or is starting, in whatever state since:
        not the ones it leaves alone until asked (supervisord's `autostart=false`,
        process-compose's `disabled: true`)."""
        ...

    def program(self, name: str, pids: PidMap) -> ProgramStatus:
        """One program's state now."""
        ...

    def running_programs(self) -> set[str]:
        """The running programs, named as its config names them (`ProgramSpec.name`)."""
        ...

    def snapshot(self) -> ProgramsSnapshot:
        """Every program's state, in as few calls as `status` can afford."""
        ...

    def readiness(self) -> bool | None:
        """Whether the last `program`'s readiness probe says Ready; None without one."""
        ...

    def start(self, name: str) -> str | None:
        """None when it started (or is still to be polled); else why it did not."""
        ...

    def stop(self, name: str) -> None: ...

    def restart(self, name: str) -> bool:
        """Restart in one call that returns once the new incarnation exists; False when
        the manager has none (then the caller stops and starts)."""
        ...

    def exit_code_known(self, status: ProgramStatus) -> bool:
        """Whether `status.exit_code` is the program's real last exit code."""
        ...

    def apply(self) -> Applied:
        """Make it run its re-read config: what was added, changed, removed."""
        ...

    def logs(self, name: str, lines: int, *, follow: bool, stderr: bool) -> Iterator[str]:
        """The last `lines` of its output, then (following) each new piece; NoLogError."""
        ...


class ManagerKind(Protocol):
    name: Manager
    # What its config calls one program: supervisord `[program:x]`, process-compose `processes:`.
    noun: str
    # The project config, relative to the repository root.
    project_config: Path
    # Its seed in the repository (the image copies it to `seed_config`).
    seed_source: Path
    # Native states within the start time, nothing failed yet (the `starting` exit status,
    # 4): supervisord's STARTING lasts until the program has run `startsecs` (then
    # RUNNING, or BACKOFF after a quick exit); process-compose's Pending waits for
    # dependencies and Launching for a daemon's launcher. BACKOFF, Restarting: failures.
    starting_states: frozenset[str]
    # The banner's lines saying how to install the binary.
    install_hint: tuple[str, ...]
    # doctor's fix when its binary is missing or its version will not do.
    install_advice: str
    # Whether a failed version call may explain itself on stdout (else stderr only).
    version_error_on_stdout: bool
    # The umask it is exec'd with (its API socket's mode follows it); None: the launcher's.
    exec_umask: int | None

    def service(self, settings: Settings) -> Path:
        """Its s6 service directory."""
        ...

    def matches(self, word: str, names: Iterable[str]) -> list[str]:
        """The program names `word` may mean, of its live `program_names`."""
        ...

    def seed_config(self, settings: Settings) -> Path: ...

    def socket(self, settings: Settings) -> Path:
        """Where its API listens."""
        ...

    def binary(self, environ: Mapping[str, str]) -> str | None:
        """Its executable (an override from `environ` first), None when not found."""
        ...

    def version_argv(self, binary: str, scratch: Path) -> list[str]:
        """How doctor asks `binary` its version (`scratch`: a directory it may write in)."""
        ...

    def read_version(self, stdout: str) -> str | None:
        """The version in what `version_argv` printed; None when there is none."""
        ...

    def refuse_version(self, version: str) -> str | None:
        """Why workloadctl will not run `version` (doctor's words); None when it will."""
        ...

    def argv(self, binary: str, config: Path, settings: Settings) -> list[str]:
        """How the launcher execs it on `config`."""
        ...

    def load(
        self, path: Path, *, env: Mapping[str, str], on_target: bool, cwd: Path | None
    ) -> LoadResult:
        """The loader `validate`, the launcher and `reload` all run on its config."""
        ...

    def adjust_environment(
        self, env: MutableMapping[str, str], settings: Settings, *, for_validation: bool
    ) -> None:
        """Its own part of the one environment it is validated and run with."""
        ...

    def prepare_exec(self, settings: Settings, environ: Mapping[str, str]) -> list[str]:
        """What the launcher does just before the exec (directories, umask); the
        warnings it could not help, one line each."""
        ...

    def live(self, settings: Settings, timeout: float) -> LiveManager:
        """Its API client, with the credentials `boot` generated."""
        ...

    def settings_digest(self, text: bytes) -> str | None:
        """A digest of what its config `text` says outside the program definitions (what a
        reload cannot apply); None when it does not parse (managers/settings_digest.py)."""
        ...

    def access(self, inputs: AccessInputs, remarks: Remarks) -> ManagerAccess:
        """How to log in to it (`creds`, `up`'s lines); what is wrong with that in `remarks`."""
        ...
