"""The one error type that reaches the user as a single line (see `cli.main`)."""

from __future__ import annotations


class WorkloadctlError(Exception):
    """A failure the user can act on. `str(exc)` is the whole message; no traceback is shown."""

    exit_code = 1


class UsageError(WorkloadctlError):
    """Bad command-line input: a missing path, an unknown name, conflicting options."""

    exit_code = 2
