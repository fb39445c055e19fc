"""`init` and `init --update` and where the template comes from: a source checkout's
committed template (not its uncommitted edits), the same `$WORKLOADCTL_TEMPLATE_DIR` in
every printed next step, a warning before an update takes a newer template back, and
what a dry run with nothing to write and a second plain `init` say."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from workloadctl.cli import main
from workloadctl.template import source

REPO = Path(__file__).resolve().parents[3]
CONF = "workloads/supervisord/project.conf"
CLOCK = "\n[program:clock]\ncommand=date\n"
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(root: Path, *args: str) -> None:
    subprocess.run([*GIT, "-C", str(root), *args], check=True, capture_output=True)


def committed_template_into(target: Path) -> None:
    """This repository's committed .devcontainer/ and workloads/ into `target`."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "HEAD", "--", ".devcontainer", "workloads"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git checkout of workloadctl that this installation runs from (editable)."""
    root = tmp_path / "workloadctl-checkout"
    root.mkdir()
    committed_template_into(root)
    (root / "pyproject.toml").write_text('[project]\nname = "workloadctl"\n')
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "template")
    monkeypatch.setattr(source, "_packaged_data", lambda: None)
    monkeypatch.setattr(source, "source_checkout", lambda: root)
    monkeypatch.delenv("WORKLOADCTL_TEMPLATE_DIR", raising=False)
    return root


@pytest.fixture
def adopter(tmp_path: Path) -> Path:
    repo = tmp_path / "my-project"
    repo.mkdir()
    git(repo, "init", "-q")
    return repo


def recorded(repo: Path, path: str) -> str:
    data = json.loads((repo / ".workloadctl-template.json").read_text())
    return str(data["files"][path]["text"])


def test_init_from_a_checkout_writes_its_committed_template_not_its_edits(
    checkout: Path, adopter: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    committed = (checkout / CONF).read_text()
    with (checkout / CONF).open("a") as conf:
        conf.write(CLOCK)
    (checkout / "workloads/untracked.yaml").write_text("mine: true\n")
    assert main(["init", str(adopter)]) == 0
    err = capsys.readouterr().err
    assert (adopter / CONF).read_text() == committed
    assert recorded(adopter, CONF) == committed
    assert not (adopter / "workloads/untracked.yaml").exists()
    assert f"uncommitted changes to template files left out ({CONF}, workloads/untracked.yaml)" in (
        err
    )
    assert f"WORKLOADCTL_TEMPLATE_DIR={checkout}" in err


def test_init_json_carries_the_left_out_edits_as_a_warning(
    checkout: Path, adopter: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with (checkout / CONF).open("a") as conf:
        conf.write(CLOCK)
    assert main(["init", "--json", str(adopter)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    [warning] = json.loads(captured.out)["warnings"]
    assert CONF in warning


def test_init_from_a_clean_checkout_warns_nothing(
    checkout: Path, adopter: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(adopter)]) == 0
    assert capsys.readouterr().err == ""


def newer_template(tmp_path: Path, checkout: Path) -> Path:
    """A newer template: the checkout's with the first `[program:` line of CONF changed."""
    newer = tmp_path / "newer"
    shutil.copytree(checkout / ".devcontainer", newer / ".devcontainer")
    shutil.copytree(checkout / "workloads", newer / "workloads")
    (newer / "workloads/newer.yaml").write_text("new: file\n")
    text = (newer / CONF).read_text()
    (newer / CONF).write_text(text.replace("[program:", "; newer template\n[program:", 1))
    return newer


def test_a_conflicts_printed_next_step_applies_the_same_template_dir(
    checkout: Path,
    adopter: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert main(["init", str(adopter)]) == 0
    text = (adopter / CONF).read_text()
    (adopter / CONF).write_text(text.replace("[program:", "; mine\n[program:", 1))
    newer = newer_template(tmp_path, checkout)
    monkeypatch.setenv("WORKLOADCTL_TEMPLATE_DIR", str(newer))
    capsys.readouterr()
    assert main(["init", "--update", str(adopter)]) == 1
    out = capsys.readouterr().out
    [step] = [line for line in out.splitlines() if line.startswith(f"next: {CONF}")]
    assert f"&& WORKLOADCTL_TEMPLATE_DIR={newer} " in step
    # Finish the merge (take both lines), then run the step exactly as printed, in a
    # shell without the variable, with this checkout's workloadctl.
    merge = adopter / (CONF + ".workloadctl-merge")
    resolved = text.replace("[program:", "; mine\n; newer template\n[program:", 1)
    merge.write_text(resolved)
    command = step.split("then run: ", 1)[1]
    env = {k: v for k, v in os.environ.items() if k != "WORKLOADCTL_TEMPLATE_DIR"}
    done = subprocess.run(
        ["bash", "-c", command], cwd="/", env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning" not in done.stderr
    assert (adopter / CONF).read_text() == resolved
    assert recorded(adopter, CONF) == (newer / CONF).read_text()
    assert (
        "workloads/newer.yaml"
        in json.loads((adopter / ".workloadctl-template.json").read_text())["files"]
    )


def test_an_update_that_takes_a_newer_template_back_warns(
    checkout: Path,
    adopter: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert main(["init", str(adopter)]) == 0
    monkeypatch.setenv("WORKLOADCTL_TEMPLATE_DIR", str(newer_template(tmp_path, checkout)))
    assert main(["init", "--update", str(adopter)]) == 0
    capsys.readouterr()
    monkeypatch.delenv("WORKLOADCTL_TEMPLATE_DIR")
    assert main(["init", "--update", "--dry-run", str(adopter)]) == 0
    err = capsys.readouterr().err
    assert "init: warning: .workloadctl-template.json records the template of" in err
    assert f"2 files (workloads/newer.yaml, {CONF})" in err
    assert main(["init", "--update", "--dry-run", "--json", str(adopter)]) == 0
    assert "takes them back" in json.loads(capsys.readouterr().out)["warnings"][0]


def test_a_dry_run_with_nothing_to_write_says_so_and_names_no_next_step(
    checkout: Path, adopter: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(adopter)]) == 0
    capsys.readouterr()
    assert main(["init", "--update", "--dry-run", str(adopter)]) == 0
    out = capsys.readouterr().out
    assert "is already up to date with the template of" in out
    assert "nothing would be written" in out
    assert "next:" not in out
    # Only your edits (kept) and a file you deleted: still nothing to write.
    with (adopter / CONF).open("a") as conf:
        conf.write(CLOCK)
    (adopter / "workloads/process-compose/project.yaml").unlink()
    before = (adopter / ".workloadctl-template.json").read_bytes()
    assert main(["init", "--update", "--dry-run", str(adopter)]) == 0
    out = capsys.readouterr().out
    assert "nothing would be written" in out and "would update" not in out
    assert "next:" not in out
    assert main(["init", "--update", str(adopter)]) == 0
    assert "is already up to date" in capsys.readouterr().out
    assert (adopter / ".workloadctl-template.json").read_bytes() == before


def test_a_second_plain_init_points_to_update_before_force(
    checkout: Path, adopter: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(adopter)]) == 0
    with (adopter / CONF).open("a") as conf:
        conf.write(CLOCK)
    capsys.readouterr()
    assert main(["init", str(adopter)]) == 1
    out = capsys.readouterr().out
    assert "re-run with --force" not in out
    assert f"init --update {adopter}" in out
    assert f"init --update --dry-run {adopter}" in out
    assert "--force would overwrite every file that differs, your edits included" in out
    assert CLOCK in (adopter / CONF).read_text()
