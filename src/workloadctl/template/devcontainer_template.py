"""The template as a Dev Container Template (containers.dev, "Dev Container Templates
reference"): a templates repository holds `src/<id>/devcontainer-template.json` and the
files the template applies, `src/<id>/.devcontainer/...` (and here also `workloads/`).

Generated from the same files `init` writes, never kept in git twice. The two defaults
`init --user/--repo` set become the template's options `user` and `repo`: the files
carry `${templateOption:user}` / `${templateOption:repo}`, which `devcontainer templates
apply` fills in. The Dockerfile installs this version of workloadctl from the package
index, as in a repository `init` writes.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from workloadctl.template.customize import apply_option_references
from workloadctl.template.install import write_file
from workloadctl.template.package_source import install_from_index
from workloadctl.template.selection import TemplateError
from workloadctl.template.source import Template, TemplateFile

TEMPLATE_ID = "workloadctl"
METADATA_NAME = "devcontainer-template.json"


def metadata(version: str) -> dict[str, Any]:
    return {
        "id": TEMPLATE_ID,
        "version": version,
        "name": "workloadctl (s6 + supervisord + process-compose)",
        "description": (
            "A monolithic dev container whose process layer cannot be killed by accident: "
            "s6-overlay is PID 1, supervisord and process-compose run side by side as s6 "
            "services with seed configs as fallback, workloadctl checks and drives both."
        ),
        "publisher": "workloadctl",
        "keywords": ["s6", "supervisord", "process-compose", "docker-compose"],
        "platforms": ["Any"],
        "options": {
            "user": {
                "type": "string",
                "description": "Developer account in the container where .devcontainer/.env "
                "does not name one (host-env.sh writes your host user name there at each start)",
                "proposals": ["developer"],
                "default": "developer",
            },
            "repo": {
                "type": "string",
                "description": "Directory name of the repository in the container where "
                ".devcontainer/.env does not name one",
                "proposals": ["workspace"],
                "default": "workspace",
            },
        },
    }


def files(template: Template, version: str) -> Template:
    """The template's files as the Dev Container Template carries them."""
    with_options = apply_option_references(
        template, "${templateOption:user}", "${templateOption:repo}"
    )
    return install_from_index(with_options, version)


def write(outdir: Path, template: Template, version: str, *, force: bool) -> Path:
    """Write `outdir/src/<id>/` and return that directory. An existing one is replaced only
    with `force` (it is generated output). Raises TemplateError, OSError."""
    target = outdir / "src" / TEMPLATE_ID
    if target.exists() or target.is_symlink():
        if not force:
            raise TemplateError(f"{target} exists; re-run with --force to replace it")
        if target.is_symlink() or not target.is_dir():
            target.unlink()
        else:
            shutil.rmtree(target)
    for file in files(template, version).files:
        write_file(target / file.path, file)
    text = json.dumps(metadata(version), indent=2) + "\n"
    write_file(target / METADATA_NAME, TemplateFile(METADATA_NAME, text.encode(), False))
    return target
