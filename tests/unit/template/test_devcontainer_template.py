"""`workloadctl init --devcontainer-template OUTDIR`: the Dev Container Template layout,
its metadata against the spec's required fields, and the official CLI reading it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from workloadctl import __version__
from workloadctl.cli import main
from workloadctl.template.devcontainer_template import METADATA_NAME
from workloadctl.template.selection import collect

REPO = Path(__file__).resolve().parents[3]
SEMVER = re.compile(r"\d+\.\d+\.\d+")
OPTION_REFERENCE = re.compile(r"\$\{templateOption:\s*(\w+?)\s*\}")
# Where `make test`'s set-up installs the Dev Containers CLI (npm --prefix .venv/node).
LOCAL_CLI = REPO / ".venv/node/node_modules/.bin/devcontainer"
# The spec's required properties of devcontainer-template.json.
REQUIRED_PROPERTIES = ("id", "version", "name")


def dev_containers_cli() -> str | None:
    """`devcontainer` from PATH, else the one the set-up installed into the venv."""
    return shutil.which("devcontainer") or (str(LOCAL_CLI) if LOCAL_CLI.is_file() else None)


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    assert main(["init", "--devcontainer-template", str(tmp_path / "templates")]) == 0
    return tmp_path / "templates"


def test_layout_is_src_id_with_the_template_files(generated: Path) -> None:
    template_dir = generated / "src" / "workloadctl"
    files = {p.relative_to(template_dir).as_posix() for p in template_dir.rglob("*") if p.is_file()}
    assert files == {e.path for e in collect(REPO)} | {METADATA_NAME}
    assert (template_dir / ".devcontainer/devcontainer.json").is_file()


def test_metadata_has_the_specs_required_fields(generated: Path) -> None:
    template_dir = generated / "src" / "workloadctl"
    data = json.loads((template_dir / METADATA_NAME).read_text())
    for name in REQUIRED_PROPERTIES:
        assert isinstance(data[name], str) and data[name], name
    assert data["id"] == template_dir.name  # the spec: id matches the folder name
    assert data["version"] == __version__ and SEMVER.fullmatch(data["version"])
    assert data["description"]
    for option_id, option in data["options"].items():
        assert option["type"] in ("string", "boolean"), option_id
        assert "default" in option and option["description"], option_id
    used = {
        match
        for path in template_dir.rglob("*")
        if path.is_file()
        for match in OPTION_REFERENCE.findall(path.read_text(encoding="utf-8"))
    }
    assert used == set(data["options"]) == {"user", "repo"}


def test_the_dockerfile_installs_this_version_from_the_index(generated: Path) -> None:
    dockerfile = (generated / "src/workloadctl/.devcontainer/Dockerfile").read_text()
    assert f"ARG WORKLOADCTL_PACKAGE=workloadctl=={__version__}" in dockerfile
    assert "ARG UNAME=${templateOption:user}" in dockerfile


def test_an_existing_output_is_replaced_only_with_force(
    generated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["init", "--devcontainer-template", str(generated)]) == 1
    assert "exists; re-run with --force" in capsys.readouterr().err
    assert main(["init", "--devcontainer-template", str(generated), "--force"]) == 0


def test_the_dev_containers_cli_reads_the_metadata(generated: Path) -> None:
    cli = dev_containers_cli()
    if cli is None:
        pytest.skip(
            f"the Dev Containers CLI `devcontainer` is neither on PATH nor at {LOCAL_CLI}"
            " (`make devcontainer-cli` installs it where npm and its registry are reachable)"
        )
    # generate-docs reads each src/<id>/devcontainer-template.json (its project folder is
    # the one holding the template folders) and writes README.md from id, name, options.
    done = subprocess.run(
        [cli, "templates", "generate-docs", "--project-folder", "src"],
        cwd=generated,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    readme = (generated / "src/workloadctl/README.md").read_text()
    assert "# workloadctl (s6 + supervisord + process-compose) (workloadctl)" in readme
    assert "| user |" in readme and "| repo |" in readme
