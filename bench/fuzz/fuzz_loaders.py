"""Fuzz every config loader with hypothesis: supervisord, process-compose, the s6-rc source
tree and devcontainer.json (with its compose file). Each loader must return findings for
any input: a raised exception is a traceback, an input that takes longer than the
per-input timeout is a hang, a MemoryError (each loader runs in its own process under an
address-space limit) is unbounded memory. Then a differential: generated process-compose
configs, our verdict against the real `process-compose --dry-run`.

Usage: python bench/fuzz/fuzz_loaders.py [--examples N] [--differential N] [--json PATH]
The JSON ($WORKLOADCTL_FUZZ_JSON, default /tmp/workloadctl-fuzz.json) holds every failing
input.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
from inputs import (
    compose_yaml,
    devcontainer_json,
    process_compose_doc,
    process_compose_text,
    s6rc_tree,
    supervisord_ini,
)

from workloadctl.checks.devcontainer import check_devcontainer
from workloadctl.checks.process_compose import load_process_compose
from workloadctl.checks.s6rc import load_s6rc_tree
from workloadctl.checks.supervisord import load_supervisord
from workloadctl.findings import Severity
from workloadctl.settings import process_compose_binary

LOADERS = ("supervisord", "process-compose", "s6-rc", "devcontainer")
ENV_JSON = "WORKLOADCTL_FUZZ_JSON"
DEFAULT_JSON = "/tmp/workloadctl-fuzz.json"
INPUT_TIMEOUT = 2.0
MEMORY_LIMIT = 2 * 1024**3  # address space of each loader's process
PC_TIMEOUT = 30
PC_MEMORY_LIMIT = 4 * 1024**3
ENV = {"HOME": "/nonexistent-home", "PATH": "/usr/local/bin:/usr/bin:/bin", "X": "1"}
SETTINGS = dict(
    deadline=None,
    database=None,
    derandomize=False,
    phases=[Phase.generate],  # nothing fails the test: every failure is recorded instead
    suppress_health_check=list(HealthCheck),
)


class InputTimeout(BaseException):
    """Raised by SIGALRM; a BaseException, so no loader's `except Exception` swallows it."""


def _alarm(_signum: int, _frame: Any) -> None:
    raise InputTimeout


def safe_name(name: str) -> bool:
    return bool(name) and name not in (".", "..") and "/" not in name and "\x00" not in name


# --- writing one input to disk --------------------------------------------------------------


def special_files(scratch: Path) -> None:
    """Include targets a loader must not read: a FIFO, a device, an endless device."""
    os.mkfifo(scratch / "fifo")


def write_supervisord(scratch: Path, data: st.DataObject) -> Callable[[], Any]:
    # Every draw comes before any write: a write that fails must not change what is drawn.
    specials = data.draw(st.integers(0, 99)) == 0
    names = ["inc1.conf", "inc2.conf", "*.conf", "conf.d/*.ini", "missing.conf"]
    names.append("%(here)s/inc1.conf")
    if specials:
        names += ["fifo", "/dev/null", "/dev/zero"]
    included = {n: data.draw(st.none() | supervisord_ini([])) for n in ("inc1.conf", "inc2.conf")}
    text = data.draw(
        st.one_of(supervisord_ini(names), supervisord_ini(names), st.text(max_size=200))
    )
    on_target = data.draw(st.booleans())
    if specials:
        special_files(scratch)
    for name, body in included.items():
        if body is not None:
            (scratch / name).write_text(body, errors="surrogatepass")
    main = scratch / "supervisord.conf"
    main.write_text(text, errors="surrogatepass")
    return lambda: load_supervisord(main, env=ENV, on_target=on_target)


def write_process_compose(scratch: Path, data: st.DataObject) -> Callable[[], Any]:
    path = scratch / "process-compose.yaml"
    path.write_text(data.draw(process_compose_text()), errors="surrogatepass")
    return lambda: load_process_compose(path, env=ENV, cwd=scratch)


def write_s6rc(scratch: Path, data: st.DataObject) -> Callable[[], Any]:
    tree = data.draw(s6rc_tree())
    fifo = data.draw(st.integers(0, 99)) == 0
    root = scratch / "s6-rc.d"
    root.mkdir()
    for name, entries in tree.items():
        if not safe_name(name):
            continue
        service = root / name
        service.mkdir(exist_ok=True)
        executable = entries.pop("executable")
        for entry, value in entries.items():
            if isinstance(value, list):
                (service / entry).mkdir(exist_ok=True)
                for member in value:
                    if safe_name(member):
                        (service / entry / member).touch()
            else:
                (service / entry).write_text(value, errors="surrogatepass")
                if executable and entry in ("run", "finish", "up", "down"):
                    (service / entry).chmod(0o755)
    if fifo:
        (root / "fifo-service").mkdir(exist_ok=True)
        os.mkfifo(root / "fifo-service" / "type")
    return lambda: load_s6rc_tree(root)


def write_devcontainer(scratch: Path, data: st.DataObject) -> Callable[[], Any]:
    config = data.draw(devcontainer_json())
    compose = data.draw(st.none() | compose_yaml())
    fifo = data.draw(st.integers(0, 99)) == 0
    folder = scratch / ".devcontainer"
    folder.mkdir()
    (folder / "devcontainer.json").write_text(config, errors="surrogatepass")
    if compose is not None:
        (folder / "docker-compose.yml").write_text(compose, errors="surrogatepass")
    if fifo:
        os.mkfifo(folder / "other.yml")
    return lambda: check_devcontainer(scratch)


WRITERS: dict[str, Callable[[Path, st.DataObject], Callable[[], Any]]] = {
    "supervisord": write_supervisord,
    "process-compose": write_process_compose,
    "s6-rc": write_s6rc,
    "devcontainer": write_devcontainer,
}


def snapshot(scratch: Path) -> dict[str, str]:
    """The input's files, to print as a reproducer."""
    files: dict[str, str] = {}
    for path in sorted(scratch.rglob("*")):
        if path.is_file() and not path.is_symlink():
            files[str(path.relative_to(scratch))] = path.read_text(errors="replace")[:2000]
        elif not path.is_dir():
            files[str(path.relative_to(scratch))] = "<special file>"
    return files


# --- one loader, in its own process ----------------------------------------------------------


def fuzz_one_loader(loader: str, examples: int) -> dict[str, Any]:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    signal.signal(signal.SIGALRM, _alarm)
    counts: Counter[str] = Counter()
    failures: list[dict[str, Any]] = []
    slowest = 0.0
    base = Path(tempfile.mkdtemp(prefix=f"wlc-fuzz-{loader}-"))

    def run(data: st.DataObject) -> None:
        nonlocal slowest
        scratch = base / str(counts["generated"])
        counts["generated"] += 1
        scratch.mkdir()
        try:
            call = WRITERS[loader](scratch, data)
        except (OSError, ValueError, UnicodeError):
            counts["unwritable"] += 1
            shutil.rmtree(scratch, ignore_errors=True)
            return
        counts["inputs"] += 1
        started = time.monotonic()
        outcome = None
        try:
            signal.setitimer(signal.ITIMER_REAL, INPUT_TIMEOUT)
            try:
                call()
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except InputTimeout:
            outcome = ("hang", f"no answer within {INPUT_TIMEOUT} s")
        except MemoryError:
            outcome = ("memory", f"MemoryError under a {MEMORY_LIMIT >> 30} GB address-space limit")
        except Exception:
            outcome = ("traceback", traceback.format_exc(limit=-4))
        slowest = max(slowest, time.monotonic() - started)
        if outcome is not None:
            counts[outcome[0]] += 1
            if len(failures) < 50:
                failures.append(
                    {"kind": outcome[0], "detail": outcome[1], "input": snapshot(scratch)}
                )
        shutil.rmtree(scratch, ignore_errors=True)

    try:
        # Inputs that cannot be written (a name too long for the file system) do not
        # count: go on until `examples` inputs reached the loader.
        while counts["inputs"] < examples:
            remaining = examples - counts["inputs"]
            settings(max_examples=remaining, **SETTINGS)(given(st.data())(run))()  # type: ignore[arg-type]
    finally:
        shutil.rmtree(base, ignore_errors=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "loader": loader,
        **counts,
        "slowest_s": round(slowest, 3),
        "peak_rss_mb": round(peak_mb),
        "failures": failures,
    }


def run_child(loader: str, examples: int, timeout: float) -> dict[str, Any]:
    """Run one loader's fuzzing in its own process; its death is a finding too."""
    with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
        argv = [
            sys.executable,
            __file__,
            "--child",
            loader,
            "--examples",
            str(examples),
            "--json",
            out.name,
        ]
        try:
            done = subprocess.run(
                argv, timeout=timeout, check=False, capture_output=True, text=True
            )
        except subprocess.TimeoutExpired:
            return {"loader": loader, "died": f"the fuzzing process ran over {timeout:.0f} s"}
        if done.returncode != 0:
            return {"loader": loader, "died": f"exit {done.returncode}: {done.stderr[-2000:]}"}
        return dict(json.loads(Path(out.name).read_text()))


# --- the differential against process-compose --dry-run ----------------------------------------


def pc_limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (PC_MEMORY_LIMIT, PC_MEMORY_LIMIT))


def differential(count: int) -> dict[str, Any]:
    binary = process_compose_binary()
    if binary is None or not os.access(binary, os.X_OK):
        return {"skipped": "process-compose is not installed (make setup installs it)"}
    kinds: Counter[str] = Counter()
    examples: dict[str, dict[str, Any]] = {}
    base = Path(tempfile.mkdtemp(prefix="wlc-fuzz-pc-diff-"))
    seen = Counter[str]()
    from inputs import dump_yaml

    @settings(max_examples=count, **SETTINGS)  # type: ignore[arg-type]
    @given(process_compose_doc(odd=12, big_ints=False).map(dump_yaml))
    def run(text: str) -> None:
        scratch = base / str(seen["n"])
        seen["n"] += 1
        scratch.mkdir()
        path = scratch / "process-compose.yaml"
        path.write_text(text)
        result = load_process_compose(path, env=ENV, cwd=scratch)
        ours = sorted({f.code for f in result.findings if f.severity is Severity.ERROR})
        try:
            done = subprocess.run(
                [binary, "--dry-run", "-f", path.name, "-L", str(scratch / "pc.log")],
                cwd=scratch,
                env=ENV,
                capture_output=True,
                text=True,
                timeout=PC_TIMEOUT,
                check=False,
                preexec_fn=pc_limits,
            )
            theirs_ok, reason = done.returncode == 0, last_line(done.stderr)
        except subprocess.TimeoutExpired:
            theirs_ok, reason = False, f"dry-run ran over {PC_TIMEOUT} s"
        if theirs_ok and not ours:
            kind = "agree: valid"
        elif not theirs_ok and ours:
            kind = "agree: invalid"
        elif theirs_ok:
            known = set(ours) <= {"PC008"}
            kind = f"{'known' if known else 'DISAGREE'}: we reject ({','.join(ours)}), it accepts"
        else:
            kind = f"DISAGREE: we accept, it rejects ({reason[:80]})"
        kinds[kind] += 1
        if kind.startswith("DISAGREE") and kind not in examples:
            examples[kind] = {
                "config": text,
                "ours": [f.render() for f in result.findings],
                "theirs": reason,
            }
        shutil.rmtree(scratch, ignore_errors=True)

    try:
        run()
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return {"configs": seen["n"], "kinds": dict(kinds.most_common()), "examples": examples}


def last_line(stderr: str) -> str:
    import re

    lines = [ln for ln in stderr.splitlines() if ln.strip() and '"level":"debug"' not in ln]
    text = re.sub(r"\x1b\[[0-9;]*m", "", lines[-1] if lines else "")
    return re.sub(r"/tmp/\S+", "<tmp>", text)


# --- report ------------------------------------------------------------------------------------


def render(results: list[dict[str, Any]], diff: dict[str, Any]) -> str:
    head = f"{'loader':16s} {'inputs':>7s} {'tracebacks':>10s} {'hangs':>6s} {'memory':>6s} {'slowest s':>9s} {'peak RSS MB':>11s}"
    lines = [head, "-" * len(head)]
    for r in results:
        if "died" in r:
            lines.append(f"{r['loader']:16s} DIED: {r['died'][:200]}")
            continue
        lines.append(
            f"{r['loader']:16s} {r.get('inputs', 0):>7d} {r.get('traceback', 0):>10d} {r.get('hang', 0):>6d}"
            f" {r.get('memory', 0):>6d} {r['slowest_s']:>9.3f} {r['peak_rss_mb']:>11d}"
        )
    lines.append("")
    if "skipped" in diff:
        lines.append(f"differential skipped: {diff['skipped']}")
    else:
        lines.append(f"differential against process-compose --dry-run: {diff['configs']} configs")
        for kind, n in diff["kinds"].items():
            lines.append(f"  {n:5d}  {kind}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000, help="inputs per loader")
    parser.add_argument("--differential", type=int, default=500, help="process-compose configs")
    parser.add_argument("--loaders", default=",".join(LOADERS))
    parser.add_argument("--json", default=os.environ.get(ENV_JSON, DEFAULT_JSON))
    parser.add_argument("--max-minutes", type=float, default=60.0, help="per loader")
    parser.add_argument("--child", choices=LOADERS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        Path(args.json).write_text(json.dumps(fuzz_one_loader(args.child, args.examples)))
        return 0
    results = []
    for loader in args.loaders.split(","):
        started = time.monotonic()
        result = run_child(loader, args.examples, args.max_minutes * 60)
        print(f"{loader}: {time.monotonic() - started:.0f} s", flush=True)
        results.append(result)
    diff: dict[str, Any] = (
        differential(args.differential) if args.differential else {"skipped": "--differential 0"}
    )
    print()
    print(render(results, diff))
    for r in results:
        for failure in r.get("failures", [])[:3]:
            print(
                f"\n{r['loader']} {failure['kind']}: {failure['detail'][-800:]}\ninput: {json.dumps(failure['input'])[:800]}"
            )
    for kind, example in diff.get("examples", {}).items():
        print(
            f"\n{kind}\n{example['config'][:600]}ours: {example['ours'][:3]}\ntheirs: {example['theirs']}"
        )
    Path(args.json).write_text(json.dumps({"loaders": results, "differential": diff}, indent=2))
    print(f"\nJSON: {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
