"""supervisorctl and process-compose's own client in the real container (issue 10, point
3): exactly the lines `workloadctl creds` prints, and `workloadctl supervisorctl` /
`workloadctl process-compose`, as the developer in a login shell (no sudo), as root, and
under sudo."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator

import pytest

from creds_lines import creds_lines

from .harness import Containers
from .podman import Container, Result
from .stack import must, wait_ready

pytestmark = pytest.mark.container


@pytest.fixture(scope="module")
def dev(containers: Containers) -> Iterator[Container]:
    container = containers.create("pt3-passthrough")
    wait_ready(container)
    yield container
    containers.remove(container)


def _as(container: Container, who: str, script: str) -> Result:
    if who == "developer":
        return container.dev(script)
    if who == "sudo":
        return container.dev(f"sudo {script}")
    return container.exec(["bash", "-lc", script])


@pytest.mark.parametrize("who", ["developer", "root"])
def test_the_lines_creds_prints_work_as_printed(dev: Container, who: str) -> None:
    lines = creds_lines(must(_as(dev, who, "workloadctl creds")).stdout)
    for label in ("supervisord supervisorctl", "supervisord or directly"):
        ran = _as(dev, who, lines[label])
        # supervisorctl's own status: 3 while a program is down, and the template's
        # code-server and difit are autostart=false (STOPPED, Not started).
        assert ran.returncode in (0, 3), f"{label}: {lines[label]}\n{ran.describe()}"
        assert ran.stderr == "" and "Unauthorized" not in ran.stdout, ran.describe()
        assert re.search(r"^docs\s+RUNNING", ran.stdout, re.MULTILINE), ran.describe()
    client = lines["process-compose client"]
    ran = must(_as(dev, who, client))
    assert "static-site" in ran.stdout, ran.describe()


@pytest.mark.parametrize("who", ["developer", "root", "sudo"])
def test_workloadctl_supervisorctl_and_process_compose(dev: Container, who: str) -> None:
    status = _as(dev, who, "workloadctl supervisorctl status docs")
    assert status.returncode == 0 and "RUNNING" in status.stdout, status.describe()
    listed = must(_as(dev, who, "workloadctl process-compose process list -o json"))
    names = {p["name"] for p in json.loads(listed.stdout)}
    assert "static-site" in names, listed.describe()


def test_the_template_comment_works_as_shown(dev: Container) -> None:
    """project.conf's comment: `workloadctl supervisorctl start difit` reaches supervisord
    (difit is not installed in the image: supervisorctl's own spawn error, never 401)."""
    text = (dev.repo / "workloads/supervisord/project.conf").read_text()
    assert "`workloadctl supervisorctl start difit`" in text
    ran = dev.dev(shlex.join(["workloadctl", "supervisorctl", "start", "difit"]))
    assert "401" not in ran.output and "Unauthorized" not in ran.output, ran.describe()
    assert "difit" in ran.output, ran.describe()
    dev.dev("workloadctl supervisorctl stop difit")
