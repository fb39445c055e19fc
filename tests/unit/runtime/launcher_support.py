"""Shared helpers for the launcher's unit tests: a Settings tree under tmp_path."""

from __future__ import annotations

import io
from pathlib import Path

from workloadctl import settings as S
from workloadctl.checks.programs import LoadResult
from workloadctl.findings import Finding, error, warning
from workloadctl.runtime import launcher


def tmp_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """An environment whose every workloadctl path lies under tmp_path."""
    env = {
        S.ENV_STATE_DIR: str(tmp_path / "state"),
        S.ENV_RUN_DIR: str(tmp_path / "run"),
        S.ENV_SERVICE_DIR: str(tmp_path / "service"),
        S.ENV_SUPERVISOR_ETC: str(tmp_path / "etc/supervisor"),
        S.ENV_PROCESS_COMPOSE_ETC: str(tmp_path / "etc/process-compose"),
        S.ENV_ROOT: str(tmp_path / "project"),
        "UNAME": "dev",
        "PATH": "/usr/bin:/bin",
    }
    env.update(extra)
    return env


def tmp_settings(tmp_path: Path, **extra: str) -> S.Settings:
    return S.Settings.from_env(tmp_env(tmp_path, **extra))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_project(settings: S.Settings, text: str = "[supervisord]\n") -> Path:
    assert settings.project_root is not None
    return write(settings.project_root / S.PROJECT_SUPERVISORD_CONF, text)


def write_seed(settings: S.Settings) -> Path:
    return write(settings.seed_supervisord_conf, "[supervisord]\nnodaemon=true\n")


class FakeLoader:
    """A loader that reports canned problems against the file it is given, and counts calls.

    `problems` are (severity, line, code, message) with severity "error" or "warning".
    """

    def __init__(self, problems: list[tuple[str, int | None, str, str]] | None = None) -> None:
        self.problems = problems or []
        self.loaded: list[Path] = []

    def __call__(self, path: Path) -> LoadResult:
        self.loaded.append(path)
        findings: list[Finding] = [
            (error if severity == "error" else warning)(path, line, code, message)
            for severity, line, code, message in self.problems
        ]
        return LoadResult(findings=findings)


def invalid_loader() -> FakeLoader:
    return FakeLoader(
        [
            ("error", 7, "SUP999", "unknown key 'autorestrat' in [program:web]"),
            ("warning", 2, "SUP998", "a harmless warning"),
        ]
    )


# Binaries that exist, for a launch whose exec is a stand-in.
BINARIES = {S.ENV_SUPERVISORD_BIN: "/bin/true", S.ENV_PROCESS_COMPOSE_BIN: "/bin/true"}


def launch_supervisord(tmp_path: Path) -> tuple[int, str]:
    """`launch supervisord` on tmp_path's settings with a FakeLoader and no exec: (exit
    code, what it printed)."""
    err = io.StringIO()
    code = launcher.launch(
        "supervisord",
        tmp_settings(tmp_path),
        environ=tmp_env(tmp_path, **BINARIES),
        stderr=err,
        cwd=tmp_path,
        execve=lambda binary, argv, env: None,
        loader=FakeLoader(),
    )
    return code, err.getvalue()
