"""`workloadctl boot`: the container's one-time preparation, run by the s6-rc oneshot
`workloadctl-boot` before supervisord and process-compose start.

Five phases, each a function `(Settings, System) -> PhaseReport`, each idempotent (boot
runs at every container start and may be re-run by hand):

1. ownership       the developer's config paths in their home belong to them
2. docker-socket   the developer can use the mounted docker socket (group, never chmod)
3. atuin           a default Atuin config when the developer has none
4. state           state/secrets/run directories and the generated secrets: root's, readable
                   by the control group (`workloadctl`) when the machine has it
5. switches      WORKLOADCTL_ENABLE_SUPERVISORD / _PROCESS_COMPOSE -> the disabled markers

A failing phase is reported (findings + a summary line) but `boot` still exits 0: an
s6-rc oneshot that fails blocks every service depending on it, so one unfixable chown
would leave supervisord and process-compose (and code-server with them) never started,
and with S6_BEHAVIOUR_IF_STAGE2_FAILS=2 it would stop the whole container. A dev
container without its managers is worse than one with a wrong file owner.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from workloadctl.findings import Finding, error, has_errors, warning
from workloadctl.managers.environment import (
    SECRET_BYTES,
    process_compose_token_path,
    supervisor_user,
    supervisord_password_path,
)
from workloadctl.runtime.boot_atuin import (
    CONFIG_NAME,
    CONFIG_PARTS,
    atuin_config_text,
    atuin_timezone,
)
from workloadctl.runtime.boot_fs import (
    ChownTally,
    UnsafePathError,
    chown_tree,
    create_file_at,
    ensure_dir,
    entry_exists,
    open_dir_chain,
    read_small_file_at,
    replace_file,
    secure_regular_file,
)
from workloadctl.runtime.boot_system import Account, AccountCommandError, Group, System
from workloadctl.runtime.statefile import write_json_atomic
from workloadctl.settings import ENABLE_SWITCHES, ENV_CONTROL_GROUP, Settings

# The developer's config paths the design fixes ownership of (mounted volumes and host
# files are often created by root or by another uid).
CONFIG_ENTRIES: tuple[str, ...] = (
    ".config",
    ".local",
    ".git",
    ".ssh",
    ".aws",
    ".claude",
    ".claude.json",
    ".cursor",
    ".bash_history",
    ".gitconfig",
)

DOCKER_HOST_GROUP = "docker-host"

_SWITCH_OFF = frozenset({"0", "false", "off", "no"})
_SWITCH_ON = frozenset({"", "1", "true", "on", "yes"})

# A secret shorter than this was not made by boot (token_urlsafe(32) gives 43 chars):
# it is replaced. process-compose itself rejects tokens under 20 characters.
MIN_TOKEN_CHARS = 32
MIN_PASSWORD_CHARS = 16
_SECRET_MODE = 0o600
_PRIVATE_DIR_MODE = 0o700
# With the control group: it may read (never write) the state and the secrets, and
# connect to the sockets (supervisord's chmod=0770; process-compose's umask 002).
_SHARED_DIR_MODE = 0o2750
# ... except the crash-loop records: the group may control the services (s6-svperms), so
# it may also lift a quarantine (`restart --clear-quarantine` removes the quarantine and
# death records), which needs write access to their directories.
_GROUP_WRITABLE_DIR_MODE = 0o2770
_SHARED_FILE_MODE = 0o640

# Per top-level path, how many individual chown failures become findings (the rest are
# counted): a read-only mount of ~/.config could otherwise print thousands of lines.
_MAX_FAILURES_SHOWN = 3


@dataclass
class PhaseReport:
    """What one phase did (lines to print) and what went wrong (findings)."""

    name: str
    lines: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return has_errors(self.findings)

    def say(self, text: str) -> None:
        self.lines.append(text)


PhaseFunction = Callable[[Settings, System], PhaseReport]


@dataclass(frozen=True)
class Phase:
    name: str
    summary: str
    run: PhaseFunction


@dataclass
class BootResult:
    reports: list[PhaseReport]

    @property
    def failed_phases(self) -> list[str]:
        return [report.name for report in self.reports if report.failed]


def switch_is_off(value: str | None) -> bool:
    """True when a WORKLOADCTL_ENABLE_<MANAGER> value asks for the manager to stay down."""
    return (value or "").strip().lower() in _SWITCH_OFF


# --- shared -------------------------------------------------------------------------


def _developer(settings: Settings, system: System, report: PhaseReport) -> Account | None:
    """The developer account ($UNAME), or None with a finding saying why."""
    if not settings.user_name:
        report.findings.append(
            warning(
                "$UNAME",
                None,
                "BOOT001",
                f"UNAME is not set, so there is no developer account: {report.name} skipped",
            )
        )
        return None
    account = system.find_user(settings.user_name)
    if account is None:
        report.findings.append(
            error(
                "$UNAME",
                None,
                "BOOT002",
                f"the developer account {settings.user_name!r} (from $UNAME) does not exist "
                "on this machine",
            )
        )
    return account


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


# --- 1. ownership -------------------------------------------------------------------


def fix_ownership(settings: Settings, system: System) -> PhaseReport:
    """Give the developer's config paths (CONFIG_ENTRIES in their home) back to them."""
    report = PhaseReport("ownership")
    account = _developer(settings, system, report)
    home = settings.user_home
    if account is None or home is None:
        return report
    owner = f"{account.name} ({account.uid}:{account.gid})"
    total = ChownTally()
    present = 0
    for name in CONFIG_ENTRIES:
        path = home / name
        if not os.path.lexists(path):
            continue
        present += 1
        tally = chown_tree(path, account.uid, account.gid)
        total.add(tally)
        if tally.changed:
            report.say(f"{path}: gave {tally.changed} of {tally.examined} entries to {owner}")
        _report_chown_failures(report, path, tally)
    report.say(
        f"checked {present} of {len(CONFIG_ENTRIES)} config paths in {home} "
        f"({total.examined} entries): {total.changed} changed owner to {owner}, "
        f"{len(total.failures)} could not be changed"
    )
    return report


def _report_chown_failures(report: PhaseReport, top: Path, tally: ChownTally) -> None:
    read_only = [f for f in tally.failures if f[1].errno == errno.EROFS]
    others = [f for f in tally.failures if f[1].errno != errno.EROFS]
    if read_only:
        report.findings.append(
            warning(
                top,
                None,
                "BOOT004",
                f"{len(read_only)} entries are on a read-only mount; their owner is left as it is",
            )
        )
    for path, exc in others[:_MAX_FAILURES_SHOWN]:
        report.findings.append(
            error(path, None, "BOOT003", f"cannot change the owner: {_reason(exc)}")
        )
    if len(others) > _MAX_FAILURES_SHOWN:
        report.findings.append(
            error(
                top,
                None,
                "BOOT003",
                f"{len(others) - _MAX_FAILURES_SHOWN} more entries below it could not be "
                "given to the developer either",
            )
        )


# --- 2. docker socket ---------------------------------------------------------------


def grant_docker_socket(settings: Settings, system: System) -> PhaseReport:
    """Put the developer in the group that owns the docker socket (creating it if needed).

    The socket's mode is never changed: `chmod 666` (the design's shortcut) would give
    every process in the container, whoever runs it, root on the host.
    """
    report = PhaseReport("docker-socket")
    sock = settings.docker_socket
    try:
        sock_stat = os.stat(sock)
    except FileNotFoundError:
        report.say(f"no docker socket at {sock}: nothing to do")
        return report
    except OSError as exc:
        report.findings.append(error(sock, None, "BOOT014", f"cannot inspect: {_reason(exc)}"))
        return report
    if not stat.S_ISSOCK(sock_stat.st_mode):
        report.findings.append(
            warning(sock, None, "BOOT013", "exists but is not a socket: left alone")
        )
        return report
    account = _developer(settings, system, report)
    if account is None:
        return report
    gid = sock_stat.st_gid
    if gid == 0:
        # Joining gid 0 would also open every root-group file in the container.
        report.findings.append(
            warning(
                sock,
                None,
                "BOOT010",
                f"the socket belongs to group root (gid 0): not adding {account.name} to "
                "the root group; use `sudo docker` or give the socket a dedicated group on "
                "the host",
            )
        )
        return report
    group = _group_for_gid(report, system, gid)
    if group is None:
        return report
    if account.gid == gid or account.name in group.members:
        report.say(f"{account.name} is already in group {group.name} (gid {gid}) of {sock}")
        return report
    try:
        system.add_user_to_group(account.name, group.name)
    except AccountCommandError as exc:
        report.findings.append(error(sock, None, "BOOT012", str(exc)))
        return report
    report.say(
        f"added {account.name} to group {group.name} (gid {gid}) of {sock}; programs the "
        "managers start from now on (and new login shells) can use docker"
    )
    return report


def _group_for_gid(report: PhaseReport, system: System, gid: int) -> Group | None:
    existing = system.find_group_by_gid(gid)
    if existing is not None:
        return existing
    name = DOCKER_HOST_GROUP
    clash = system.find_group_by_name(name)
    if clash is not None:
        name = f"{DOCKER_HOST_GROUP}-{gid}"
    try:
        system.create_group(name, gid)
    except AccountCommandError as exc:
        report.findings.append(error("/etc/group", None, "BOOT011", str(exc)))
        return None
    report.say(f"created group {name} with the socket's gid {gid}")
    return Group(name, gid, ())


# --- 3. atuin -----------------------------------------------------------------------


def write_atuin_config(settings: Settings, system: System) -> PhaseReport:
    """Write ~/.config/atuin/config.toml for the developer unless one exists."""
    report = PhaseReport("atuin")
    account = _developer(settings, system, report)
    home = settings.user_home
    if account is None or home is None:
        return report
    target = home.joinpath(*CONFIG_PARTS, CONFIG_NAME)
    if not home.is_dir():
        report.findings.append(
            error(home, None, "BOOT021", "the developer's home is not a directory")
        )
        return report
    timezone, why = atuin_timezone(system.env)
    try:
        dirfd, created = open_dir_chain(
            home, CONFIG_PARTS, create_mode=_PRIVATE_DIR_MODE, uid=account.uid, gid=account.gid
        )
    except UnsafePathError as exc:
        report.findings.append(
            warning(target, None, "BOOT020", f"not written: {exc} (boot does not follow links)")
        )
        return report
    except OSError as exc:
        report.findings.append(error(target, None, "BOOT021", f"cannot write: {_reason(exc)}"))
        return report
    try:
        if entry_exists(dirfd, CONFIG_NAME):
            report.say(f"{target} exists: left unchanged")
            return report
        text = atuin_config_text(timezone).encode("utf-8")
        create_file_at(dirfd, CONFIG_NAME, text, mode=0o600, uid=account.uid, gid=account.gid)
    except FileExistsError:
        report.say(f"{target} exists: left unchanged")
        return report
    except OSError as exc:
        report.findings.append(error(target, None, "BOOT021", f"cannot write: {_reason(exc)}"))
        return report
    finally:
        os.close(dirfd)
    made = f" (created {', '.join(created)})" if created else ""
    report.say(f"wrote {target} for {account.name}{made}; timezone = {timezone!r} ({why})")
    return report


# --- 4. state directories and secrets -----------------------------------------------


@dataclass(frozen=True)
class StateAccess:
    """Who may read the state, reach the sockets and use the secrets: root, plus the
    control group when the machine has it (the image creates it and puts the developer
    in it). Without the group everything stays root's alone."""

    uid: int
    gid: int
    group: str | None  # the control group's name, None when the machine has none
    dir_mode: int  # setgid with a group: what is created below inherits the group
    file_mode: int

    def describe(self) -> str:
        if self.group is None:
            return "root only"
        return f"root and group {self.group}"


def state_access(settings: Settings, system: System) -> StateAccess:
    uid, gid = system.effective_ids()
    group = system.find_group_by_name(settings.control_group)
    if group is None:
        return StateAccess(uid, gid, None, _PRIVATE_DIR_MODE, _SECRET_MODE)
    return StateAccess(uid, group.gid, group.name, _SHARED_DIR_MODE, _SHARED_FILE_MODE)


def prepare_state(settings: Settings, system: System) -> PhaseReport:
    """Create the state, secrets and run directories and generate the missing secrets."""
    report = PhaseReport("state")
    access = state_access(settings, system)
    writable = replace(access, dir_mode=_GROUP_WRITABLE_DIR_MODE)
    group_writable = {settings.deaths_dir, settings.quarantine_dir} if access.group else set()
    for directory in (*settings.shared_state_dirs, settings.run_dir):
        chosen = writable if directory in group_writable else access
        if not _ensure_state_dir(report, directory, chosen):
            return report
    _ensure_secret(report, supervisord_password_path(settings), MIN_PASSWORD_CHARS, access)
    _ensure_secret(report, process_compose_token_path(settings), MIN_TOKEN_CHARS, access)
    try:
        # `status` counts a manager's restarts since this start, not since the state
        # volume was made.
        write_json_atomic(settings.boot_record, {"epoch": time.time()})
    except OSError as exc:
        report.findings.append(
            warning(
                settings.boot_record, None, "BOOT033", f"cannot record the start: {_reason(exc)}"
            )
        )
    report.say(
        f"supervisord web UI user: {supervisor_user(settings)}; its password and the "
        f"process-compose token are in {settings.secrets_dir} ({access.describe()}, never "
        "printed)"
    )
    if access.group is None:
        report.say(
            f"no group {settings.control_group!r} here: only root reaches the managers "
            f"(the image creates it; ${ENV_CONTROL_GROUP} names another)"
        )
    return report


def _ensure_state_dir(
    report: PhaseReport, directory: Path, access: StateAccess, *, quiet_if_ok: bool = False
) -> bool:
    try:
        changes = ensure_dir(directory, access.dir_mode, access.uid, access.gid)
    except UnsafePathError as exc:
        report.findings.append(error(directory, None, "BOOT030", str(exc)))
        return False
    except OSError as exc:
        report.findings.append(
            error(directory, None, "BOOT030", f"cannot prepare the directory: {_reason(exc)}")
        )
        return False
    if changes or not quiet_if_ok:
        state = ", ".join(changes) if changes else "ok"
        report.say(f"{directory}: {state} ({access.dir_mode:04o}, {access.uid}:{access.gid})")
    return True


def _ensure_secret(report: PhaseReport, path: Path, min_chars: int, access: StateAccess) -> None:
    uid, gid, mode = access.uid, access.gid, access.file_mode
    problem = _existing_secret_problem(path, min_chars)
    if problem is None:
        try:
            changes = secure_regular_file(path, mode=mode, uid=uid, gid=gid)
        except (OSError, UnsafePathError) as exc:
            problem = str(exc)
        else:
            fixed = f" (fixed {', '.join(changes)})" if changes else ""
            report.say(f"{path.name}: present, kept{fixed}")
            return
    if problem != "absent":
        report.findings.append(
            warning(path, None, "BOOT032", f"{problem}: replaced with a new generated secret")
        )
    value = secrets.token_urlsafe(SECRET_BYTES)
    try:
        replace_file(path.parent, path.name, value.encode("ascii"), mode=mode)
        secure_regular_file(path, mode=mode, uid=uid, gid=gid)
    except (OSError, UnsafePathError) as exc:
        reason = _reason(exc) if isinstance(exc, OSError) else str(exc)
        report.findings.append(error(path, None, "BOOT031", f"cannot write: {reason}"))
        return
    report.say(f"{path.name}: generated ({len(value)} characters, mode {mode:04o})")


def _existing_secret_problem(path: Path, min_chars: int) -> str | None:
    """None when the secret at `path` is usable; otherwise what is wrong ("absent", ...)."""
    if not os.path.lexists(path):
        return "absent"
    try:
        content = read_small_file_at(path.parent, path.name)
    except OSError as exc:
        return f"unreadable ({_reason(exc)})"
    if content is None:
        return "not a regular file"
    try:
        value = content.decode("utf-8").strip()
    except UnicodeDecodeError:
        return "not text"
    if len(value) < min_chars:
        return f"shorter than {min_chars} characters"
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        return "contains spaces or control characters"
    return None


# --- 5. the manager switches -------------------------------------------------------


def apply_manager_switches(settings: Settings, system: System) -> PhaseReport:
    """Write or remove the marker that keeps each switched-off manager down (its launcher reads it)."""
    report = PhaseReport("switches")
    access = state_access(settings, system)
    if not _ensure_state_dir(report, settings.run_dir, access, quiet_if_ok=True):
        return report
    for manager, variable in ENABLE_SWITCHES.items():
        _apply_switch(report, settings, system, manager, variable)
    return report


def _apply_switch(
    report: PhaseReport, settings: Settings, system: System, manager: str, variable: str
) -> None:
    raw = system.env.get(variable)
    value = (raw or "").strip().lower()
    marker = settings.disabled_marker(manager)
    if value not in _SWITCH_OFF and value not in _SWITCH_ON:
        report.findings.append(
            warning(
                f"${variable}",
                None,
                "BOOT040",
                f"value {raw!r} is not one of 0/false/off/no or 1/true/on/yes: {manager} "
                "stays enabled",
            )
        )
    try:
        if value in _SWITCH_OFF:
            # Imported here: it reads stack records (json); only a switched-off manager's
            # marker names its start command.
            from workloadctl.runtime.own_command import stack_command

            when = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            reason = (
                f"disabled by {variable}={raw} at boot ({when}); "
                f"`{stack_command(settings, 'start', manager)}` starts it\n"
            )
            replace_file(marker.parent, marker.name, reason.encode("utf-8"), mode=0o600)
            report.say(f"{manager}: disabled ({variable}={raw}): wrote {marker}")
            return
        if os.path.lexists(marker):
            os.unlink(marker)
            report.say(f"{manager}: enabled: removed the old marker {marker}")
        else:
            report.say(f"{manager}: enabled")
    except OSError as exc:
        report.findings.append(error(marker, None, "BOOT041", f"cannot update: {_reason(exc)}"))


# --- running the phases -------------------------------------------------------------

PHASES: tuple[Phase, ...] = (
    Phase(
        "ownership", "give the developer's config paths in their home back to them", fix_ownership
    ),
    Phase(
        "docker-socket", "let the developer use the docker socket (group only)", grant_docker_socket
    ),
    Phase("atuin", "write a default Atuin config when there is none", write_atuin_config),
    Phase("state", "create the state/run dirs and the secrets", prepare_state),
    Phase("switches", "apply WORKLOADCTL_ENABLE_<MANAGER> switches", apply_manager_switches),
)
PHASE_NAMES: tuple[str, ...] = tuple(phase.name for phase in PHASES)


def run_phase(phase: Phase, settings: Settings, system: System) -> PhaseReport:
    """One phase, with any unexpected exception turned into a finding (never a traceback)."""
    try:
        return phase.run(settings, system)
    except Exception as exc:  # the phase's own boundary: the other phases must still run
        report = PhaseReport(phase.name)
        report.findings.append(
            error(
                "workloadctl boot",
                None,
                "BOOT090",
                f"phase {phase.name} stopped unexpectedly: {type(exc).__name__}: {exc}",
            )
        )
        return report


def run_boot(
    settings: Settings,
    system: System,
    *,
    only: Sequence[str] | None = None,
    say: Callable[[str], None] = print,
) -> BootResult:
    """Run the phases in order (or those named in `only`), printing each as it finishes."""
    selected = [phase for phase in PHASES if only is None or phase.name in only]
    reports: list[PhaseReport] = []
    for phase in selected:
        report = run_phase(phase, settings, system)
        for line in report.lines:
            say(f"boot: {report.name}: {line}")
        for finding in report.findings:
            say(f"boot: {report.name}: {finding.render()}")
        reports.append(report)
    result = BootResult(reports)
    say(summary_line(result))
    return result


def summary_line(result: BootResult) -> str:
    names = ", ".join(report.name for report in result.reports)
    failed = result.failed_phases
    if not failed:
        return f"boot: done, all phases ok ({names})"
    from workloadctl.runtime.own_command import workloadctl_program  # only a failure needs it

    return (
        f"boot: done, FAILED phases: {', '.join(failed)} (of {names}); the managers start "
        f"anyway: fix what is reported above, then run `sudo {workloadctl_program()} boot` again"
    )
