"""Fault campaign on the local stack: every kind of fault in bench/faults/kinds.py, round
after round, each followed by a bounded wait for recovery and these measures:

- survived: s6-svscan (PID 1 of the stack's PID namespace) is still the same process;
- recovery: seconds from the end of the obstacle to both managers answering, and to every
  program of the project configs running again;
- twins: a program (or a manager) running in two copies;
- orphans: processes of the stack whose parent is PID 1 but that are no s6-supervise;
- lost: programs that should run but do not, 2 s after recovery (or at its deadline).

The campaign runs itself in a private network namespace (`unshare --net`, loopback up), so
its ports and listeners stay private; commands a coding agent might type (`pkill -f ...`,
`kill -9 -1`) run inside the stack's PID namespace only. Needs root, s6, process-compose.

Usage: python bench/faults/campaign.py [--rounds N] [--kinds SUBSTRING] [--json PATH]
Prints one table per fault kind; the JSON ($WORKLOADCTL_FAULTS_JSON, default
/tmp/workloadctl-faults.json) holds every fault's record.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kinds import KINDS, WORKLOADCTL, Applied, Context
from probes import MANAGERS, Programs, StackProbe, until

from workloadctl import settings as S
from workloadctl.runtime.local_runner import start_stack, stop_stack

REPO = Path(__file__).resolve().parents[2]
ENV_JSON = "WORKLOADCTL_FAULTS_JSON"
DEFAULT_JSON = "/tmp/workloadctl-faults.json"
IN_NETNS = "WORKLOADCTL_FAULTS_IN_NETNS"
RECOVERY_TIMEOUT = 60.0
VICTIM_TIMEOUT = 15.0
SETTLE = 2.0
PAUSE = 1.2  # s6 throttles a service's restarts to one per second
WEB_PORTS = {"supervisord": 18080, "process-compose": 18081}

SV_PROGRAM = (
    "[program:{name}]\ncommand={command}\nautostart=true\nautorestart=true\nstartsecs=1\n"
    "stopasgroup=true\nkillasgroup=true\nstdout_logfile=/dev/null\nstderr_logfile=/dev/null\n"
)
PC_PROCESS = "  {name}:\n    command: {command}\n    availability:\n      restart: always\n"


def web(port: int) -> str:
    return f"/usr/bin/python3 -m http.server {port} --bind 127.0.0.1"


def commands() -> dict[str, dict[str, str]]:
    sv = {f"sv-{c}": f"/bin/sleep {7001 + i}" for i, c in enumerate("abc")}
    pc = {f"pc-{c}": f"sleep {8001 + i}" for i, c in enumerate("abc")}
    sv["sv-web"] = web(WEB_PORTS["supervisord"])
    pc["pc-web"] = web(WEB_PORTS["process-compose"])
    return {"supervisord": sv, "process-compose": pc}


def make_repo(base: Path) -> Path:
    root = base / "repo"
    shutil.copytree(REPO / ".devcontainer", root / ".devcontainer")
    header = (REPO / "tests/fixtures/stack/supervisord-header.conf").read_text()
    wanted = commands()
    sv = "\n".join(SV_PROGRAM.format(name=n, command=c) for n, c in wanted["supervisord"].items())
    pc = "".join(PC_PROCESS.format(name=n, command=c) for n, c in wanted["process-compose"].items())
    for relative, text in (
        (S.PROJECT_SUPERVISORD_CONF, header + "\n" + sv),
        (S.PROJECT_PROCESS_COMPOSE_YAML, "processes:\n" + pc),
    ):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return root


def learn_programs(probe: StackProbe) -> Programs:
    """Each program's argv as it runs (process-compose wraps commands in a shell)."""
    found: dict[str, dict[str, list[str]]] = {}
    for manager, wanted in commands().items():
        found[manager] = {}
        for name, command in wanted.items():
            token = command.split()[-1] if "sleep" in command else command.split()[3]
            for proc in probe.members():
                argv = proc.cmdline()
                if token in argv and Path(argv[0]).name in ("sleep", "python3"):
                    found[manager][name] = argv
            if name not in found[manager]:
                raise SystemExit(f"{manager} program {name} is not running after start")
    return Programs(found["supervisord"], found["process-compose"])


@dataclass
class FaultRecord:
    kind: str
    round: int
    survived: bool
    answering_s: float | None
    running_s: float | None
    twins: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)
    note: str = ""
    healed_by: str = ""


class Campaign:
    def __init__(self, base: Path, env: dict[str, str]) -> None:
        self.base = base
        self.root = make_repo(base)
        self.top = base / "state"
        self.env = env
        self.probe = self._start()
        self.restarts = 0

    def _start(self) -> StackProbe:
        record = start_stack(self.root, self.top, lambda _l: None, base_env=self.env).record
        probe = StackProbe(record, Programs({}, {}))
        if until(probe.all_answering, RECOVERY_TIMEOUT) is None:
            raise SystemExit(f"the stack did not come up; see {self.top}")
        ready = until(
            lambda: all(len(probe.running(m)) >= len(commands()[m]) for m in MANAGERS),
            RECOVERY_TIMEOUT,
        )
        if ready is None:
            raise SystemExit(f"the stack's programs did not all start; see {self.top}")
        probe.programs = learn_programs(probe)
        return probe

    def stop(self) -> None:
        if (self.top / "stack.json").exists():
            stop_stack(self.top, lambda _l: None)

    def restart_stack(self) -> None:
        self.stop()
        self.restarts += 1
        self.probe = self._start()

    def run_one(self, kind: str, round_number: int) -> FaultRecord:
        ctx = Context(self.probe, self.top, self.root, WEB_PORTS, round_number)
        try:
            applied = KINDS[kind](ctx)
        except (RuntimeError, OSError) as exc:
            applied = Applied(time.monotonic(), [], f"fault not applied: {exc}")
        probe = self.probe
        until(lambda: not any(alive(p) for p in applied.victims), VICTIM_TIMEOUT)
        answering_s, running_s = recovery_times(probe, applied.since)
        time.sleep(SETTLE)
        record = FaultRecord(
            kind=kind,
            round=round_number,
            survived=probe.pid1_alive(),
            answering_s=answering_s,
            running_s=running_s,
            note=applied.note,
        )
        # Only what lasts counts: a program between two restarts is no twin.
        record.twins = persistent(probe.twins)
        record.orphans = persistent(probe.orphans)
        record.lost = sorted(f"{m}:{n}" for m, names in probe.missing().items() for n in names)
        record.quarantined = probe.quarantined()
        if not record.survived:
            record.healed_by = "stack restarted (PID 1 died)"
            self.restart_stack()
        elif record.lost or record.running_s is None:
            record.healed_by = self.heal()
        return record

    def heal(self) -> str:
        """Bring the stack back for the next fault: managers restarted, quarantine lifted,
        the whole stack restarted when nothing else helps."""
        for manager in MANAGERS:
            if self.probe.missing()[manager]:
                subprocess.run(
                    [
                        WORKLOADCTL,
                        "restart",
                        manager,
                        "--clear-quarantine",
                        "--state-dir",
                        str(self.top),
                    ],
                    capture_output=True,
                    timeout=120,
                    check=False,
                )
        if until(self.probe.all_running, RECOVERY_TIMEOUT) is not None:
            return "workloadctl restart --clear-quarantine"
        self.restart_stack()
        return "stack restarted"


def recovery_times(probe: StackProbe, since: float) -> tuple[float | None, float | None]:
    """Seconds from `since` to both managers answering and to every program running."""
    answered: float | None = None
    while time.monotonic() - since < RECOVERY_TIMEOUT:
        now = time.monotonic()
        if answered is None and probe.all_answering():
            answered = now - since
        if answered is not None and probe.all_running():
            return answered, time.monotonic() - since
        time.sleep(0.05)
    return answered, None


def alive(pid: int) -> bool:
    try:
        import psutil

        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except Exception:
        return False


def persistent(measure: object) -> list[str]:
    first = measure()  # type: ignore[operator]
    if not first:
        return []
    time.sleep(3.0)
    again = set(measure())  # type: ignore[operator]
    return [item for item in first if item in again]


def summary(records: list[FaultRecord]) -> list[dict[str, object]]:
    rows = []
    for kind in dict.fromkeys(r.kind for r in records):
        mine = [r for r in records if r.kind == kind]
        times = [r.running_s for r in mine if r.running_s is not None]
        answers = [r.answering_s for r in mine if r.answering_s is not None]
        rows.append(
            {
                "kind": kind,
                "n": len(mine),
                "survived": sum(r.survived for r in mine),
                "answering_median_s": statistics.median(answers) if answers else None,
                "recovery_median_s": statistics.median(times) if times else None,
                "recovery_max_s": max(times) if times else None,
                "not_recovered": len(mine) - len(times),
                "twins": sum(bool(r.twins) for r in mine),
                "orphans": sum(len(r.orphans) for r in mine),
                "programs_lost": sum(len(r.lost) for r in mine),
                "quarantined": sum(bool(r.quarantined) for r in mine),
            }
        )
    return rows


def render(rows: list[dict[str, object]]) -> str:
    def sec(value: object) -> str:
        return "-" if value is None else f"{value:.2f}"

    head = (
        f"{'fault kind':32s} {'n':>4s} {'survived':>8s} {'answer med':>10s} {'recov med':>9s}"
        f" {'recov max':>9s} {'not rec':>7s} {'twins':>5s} {'orphans':>7s} {'lost':>4s} {'quar':>4s}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['kind']!s:32s} {r['n']!s:>4s} {r['survived']!s:>8s} {sec(r['answering_median_s']):>10s}"
            f" {sec(r['recovery_median_s']):>9s} {sec(r['recovery_max_s']):>9s}"
            f" {r['not_recovered']!s:>7s} {r['twins']!s:>5s} {r['orphans']!s:>7s}"
            f" {r['programs_lost']!s:>4s} {r['quarantined']!s:>4s}"
        )
    return "\n".join(lines)


def enter_private_network(argv: list[str]) -> int:
    """Run this script again in a new network namespace with only loopback up."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        raise SystemExit("faults: needs unshare and ip (util-linux, iproute2)")
    script = 'ip link set lo up && exec "$@"'
    env = {**os.environ, IN_NETNS: "1"}
    cmd = ["unshare", "--net", "--", "sh", "-c", script, "sh", sys.executable, *argv]
    return subprocess.run(cmd, env=env, check=False).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="faults per kind (default 10)")
    parser.add_argument("--kinds", default="", help="only kinds whose name contains this")
    parser.add_argument("--json", default=os.environ.get(ENV_JSON, DEFAULT_JSON))
    parser.add_argument(
        "--max-minutes", type=float, default=90.0, help="stop starting faults after this"
    )
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("faults: needs root (PID and network namespaces)")
    if os.environ.get(IN_NETNS) != "1":
        return enter_private_network(sys.argv)
    kinds = [k for k in KINDS if args.kinds in k]
    records: list[FaultRecord] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="wlc-faults-") as tmp:
        campaign = Campaign(Path(tmp), dict(os.environ))
        # SIGTERM or Ctrl-C ends the campaign early, with the tables of what ran.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            for round_number in range(args.rounds):
                for kind in kinds:
                    if time.monotonic() - started > args.max_minutes * 60:
                        print(f"time limit reached after {len(records)} faults", flush=True)
                        break
                    record = campaign.run_one(kind, round_number)
                    records.append(record)
                    flag = "" if record.running_s is not None and not record.lost else "  <-- "
                    print(
                        f"[{len(records):3d}] {kind:32s} running after "
                        f"{record.running_s if record.running_s is None else round(record.running_s, 2)} s"
                        f"{flag}{record.lost or ''}{record.twins or ''}{record.orphans or ''}"
                        f"{' quarantined ' + str(record.quarantined) if record.quarantined else ''}"
                        f"{' (' + record.note + ')' if record.note else ''}",
                        flush=True,
                    )
                    time.sleep(PAUSE)
        except KeyboardInterrupt:
            print(f"interrupted after {len(records)} faults", flush=True)
        finally:
            campaign.stop()
    rows = summary(records)
    print()
    print(render(rows))
    print(
        f"\n{len(records)} faults in {time.monotonic() - started:.0f} s; stack restarted {campaign.restarts}x"
    )
    Path(args.json).write_text(
        json.dumps({"summary": rows, "faults": [asdict(r) for r in records]}, indent=2)
    )
    print(f"JSON: {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
