"""Files that could block or never end are never read, by us or by Supervisor's parser."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

from supervisord_support import include_conf

from workloadctl.checks.supervisord.context import Context
from workloadctl.checks.supervisord.ini import scan_ini
from workloadctl.checks.supervisord.translate import verdict_findings
from workloadctl.checks.supervisord.verdict import supervisor_verdict
from workloadctl.fileio import MAX_CONFIG_BYTES
from workloadctl.findings import Severity

ENV = {"HOME": "/root", "PATH": "/usr/bin:/bin"}
# A hang guard, not a measurement: a regression fails here instead of hanging the suite.
HANG_GUARD_SECONDS = 120
# A regression that reads /dev/zero hits this instead of the machine's memory.
MEMORY_GUARD_BYTES = 1024 * 1024 * 1024


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_GUARD_BYTES, MEMORY_GUARD_BYTES))


def _validate(conf: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workloadctl", "validate", str(conf)],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_SECONDS,
        preexec_fn=_limit_memory,
        env={**os.environ, **ENV},
        check=False,
    )


def test_validate_of_a_fifo_include_returns_with_a_finding_on_its_line(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.conf")
    conf = include_conf(tmp_path, "pipe.conf")
    done = _validate(conf)
    assert done.returncode == 1, done.stderr
    assert f"{conf}:7: error: included file {tmp_path / 'pipe.conf'} is not a regular" in (
        done.stdout
    )
    assert "[SV015]" in done.stdout and "Traceback" not in done.stderr


def test_validate_of_dev_zero_include_is_one_finding_and_never_read(tmp_path: Path) -> None:
    conf = include_conf(tmp_path, "/dev/zero")
    done = _validate(conf)
    assert done.returncode == 1, done.stderr
    # Before: Supervisor read /dev/zero until MemoryError (SV001), or the machine's limit.
    assert "MemoryError" not in done.stdout and "[SV001]" not in done.stdout
    lines = [line for line in done.stdout.splitlines() if ": error: " in line]
    assert lines == [
        f"{conf}:7: error: included file /dev/zero is not a regular file (a FIFO, socket or "
        "device); not read, as reading it could block forever [SV015]"
    ]


def test_supervisors_parser_is_not_let_read_a_device_include(tmp_path: Path) -> None:
    # /dev/null ends at once, so a regression shows as a wrong verdict, not a hang.
    verdict = supervisor_verdict(include_conf(tmp_path, "/dev/null"), ENV)
    assert verdict.unsafe_file == ("/dev/null", "is not a regular file (a FIFO, socket or device)")
    assert not verdict.accepted


def test_supervisors_parser_is_not_let_read_a_device_as_main_file() -> None:
    verdict = supervisor_verdict(Path("/dev/null"), ENV)
    assert verdict.unsafe_file is not None and verdict.unsafe_file[0] == "/dev/null"
    assert verdict.error is None  # it never got as far as "no [supervisord] section"


def test_supervisors_parser_is_not_let_read_an_oversized_include(tmp_path: Path) -> None:
    big = tmp_path / "big.conf"
    big.write_text("[program:x]\ncommand=/bin/true\n" + "; pad\n" * (MAX_CONFIG_BYTES // 6 + 1))
    verdict = supervisor_verdict(include_conf(tmp_path, "big.conf"), ENV)
    assert verdict.unsafe_file is not None
    assert verdict.unsafe_file[0] == str(big)
    assert "larger than" in verdict.unsafe_file[1]


def test_a_file_only_supervisors_parser_meets_is_a_finding_on_the_include_line(
    tmp_path: Path,
) -> None:
    # The include became a device after our own reading (a race): Supervisor's guarded
    # parse is what stops, and that alone is reported, on the [include] line. (/dev/null:
    # a regression reads it and ends, instead of hanging on a FIFO.)
    conf = include_conf(tmp_path, "later.conf")
    ctx = Context(path=conf, env=ENV, on_target=False)
    ctx.model.documents.append(scan_ini(conf.read_text(), ctx.file))
    (tmp_path / "later.conf").symlink_to("/dev/null")
    findings = verdict_findings(ctx, supervisor_verdict(conf, ENV), own=[])
    assert [(f.file, f.line, f.code, f.severity) for f in findings] == [
        (str(conf), 7, "SV015", Severity.ERROR)
    ]
    assert f"Supervisor would read {tmp_path / 'later.conf'}, which is not a regular" in (
        findings[0].message
    )
