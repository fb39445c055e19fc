"""Our own command line, as the tool prints it in a hint ("`workloadctl start difit` starts
it", "stop it with `workloadctl down --state-dir DIR`"): it must work exactly as printed.

- the program: `workloadctl` when that is what PATH finds, else its full path (a checkout's
  `.venv/bin/workloadctl` is not on PATH: a bare `workloadctl` there exits 127); in a local
  stack's services, the PATH `up` was run with, not the one `up` gave them;
- `--state-dir DIR` for a local stack that a command without it would not reach from here
  (a bare command reaches `$WORKLOADCTL_STATE_DIR`, else `.state/` of the repository);
  always, within `read_from_anywhere()`: there the lines are run from another terminal,
  wherever it is (`up` follows the stack's log in this one), and with its environment.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from workloadctl import settings as S
from workloadctl.runtime.local_stack import (
    RECORD_NAME,
    StackRecord,
    caller_path,
    default_top,
    find_record,
)

PASSTHROUGH_COMMANDS = frozenset({"supervisorctl", "process-compose"})

_READ_FROM_ANYWHERE: ContextVar[bool] = ContextVar("read_from_anywhere", default=False)


@contextmanager
def read_from_anywhere() -> Iterator[None]:
    """Within: every command line names its stack's state dir. `up` prints what to run next
    while its terminal follows the log: the reader runs it from a second terminal, whose
    directory and environment are not ours, so "a bare command reaches it from here" does
    not hold there (`workloadctl status` printed inside the repository failed elsewhere)."""
    token = _READ_FROM_ANYWHERE.set(True)
    try:
        yield
    finally:
        _READ_FROM_ANYWHERE.reset(token)


def workloadctl_program() -> str:
    """How the caller runs this workloadctl: `workloadctl` when that is what PATH finds,
    else its full path (`.venv/bin/workloadctl` of a checkout, not on PATH)."""
    beside = Path(sys.executable).parent / "workloadctl"
    if not beside.is_file():
        return "workloadctl"
    # In a local stack's service (the launcher's banner) PATH has the venv that `up` put
    # first; the developer reading the stack's log has the PATH `up` was run with.
    on_path = shutil.which("workloadctl", path=caller_path(os.environ.get("PATH", "")))
    if on_path is not None and os.path.realpath(on_path) == os.path.realpath(beside):
        return "workloadctl"
    return str(beside)


def _default_top() -> Path:
    """The state dir a command given no --state-dir looks at, from here."""
    env = S.process_environment()
    chosen = env.get(S.ENV_STATE_DIR)
    # Inside a stack's services $WORKLOADCTL_STATE_DIR is the stack's internal state dir
    # (no stack.json there): the person reading the hint does not have it set.
    if chosen and StackRecord.read(Path(chosen) / RECORD_NAME) is not None:
        return Path(chosen)
    env.pop(S.ENV_STATE_DIR, None)
    return default_top(S.find_repo_root(Path.cwd(), env), env)


def state_dir_words(top: Path | str | None) -> list[str]:
    """`--state-dir TOP` unless a command without it reaches that stack anyway (or there is
    no local stack: None, the container's own paths); always within `read_from_anywhere`."""
    if top is None:
        return []
    if not _READ_FROM_ANYWHERE.get() and os.path.realpath(top) == os.path.realpath(_default_top()):
        return []
    return ["--state-dir", str(top)]


def own_command(command: str, *args: str, top: Path | str | None = None) -> str:
    """`workloadctl COMMAND ARGS... [--state-dir TOP]`, quoted for a shell."""
    state = state_dir_words(top)
    # After the arguments reads as the README shows it; a pass-through command hands every
    # word after its own options to the manager's client, so there it comes first.
    if command in PASSTHROUGH_COMMANDS:
        words = [workloadctl_program(), command, *state, *args]
    else:
        words = [workloadctl_program(), command, *args, *state]
    return " ".join(shlex.quote(word) for word in words)


def stack_command(settings: S.Settings, command: str, *args: str) -> str:
    """`own_command` for the stack whose paths `settings` are: a local stack's services see
    its internal state dir, whose record names the state dir the developer passes."""
    record = find_record(settings.state_dir)
    return own_command(command, *args, top=record.top if record else None)
