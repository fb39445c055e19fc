"""`.devcontainer/host-env.sh`: what it writes to `.devcontainer/.env` for the host's
user (root included), the overrides, and the one-line refusals. Run with `sh` on a copy,
as devcontainer.json's initializeCommand runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / ".devcontainer" / "host-env.sh"
OVERRIDES = ("WORKLOADCTL_HOST_UNAME", "WORKLOADCTL_HOST_UID", "WORKLOADCTL_HOST_GID")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    repo = tmp_path / "shop-api"
    (repo / ".devcontainer").mkdir(parents=True)
    shutil.copy2(SCRIPT, repo / ".devcontainer" / "host-env.sh")
    return repo


def run(repo: Path, **overrides: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in OVERRIDES}
    env.update(overrides)
    return subprocess.run(
        ["sh", ".devcontainer/host-env.sh"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def env_file(repo: Path) -> dict[str, str]:
    lines = (repo / ".devcontainer" / ".env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines)


def id_of(flag: str) -> str:
    return subprocess.run(["id", flag], capture_output=True, text=True, check=True).stdout.strip()


def test_writes_the_host_account_and_the_repository_name(checkout: Path) -> None:
    done = run(checkout)
    assert done.returncode == 0, done.stderr
    assert env_file(checkout) == {
        "UNAME": id_of("-un"),
        "UID": id_of("-u"),
        "GID": id_of("-g"),
        "REPO_NAME": "shop-api",
    }
    assert not list((checkout / ".devcontainer").glob(".env.tmp.*"))


def test_root_is_written_as_root(checkout: Path) -> None:
    # The Dockerfile reuses the root account for these (tests/container/test_accounts.py).
    done = run(
        checkout, WORKLOADCTL_HOST_UNAME="root", WORKLOADCTL_HOST_UID="0", WORKLOADCTL_HOST_GID="0"
    )
    assert done.returncode == 0, done.stderr
    assert env_file(checkout) == {"UNAME": "root", "UID": "0", "GID": "0", "REPO_NAME": "shop-api"}


def test_overrides_for_an_existing_uid_and_gid(checkout: Path) -> None:
    done = run(
        checkout,
        WORKLOADCTL_HOST_UNAME="john.doe",
        WORKLOADCTL_HOST_UID="1000",
        WORKLOADCTL_HOST_GID="20",
    )
    assert done.returncode == 0, done.stderr
    assert env_file(checkout)["UNAME"] == "john.doe"
    assert (env_file(checkout)["UID"], env_file(checkout)["GID"]) == ("1000", "20")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"WORKLOADCTL_HOST_UID": "10x"}, "host-env.sh: uid '10x' is not a number"),
        ({"WORKLOADCTL_HOST_GID": "-1"}, "host-env.sh: gid '-1' is not a number"),
        ({"WORKLOADCTL_HOST_UNAME": "a b"}, "host-env.sh: user name 'a b' is not usable"),
        ({"WORKLOADCTL_HOST_UNAME": "a/b"}, "host-env.sh: user name 'a/b' is not usable"),
        ({"WORKLOADCTL_HOST_UNAME": "1000"}, "host-env.sh: user name '1000' is not usable"),
    ],
)
def test_refuses_values_the_image_cannot_use_in_one_line(
    checkout: Path, overrides: dict[str, str], message: str
) -> None:
    done = run(checkout, **overrides)
    assert done.returncode == 1
    assert done.stderr.startswith(message) and done.stderr.count("\n") == 1, done.stderr
    assert not (checkout / ".devcontainer" / ".env").exists()
