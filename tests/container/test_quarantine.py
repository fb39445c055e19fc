"""Scenario 5: a crash loop quarantines supervisord's project config (the onboarding
guide's "Quarantined after a crash loop", in the container): a stray process holds the
web UI's port 9001, supervisord dies on every start until the launcher quarantines the
file and runs the seed (DEGRADED); the holder gone, the developer, in a login shell and
without sudo, runs exactly the fix the banner prints and gets the project config back."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from .harness import Containers
from .podman import Container, Result, ps_table
from .stack import Status, managers, must, not_ready, wait_ready, wait_status
from .waiting import wait_for

pytestmark = pytest.mark.container

MANAGER = "supervisord"
WEB_UI_PORT = 9001  # inet_http_server in workloads/supervisord/project.conf and the seed
HOLDER = ("python3", "-m", "http.server", str(WEB_UI_PORT), "--bind", "127.0.0.1")
STATE_DIR = "/var/lib/workloadctl"
QUARANTINE_RECORD = f"{STATE_DIR}/quarantine/{MANAGER}.json"
# 5 deaths within 60 s (WORKLOADCTL_QUARANTINE_DEATHS/WINDOW); s6 restarts once a second.
QUARANTINE_TIMEOUT = 90.0
FIX = f"workloadctl restart {MANAGER} --clear-quarantine"
# The banner's "what to do": `#  ... or run` then `#      <command> --clear-quarantine`.
BANNER_FIX = re.compile(r", or run\s*\n#\s+(\S.*--clear-quarantine)\s*$", re.MULTILINE)


@pytest.fixture
def crashing(containers: Containers) -> Iterator[Container]:
    container = containers.create("quarantine")
    wait_ready(container)
    yield container
    containers.remove(container)


def holders(container: Container) -> list[int]:
    return [p.pid for p in container.processes() if p.argv == HOLDER and p.state != "Z"]


def port_held(container: Container) -> tuple[bool, Result]:
    """The stray holder (not supervisord) answers on the web UI's port."""
    result = container.root(
        f"curl -s -o /dev/null -D - http://127.0.0.1:{WEB_UI_PORT}/ | grep -i '^server:'"
    )
    return result.returncode == 0 and "SimpleHTTP" in result.stdout, result


def test_crash_loop_quarantine_lifted_by_the_developer(crashing: Container) -> None:
    # As root: supervisord down (a deliberate stop is no death), the port taken by a
    # detached stray process, supervisord up again: it dies on every start.
    must(crashing.root(f"workloadctl stop {MANAGER}"))
    started = must(crashing.root(f"setsid {' '.join(HOLDER)} </dev/null >/dev/null 2>&1 & echo $!"))
    holder = int(started.stdout)
    wait_for(
        f"a stray http.server on port {WEB_UI_PORT}",
        lambda: port_held(crashing),
        timeout=30,
        describe=Result.describe,
    )
    crashing.root(f"workloadctl start {MANAGER}", timeout=120)  # fails, as it should

    def quarantined() -> tuple[bool, Result]:
        result = crashing.root(f"cat {QUARANTINE_RECORD}")
        return result.returncode == 0, result

    wait_for(
        f"the quarantine record {QUARANTINE_RECORD}",
        quarantined,
        timeout=QUARANTINE_TIMEOUT,
        describe=lambda seen: seen.describe() + "\n\n" + crashing.diagnostics(),
    )

    # The holder gone, the seed (which wants 9001 too) runs: status says DEGRADED, exit 3.
    assert holders(crashing) == [holder], ps_table(crashing.processes())
    must(crashing.root(f"kill {holder}"))

    def on_seed(doc: Status | None) -> str | None:
        seen = managers(doc or {}).get(MANAGER, {})
        if seen.get("state") != "running" or not seen.get("degraded"):
            return f"{MANAGER}: {seen}"
        return None

    doc, _ = wait_status(crashing, f"{MANAGER} running its seed", on_seed, timeout=60)
    assert managers(doc)[MANAGER]["config"] == "seed", managers(doc)[MANAGER]
    # What the developer sees: the DEGRADED line with the fix, exit 3. The seed's
    # code-server is not in the image, so it fails too, but that is the seed's doing: 3
    # outranks 1 for a seed's own programs (control/status.py).
    seen = crashing.dev("workloadctl status")
    assert seen.returncode == 3, seen.describe()
    assert f"DEGRADED: {MANAGER} runs its SEED config" in seen.stdout, seen.describe()
    assert "quarantined: died" in seen.stdout, seen.describe()
    assert f"`{FIX}`" in seen.stdout, seen.describe()

    # The fix exactly as the banner prints it, as the developer in a login shell, no sudo.
    log = crashing.logs()
    assert f"{MANAGER} is running the SEED config" in log, log
    printed = BANNER_FIX.findall(log)
    assert printed, "no --clear-quarantine command in the banner:\n" + log
    assert printed[-1] == FIX, printed
    fixed = crashing.dev(printed[-1], timeout=120)
    assert fixed.returncode == 0, fixed.describe() + "\n\n" + crashing.diagnostics()
    assert "quarantine lifted" in fixed.stdout, fixed.describe()
    assert "project config" in fixed.stdout, fixed.describe()

    wait_ready(crashing)
    after = crashing.dev("workloadctl status")
    assert after.returncode == 0, after.describe()
    final, result = crashing.status(as_developer=True)
    assert not_ready(final) is None, result.describe()
    gone = crashing.root(f"test -e {QUARANTINE_RECORD}")
    assert gone.returncode == 1, "the quarantine record is still there:\n" + gone.describe()
