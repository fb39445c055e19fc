"""`workloadctl launch MANAGER`: the s6 longrun's `run`, ending in `os.execve` of the manager.

At every start: build the manager's environment, decide project-or-seed config (see
`decision`), print why, record the decision, kill whatever a previous instance left
behind, and exec the manager in place of this process (so s6 supervises the manager
itself and no Python stays resident).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from workloadctl.access import group_id
from workloadctl.checks.programs import Manager, ProgramSpec
from workloadctl.managers import kind
from workloadctl.managers.environment import (
    ENV_INSTANCE,
    ENV_MANAGER,
    instance_id,
    manager_environment,
    process_compose_token_path,
    read_secret,
    supervisord_password_path,
)
from workloadctl.runtime.banner import (
    missing_binary_banner,
    missing_seed_line,
    project_notice,
    seed_banner,
)
from workloadctl.runtime.cross_policy import (
    decision_lock,
    launcher_loaders,
    record_programs,
    refuse_duplicates,
)
from workloadctl.runtime.deadline import decide_within, decision_timeout_from_env
from workloadctl.runtime.decision import (
    Decision,
    Loader,
    default_loader,
    failed_decision,
    loaded_once,
    record_decision,
    record_not_started,
)
from workloadctl.runtime.decision_record import read_decision
from workloadctl.runtime.edited_path import at_edited_path
from workloadctl.runtime.finish_lock import wait_for_finish
from workloadctl.runtime.manager_session import current_session, record_session
from workloadctl.runtime.quarantine import policy_from_env
from workloadctl.runtime.reap_record import reaped_by_finish
from workloadctl.settings import (
    ENABLE_SWITCHES,
    Settings,
    s6_binary,
)

# djb/s6 convention for "temporary failure": s6 restarts the service a second later.
EXIT_TEMPORARY_FAILURE = 111
S6_SVC_TIMEOUT_SECONDS = 5

Execve = Callable[[str, list[str], dict[str, str]], object]
Runner = Callable[[Sequence[str]], int]


@dataclass(frozen=True)
class LaunchPlan:
    """Everything `os.execve` needs, decided and printed but not yet run."""

    decision: Decision
    binary: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path


def find_binary(manager: Manager, environ: Mapping[str, str]) -> str | None:
    """The manager's binary, or None when there is none we can run: an override that
    points nowhere is reported as missing (exit 111, not started), never exec'd, so it
    cannot count as a crash of the project config."""
    path = kind(manager).binary(environ)
    if path is None or not (os.path.isfile(path) and os.access(path, os.X_OK)):
        return None
    return path


def working_directory(decision: Decision, settings: Settings) -> Path:
    """The project root for the project config; the seed's own directory for the seed."""
    if decision.source == "project" and settings.project_root is not None:
        return settings.project_root
    return decision.config.parent


def _say(stderr: TextIO, text: str) -> None:
    stderr.write(text if text.endswith("\n") else text + "\n")
    stderr.flush()


def _state_is_prepared(settings: Settings) -> bool:
    return (
        settings.run_dir.is_dir()
        and settings.logs_dir.is_dir()  # the template's programs log there
        and read_secret(supervisord_password_path(settings)) is not None
        and read_secret(process_compose_token_path(settings)) is not None
    )


def _prepare_state(
    manager: Manager, settings: Settings, environ: Mapping[str, str], stderr: TextIO
) -> None:
    """`boot` creates the run dir, the log dir and the secrets before any manager starts.
    When they are gone anyway (a wiped state dir, a launcher run by hand), redo that phase
    of `boot`: without the run dir (the log dir) a config with its pidfile (its programs'
    logs) there does not even validate, and without the token file process-compose would
    serve its API with no token at all."""
    if _state_is_prepared(settings):
        return
    # Here: the state is prepared at nearly every start, by `boot` (~16 ms of imports).
    from workloadctl.runtime.boot import prepare_state
    from workloadctl.runtime.boot_system import RealSystem

    report = prepare_state(settings, RealSystem(environ))
    for line in report.lines:
        _say(stderr, f"workloadctl: {manager}: {line}")
    for finding in report.findings:
        _say(stderr, f"workloadctl: {manager}: WARNING: {finding.render()}")


def _remove_stale_socket(path: Path) -> None:
    """Remove a socket file nobody listens on; leave a live one for the manager to refuse."""
    if not path.is_socket():
        return
    import socket  # only for a socket file left behind (~3 ms of imports otherwise)

    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.settimeout(1.0)
        probe.connect(str(path))
    except OSError:
        with contextlib.suppress(OSError):
            path.unlink()
    finally:
        probe.close()


def _prepare_exec(
    manager: Manager, settings: Settings, environ: Mapping[str, str], stderr: TextIO
) -> None:
    """What the manager needs made before it starts (process-compose: its directories)."""
    for problem in kind(manager).prepare_exec(settings, environ):
        _say(stderr, f"workloadctl: {manager}: WARNING: {problem}")


def _reap_leftovers(
    manager: Manager, settings: Settings, environ: Mapping[str, str], stderr: TextIO
) -> None:
    """Belt and braces: `finish` may have given up (its own bound) or been killed before
    it was done, or still run when the wait for its lock ended."""
    from workloadctl.runtime.reaper import reap_dead_manager  # psutil: only for a sweep

    try:
        killed = reap_dead_manager(manager, settings, environ)
    except Exception as exc:  # a failed sweep must not keep the manager down
        _say(stderr, f"workloadctl: {manager}: WARNING: cleaning up leftovers failed: {exc}")
        return
    for entry in killed:
        _say(
            stderr,
            f"workloadctl: {manager}: killed a leftover of the previous run: {entry.describe()}",
        )


def share_service_control(
    manager: Manager, settings: Settings, cwd: Path, environ: Mapping[str, str], run: Runner
) -> str | None:
    """Let the control group read this s6 service's state, control it and wait on its
    events (`s6-svperms -G GROUP -E GROUP`), so the developer runs `workloadctl status`,
    `start` or `restart supervisord` without sudo. Done at every start: s6-supervise
    makes `supervise/` root-only when it (re)creates it. Returns a warning, or None."""
    if not (cwd / "supervise").is_dir():
        return None  # run by hand, not by s6
    if group_id(settings.control_group) is None:
        return None  # no such group here: the service stays root's
    svperms = s6_binary("s6-svperms", environ)
    if svperms is None:
        return f"s6-svperms not found: only root can control {manager} through s6"
    group = settings.control_group
    if run([svperms, "-G", group, "-E", group, str(cwd)]) != 0:
        return f"`s6-svperms -G {group} -E {group} {cwd}` failed: only root can control {manager}"
    return None


def stay_down(
    manager: Manager,
    settings: Settings,
    cwd: Path,
    environ: Mapping[str, str],
    stderr: TextIO,
    run: Runner,
) -> int:
    """The manager is switched off: tell s6 to keep this service down, exit cleanly."""
    from workloadctl.runtime.own_command import stack_command  # only for this hint

    _say(
        stderr,
        f"workloadctl: {manager} is disabled ({settings.disabled_marker(manager)} exists, "
        f"from {ENABLE_SWITCHES[manager]}=0 at boot); keeping it down. "
        f"Start it with `{stack_command(settings, 'start', manager)}`.",
    )
    s6_svc = s6_binary("s6-svc", environ)
    if not (cwd / "supervise").is_dir():
        _say(stderr, f"workloadctl: {cwd} is not an s6 service directory; not calling s6-svc")
    elif s6_svc is None:
        _say(stderr, "workloadctl: s6-svc not found; s6 will run this again in a second")
    elif run([s6_svc, "-d", str(cwd)]) != 0:
        _say(stderr, f"workloadctl: `s6-svc -d {cwd}` failed")
    return 0


def _run_quietly(argv: Sequence[str]) -> int:
    import subprocess  # only for s6's own tools (s6-svperms, s6-svc), not on every start

    try:
        return subprocess.run(argv, check=False, timeout=S6_SVC_TIMEOUT_SECONDS).returncode
    except (OSError, subprocess.SubprocessError):
        return 1


def _reaped_by_finish(manager: Manager, settings: Settings) -> bool:
    """Whether the finish after the previous instance's death reaped it to the last
    leftover (its note names that instance's decision); consumes the note either way."""
    try:
        previous = read_decision(settings, manager)
        return reaped_by_finish(settings.run_dir, manager, previous, instance_id(settings))
    except Exception:  # not known: sweep
        return False


def _record_session(manager: Manager, settings: Settings, stderr: TextIO) -> None:
    """Our PID becomes the manager's (exec), and its programs' session id: write it down
    for `finish` and the next launch, which find what the manager left behind by it."""
    try:
        session = current_session()
        if session is not None:
            record_session(settings.run_dir, manager, session)
    except Exception as exc:  # the environment markers still identify root's programs
        _say(stderr, f"workloadctl: {manager}: WARNING: cannot record the session: {exc}")


def _missing_binary(manager: Manager, settings: Settings, stderr: TextIO) -> int:
    _say(stderr, missing_binary_banner(manager, settings))
    with contextlib.suppress(OSError):
        record_not_started(
            settings, manager, f"the {manager} binary was not found", pid=os.getpid()
        )
    return EXIT_TEMPORARY_FAILURE


def _announce(decision: Decision, settings: Settings, *, stderr: TextIO, now: float) -> bool:
    """Print and record `decision`; False when its seed is missing (nothing to exec)."""
    manager = decision.manager
    seed_missing = decision.source == "seed" and not decision.config.is_file()
    _say(
        stderr,
        seed_banner(decision, settings) if decision.source == "seed" else project_notice(decision),
    )
    try:
        record_decision(settings, decision, pid=os.getpid(), now=now, started=not seed_missing)
    except OSError as exc:
        _say(stderr, f"workloadctl: {manager}: WARNING: cannot record the decision: {exc}")
    if seed_missing:
        _say(stderr, missing_seed_line(decision))
        return False
    return True


def _clean_up_and_plan(
    decision: Decision,
    binary: str,
    env: dict[str, str],
    settings: Settings,
    *,
    environ: Mapping[str, str],
    stderr: TextIO,
    sweep: bool = True,
) -> LaunchPlan:
    """Clean up after the previous instance and turn `decision` into a plan (`sweep`:
    False when `finish` is known to have reaped the previous instance to the last one)."""
    manager = decision.manager
    if sweep:
        _reap_leftovers(manager, settings, environ, stderr)
    # After the reap: a socket whose owner was just killed is stale now.
    _remove_stale_socket(kind(manager).socket(settings))
    return LaunchPlan(
        decision=decision,
        binary=binary,
        argv=kind(manager).argv(binary, decision.config, settings),
        env=env,
        cwd=working_directory(decision, settings),
    )


def _plan_or_exit(
    decision: Decision,
    binary: str,
    env: dict[str, str],
    settings: Settings,
    *,
    environ: Mapping[str, str],
    stderr: TextIO,
    now: float,
) -> LaunchPlan | int:
    """Print and record `decision`, clean up, and turn it into a plan (or an exit code)."""
    if not _announce(decision, settings, stderr=stderr, now=now):
        return EXIT_TEMPORARY_FAILURE
    return _clean_up_and_plan(decision, binary, env, settings, environ=environ, stderr=stderr)


def prepare(
    manager: Manager,
    settings: Settings,
    *,
    environ: Mapping[str, str],
    stderr: TextIO,
    loader: Loader | None = None,
    now: float | None = None,
    reaped_by_finish: bool = False,
) -> LaunchPlan | int:
    """Decide, print, record and clean up; the plan to exec, or the exit code to return.
    `reaped_by_finish`: the previous instance's `finish` reaped its leftovers to the last
    one (reap_record), so our own sweep would find nothing."""
    now = time.time() if now is None else now
    binary = find_binary(manager, environ)
    if binary is None:
        return _missing_binary(manager, settings, stderr)
    _prepare_state(manager, settings, environ, stderr)
    _prepare_exec(manager, settings, environ, stderr)
    env = manager_environment(settings, manager, for_validation=False, base=environ)
    policy, policy_problems = policy_from_env(environ)
    timeout, timeout_problems = decision_timeout_from_env(environ)
    own_loader = loaded_once(loader or default_loader(manager, env, settings.project_root))
    # Validating the own config needs nothing of the other manager's: outside the lock,
    # so at boot the two launchers validate at the same time.
    decision = decide_within(
        timeout,
        manager,
        settings,
        loader=own_loader,
        policy=policy,
        now=now,
        extra_findings=policy_problems + timeout_problems,
    )
    programs_problem: str | None = None
    # From reading what the other manager runs until our record says what we run: the
    # other launcher must see either none of it or all of it (cross_policy).
    with decision_lock(settings):
        decision, programs = _without_duplicates(decision, settings, own_loader, environ, stderr)
        decision = at_edited_path(decision)
        announced = _announce(decision, settings, stderr=stderr, now=now)
        if programs:
            try:
                record_programs(settings, manager, programs)
            except OSError as exc:  # the other launcher then reads the file itself
                programs_problem = f"cannot record the programs: {exc}"
    if not announced:
        return EXIT_TEMPORARY_FAILURE
    # The reap and the socket concern only our own previous instance: after the lock.
    plan = _clean_up_and_plan(
        decision,
        binary,
        env,
        settings,
        environ=environ,
        stderr=stderr,
        sweep=not reaped_by_finish,
    )
    if programs_problem is not None:
        _say(stderr, f"workloadctl: {manager}: WARNING: {programs_problem}")
    return plan


def _without_duplicates(
    decision: Decision,
    settings: Settings,
    own_loader: Loader,
    environ: Mapping[str, str],
    stderr: TextIO,
) -> tuple[Decision, list[ProgramSpec]]:
    """The seed instead of a project config that would run a program the other manager
    runs now (the policy `reload` applies too), and the programs the decision runs."""
    manager = decision.manager
    loader_for = launcher_loaders(settings, environ, known={manager: own_loader})
    try:
        return refuse_duplicates(decision, settings, loader_for)
    except Exception as exc:  # a bug here must not keep the manager from starting
        _say(stderr, f"workloadctl: {manager}: WARNING: the cross-manager check failed: {exc}")
        return decision, []


def fallback_plan(
    manager: Manager,
    settings: Settings,
    exc: BaseException,
    *,
    environ: Mapping[str, str],
    stderr: TextIO,
) -> LaunchPlan | int:
    """`prepare` itself failed: still try the seed, with as little machinery as possible."""
    binary = find_binary(manager, environ)
    if binary is None:
        return _missing_binary(manager, settings, stderr)
    try:
        env = manager_environment(settings, manager, for_validation=False, base=environ)
    except Exception:
        env = {**environ, ENV_MANAGER: manager, ENV_INSTANCE: instance_id(settings)}
    decision = failed_decision(manager, settings, exc)
    return _plan_or_exit(
        decision, binary, env, settings, environ=environ, stderr=stderr, now=time.time()
    )


def launch(
    manager: Manager,
    settings: Settings,
    *,
    environ: Mapping[str, str] | None = None,
    stderr: TextIO | None = None,
    cwd: Path | None = None,
    execve: Execve = os.execve,
    run: Runner = _run_quietly,
    loader: Loader | None = None,
) -> int:
    """Run `manager` in place of this process. Returns only when it cannot (the exit code)."""
    environ = os.environ if environ is None else environ
    stderr = sys.stderr if stderr is None else stderr
    cwd = Path.cwd() if cwd is None else cwd
    problem = share_service_control(manager, settings, cwd, environ, run)
    if problem is not None:
        _say(stderr, f"workloadctl: {manager}: WARNING: {problem}")
    if settings.disabled_marker(manager).exists():
        return stay_down(manager, settings, cwd, environ, stderr, run)
    # The death the previous incarnation's background `finish` records must be on file
    # before the decision reads the deaths (and its leftovers gone before ours start).
    problem = wait_for_finish(settings.finish_lock(manager))
    if problem is not None:
        _say(stderr, f"workloadctl: {manager}: WARNING: {problem}")
    reaped = _reaped_by_finish(manager, settings)
    try:
        plan = prepare(
            manager,
            settings,
            environ=environ,
            stderr=stderr,
            loader=loader,
            reaped_by_finish=reaped and problem is None,
        )
    except Exception as exc:  # the seed must always be tried
        plan = fallback_plan(manager, settings, exc, environ=environ, stderr=stderr)
    if isinstance(plan, int):
        return plan
    try:
        os.chdir(plan.cwd)
    except OSError as exc:
        _say(stderr, f"workloadctl: {manager}: cannot enter {plan.cwd}: {exc.strerror}")
        return EXIT_TEMPORARY_FAILURE
    sys.stdout.flush()
    stderr.flush()
    _record_session(manager, settings, stderr)
    umask = kind(manager).exec_umask
    if umask is not None:
        os.umask(umask)
    try:
        execve(plan.binary, plan.argv, plan.env)
    except OSError as exc:
        _say(stderr, f"workloadctl: {manager}: cannot execute {plan.binary}: {exc.strerror}")
        return EXIT_TEMPORARY_FAILURE
    return 0  # only a test's stand-in for execve returns
