"""The Dockerfile's developer-account step never fails on what the image already has:
a host user root (host-env.sh writes UNAME=root UID=0 GID=0), a host UID that a base
image's user already has (Ubuntu's `ubuntu`, 1000), a host GID that is an existing group.

The step is built as it stands in `.devcontainer/Dockerfile` (the RUN that creates the
group `workloadctl`), on the Dockerfile's own base image, after a line that sets up what a
base image may bring; the full image build is the other scenarios' (about a minute)."""

from __future__ import annotations

import re
import secrets
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from . import base_image
from .dockerfile import DOCKERFILE
from .dockerfile import base_image as from_image
from .podman import Podman

pytestmark = pytest.mark.container

TAG_PREFIX = "localhost/wctl-accounts-test"


def account_step() -> str:
    """The Dockerfile's account RUN instruction (the one that creates the group
    `workloadctl`), continuation lines kept."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    for match in re.finditer(r"^RUN .*?[^\\]\n", text, re.S | re.M):
        if "groupadd --system workloadctl" in match.group(0):
            return match.group(0)
    raise AssertionError(f"no RUN step with `groupadd --system workloadctl` in {DOCKERFILE}")


def dockerfile(prepare: str) -> str:
    return (
        f"FROM {from_image()}\n"
        'SHELL ["/bin/bash", "-o", "pipefail", "-c"]\n'
        "ARG UNAME\nARG UID\nARG GID\nARG REPO_NAME=workspace\n"
        # The real image has sudo (and so /etc/sudoers.d) from its apt step.
        f"RUN mkdir -p /etc/sudoers.d{' && ' + prepare if prepare else ''}\n"
        f"{account_step()}"
    )


@pytest.fixture
def built(podman: Podman, tmp_path: Path) -> Iterator[list[str]]:
    base_image.ensure(podman, from_image(), print)
    tags: list[str] = []
    yield tags
    for tag in tags:
        podman("rmi", "--force", tag, timeout=120, check=False)


def build(podman: Podman, tmp: Path, tags: list[str], prepare: str, **args: str) -> str:
    tag = f"{TAG_PREFIX}:{secrets.token_hex(4)}"
    tags.append(tag)
    (tmp / "Dockerfile").write_text(dockerfile(prepare), encoding="utf-8")
    arg_list = [item for k, v in args.items() for item in ("--build-arg", f"{k}={v}")]
    podman(
        "build",
        "--pull=never",
        "--format",
        "docker",
        "--network",
        "none",
        *arg_list,
        "--tag",
        tag,
        str(tmp),
        timeout=600,
    )
    return tag


def inside(podman: Podman, tag: str, script: str) -> str:
    return podman("run", "--rm", "--network", "none", tag, "bash", "-c", script).stdout


def describe_account(podman: Podman, tag: str, name: str) -> str:
    script = f"id {shlex.quote(name)}; getent passwd {shlex.quote(name)}; ls -ld /home/{name}/*/"
    return inside(podman, tag, script)


def test_host_user_root_reuses_the_root_account(
    podman: Podman, built: list[str], tmp_path: Path
) -> None:
    tag = build(podman, tmp_path, built, "", UNAME="root", UID="0", GID="0", REPO_NAME="shop")
    seen = describe_account(podman, tag, "root")
    assert re.search(
        r"^uid=0\(root\) gid=0\(root\) groups=0\(root\),\d+\(workloadctl\)", seen, re.M
    ), seen
    assert "/home/root/shop/" in seen, seen
    assert (
        inside(podman, tag, "cat /etc/sudoers.d/devcontainer-user")
        == "root ALL=(ALL) NOPASSWD:ALL\n"
    )


def test_a_base_image_user_with_the_host_uid_is_renamed(
    podman: Podman, built: list[str], tmp_path: Path
) -> None:
    prepare = "useradd --uid 1000 --user-group --create-home --shell /bin/sh ubuntu && touch /home/ubuntu/.keep"
    tag = build(podman, tmp_path, built, prepare, UNAME="alice", UID="1000", GID="1000")
    seen = describe_account(podman, tag, "alice")
    assert re.search(
        r"^uid=1000\(alice\) gid=1000\(ubuntu\) groups=1000\(ubuntu\),\d+\(workloadctl\)",
        seen,
        re.M,
    ), seen
    assert "alice:x:1000:1000::/home/alice:/bin/bash" in seen, seen
    assert inside(podman, tag, "getent passwd ubuntu || echo gone").strip() == "gone"
    # The base image user's home moved with the account: nothing in it is lost.
    assert ".keep" in inside(podman, tag, "ls -A /home/alice").split()


def test_an_existing_gid_and_a_group_of_the_developers_name(
    podman: Podman, built: list[str], tmp_path: Path
) -> None:
    # macOS: gid 20 ("staff") is Debian's dialout; a group `bob` exists with another gid.
    tag = build(
        podman, tmp_path, built, "groupadd --gid 1500 bob", UNAME="bob", UID="501", GID="20"
    )
    seen = describe_account(podman, tag, "bob")
    assert re.search(
        r"^uid=501\(bob\) gid=20\(dialout\) groups=20\(dialout\),\d+\(workloadctl\)", seen, re.M
    ), seen


def test_an_account_of_the_developers_name_takes_the_host_ids(
    podman: Podman, built: list[str], tmp_path: Path
) -> None:
    prepare = "useradd --uid 1200 --user-group --create-home carol"
    tag = build(podman, tmp_path, built, prepare, UNAME="carol", UID="1001", GID="1001")
    seen = describe_account(podman, tag, "carol")
    assert re.search(
        r"^uid=1001\(carol\) gid=1001\(carol\) groups=1001\(carol\),\d+\(workloadctl\)", seen, re.M
    ), seen
