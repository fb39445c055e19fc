"""What each command on a measured path imports (issue 13: every import is paid on every
`status`, every manager restart and boot). Each runs in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _imported(modules: str) -> set[str]:
    code = f"import sys, {modules}; print('\\n'.join(sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


@pytest.mark.parametrize(
    "absent",
    [
        "workloadctl.runtime.decision",  # deciding: only `launch` needs it
        "workloadctl.checks.supervisord",
        "workloadctl.checks.process_compose",
        "secrets",  # only for a password the state dir lacks
    ],
)
def test_finish_imports_only_recording_and_reaping(absent: str) -> None:
    assert absent not in _imported("workloadctl.cli, workloadctl.commands.finish")


@pytest.mark.parametrize(
    "absent",
    [
        "workloadctl.checks.programs",  # the `Manager` name lives in manager_names
        "workloadctl.findings",  # only a decision record with findings needs it
        "hashlib",  # only for an instance id or a password digest
        "tempfile",  # only to write a state file
    ],
)
def test_status_imports_no_loader_types_nor_writers(absent: str) -> None:
    assert absent not in _imported(
        "workloadctl.cli, workloadctl.commands.status, workloadctl.control.context, "
        "workloadctl.control.status, workloadctl.runtime.quarantine"
    )


@pytest.mark.parametrize("absent", ["hashlib", "subprocess"])
def test_validate_imports_no_hashing_nor_git(absent: str) -> None:
    assert absent not in _imported(
        "workloadctl.cli, workloadctl.commands.validate, workloadctl.managers.layout"
    )


@pytest.mark.parametrize(
    "absent",
    [
        # imported after validate's supervisord child has started, never before it
        "workloadctl.checks.s6rc",
        "workloadctl.checks.cross_manager",
        "workloadctl.checks.devcontainer",
        "shutil",  # settings looks a binary up only for the commands that run one
    ],
)
def test_validate_imports_nothing_its_child_would_wait_for(absent: str) -> None:
    assert absent not in _imported(
        "workloadctl.cli, workloadctl.commands.validate, workloadctl.managers.layout"
    )


@pytest.mark.parametrize(
    "absent",
    [
        "subprocess",  # only to change an account (groupadd, usermod)
        "shutil",
        "workloadctl.runtime.own_command",  # only a switched-off manager or a failed phase
        "workloadctl.runtime.local_stack",
    ],
)
def test_boot_imports_no_account_commands_nor_stack_records(absent: str) -> None:
    # `boot` is the s6-rc oneshot both managers wait for at every container start.
    assert absent not in _imported("workloadctl.cli, workloadctl.commands.boot")


@pytest.mark.parametrize(
    "absent",
    [
        "workloadctl.runtime.boot",  # only when the state dir lost what `boot` made
        "secrets",  # the same: a missing secret
        "workloadctl.runtime.reaper",  # only for a sweep the finish did not make redundant
        "psutil",
    ],
)
def test_launch_imports_neither_boot_nor_the_reaper(absent: str) -> None:
    assert absent not in _imported("workloadctl.cli, workloadctl.commands.launch")


@pytest.mark.parametrize(
    "absent",
    [
        # a start on the project config prints no command of ours: only banners and hints
        "workloadctl.runtime.own_command",
        "workloadctl.runtime.local_stack",
        "socket",  # only to probe a socket file a previous instance left behind
        "subprocess",  # only for s6's own tools (s6-svperms, s6-svc)
    ],
)
def test_launch_imports_no_command_hints_nor_sockets_nor_subprocesses(absent: str) -> None:
    assert absent not in _imported("workloadctl.cli, workloadctl.commands.launch")


def test_process_compose_loader_imports_no_decimal() -> None:
    # decimal only formats a float a Go template renders; `launch` loads on every start
    assert "decimal" not in _imported("workloadctl.checks.process_compose.loader")


def test_logs_imports_no_config_loader() -> None:
    # only a log that cannot be read asks where its program is written (control/program_source)
    assert "workloadctl.checks.supervisord" not in _imported(
        "workloadctl.cli, workloadctl.commands.logs, workloadctl.control.logs"
    )
