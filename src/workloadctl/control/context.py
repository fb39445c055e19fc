"""What every command that controls a running stack needs: its settings, where its s6
services are, how to reach each manager, and how to show PIDs to the caller.

    ctx = ControlContext.load(args.state_dir)   # --state-dir: local runner; else container
    ctx.require_stack()                        # one-line error when no stack runs here
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from workloadctl import settings as S
from workloadctl.access import permission_denied
from workloadctl.clients import s6
from workloadctl.errors import WorkloadctlError
from workloadctl.manager_names import Manager
from workloadctl.managers import MANAGERS, kind
from workloadctl.runtime.local_stack import (
    RECORD_NAME,
    StackRecord,
    repository_of,
    settings_for,
)
from workloadctl.runtime.own_command import own_command
from workloadctl.runtime.pidns import PidTranslator
from workloadctl.settings import Settings

DEFAULT_TIMEOUT = 10.0


class NoStackError(WorkloadctlError):
    pass


def _refuse_unreadable(path: Path, group: str) -> None:
    """Say who may reach the stack, rather than that there is none."""
    try:
        path.stat()
        denied = not os.access(path, os.R_OK)
    except PermissionError:
        denied = True
    except OSError:
        return
    if denied:
        raise permission_denied(path, group)


def _up_command(top: Path, root: Path | None) -> str:
    """`workloadctl up --root REPO --state-dir TOP` in backquotes. `up` takes its repository
    from the current directory otherwise, which is the reader's (`/`, another repository):
    the one TOP ran when that is known (its link survives `down`), else the workloadctl
    repository the reader is in, else REPO, said to be a placeholder."""
    repo = root if root is not None else repository_of(top)
    if repo is None:
        here = S.find_repo_root(Path.cwd())
        repo = here if (here / S.S6_RC_SOURCE_DIR).is_dir() else None
    if repo is None:
        command = own_command("up", "--root", "REPO", top=top)
        return f"`{command}` (REPO: your workloadctl repository; {top} does not say which)"
    return f"`{own_command('up', '--root', os.path.abspath(repo), top=top)}`"


@dataclass
class ControlContext:
    settings: Settings
    record: StackRecord | None  # the local runner's record; None in the container
    timeout: float = DEFAULT_TIMEOUT
    # Who holds a port this manager wants, as the doctor says it (None: not asked). Set by
    # the commands layer: control and doctor sit side by side and do not import each other.
    port_cause: Callable[[Manager], str | None] | None = None
    pids: PidTranslator = field(init=False)

    def __post_init__(self) -> None:
        self.pids = PidTranslator(self.record.svscan_pid if self.record else None)

    @classmethod
    def load(cls, state_dir: Path | None, *, timeout: float = DEFAULT_TIMEOUT) -> ControlContext:
        settings, record = settings_for(state_dir.resolve() if state_dir else None)
        if state_dir is not None and record is None:
            _refuse_unreadable(state_dir / RECORD_NAME, settings.control_group)
            # Without this, a mistyped --state-dir would silently mean the container's paths.
            raise NoStackError(
                f"no stack recorded in {state_dir} (no stack.json): start one with "
                f"{_up_command(state_dir, None)}"
            )
        return cls(settings, record, timeout)

    def service(self, manager: Manager) -> Path:
        return kind(manager).service(self.settings)

    def require_stack(self) -> None:
        """Raise one line when s6 supervises neither manager here (no stack is running)."""
        if any(s6.is_supervised(self.service(m)) for m in MANAGERS):
            return
        group = self.settings.control_group
        _refuse_unreadable(self.settings.service_dir, group)
        for manager in MANAGERS:
            # s6-svok cannot tell "not supervised" from "not yours": supervise/ says.
            _refuse_unreadable(self.service(manager) / "supervise", group)
        hint = (
            f"start it with {_up_command(Path(self.record.top), Path(self.record.root))}"
            if self.record is not None
            else "run this inside the dev container, or pass --state-dir DIR for a stack "
            f"started with `{own_command('up')}`; `{own_command('stacks')}` lists the "
            "stacks running on this machine with their state dirs"
        )
        raise NoStackError(
            f"no stack is running: s6 supervises nothing in {self.settings.service_dir} ({hint})"
        )
