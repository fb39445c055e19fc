"""`pre-commit try-repo` with this repository's hook validates a repository set up by init.

pre-commit installs this package (language: python) from a snapshot of the working tree
into a fresh environment: that needs the package index (supervisor, ruamel.yaml, psutil).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from workloadctl.cli import main

from .repo_copy import copy_working_tree, git

pytestmark = pytest.mark.integration
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"
HOOK_ID = "workloadctl-validate"
OFFLINE = ("NewConnectionError", "Temporary failure in name resolution", "No matching distribution")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not PRE_COMMIT.exists():
        pytest.skip("pre-commit is not installed (it is in the dev extra: make setup)")
    return copy_working_tree(tmp_path_factory.mktemp("hook-repo"))


@pytest.fixture
def target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    repo = tmp_path / "target"
    repo.mkdir()
    git("init", "-q", cwd=repo)
    assert main(["init", str(repo)]) == 0
    capsys.readouterr()
    return repo


def pre_commit_env(tmp_path: Path) -> dict[str, str]:
    """This environment without WORKLOADCTL_ overrides, pre-commit's cache in tmp_path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKLOADCTL_")}
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    return env


def run_hook(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """argv, which runs the hook; a skip if pre-commit could not reach the package index."""
    run = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    if run.returncode != 0 and any(word in run.stdout + run.stderr for word in OFFLINE):
        pytest.skip("pre-commit could not install the hook's environment: no package index")
    return run


def try_repo(hook_repo: Path, target: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    git("add", "-A", cwd=target)  # --all-files means the files git knows
    return run_hook(
        [str(PRE_COMMIT), "try-repo", str(hook_repo), HOOK_ID, "--all-files"],
        target,
        pre_commit_env(tmp_path),
    )


def test_hook_passes_on_a_fresh_init(hook_repo: Path, target: Path, tmp_path: Path) -> None:
    run = try_repo(hook_repo, target, tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "workloadctl validate" in run.stdout and "Passed" in run.stdout


def test_hook_fails_on_a_broken_config(hook_repo: Path, target: Path, tmp_path: Path) -> None:
    conf = target / "workloads/supervisord/project.conf"
    conf.write_text(conf.read_text() + "\n[program:broken]\nautostart=true\n")
    compose = target / ".devcontainer/docker-compose.yml"
    compose.write_text(
        compose.read_text().replace(
            "    stop_grace_period", "    init: true\n    stop_grace_period"
        )
    )
    run = try_repo(hook_repo, target, tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Failed" in run.stdout
    assert "workloads/supervisord/project.conf" in run.stdout
    assert "[DC022]" in run.stdout


def readme_pre_commit_config() -> str:
    """The `.pre-commit-config.yaml` block README.md shows to adopters."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    block = readme.split("```yaml\n# .pre-commit-config.yaml\n", 1)[1].split("```", 1)[0]
    assert "rev: v0.1.0" in block and f"- id: {HOOK_ID}" in block, block
    return block


def test_readme_config_installed_as_a_git_hook_checks_each_commit(
    hook_repo: Path, target: Path, tmp_path: Path
) -> None:
    """README's steps as an adopter follows them: its config (the repository and the release
    tag replaced by this checkout and its commit: no tag exists before the release),
    `pre-commit install`, then `git commit`: a good layout commits, a broken one does not."""
    commit = git("rev-parse", "HEAD", cwd=hook_repo).strip()
    config = readme_pre_commit_config()
    config = config.replace("https://github.com/workloadctl/workloadctl", str(hook_repo))
    (target / ".pre-commit-config.yaml").write_text(config.replace("v0.1.0", commit))
    env = pre_commit_env(tmp_path)
    for key, value in (("user.email", "dev@example.invalid"), ("user.name", "dev")):
        git("config", key, value, cwd=target)
    installed = subprocess.run(
        [str(PRE_COMMIT), "install"], cwd=target, env=env, capture_output=True, text=True
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr

    def commit_all(message: str) -> subprocess.CompletedProcess[str]:
        git("add", "-A", cwd=target)
        return run_hook(["git", "commit", "-q", "-m", message], target, env)

    good = commit_all("workloadctl dev container")
    assert good.returncode == 0, good.stdout + good.stderr
    # git runs the hook with its output on stderr.
    assert "workloadctl validate....." in good.stderr and "Passed" in good.stderr, good.stderr

    project = target / "workloads/process-compose/project.yaml"
    project.write_text(project.read_text() + "\nprocesses: [never closed\n")
    bad = commit_all("broken")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stderr and "project.yaml:" in bad.stderr and "[PC001]" in bad.stderr
    assert git("log", "--format=%s", cwd=target).split() == ["workloadctl", "dev", "container"]
