"""Our own command line, as the tool prints it in a hint ("`workloadctl start difit` starts
it", "stop it with `workloadctl down --state-dir DIR`"): it must work exactly as printed,
from whatever directory and environment the reader runs it in.

- the program: `workloadctl` when that is what PATH finds, else its full path (a checkout's
  `.venv/bin/workloadctl` is not on PATH: a bare `workloadctl` there exits 127); in a local
  stack's services, the PATH `up` was run with, not the one `up` gave them;
- `--state-dir ABSOLUTE_DIR` for every local stack (one of `workloadctl up`), and
  `--root ABSOLUTE_REPO` for its `validate`: a bare command finds its stack and repository
  from the current directory and environment, which are the reader's, not ours (a bare
  `workloadctl status` printed inside the repository reached no stack from /tmp). Inside
  the container the bare `workloadctl` reaches its own /run stack from anywhere.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

from workloadctl import settings as S
from workloadctl.runtime.local_stack import caller_path, find_record

PASSTHROUGH_COMMANDS = frozenset({"supervisorctl", "process-compose"})


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


def state_dir_words(top: Path | str | None) -> list[str]:
    """`--state-dir TOP` (absolute) for a local stack; nothing for the container's own
    (None): its paths are the same from every directory."""
    return [] if top is None else ["--state-dir", os.path.abspath(top)]


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
    its internal state dir ($WORKLOADCTL_STATE_DIR), whose record names the state dir the
    developer passes."""
    record = find_record(settings.state_dir)
    return own_command(command, *args, top=record.top if record else None)


def validate_command(settings: S.Settings) -> str:
    """`workloadctl validate` of the repository the stack whose paths `settings` are runs:
    `--root REPO` for a local stack (a bare validate checks the reader's git root)."""
    record = find_record(settings.state_dir)
    if record is None:
        return own_command("validate")
    return own_command("validate", "--root", os.path.abspath(record.root))
