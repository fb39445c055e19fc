"""How to log in to a running manager: what `creds` and `up` print, one record per manager.

control/creds.py reads what only the layers above know (the config the launcher's
decision names, the command lines for this stack) and hands it in as `AccessInputs`;
each `ManagerKind.access` builds its own record from it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import Field, dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from workloadctl.access import denied_message
from workloadctl.settings import Settings

# `workloadctl COMMAND ARGS...` as printed for one stack (runtime/own_command.py).
CommandLine = Callable[..., str]


@dataclass
class Remarks:
    problems: list[str] = field(default_factory=list)  # unreadable secrets, an open web UI
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AccessInputs:
    settings: Settings
    config: Path  # the config it runs (the launcher's decision), else the one it would run
    config_source: str  # decision | guessed (no readable decision)
    # The environment it was started with, else the one it would get (read only on use).
    environment: Callable[[], dict[str, str]]
    own_command: CommandLine  # for the stack as the caller reaches it
    stack_command: CommandLine  # for the stack whose paths `settings` are


class ManagerAccess(Protocol):
    """A dataclass: `creds --json` shows its fields under the manager's key."""

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    def lines(self) -> list[str]:
        """Its block of `creds`' text."""
        ...

    def up_lines(self, settings: Settings, own_command: CommandLine) -> list[str]:
        """Its lines of what `up` prints: where, never the secrets themselves."""
        ...


def unreadable(path: Path, group: str) -> str:
    try:
        path.stat()
    except PermissionError:
        return denied_message(path, group, "read the secrets")
    except OSError:
        return f"{path} does not exist (`workloadctl boot` generates it)"
    if not os.access(path, os.R_OK):
        return denied_message(path, group, "read the secrets")
    return f"{path} is empty or not text (`workloadctl boot` generates it when absent)"
