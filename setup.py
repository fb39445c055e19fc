"""Build hook: ship this repository's `.devcontainer/` and `workloads/` in the wheel.

Everything else about the package is in pyproject.toml. Why a build step instead of a
committed copy under src/: the template must exist once (see
src/workloadctl/template/selection.py), and it is this repository's own dev container.
Editable installs skip the copy and read the checkout directly.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def _selection() -> ModuleType:
    # Loaded by path: workloadctl (and its dependencies) are not importable while it builds.
    path = HERE / "src" / "workloadctl" / "template" / "selection.py"
    spec = importlib.util.spec_from_file_location("_workloadctl_template_selection", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class BuildPyWithTemplate(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # the editable install reads the checkout itself
        selection = _selection()
        entries = selection.write_package_data(HERE, Path(self.build_lib) / "workloadctl")
        print(f"workloadctl: packaged {len(entries)} template files")


setup(cmdclass={"build_py": BuildPyWithTemplate})
