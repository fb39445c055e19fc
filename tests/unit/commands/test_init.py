"""`workloadctl init` end to end through `cli.main`: what it writes, what it refuses,
modes, --user/--repo, --json, and that the result passes `workloadctl validate`."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

from workloadctl import __version__
from workloadctl.cli import main
from workloadctl.runtime import own_command
from workloadctl.template.package_source import BEGIN, END, index_block
from workloadctl.template.selection import TemplateEntry, is_excluded

REPO = Path(__file__).resolve().parents[3]


def committed_template() -> list[TemplateEntry]:
    """The template files of this checkout's HEAD: what init takes from a git checkout
    (not its uncommitted edits, which another engineer may be making right now)."""
    listing = subprocess.run(
        ["git", "-C", str(REPO), "ls-tree", "-r", "HEAD", "--", ".devcontainer", "workloads"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    entries = []
    for line in listing.splitlines():
        meta, path = line.split("\t", 1)
        if not is_excluded(path):
            entries.append(TemplateEntry(path, meta.split()[0] == "100755"))
    return sorted(entries)


def committed(path: str) -> bytes:
    """`path` of this checkout as HEAD holds it."""
    return subprocess.run(
        ["git", "-C", str(REPO), "show", f"HEAD:{path}"], check=True, capture_output=True
    ).stdout


TEMPLATE = committed_template()
EXECUTABLES = {e.path for e in TEMPLATE if e.executable}


@pytest.fixture
def empty_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "my-project"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo


def init(*args: str) -> int:
    return main(["init", *args])


def adopter_dockerfile(original: str) -> str:
    """This repository's Dockerfile as init writes it into a repository without
    workloadctl's source: only the package block differs."""
    begin = original.index(BEGIN)
    end = original.index(END) + len(END)
    return original[:begin] + index_block(__version__) + original[end:]


def expected_bytes(path: str) -> bytes:
    """What init writes at `path` into a repository without workloadctl's source."""
    original = committed(path)
    if path == ".devcontainer/Dockerfile":
        return adopter_dockerfile(original.decode()).encode()
    return original


def written_files(root: Path) -> set[str]:
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def test_init_writes_exactly_this_repositorys_template(
    empty_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert init(str(empty_repo)) == 0
    out = capsys.readouterr().out
    assert written_files(empty_repo) == {e.path for e in TEMPLATE} | {
        "docs/index.html",
        ".workloadctl-template.json",
    }
    for entry in TEMPLATE:
        target = empty_repo / entry.path
        assert target.read_bytes() == expected_bytes(entry.path), entry.path
        assert f"created     {entry.path}" in out
    assert "created     docs/index.html" in out
    assert f"{len(TEMPLATE) + 1} created, 0 overwritten, 0 unchanged" in out
    assert f"next: {own_command.workloadctl_program()} validate --root {empty_repo}" in out


def test_init_next_step_names_workloadctl_as_the_caller_runs_it(
    empty_repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A checkout's .venv/bin/workloadctl is not on PATH: a bare `workloadctl` would exit 127.
    monkeypatch.setattr(own_command, "workloadctl_program", lambda: "/co/.venv/bin/workloadctl")
    assert init(str(empty_repo)) == 0
    assert (
        f"next: /co/.venv/bin/workloadctl validate --root {empty_repo}" in capsys.readouterr().out
    )


def test_init_sets_modes(empty_repo: Path) -> None:
    assert init(str(empty_repo)) == 0
    assert {
        ".devcontainer/host-env.sh",
        ".devcontainer/s6-rc.d/supervisord/run",
        ".devcontainer/s6-rc.d/process-compose/finish",
    } <= EXECUTABLES
    for entry in TEMPLATE:
        mode = stat.S_IMODE((empty_repo / entry.path).stat().st_mode)
        assert mode == (0o755 if entry.executable else 0o644), entry.path


def test_result_passes_validate(empty_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert init(str(empty_repo)) == 0
    capsys.readouterr()
    assert main(["validate", "--root", str(empty_repo), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    assert [f for f in report["findings"] if f["severity"] == "error"] == []


def test_default_dir_is_the_git_root(empty_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (empty_repo / "sub/dir").mkdir(parents=True)
    monkeypatch.chdir(empty_repo / "sub/dir")
    monkeypatch.delenv("WORKLOADCTL_ROOT", raising=False)
    assert init() == 0
    assert (empty_repo / ".devcontainer/Dockerfile").is_file()
    assert not (empty_repo / "sub/dir/.devcontainer").exists()


def test_second_run_changes_nothing(empty_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert init(str(empty_repo)) == 0
    capsys.readouterr()
    assert init(str(empty_repo)) == 0
    out = capsys.readouterr().out
    # docs/ exists now, so docs/index.html is no longer part of the plan.
    assert f"0 created, 0 overwritten, {len(TEMPLATE)} unchanged" in out


def test_refuses_to_overwrite_without_force(
    empty_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conf = empty_repo / "workloads/supervisord/project.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text("[supervisord]\n; mine\n")
    assert init(str(empty_repo)) == 1
    out = capsys.readouterr().out
    assert "exists      workloads/supervisord/project.conf (differs)" in out
    assert "--force" in out
    assert conf.read_text() == "[supervisord]\n; mine\n"
    # All or nothing: not even the files that did not exist were written.
    assert not (empty_repo / ".devcontainer").exists()
    assert not (empty_repo / "docs").exists()


def test_force_overwrites_and_lists_it(
    empty_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conf = empty_repo / "workloads/supervisord/project.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text("mine\n")
    run = empty_repo / ".devcontainer/s6-rc.d/supervisord/run"
    run.parent.mkdir(parents=True)
    run.write_bytes(committed(".devcontainer/s6-rc.d/supervisord/run"))
    run.chmod(0o644)  # same bytes, lost its executable bit
    assert init(str(empty_repo), "--force") == 0
    out = capsys.readouterr().out
    assert "overwritten workloads/supervisord/project.conf" in out
    assert "overwritten .devcontainer/s6-rc.d/supervisord/run" in out
    assert conf.read_bytes() == committed("workloads/supervisord/project.conf")
    assert stat.S_IMODE(run.stat().st_mode) == 0o755


def test_existing_docs_dir_is_left_alone(empty_repo: Path) -> None:
    (empty_repo / "docs").mkdir()
    (empty_repo / "docs/guide.md").write_text("# mine\n")
    assert init(str(empty_repo)) == 0
    assert sorted(p.name for p in (empty_repo / "docs").iterdir()) == ["guide.md"]


def test_a_directory_in_the_way_blocks_even_with_force(
    empty_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (empty_repo / ".devcontainer/Dockerfile").mkdir(parents=True)
    assert init(str(empty_repo), "--force") == 1
    out = capsys.readouterr().out
    assert "blocked     .devcontainer/Dockerfile: is a directory" in out
    assert not (empty_repo / "workloads").exists()


def test_a_symlinked_parent_is_never_written_through(
    empty_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, empty_repo / "workloads")
    assert init(str(empty_repo), "--force") == 1
    assert "blocked     workloads/supervisord/project.conf: workloads is a symbolic link" in (
        capsys.readouterr().out
    )
    assert list(outside.iterdir()) == []


def test_a_symlinked_file_is_replaced_not_followed(empty_repo: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    target = empty_repo / ".devcontainer/Dockerfile"
    target.parent.mkdir()
    os.symlink(victim, target)
    assert init(str(empty_repo)) == 1  # a link is a conflict like any other file
    assert init(str(empty_repo), "--force") == 0
    assert victim.read_text() == "keep me\n"
    assert not target.is_symlink()
    assert target.read_bytes() == expected_bytes(".devcontainer/Dockerfile")


def test_user_and_repo_defaults(empty_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert init(str(empty_repo), "--user", "alice", "--repo", "shop-api") == 0
    compose = (empty_repo / ".devcontainer/docker-compose.yml").read_text()
    dockerfile = (empty_repo / ".devcontainer/Dockerfile").read_text()
    assert "${UNAME:-alice}" in compose and "${REPO_NAME:-shop-api}" in compose
    assert "${UNAME:-developer}" not in compose and "${REPO_NAME:-workspace}" not in compose
    assert "\nARG UNAME=alice\n" in dockerfile and "\nARG REPO_NAME=shop-api\n" in dockerfile
    # Only those lines differ from this repository's files.
    original = committed(".devcontainer/docker-compose.yml").decode()
    assert compose == original.replace("${UNAME:-developer}", "${UNAME:-alice}").replace(
        "${REPO_NAME:-workspace}", "${REPO_NAME:-shop-api}"
    )
    capsys.readouterr()
    assert main(["validate", "--root", str(empty_repo)]) == 0


@pytest.mark.parametrize(
    "args",
    [
        ["--user", "Alice"],
        ["--user", "al ice"],
        ["--user", "x" * 33],
        ["--user", "${X}"],
        ["--user=-x"],
        ["--repo", "a/b"],
        ["--repo", ".."],
        ["--repo=-x"],
        ["--repo", "a}b"],
    ],
)
def test_bad_names_are_usage_errors(
    empty_repo: Path, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert init(str(empty_repo), *args) == 2
    assert "not a valid" in capsys.readouterr().err
    assert not (empty_repo / ".devcontainer").exists()


def test_missing_dir_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert init(str(tmp_path / "nope")) == 2
    assert "not a directory" in capsys.readouterr().err


def test_json_output(empty_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert init(str(empty_repo), "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True and data["written"] is True
    assert data["root"] == str(empty_repo.resolve())
    by_path = {f["path"]: f for f in data["files"]}
    assert by_path[".devcontainer/host-env.sh"] == {
        "path": ".devcontainer/host-env.sh",
        "action": "created",
        "executable": True,
    }
    assert data["conflicts"] == [] and data["blocked"] == []
    assert data["warnings"] == []


def test_json_refusal(empty_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (empty_repo / ".devcontainer").mkdir()
    (empty_repo / ".devcontainer/devcontainer.json").write_text("{}\n")
    assert init(str(empty_repo), "--json") == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and data["written"] is False
    assert data["conflicts"] == [".devcontainer/devcontainer.json"]
    by_path = {f["path"]: f for f in data["files"]}
    assert by_path[".devcontainer/devcontainer.json"]["action"] == "overwrite"
    assert by_path[".devcontainer/Dockerfile"]["action"] == "create"


def test_adopters_dockerfile_installs_exactly_this_version_from_the_index(
    empty_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert init(str(empty_repo), "--json") == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["warnings"] == [] and captured.err == ""
    written = (empty_repo / ".devcontainer/Dockerfile").read_text()
    assert f"\nARG WORKLOADCTL_PACKAGE=workloadctl=={__version__}\n" in written
    # Nothing of this repository's source is copied in: the adopter has none.
    assert re.search(r"^COPY\s+(src/|pyproject\.toml)", written, re.MULTILINE) is None
    for variable in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_TRUSTED_HOST"):
        assert f"\nARG {variable}\n" in written, variable
    assert '"${WORKLOADCTL_PACKAGE}"' in written
    original = committed(".devcontainer/Dockerfile").decode()
    assert written == adopter_dockerfile(original)


def test_a_repository_with_workloadctls_source_keeps_building_from_it(
    empty_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (empty_repo / "src/workloadctl").mkdir(parents=True)
    (empty_repo / "src/workloadctl/__init__.py").write_text('__version__ = "9.9.9"\n')
    assert init(str(empty_repo)) == 0
    capsys.readouterr()
    written = (empty_repo / ".devcontainer/Dockerfile").read_bytes()
    assert written == committed(".devcontainer/Dockerfile")
