"""`make bench`: every performance figure of issue 13 against its peer and its goal, from
one run, then the scaling table. Usage: python bench/bench.py [--runs N] [--quick]

Sections (each skipped, saying why, when the machine lacks what it needs):
  validate   `workloadctl validate` on 200 programs vs `process-compose --dry-run`;
  status     `workloadctl status --json`, 100 programs, vs `supervisorctl status` +
             `process-compose process list` back to back;
  restart    our share of a manager restart (what the `finish` script adds to s6's own
             restart delay, against a no-op finish, + `launch` up to the exec of the
             manager) vs the manager's own start until it answers; the Python `finish`
             (in the background since issue 13, off the path) is shown on its own;
  recovery   kill -9 of each manager until it answers and until all its programs run,
             with the floor beside (the bare manager started directly on the same config);
  boot       `up` until every program runs vs both bare managers started directly;
             its floor: the bare managers with supervisord's start after Supervisor's
             parser read its config in a fresh Python (bench/boot_floor.py); beside
             process-compose's restart share, its floors: a Python start composing
             project.yaml with libyaml, then also importing the standard library a
             launcher needs (argparse, json, hashlib), then also what our code is
             written with (pathlib, dataclasses, typing); validate's floor likewise;
  scaling    validate, status and launch at 10, 100, 500 and 1,000 programs, with the
             growth exponent (log-log slope): linear or better when it is <= 1.

Ours and the peer's commands alternate within each round; the figure is the median of
the rounds, the ratio is of the two medians of this run. Python runs as installed:
bytecode cached (in a temp PYTHONPYCACHEPREFIX, not in the checkout).
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bench_status import make_repo, process_list_argv
from bench_validate import write_layout

from workloadctl import settings as S
from workloadctl.errors import WorkloadctlError

if TYPE_CHECKING:
    from workloadctl.clients.process_compose import ProcessComposeClient
    from workloadctl.clients.supervisord import SupervisordClient

BIN = Path(sys.executable).parent
WORKLOADCTL = str(BIN / "workloadctl")
MANAGERS = ("supervisord", "process-compose")
SCALING_SIZES = (10, 100, 500, 1000)  # programs in all, half per manager
# s6-supervise waits this long before restarting a service that died within 1 s of start.
S6_THROTTLE_S = 1.0


@dataclass
class Report:
    rows: list[tuple[str, str, str, str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def goal(self, what: str, ours: float, peer: float, peer_name: str, limit: float) -> None:
        ratio = ours / peer
        self.rows.append(
            (
                what,
                _ms(ours),
                f"{_ms(peer)} {peer_name}",
                f"{ratio:.2f}x",
                f"<= {limit:g}x",
                "PASS" if ratio <= limit else "MISS",
            )
        )

    def absolute(self, what: str, ours: float, limit: float) -> None:
        verdict = "PASS" if ours <= limit else "MISS"
        self.rows.append((what, _ms(ours), "", "", f"<= {_ms(limit)}", verdict))

    def floor(self, what: str, ours: float, floor: float) -> None:
        self.rows.append((what, _ms(ours), f"{_ms(floor)} floor", f"{ours / floor:.2f}x", "", ""))

    def info(self, what: str, ours: float) -> None:
        self.rows.append((what, _ms(ours), "", "", "", ""))

    def skip(self, section: str, why: str) -> None:
        self.notes.append(f"{section}: SKIPPED: {why}")

    def print(self) -> None:
        head = ("figure", "ours", "peer", "ratio", "goal", "")
        widths = [max(len(r[i]) for r in [head, *self.rows]) for i in range(6)]
        for row in [head, *self.rows]:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        for note in self.notes:
            print(note)


def progress(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def bench_env(tmp: Path) -> dict[str, str]:
    """Our environment as an installed workloadctl sees it: bytecode cached, no PC_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PC_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    return env


def run_quiet(argv: Sequence[str], env: dict[str, str], cwd: Path | None = None) -> float:
    started = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 3):
        raise SystemExit(f"bench: {' '.join(argv)} exited {proc.returncode}: {proc.stderr}")
    return elapsed


def interleaved(
    sides: dict[str, Callable[[], float]], runs: int, warmup: int = 1
) -> dict[str, float]:
    """Median seconds of each side; the sides alternate (and swap order) every round, so a
    burst of load on this shared machine hits both."""
    names = list(sides)
    for _ in range(warmup):
        for name in names:
            sides[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_no in range(runs):
        for name in names if round_no % 2 == 0 else reversed(names):
            samples[name].append(sides[name]())
    return {name: statistics.median(values) for name, values in samples.items()}


def slope(sizes: Sequence[int], seconds: Sequence[float]) -> float:
    """Least-squares slope of log(time) over log(size): 1 is linear."""
    xs = [math.log(s) for s in sizes]
    ys = [math.log(t) for t in seconds]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


# --- validate ---------------------------------------------------------------------------


def validate_times(
    tmp: Path, programs: int, runs: int, env: dict[str, str], *, serial: bool = False
) -> dict[str, float]:
    """ours, peer and (`serial`) ours without the forked supervisord child and the floor
    (a Python start with Supervisor's own parser on the same project.conf), interleaved."""
    pc_bin = S.process_compose_binary()
    assert pc_bin is not None
    root = tmp / f"layout-{programs}"
    if not root.exists():
        write_layout(root, programs // 2)
    env = {**env, "WORKLOADCTL_ROOT": str(root)}
    serial_env = {**env, "WORKLOADCTL_VALIDATE_SERIAL": "1"}
    pc_dir = root / "workloads/process-compose"
    ours = [WORKLOADCTL, "validate", "--root", str(root)]
    peer = [pc_bin, "--dry-run", "-f", "project.yaml", "-L", str(root / "pc.log")]
    sides = {
        "ours": lambda: run_quiet(ours, env, root),
        "peer": lambda: run_quiet(peer, env, pc_dir),
    }
    if serial:
        sides["serial"] = lambda: run_quiet(ours, serial_env, root)
        conf = str(root / "workloads/supervisord/project.conf")
        floor = [sys.executable, BOOT_FLOOR, "supervisord", conf]
        sides["floor"] = lambda: run_quiet(floor, env, root)
        modules = ",".join(CLI_STDLIB + STYLE_STDLIB)
        with_stdlib = [sys.executable, BOOT_FLOOR, "--stdlib", modules, "supervisord", conf]
        sides["floor+stdlib"] = lambda: run_quiet(with_stdlib, env, root)
        # The supervisord half alone (the forked child's share, with the CLI around it):
        # with a free second core, `validate` can be no faster than this.
        half = [WORKLOADCTL, "validate", conf]
        sides["supervisord half"] = lambda: run_quiet(half, env, root)
    return interleaved(sides, runs)


def loader_seconds(tmp: Path, processes: int, runs: int) -> float:
    """In-process: the process-compose loader alone on `processes` chained processes (the
    measurement that was a timed unit test)."""
    from workloadctl.checks.process_compose.loader import load_process_compose

    root = tmp / f"loader-{processes}"
    write_layout(root, processes)
    path = root / "workloads/process-compose/project.yaml"
    samples = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        result = load_process_compose(path, env={"HOME": str(root), "PATH": os.environ["PATH"]})
        samples.append(time.perf_counter() - started)
        if not result.ok or len(result.programs) != processes:
            raise SystemExit(f"bench: the loader refused {path}")
    return statistics.median(samples[1:])


# --- a live stack -----------------------------------------------------------------------


def until(probe: Callable[[], bool], timeout: float = 120.0, step: float = 0.01) -> float:
    """Seconds until `probe` holds (errors count as not yet)."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            if probe():
                return time.perf_counter() - start
        except (WorkloadctlError, OSError):
            pass
        time.sleep(step)
    raise SystemExit(f"bench: timed out after {timeout:.0f} s waiting for {probe.__name__}")


class Probes:
    """Is each manager answering, and are all its programs running (one API call each)."""

    def __init__(self, settings: S.Settings, per_manager: int) -> None:
        self.settings = settings
        self.per_manager = per_manager

    def sv(self) -> SupervisordClient:
        from workloadctl.managers.connect import supervisord_client

        return supervisord_client(self.settings, 2)

    def pc(self) -> ProcessComposeClient:
        from workloadctl.managers.connect import process_compose_client

        return process_compose_client(self.settings, 2)

    def answering(self, manager: str) -> bool:
        if manager == "supervisord":
            return self.sv().state() == "RUNNING"
        return self.pc().live()

    def all_running(self, manager: str) -> bool:
        if manager == "supervisord":
            states = [p["statename"] for p in self.sv().processes()]
            return len(states) == self.per_manager and all(s == "RUNNING" for s in states)
        statuses = [p["status"] for p in self.pc().processes()]
        return len(statuses) == self.per_manager and all(s == "Running" for s in statuses)

    def ready(self) -> bool:
        return all(self.all_running(m) for m in MANAGERS)


@dataclass
class Stack:
    root: Path
    top: Path
    env: dict[str, str]  # the stack's environment (what s6 gives the services)
    svscan_pid: int
    probes: Probes


def stop_quietly(top: Path) -> None:
    """Stop the bench's stack; a failure is one line (another `down --all` on this shared
    machine may have stopped it already), not a traceback over the bench's own error."""
    from workloadctl.runtime.local_runner import stop_stack

    try:
        stop_stack(top, lambda _line: None)
    except WorkloadctlError as exc:
        progress(f"stopping the stack in {top}: {exc}")


@contextmanager
def running_stack(tmp: Path, programs: int, base_env: dict[str, str]) -> Iterator[Stack]:
    from workloadctl.runtime.local_runner import start_stack

    tmp.mkdir(parents=True, exist_ok=True)
    root, top = make_repo(tmp, programs // 2), tmp / "state"
    record = start_stack(root, top, lambda _line: None, base_env=base_env).record
    try:
        probes = Probes(S.Settings.from_env(record.env), programs // 2)
        until(probes.ready)
        yield Stack(root, top, dict(record.env), record.svscan_pid, probes)
    finally:
        stop_quietly(top)


def boot_seconds(tmp: Path, programs: int, base_env: dict[str, str]) -> float:
    from workloadctl.runtime.local_runner import start_stack

    tmp.mkdir(parents=True, exist_ok=True)
    root, top = make_repo(tmp, programs // 2), tmp / "state"
    started = time.perf_counter()
    record = start_stack(root, top, lambda _line: None, base_env=base_env).record
    try:
        until(Probes(S.Settings.from_env(record.env), programs // 2).ready)
        return time.perf_counter() - started
    finally:
        stop_quietly(top)
        shutil.rmtree(tmp, ignore_errors=True)


# --- status -----------------------------------------------------------------------------


def status_times(stack: Stack, runs: int, env: dict[str, str]) -> dict[str, float]:
    from workloadctl.managers.environment import process_compose_token_path

    settings = S.Settings.from_env(stack.env)
    # The config supervisord runs, as `launch` recorded it (docs/launcher.md).
    config = json.loads((settings.decisions_dir / "supervisord.json").read_text())["config"]
    # supervisorctl expands %(ENV_X)s in the config from its own environment.
    env = {**env, **stack.env}
    ours = [WORKLOADCTL, "status", "--json", "--state-dir", str(stack.top)]
    supervisorctl = [str(BIN / "supervisorctl"), "-c", config, "status"]
    process_list = process_list_argv(settings)
    floor = [
        sys.executable,
        str(Path(__file__).with_name("status_floor.py")),
        str(settings.run_dir),
        str(process_compose_token_path(settings)),
    ]
    return interleaved(
        {
            "ours": lambda: run_quiet(ours, env),
            "peer": lambda: run_quiet(supervisorctl, env) + run_quiet(process_list, env),
            "floor": lambda: run_quiet(floor, env),
        },
        runs,
    )


# --- the manager's exec, recorded -------------------------------------------------------

RECORDER = """#!/bin/sh
# Stands in for the manager: keeps what `workloadctl launch` would exec, then exits.
printf '%s\\0' "$0" "$@" > "{out}.argv"
env -0 > "{out}.env"
"""


@dataclass
class Exec:
    argv: list[str]
    env: dict[str, str]
    cwd: str


def recorded_launch(
    stack_env: dict[str, str], base_env: dict[str, str], manager: str, out: Path
) -> tuple[float, float, Exec]:
    """(seconds of `finish`, seconds of `launch` up to its exec, what it exec'd), with a
    recorder in place of the manager's binary. Only on a stopped stack: launch kills what
    a previous instance of the manager left running."""
    real = S.supervisord_binary() if manager == "supervisord" else S.process_compose_binary()
    assert real is not None
    recorder = out.with_suffix(".sh")
    recorder.write_text(RECORDER.format(out=out))
    recorder.chmod(0o755)
    override = S.ENV_SUPERVISORD_BIN if manager == "supervisord" else S.ENV_PROCESS_COMPOSE_BIN
    env = {**base_env, **stack_env, override: str(recorder)}
    finish = run_quiet([WORKLOADCTL, "finish", manager, "256", "9"], env)
    launch = run_quiet([WORKLOADCTL, "launch", manager], env)
    argv = Path(f"{out}.argv").read_text().split("\0")[:-1]
    argv[0] = real
    environ = dict(
        item.split("=", 1) for item in Path(f"{out}.env").read_text().split("\0") if "=" in item
    )
    cwd = environ.get("PWD", "/")
    return finish, launch, Exec(argv, environ, cwd)


@contextmanager
def bare_manager(plan: Exec) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(
        plan.argv,
        env=plan.env,
        cwd=plan.cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        with _quiet():
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            with _quiet():
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        time.sleep(0.3)  # its programs' process group goes with it
        with _quiet():
            os.killpg(proc.pid, signal.SIGKILL)


def _quiet() -> suppress:
    return suppress(ProcessLookupError)


def bare_start(plans: dict[str, Exec], probes: Probes) -> dict[str, tuple[float, float]]:
    """Each bare manager started directly (all at once): seconds until it answers and
    until all its programs run, each watched on its own."""
    marks: dict[tuple[str, str], float] = {}
    checks: dict[tuple[str, str], Callable[[], bool]] = {
        (m, what): functools.partial(getattr(probes, what), m)
        for m in plans
        for what in ("answering", "all_running")
    }
    started = time.perf_counter()
    with _all_bare(list(plans.values())):
        while len(marks) < len(checks):
            if time.perf_counter() - started > 120:
                raise SystemExit(f"bench: bare managers: only {sorted(marks)} after 120 s")
            for key, check in checks.items():
                if key in marks or (key[1] == "all_running" and (key[0], "answering") not in marks):
                    continue
                with suppress(WorkloadctlError, OSError):
                    if check():
                        marks[key] = time.perf_counter() - started
            time.sleep(0.005)
    return {m: (marks[(m, "answering")], marks[(m, "all_running")]) for m in plans}


@contextmanager
def _all_bare(plans: list[Exec]) -> Iterator[None]:
    if not plans:
        yield
        return
    with bare_manager(plans[0]), _all_bare(plans[1:]):
        yield


# --- floors of our work before an exec -------------------------------------------------

BOOT_FLOOR = str(Path(__file__).with_name("boot_floor.py"))
# The standard library beneath every floor of ours (boot_floor.py --stdlib), in two sets:
# what the job needs whatever the code (a command line; for `launch` also the JSON
# records and the config's sha256 that keys the quarantine), and what the code is
# written with (every module of ours imports pathlib, dataclasses and typing).
CLI_STDLIB: tuple[str, ...] = ("argparse",)
LAUNCH_STDLIB: tuple[str, ...] = ("argparse", "json", "hashlib")
STYLE_STDLIB: tuple[str, ...] = ("pathlib", "dataclasses", "typing")
_CONFIG_FLAG = {"supervisord": "-c", "process-compose": "-f"}


def floor_seconds(plan: Exec, manager: str, stdlib: Sequence[str] = ()) -> float:
    """A Python start reading the manager's config as `launch` must before its exec
    (boot_floor.py: Supervisor's parser, or libyaml with line marks), in the manager's
    environment and directory; `stdlib`: the standard-library modules imported first."""
    config = plan.argv[plan.argv.index(_CONFIG_FLAG[manager]) + 1]
    modules = ["--stdlib", ",".join(stdlib)] if stdlib else []
    argv = [sys.executable, BOOT_FLOOR, *modules, manager, config]
    return run_quiet(argv, plan.env, Path(plan.cwd))


def goal_vs_floor(report: Report, what: str, floor_ratio: float, limit: float) -> None:
    """One line: whether the goal lies below the measured floor (then no work of ours can
    reach it)."""
    where = "BELOW" if floor_ratio > limit else "above"
    report.notes.append(
        f"{what}: the goal (<= {limit:g}x) is {where} the floor ({floor_ratio:.2f}x)"
    )


# --- kill -9 ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Recovery:
    restarted: float  # kill -9 until s6 runs `run` again (the finish script + s6's delay)
    answering: float  # ... until the new manager answers
    running: float  # ... until all its programs run


def recovery(stack: Stack, manager: str, *, finish: str | None = None) -> Recovery:
    """kill -9 of the manager, timed. With `finish` (a script's text) in place of the
    service's own finish script for this one death: s6's delay alone, with `exit 0`."""
    from workloadctl.clients import s6
    from workloadctl.runtime import pidns

    service = S.Settings.from_env(stack.env).service_dir / manager
    old_in_stack = s6.state(service).pid  # as the stack's PID namespace numbers it
    old = pidns.to_caller(old_in_stack, stack.svscan_pid)
    assert old is not None
    finish_file = service / "finish"
    saved = finish_file.read_text()
    if finish is not None:
        finish_file.write_text(finish)  # s6-supervise reads it at each death
    try:
        time.sleep(S6_THROTTLE_S + 0.2)  # up over 1 s: no start throttle
        killed = time.perf_counter()
        os.kill(old, signal.SIGKILL)

        def run_started() -> bool:
            state = s6.state(service)
            return state.up and state.pid not in (None, old_in_stack)

        progress(f"kill -9 {manager} (pid {old}){' with a no-op finish' if finish else ''}")
        until(run_started, step=0.002)
        restarted = time.perf_counter() - killed
        until(lambda: stack.probes.answering(manager), step=0.005)
        answering = time.perf_counter() - killed
        until(lambda: stack.probes.all_running(manager), step=0.005)
        return Recovery(restarted, answering, time.perf_counter() - killed)
    finally:
        finish_file.write_text(saved)


NO_OP_FINISH = "#!/bin/sh\nexit 0\n"


# --- the run ----------------------------------------------------------------------------


def missing_for_stack() -> str | None:
    if os.geteuid() != 0:
        return "needs root (PID namespaces)"
    if S.s6_binary("s6-svscan") is None:
        return "s6-svscan not found (make setup installs s6)"
    if S.supervisord_binary() is None:
        return "supervisord not found"
    if S.process_compose_binary() is None:
        return "process-compose not found (make setup installs it)"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="rounds per figure (default 9)")
    parser.add_argument("--quick", action="store_true", help="3 rounds, scaling to 500")
    args = parser.parse_args()
    runs = 3 if args.quick else args.runs
    sizes = SCALING_SIZES[:-1] if args.quick else SCALING_SIZES
    report = Report()
    scale: dict[str, dict[int, float]] = {
        "validate": {},
        "pc --dry-run": {},
        "status": {},
        "native CLIs": {},
        "launch supervisord": {},
        "launch process-compose": {},
    }
    with tempfile.TemporaryDirectory(prefix="wlc-bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = bench_env(tmp)
        if S.process_compose_binary() is None:
            report.skip("validate", "process-compose not found (make setup installs it)")
        else:
            for size in sizes:
                progress(f"validate, {size} programs")
                times = validate_times(tmp, size, runs, env)
                scale["validate"][size], scale["pc --dry-run"][size] = (
                    times["ours"],
                    times["peer"],
                )
            times = validate_times(tmp, 200, runs, env, serial=True)
            report.goal("validate, 200 programs", times["ours"], times["peer"], "pc --dry-run", 3)
            # What the forked supervisord child pays, from the same rounds.
            report.goal(
                "validate, 200, serial (no fork)", times["serial"], times["peer"], "pc --dry-run", 3
            )
            # What no validate can skip: Supervisor's own import and parse of project.conf.
            report.goal(
                "validate floor: Python + Supervisor's parser",
                times["floor"],
                times["peer"],
                "pc --dry-run",
                3,
            )
            goal_vs_floor(report, "validate", times["floor"] / times["peer"], 3)
            # ... and with the standard library every command of ours imports first.
            report.goal(
                "validate floor + stdlib (argparse; pathlib, dataclasses, typing)",
                times["floor+stdlib"],
                times["peer"],
                "pc --dry-run",
                3,
            )
            goal_vs_floor(report, "validate (+ stdlib)", times["floor+stdlib"] / times["peer"], 3)
            report.goal(
                "validate of project.conf alone (its supervisord half)",
                times["supervisord half"],
                times["peer"],
                "pc --dry-run",
                3,
            )
            report.absolute(
                "process-compose loader, 200 processes", loader_seconds(tmp, 200, runs), 0.5
            )
        missing = missing_for_stack()
        if missing is not None:
            for section in ("status", "restart", "recovery", "boot", "scaling of status"):
                report.skip(section, missing)
        else:
            stack_sections(tmp, env, runs, sizes, report, scale)
    report.print()
    print_scaling(scale)
    return 0


def stack_sections(
    tmp: Path,
    env: dict[str, str],
    runs: int,
    sizes: Sequence[int],
    report: Report,
    scale: dict[str, dict[int, float]],
) -> None:
    base_env = {**env, "WORKLOADCTL_QUARANTINE_DEATHS": "1000"}  # every kill -9 is a crash
    # status and kill -9 on 100 programs.
    kills: dict[str, list[Recovery]] = {m: [] for m in MANAGERS}
    s6_delay: dict[str, list[float]] = {m: [] for m in MANAGERS}
    with running_stack(tmp / "main", 100, base_env) as stack:
        progress("status, 100 programs")
        times = status_times(stack, runs, env)
        report.goal("status --json, 100 programs", times["ours"], times["peer"], "CLIs", 0.5)
        # The same questions from a script that imports only what asking needs.
        report.goal("status floor (bare Python client)", times["floor"], times["peer"], "CLIs", 0.5)
        for _ in range(max(3, runs // 2)):
            for manager in MANAGERS:
                kills[manager].append(recovery(stack, manager))
                s6_delay[manager].append(recovery(stack, manager, finish=NO_OP_FINISH).restarted)
        stack_env, probes = stack.env, stack.probes
    # Our share of a restart and the bare managers, on the same (stopped) stack's state.
    shares: dict[str, list[tuple[float, float]]] = {m: [] for m in MANAGERS}
    bare: dict[str, list[tuple[float, float]]] = {m: [] for m in MANAGERS}
    plans: dict[str, Exec] = {}
    progress("finish + launch, bare managers")
    for _ in range(runs):
        for manager in MANAGERS:
            finish, launch, plans[manager] = recorded_launch(
                stack_env, env, manager, tmp / f"exec-{manager}"
            )
            shares[manager].append((finish, launch))
            # Alone, as in a restart: the other manager's start would share the 2 cores.
            bare[manager].append(bare_start({manager: plans[manager]}, probes)[manager])
    for manager in MANAGERS:
        finish = statistics.median(f for f, _ in shares[manager])
        launch = statistics.median(lo for _, lo in shares[manager])
        own = statistics.median(a for a, _ in bare[manager])
        # `finish` runs in the background, inside s6's own restart delay: on the path is only
        # what our finish script adds to that delay (kill -9 -> `run` started, ours minus a
        # no-op finish's, pairwise from the interleaved kills; noise may make it negative).
        script = statistics.median(
            k.restarted - delay for k, delay in zip(kills[manager], s6_delay[manager], strict=True)
        )
        share = max(0.0, script) + launch
        report.info(f"{manager} finish (Python, in the background: off the path)", finish)
        report.goal(
            f"{manager} restart: finish script {_ms(script)} + launch {_ms(launch)}",
            share,
            own,
            f"{manager} start",
            1,
        )
        report.absolute(f"{manager} restart: our share", share, 0.3)
    for manager in MANAGERS:
        delay = statistics.median(s6_delay[manager])
        restarted = statistics.median(k.restarted for k in kills[manager])
        answering = statistics.median(k.answering for k in kills[manager])
        running = statistics.median(k.running for k in kills[manager])
        own_answering = statistics.median(a for a, _ in bare[manager])
        own_running = statistics.median(r for _, r in bare[manager])
        # The floor: s6's own restart delay (a no-op finish), then the bare manager's start.
        report.floor(f"kill -9 {manager} -> run started", restarted, delay)
        report.floor(f"kill -9 {manager} -> answering", answering, delay + own_answering)
        report.floor(f"kill -9 {manager} -> all running", running, delay + own_running)
    # Boot to ready: `up`'s stack vs both bare managers at once, alternating.
    boot_ours: list[float] = []
    boot_bare: list[float] = []
    # The floor: the bare managers, supervisord's start after Supervisor's parser has read
    # its config in a fresh Python (launch must validate with it before the exec).
    boot_floor: list[float] = []
    for round_no in range(max(3, runs // 2)):
        progress(f"boot round {round_no + 1}")
        ours = boot_seconds(tmp / f"boot-{round_no}", 100, base_env)
        both = bare_start(plans, probes)
        parse = floor_seconds(plans["supervisord"], "supervisord")
        boot_ours.append(ours)
        boot_bare.append(max(r for _, r in both.values()))
        boot_floor.append(max(parse + both["supervisord"][1], both["process-compose"][1]))
    bare_ready = statistics.median(boot_bare)
    report.goal(
        "boot to ready, 100 programs",
        statistics.median(boot_ours),
        bare_ready,
        "bare managers",
        1.1,
    )
    report.goal(
        "boot floor: bare + Supervisor's parser",
        statistics.median(boot_floor),
        bare_ready,
        "bare managers",
        1.1,
    )
    goal_vs_floor(report, "boot to ready", statistics.median(boot_floor) / bare_ready, 1.1)
    # process-compose's restart share against its floor: a Python start composing
    # project.yaml with libyaml (line marks), alternating with its own start until it answers.
    # The same floor with the standard library a launcher needs for its job (its command
    # line, its JSON records, the config's sha256), then also with what our code is
    # written with; all alternating with process-compose's own start.
    pc_plan = plans["process-compose"]
    pc_floors: dict[str, tuple[Sequence[str], list[float]]] = {
        "Python + libyaml": ((), []),
        "+ argparse, json, hashlib": (LAUNCH_STDLIB, []),
        "+ pathlib, dataclasses, typing": (LAUNCH_STDLIB + STYLE_STDLIB, []),
    }
    pc_own: list[float] = []
    for _ in range(runs):
        for stdlib, samples in pc_floors.values():
            samples.append(floor_seconds(pc_plan, "process-compose", stdlib))
        pc_own.append(bare_start({"process-compose": pc_plan}, probes)["process-compose"][0])
    pc_own_start = statistics.median(pc_own)
    for name, (_, samples) in pc_floors.items():
        report.goal(
            f"process-compose restart floor: {name}",
            statistics.median(samples),
            pc_own_start,
            "process-compose start",
            1,
        )
        goal_vs_floor(
            report,
            f"process-compose restart share ({name})",
            statistics.median(samples) / pc_own_start,
            1,
        )
    # Scaling of status and launch (100 programs: the figures above).
    for size in sizes:
        if size == 100:
            scale["status"][size], scale["native CLIs"][size] = times["ours"], times["peer"]
            for manager in MANAGERS:
                scale[f"launch {manager}"][size] = statistics.median(
                    lo for _, lo in shares[manager]
                )
            continue
        progress(f"status and launch, {size} programs")
        with running_stack(tmp / f"scale-{size}", size, base_env) as stack:
            sized = status_times(stack, runs, env)
            scale["status"][size], scale["native CLIs"][size] = sized["ours"], sized["peer"]
            sized_env = stack.env
        launches: dict[str, list[float]] = {m: [] for m in MANAGERS}
        for _ in range(runs):
            for manager in MANAGERS:
                _, launch, _ = recorded_launch(sized_env, env, manager, tmp / f"exec-{manager}")
                launches[manager].append(launch)
        for manager in MANAGERS:
            scale[f"launch {manager}"][size] = statistics.median(launches[manager])


def print_scaling(scale: dict[str, dict[int, float]]) -> None:
    rows = {name: values for name, values in scale.items() if len(values) >= 2}
    if not rows:
        return
    sizes = sorted({size for values in rows.values() for size in values})
    print()
    print("scaling (median ms; programs in all, half per manager)")
    # The growth exponent is the slope over all sizes. The one between the two largest
    # sizes is shown beside it: less flattened by the fixed cost (Python's start,
    # imports), but two points on a shared machine, where the 1,000-program stack itself
    # keeps the cores busy: compare it with the peer's row.
    print("".join([f"{'':24s}", *(f"{size:>9d}" for size in sizes), "   slope    last  growth"]))
    for name, values in rows.items():
        cells = [f"{values[s] * 1000:9.1f}" if s in values else f"{'':9s}" for s in sizes]
        exponent = slope(list(values), list(values.values()))
        last_two = sorted(values)[-2:]
        last = slope(last_two, [values[s] for s in last_two])
        growth = "linear or better" if exponent <= 1.0 else "WORSE than linear"
        print("".join([f"{name:24s}", *cells, f"  {exponent:6.2f}  {last:6.2f}  {growth}"]))


if __name__ == "__main__":
    raise SystemExit(main())
