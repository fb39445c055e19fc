"""The stack on a machine without Docker: s6-svscan as PID 1 of a fresh PID namespace.

`start_stack` reads the same `.devcontainer/s6-rc.d` the Dockerfile copies, runs the
oneshots in dependency order, turns the longruns into s6 service directories and brings
the `user` bundle up in dependency order, as s6-rc does in the container. `stop_stack`
brings everything down in reverse order and checks that no process is left behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import psutil

from workloadctl import settings as S
from workloadctl.access import group_id
from workloadctl.checks.s6rc import S6RcResult, S6Service, load_s6rc_tree
from workloadctl.clients import s6
from workloadctl.errors import WorkloadctlError
from workloadctl.findings import has_errors
from workloadctl.runtime import pidns, stack_registry
from workloadctl.runtime.local_stack import RECORD_NAME, LocalLayout, StackRecord
from workloadctl.runtime.own_command import own_command

Say = Callable[[str], None]

TOP_BUNDLE = "user"
# Files of an s6-rc longrun source dir that s6-supervise reads from a service dir.
_LONGRUN_FILES = (
    "run",
    "finish",
    "notification-fd",
    "timeout-finish",
    "timeout-kill",
    "down-signal",
    "max-death-tally",
    "lock-fd",
)
ONESHOT_TIMEOUT = 120.0
UP_TIMEOUT = 30.0
DOWN_TIMEOUT = 20.0
# After DOWN_TIMEOUT, how long SIGKILLed survivors get to go: a stop ends within both.
KILL_WAIT = 5.0
STOP_BOUND = DOWN_TIMEOUT + KILL_WAIT
# s6-svscan answers within ~10 ms; every boot waits for it, so look often.
_SVSCAN_POLL = 0.005

_WITH_CONTENV = """#!/bin/sh
# Stand-in for s6-overlay's with-contenv: the local runner already gives every service
# the container environment, so it only runs its arguments.
exec "$@"
"""


@dataclass(frozen=True)
class StackStarted:
    record: StackRecord
    seconds: float


def _share_top(top: Path, group: str) -> None:
    """Root and the control group reach a local stack as they reach the container's: the
    group may enter its top (below it the modes `boot` and the launcher set decide); a
    machine without that group keeps it root's alone."""
    gid = group_id(group)
    if gid is None:
        top.chmod(0o700)  # secrets and sockets live below
        return
    os.chown(top, -1, gid, follow_symlinks=False)
    top.chmod(0o750)


def _prepare(layout: LocalLayout, say: Say, group: str) -> None:
    for directory in (
        layout.service_dir,
        layout.run_dir.parent,
        layout.state_dir.parent,
        layout.supervisor_etc,
        layout.process_compose_etc,
        layout.home,
        layout.shim_dir,
        layout.log_file.parent,
    ):
        directory.mkdir(parents=True, exist_ok=True)
    _share_top(layout.top, group)
    # The default state dir is .state/ inside the repository: keep it out of git.
    (layout.top / ".gitignore").write_text("*\n")
    shim = layout.shim_dir / "with-contenv"
    shim.write_text(_WITH_CONTENV)
    shim.chmod(0o755)
    for source, target in (
        (layout.root / S.SEED_SUPERVISORD_CONF, layout.supervisor_etc / "seed.conf"),
        (layout.root / S.SEED_PROCESS_COMPOSE_YAML, layout.process_compose_etc / "seed.yaml"),
    ):
        if not source.is_file():
            raise WorkloadctlError(f"{source} is missing: the launcher needs it as the fallback")
        shutil.copyfile(source, target)
    if layout.project_link.is_symlink() or layout.project_link.exists():
        layout.project_link.unlink()
    layout.project_link.symlink_to(layout.root)
    say(f"state dir {layout.top}: container paths mapped, seeds copied")


def _run_oneshot(service: S6Service, env: Mapping[str, str], layout: LocalLayout, say: Say) -> None:
    assert service.up is not None
    command_line = service.up.read_text()
    say(f"oneshot {service.name}: running `{command_line.strip()}`")
    started = time.monotonic()
    with layout.log_file.open("ab") as log:
        try:
            proc = subprocess.run(
                ["execlineb", "-Pc", command_line],
                cwd=service.path,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=ONESHOT_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise WorkloadctlError(
                f"oneshot {service.name} did not finish in {ONESHOT_TIMEOUT:.0f} s"
            ) from exc
    if proc.returncode != 0:
        # As in s6-rc: a failed oneshot blocks everything that depends on it.
        raise WorkloadctlError(
            f"oneshot {service.name} exited {proc.returncode}; see {layout.log_file}"
        )
    say(f"oneshot {service.name}: done in {time.monotonic() - started:.1f} s")


def _install_longrun(service: S6Service, layout: LocalLayout) -> Path:
    target = layout.service_dir / service.name
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in _LONGRUN_FILES:
        source = service.path / name
        if source.is_file():
            shutil.copy2(source, target / name)
    (target / "down").touch()  # supervised but not started until its turn in dependency order
    return target


def _start_svscan(layout: LocalLayout, env: Mapping[str, str]) -> tuple[int, int]:
    log = layout.log_file.open("ab")
    proc = subprocess.Popen(
        ["unshare", "--pid", "--fork", "--mount-proc", "s6-svscan", str(layout.service_dir)],
        env=dict(env),
        cwd=layout.top,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise WorkloadctlError(
                f"s6-svscan exited at once ({proc.returncode}); see {layout.log_file}"
            )
        children = psutil.Process(proc.pid).children()
        if children and s6.is_supervised_scan(layout.service_dir):
            return proc.pid, children[0].pid
        time.sleep(_SVSCAN_POLL)
    raise WorkloadctlError("s6-svscan did not start within 10 s")


def start_waves(tree: S6RcResult, order: list[str]) -> list[list[str]]:
    """`order` (dependencies first) cut into what starts together: each oneshot alone,
    and runs of longruns none of which needs another of its run."""
    waves: list[list[str]] = []
    for name in order:
        last = waves[-1] if waves else None
        if (
            tree.services[name].type == "longrun"
            and last is not None
            and tree.services[last[0]].type == "longrun"
            and not set(tree.closure([name])) & set(last)
        ):
            last.append(name)
        else:
            waves.append([name])
    return waves


def start_stack(
    root: Path, top: Path, say: Say, base_env: Mapping[str, str] | None = None
) -> StackStarted:
    started = time.monotonic()
    layout = LocalLayout.create(root, top)
    existing = running_record(layout.top)
    if existing is not None:
        raise WorkloadctlError(
            f"a stack already runs from {layout.top} (s6-svscan PID {existing.svscan_pid}); "
            f"stop it with `{own_command('down', top=layout.top)}`"
        )
    tree = load_s6rc_tree(layout.root / S.S6_RC_SOURCE_DIR)
    if has_errors(tree.findings):
        details = "\n".join(f.render() for f in tree.findings)
        raise WorkloadctlError(f"the s6-rc source tree is invalid:\n{details}")
    order = tree.closure([TOP_BUNDLE])
    caller_env = os.environ if base_env is None else base_env
    _prepare(layout, say, caller_env.get(S.ENV_CONTROL_GROUP) or S.DEFAULT_CONTROL_GROUP)
    env = layout.environment(caller_env)
    longruns = [name for name in order if tree.services[name].type == "longrun"]
    for name in longruns:
        _install_longrun(tree.services[name], layout)
    unshare_pid, svscan_pid = _start_svscan(layout, env)
    say(
        f"s6-svscan is PID 1 of a new PID namespace (PID {svscan_pid} here), scanning {layout.service_dir}"
    )
    record = StackRecord(
        root=str(layout.root),
        top=str(layout.top),
        unshare_pid=unshare_pid,
        svscan_pid=svscan_pid,
        services=order,
        longruns=longruns,
        env=env,
        started_at=time.time(),
    )
    record.write(layout.record_file)
    try:
        stack_registry.register(layout.top, layout.root, svscan_pid, record.started_at)
    except OSError as exc:
        say(
            f"could not record the stack in {S.stacks_dir()} ({exc.strerror or exc}): "
            f"`{own_command('stacks')}` and `down --all` will not see it"
        )
    try:
        for wave in start_waves(tree, order):
            if tree.services[wave[0]].type == "oneshot":
                _run_oneshot(tree.services[wave[0]], env, layout, say)
                continue
            # As s6-rc does: longruns whose dependencies are all up start together (both
            # managers after `boot`), then each is awaited and reported in order.
            for name in wave:
                service_dir = layout.service_dir / name
                (service_dir / "down").unlink(missing_ok=True)
                s6.control(service_dir, "-u")
            for name in wave:
                service_dir = layout.service_dir / name
                if not s6.wait(service_dir, up=True, timeout=UP_TIMEOUT):
                    raise WorkloadctlError(
                        f"longrun {name} did not come up in {UP_TIMEOUT:.0f} s; "
                        f"see {layout.log_file}"
                    )
                state = s6.state(service_dir)
                say(f"longrun {name}: up, PID {pidns.to_caller(state.pid, svscan_pid)}")
    except BaseException:
        stop_stack(layout.top, lambda _line: None)
        raise
    return StackStarted(record, time.monotonic() - started)


def running_record(top: Path) -> StackRecord | None:
    """The stack recorded in `top`, if its s6-svscan still runs."""
    record = StackRecord.read(top / RECORD_NAME)
    return record if record is not None and psutil.pid_exists(record.svscan_pid) else None


def _leftovers(record: StackRecord) -> list[psutil.Process]:
    """Processes of the stack still alive: the namespace's members and anything carrying its marker."""
    alive: list[psutil.Process] = []
    for pid in (record.unshare_pid, *pidns.members(record.svscan_pid)):
        _reap_if_our_child(pid)
        try:
            proc = psutil.Process(pid)
            if proc.status() != psutil.STATUS_ZOMBIE:  # a zombie holds no resources
                alive.append(proc)
        except psutil.Error:
            continue
    return alive


def _reap_if_our_child(pid: int) -> None:
    """`up` in the same process (tests, the foreground mode) is unshare's parent: reap it."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def stop_stack(
    top: Path, say: Say, timeout: float = DOWN_TIMEOUT, *, only: StackRecord | None = None
) -> int:
    """Bring the stack down in reverse dependency order. Returns how many processes had to be killed.
    With `only` (the foreground `up`: the stack it started), a stack recorded in `top` that
    is another one is left running: a `down` and a fresh `up` from another terminal."""
    layout_record = StackRecord.read(top / "stack.json")
    if layout_record is None:
        raise WorkloadctlError(f"no local stack recorded in {top} (nothing to stop)")
    if only is not None and layout_record != only:
        say(
            f"the stack recorded in {top} (s6-svscan PID {layout_record.svscan_pid}) is not "
            "the one this up started (stopped and started again from elsewhere): left running"
        )
        return 0
    record = layout_record
    service_dir = Path(record.top) / "run/service"
    deadline = time.monotonic() + timeout
    if psutil.pid_exists(record.svscan_pid):
        for name in reversed(record.longruns):
            path = service_dir / name
            wait = max(1.0, deadline - time.monotonic())
            # A manager's stop waits for its programs to stop (seconds): say so before.
            say(f"longrun {name}: stopping (waiting up to {wait:.0f} s)...")
            try:
                s6.control(path, "-d")
                ok = s6.wait(path, up=False, timeout=wait)
                say(f"longrun {name}: {'down' if ok else 'still stopping'}")
            except s6.S6Error as exc:
                say(f"longrun {name}: {exc}")
        s6.terminate(service_dir)
    killed = 0
    while time.monotonic() < deadline and _leftovers(record):
        time.sleep(0.1)
    survivors = _leftovers(record)
    if survivors:
        # PID 1 of the namespace going away takes every member with it.
        for proc in survivors:
            try:
                proc.send_signal(signal.SIGKILL)
                killed += 1
            except psutil.Error:
                continue
        psutil.wait_procs(survivors, timeout=KILL_WAIT)
    still = _leftovers(record)
    if still:
        raise WorkloadctlError(
            f"processes left behind: {', '.join(str(p.pid) for p in still)}; the stack still "
            f"runs: stop it with `{own_command('down', top=top)}`"
        )
    if StackRecord.read(top / "stack.json") == record:  # else a fresh `up` wrote its own
        (top / "stack.json").unlink(missing_ok=True)
        stack_registry.unregister(top)
    say("stack stopped; no process left behind" + (f" ({killed} killed)" if killed else ""))
    return killed
