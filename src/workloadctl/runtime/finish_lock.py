"""The lock between a manager's background `finish` and its next `launch`.

The s6 `finish` script takes `finish.lock` in the service directory and starts
`workloadctl finish` in the background holding it (the child inherits the descriptor), then
returns at once: the Python start falls inside the second s6-supervise waits anyway before
it runs `run` again. `launch` waits here for that lock before it reads the deaths and
decides, so a death is always recorded before the decision that counts it.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path

# Longer than `finish` may take with the default reap grace (finish_bound_seconds: 9 s),
# short enough that a finish stuck in the kernel delays a manager's start only this much.
FINISH_LOCK_WAIT_SECONDS = 10.0
POLL_SECONDS = 0.01


def flock_within(
    fd: int,
    operation: int,
    timeout: float,
    *,
    poll: float,
    sleep: Callable[[float], object],
    clock: Callable[[], float],
) -> bool:
    """Take the flock `operation` (LOCK_SH or LOCK_EX) on `fd`, looking every `poll`
    seconds: whether it was taken within `timeout`. Any other OSError than the lock being
    held propagates. The launchers' decision lock (cross_policy) polls through it too."""
    deadline = clock() + timeout
    while True:
        try:
            fcntl.flock(fd, operation | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if clock() >= deadline:
                return False
            sleep(poll)


def wait_for_finish(
    lock: Path,
    *,
    timeout: float | None = None,
    sleep: Callable[[float], object] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> str | None:
    """Return once nobody holds `lock` (no file: no finish ever ran here), or after
    `timeout` seconds with a one-line warning naming the lock. None when there was no
    need to warn. `timeout` defaults to FINISH_LOCK_WAIT_SECONDS."""
    timeout = FINISH_LOCK_WAIT_SECONDS if timeout is None else timeout
    try:
        fd = os.open(lock, os.O_RDONLY | os.O_CLOEXEC)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        return f"cannot open {lock} ({exc.strerror}): not waiting for the previous finish"
    try:
        # Shared: only a writer's (the finish script's `flock`) exclusive lock blocks it.
        if flock_within(fd, fcntl.LOCK_SH, timeout, poll=POLL_SECONDS, sleep=sleep, clock=clock):
            return None
        return (
            f"{lock} is still held after {timeout:g} s (the previous finish has "
            "not ended): deciding without waiting for it"
        )
    except OSError as exc:  # no locks on this file system: nothing to wait for
        return f"cannot lock {lock} ({exc.strerror}): not waiting for the previous finish"
    finally:
        os.close(fd)  # also drops our shared lock: the next finish must get it at once
