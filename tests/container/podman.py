"""podman, driven with a test-owned containers.conf, and one running dev container."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import textwrap
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .dockerfile import UNAME

# What this machine's podman needs (and every machine's tolerates): runc, because crun
# fails on hybrid cgroups ("cgroups in hybrid mode not supported"), and no default
# ulimits, which the runtime may not be allowed to set ("setrlimit ... not permitted").
CONTAINERS_CONF = """\
# Written by tests/container: used through $CONTAINERS_CONF, the machine's own
# /etc/containers is left alone.
[containers]
default_ulimits = []

[engine]
runtime = "runc"
"""

# Labels every container and volume the tests create, so a human can find leftovers of
# a killed session: podman ps -a --filter label=workloadctl-test
LABEL = "workloadctl-test"


@dataclass(frozen=True)
class Result:
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def describe(self) -> str:
        return (
            f"$ {shlex.join(self.argv)}\nexit {self.returncode}\n"
            f"--- stdout ---\n{self.stdout.rstrip()}\n--- stderr ---\n{self.stderr.rstrip()}"
        )


class CommandFailed(AssertionError):
    pass


def run(
    argv: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    timeout: float,
    check: bool = False,
    input: str | None = None,
) -> Result:
    argv = list(argv)
    try:
        done = subprocess.run(
            argv,
            env=env,
            input=input,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        out = expired.stdout or b""
        text = out.decode(errors="replace") if isinstance(out, bytes) else out
        raise CommandFailed(
            f"$ {shlex.join(argv)}\ndid not finish within {timeout:.0f} s; output so far:\n{text}"
        ) from None
    result = Result(argv, done.returncode, done.stdout, done.stderr)
    if check and result.returncode != 0:
        raise CommandFailed(result.describe())
    return result


@dataclass(frozen=True)
class Podman:
    """podman with CONTAINERS_CONF pointing at the tests' own containers.conf."""

    conf: Path

    @classmethod
    def with_config_in(cls, directory: Path) -> Podman:
        conf = directory / "containers.conf"
        conf.write_text(CONTAINERS_CONF, encoding="utf-8")
        return cls(conf)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["CONTAINERS_CONF"] = str(self.conf)
        return env

    def __call__(
        self,
        *args: str,
        timeout: float = 60,
        check: bool = True,
        input: str | None = None,
    ) -> Result:
        return run(["podman", *args], env=self.env(), timeout=timeout, check=check, input=input)


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    pgid: int
    sid: int
    uid: int
    state: str
    start: int  # clock ticks after boot
    comm: str
    argv: tuple[str, ...]

    @property
    def cmdline(self) -> str:
        return " ".join(self.argv) if self.argv else f"[{self.comm}]"

    def line(self) -> str:
        return (
            f"{self.pid:>6} {self.ppid:>6} {self.sid:>6} {self.uid:>5} {self.state} {self.cmdline}"
        )


# Runs in the container as root; reads only what needs no CAP_SYS_PTRACE.
_PS_SCRIPT = textwrap.dedent(
    """
    import json, os
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                raw = f.read()
            uid = os.stat(f"/proc/{entry}").st_uid
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        rest = stat[stat.rindex(")") + 2 :].split()
        argv = [a.decode(errors="replace") for a in raw.rstrip(b"\\0").split(b"\\0")] if raw else []
        out.append({"pid": int(entry), "ppid": int(rest[1]), "pgid": int(rest[2]),
                    "sid": int(rest[3]), "uid": uid, "state": rest[0],
                    "start": int(rest[19]), "comm": comm, "argv": argv})
    print(json.dumps(out))
    """
)


def ps_table(procs: Sequence[Proc]) -> str:
    header = f"{'PID':>6} {'PPID':>6} {'SID':>6} {'UID':>5} S COMMAND"
    return "\n".join([header, *(p.line() for p in sorted(procs, key=lambda p: p.pid))])


class Container:
    """One container of the built image, run like docker-compose.yml runs the dev service."""

    def __init__(self, podman: Podman, name: str, *, repo: Path) -> None:
        self.podman = podman
        self.name = name
        self.repo = repo  # the host copy mounted as the repository
        self.started = time.monotonic()  # when `podman run` (or `start`) was called

    # -- commands inside ------------------------------------------------------------------

    def exec(self, argv: Sequence[str], *, user: str | None = None, timeout: float = 60) -> Result:
        user_args = ["-u", user] if user else []
        return self.podman("exec", *user_args, self.name, *argv, timeout=timeout, check=False)

    def root(self, script: str, *, timeout: float = 60) -> Result:
        """As root with the container's own environment (what `podman exec` gives)."""
        return self.exec(["sh", "-c", script], timeout=timeout)

    def dev(self, script: str, *, timeout: float = 60) -> Result:
        """As the developer in a LOGIN shell: what a VS Code terminal is."""
        return self.exec(["bash", "-lc", script], user=UNAME, timeout=timeout)

    def status(self, *, as_developer: bool = False) -> tuple[dict[str, Any] | None, Result]:
        """`workloadctl status --json`: the parsed document (None if not JSON) and the run."""
        command = "workloadctl status --json"
        result = self.dev(command) if as_developer else self.root(command)
        try:
            doc = json.loads(result.stdout)
        except json.JSONDecodeError:
            return None, result
        return (doc if isinstance(doc, dict) else None), result

    def processes(self) -> list[Proc]:
        result = self.exec(["python3", "-c", _PS_SCRIPT])
        if result.returncode != 0:
            raise CommandFailed(result.describe())
        procs = [Proc(**{**p, "argv": tuple(p["argv"])}) for p in json.loads(result.stdout)]
        # `podman exec` processes come from outside the PID namespace (parent PID 0), like
        # PID 1: leave out this probe itself.
        return [p for p in procs if p.ppid != 0 or p.pid == 1]

    def write_file(self, path: str, text: str, *, user: str | None = None) -> None:
        result = self.podman(
            "exec",
            "-i",
            *(["-u", user] if user else []),
            self.name,
            "sh",
            "-c",
            f"cat > {shlex.quote(path)}",
            input=text,
            check=False,
        )
        if result.returncode != 0:
            raise CommandFailed(result.describe())

    # -- the container itself -------------------------------------------------------------

    def logs(self, *, since: str | None = None) -> str:
        extra = ["--since", since] if since else []
        result = self.podman("logs", *extra, self.name, timeout=60, check=False)
        return result.stdout + result.stderr

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.logs().splitlines()[-lines:])

    def inspect(self) -> dict[str, Any]:
        result = self.podman("inspect", "--type", "container", self.name, check=True)
        docs = json.loads(result.stdout)
        return dict(docs[0])

    def state(self) -> dict[str, Any]:
        return dict(self.inspect()["State"])

    def is_running(self) -> bool:
        return bool(self.state().get("Running"))

    def stop(self, *, timeout: int = 30) -> Result:
        return self.podman(
            "stop", "--time", str(timeout), self.name, timeout=timeout + 60, check=False
        )

    def start(self) -> Result:
        self.started = time.monotonic()
        return self.podman("start", self.name, timeout=120, check=True)

    def remove(self) -> None:
        self.podman("rm", "--force", "--time", "5", self.name, timeout=120, check=False)

    def diagnostics(self) -> str:
        """What to look at when a test fails: status, processes, the end of the log."""
        parts = []
        try:
            if self.is_running():
                _, status = self.status()
                parts.append("workloadctl status --json (root):\n" + status.output.strip())
                parts.append("processes:\n" + ps_table(self.processes()))
            else:
                parts.append(f"container not running: {self.state()}")
        except AssertionError as error:
            parts.append(f"(diagnostics failed: {error})")
        parts.append("podman logs (last 60 lines):\n" + self.log_tail())
        return "\n\n".join(parts)


def stream(
    argv: Sequence[str],
    *,
    env: dict[str, str] | None,
    log: Path,
    on_line: Callable[[str], None],
    timeout: float,
) -> tuple[int, bool]:
    """Run `argv`, its output into `log` and line by line to `on_line`; kill it after
    `timeout` seconds even when it prints nothing. Returns (exit code, timed out)."""
    with log.open("a", encoding="utf-8") as sink:
        sink.write("$ " + shlex.join(argv) + "\n")
        sink.flush()
        proc = subprocess.Popen(
            list(argv),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                sink.write(line)
                sink.flush()
                on_line(line)
            code = proc.wait(timeout=60)
        finally:
            timed_out = not timer.is_alive() and proc.returncode in (None, -9)
            timer.cancel()
    return code, timed_out


def log_tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
