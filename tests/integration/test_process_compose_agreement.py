"""Our process-compose verdict against the real binary (v1.122.0), file by file.

For every file of our corpus (tests/fixtures/process_compose/corpus) and of
process-compose's own files (<repo>/../shared/upstream-corpus/process-compose), run
`process-compose --dry-run -f FILE -L <tmp>/pc.log` from the file's directory with a
controlled environment and compare: exit 0 must mean that we report no error, exit 1
that we report one. `--dry-run` exits before the API server would start (cmd/root.go,
runProjectCmd), so no port is bound and no `--no-server` is needed; its own `-L` log keeps
it away from any running instance's log.

Where process-compose misses what we catch (unknown keys nested under availability,
shutdown, probes, depends_on), the file is listed in EXPECTED_DIFFERENCES with the
reason, and the test checks that process-compose really accepts it, so the list cannot
rot.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from workloadctl.checks.process_compose import load_process_compose
from workloadctl.findings import Severity
from workloadctl.settings import process_compose_binary

from .stack_support import PROCESS_COMPOSE_MISSING, process_compose_available

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "fixtures" / "process_compose" / "corpus"
UPSTREAM = REPO.parent / "shared" / "upstream-corpus" / "process-compose"
WORKERS = 2
PC_TIMEOUT = 30

_NESTED = "process-compose decodes {} without strict key checks and silently ignores the typo"
EXPECTED_DIFFERENCES: dict[str, str] = {
    "invalid-nested-availability-key.yaml": _NESTED.format("`availability`"),
    "invalid-nested-depends-on-key.yaml": _NESTED.format("a `depends_on` entry"),
    "invalid-nested-probe-key.yaml": _NESTED.format("`readiness_probe`"),
    "invalid-nested-shutdown-key.yaml": _NESTED.format("`shutdown`"),
}
# Paths relative to the upstream corpus; none so far.
UPSTREAM_EXPECTED_DIFFERENCES: dict[str, str] = {}


def controlled_env() -> dict[str, str]:
    """No PC_* variables, no COMPOSE_SHELL, a fixed PATH (the shell check reads it) and a
    fixed HOME (configs use ${HOME}; process-compose only looks for its settings there)."""
    return {"HOME": "/nonexistent-pc-home", "PATH": "/usr/local/bin:/usr/bin:/bin"}


def _files(root: Path, pattern: str) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob(pattern) if p.is_file())


def corpus_files() -> list[Path]:
    return [p for p in _files(CORPUS, "*.yaml") if p.name.startswith(("valid-", "invalid-"))]


def upstream_files() -> list[Path]:
    # process-compose loads JSON too (YAML is a superset); .env files are not configs.
    return [p for p in _files(UPSTREAM, "*") if p.suffix in (".yaml", ".yml", ".json")]


@pytest.fixture(scope="module")
def binary() -> str:
    found = process_compose_binary()
    if found is None or not process_compose_available():
        pytest.skip(PROCESS_COMPOSE_MISSING)
    return found


@dataclass(frozen=True)
class Verdict:
    exit_code: int
    stderr: str

    @property
    def valid(self) -> bool:
        return self.exit_code == 0

    @property
    def reason(self) -> str:
        lines = [line for line in self.stderr.splitlines() if '"level":"debug"' not in line]
        return re.sub(r"\x1b\[[0-9;]*m", "", " | ".join(lines))[-400:]


def dry_run(binary: str, path: Path, scratch: Path) -> Verdict:
    scratch.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [binary, "--dry-run", "-f", path.name, "-L", str(scratch / "pc.log")],
        cwd=path.parent,
        env=controlled_env(),
        capture_output=True,
        text=True,
        timeout=PC_TIMEOUT,
        check=False,
    )
    return Verdict(proc.returncode, proc.stderr)


def in_pool(paths: list[Path], work: Callable[[Path, Path], Any]) -> dict[Path, Any]:
    with tempfile.TemporaryDirectory(prefix="pc-agree-") as tmp:
        scratch = {path: Path(tmp) / str(index) for index, path in enumerate(paths)}
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            results = pool.map(lambda p: work(p, scratch[p]), paths)
            return dict(zip(paths, results, strict=True))


@pytest.fixture(scope="module")
def verdicts(binary: str) -> dict[Path, Verdict]:
    return in_pool(corpus_files() + upstream_files(), lambda p, s: dry_run(binary, p, s))


def our_errors(path: Path) -> list[str]:
    result = load_process_compose(path, env=controlled_env())
    return [f.render() for f in result.findings if f.severity is Severity.ERROR]


def check_agreement(path: Path, verdict: Verdict, expected: dict[str, str], key: str) -> None:
    ours = our_errors(path)
    if key in expected:
        assert verdict.valid, f"process-compose now rejects {key}: drop it from the list"
        assert ours, f"we now accept {key}: drop it from the list"
        return
    assert verdict.valid == (not ours), (
        f"{key}: process-compose exit {verdict.exit_code} ({verdict.reason}); "
        f"ours: {ours or 'no errors'}"
    )


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: str(p.relative_to(CORPUS)))
def test_corpus_verdict_agrees(path: Path, verdicts: dict[Path, Verdict]) -> None:
    check_agreement(path, verdicts[path], EXPECTED_DIFFERENCES, path.name)


@pytest.mark.parametrize(
    "path", upstream_files(), ids=lambda p: str(p.relative_to(UPSTREAM)) if UPSTREAM else ""
)
def test_upstream_verdict_agrees(path: Path, verdicts: dict[Path, Verdict]) -> None:
    key = str(path.relative_to(UPSTREAM))
    check_agreement(path, verdicts[path], UPSTREAM_EXPECTED_DIFFERENCES, key)


def test_upstream_corpus_is_present_or_skipped() -> None:
    if not UPSTREAM.is_dir():
        pytest.skip(f"no upstream corpus at {UPSTREAM}")
    assert len(upstream_files()) >= 40


def test_expected_differences_name_existing_files() -> None:
    names = {p.name for p in corpus_files()}
    assert set(EXPECTED_DIFFERENCES) <= names
    assert all(name.startswith("invalid-") for name in EXPECTED_DIFFERENCES)


def test_the_environment_is_controlled() -> None:
    env = controlled_env()
    assert not [k for k in env if k.startswith("PC_") or k == "COMPOSE_SHELL"]
    assert os.pathsep in env["PATH"]
