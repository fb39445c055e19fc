"""What each command on a measured path imports (issue 13: every import is paid on every
`status`, every manager restart and boot). Each runs in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _imported(modules: str) -> set[str]:
    code = f"import sys, {modules}; print('\\n'.join(sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


@pytest.mark.parametrize(
    "absent",
    [
        "workloadctl.runtime.decision",  # deciding: only `launch` needs it
        "workloadctl.checks.supervisord",
        "workloadctl.checks.process_compose",
        "secrets",  # only for a password the state dir lacks
    ],
)
def test_finish_imports_only_recording_and_reaping(absent: str) -> None:
    assert absent not in _imported("workloadctl.cli, workloadctl.commands.finish")
