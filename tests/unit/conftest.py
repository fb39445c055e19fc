"""Fixtures shared by unit tests in several packages."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest


@pytest.fixture
def live_process() -> Iterator[subprocess.Popen[bytes]]:
    """A live process standing for a stack's s6-svscan (and its unshare)."""
    process = subprocess.Popen(["sleep", "600"])
    try:
        yield process
    finally:
        process.kill()
        process.wait()
