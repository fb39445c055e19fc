"""Compute one value in a forked child while this process goes on with other work.

`validate` spends most of its time in Supervisor (its import and its parse of the
project config), which does not depend on the process-compose, s6-rc and devcontainer
checks: on a machine with two cores both halves run at once. The child only computes;
everything it would have written to stderr comes back with its value and is written
here, in order. Any failure of the child (it could not start, raised, died, sent
something unreadable, took longer than `timeout`) yields None: the caller then does
the same work in-process, so the outcome never depends on the fork.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

# Far above any parse (1,000 programs take well under a second): a bound, never a budget.
CHILD_TIMEOUT_S = 60.0


def fork_allowed() -> bool:
    """Only a single-threaded process forks: another thread may hold a lock (ours, the
    import lock, a logging handler's) that would stay locked forever in the child."""
    if not hasattr(os, "fork"):
        return False
    threading = sys.modules.get("threading")  # not imported: no Python thread was started
    return threading is None or threading.active_count() == 1


class Forked(Generic[T]):
    """A child computing `work()`; `result()` collects it (or None), `close()` ends it."""

    def __init__(self, pid: int, read_fd: int) -> None:
        self._pid: int | None = pid
        self._read_fd: int | None = read_fd

    def result(self, timeout: float = CHILD_TIMEOUT_S) -> T | None:
        import pickle
        import select
        import time

        assert self._read_fd is not None
        chunks: list[bytes] = []
        deadline = time.monotonic() + timeout
        poller = select.poll()
        poller.register(self._read_fd, select.POLLIN)
        while True:
            left_ms = int((deadline - time.monotonic()) * 1000)
            if left_ms <= 0 or not poller.poll(left_ms):
                self.close()
                return None
            chunk = os.read(self._read_fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
        if not self._reaped_ok():
            return None
        try:
            value, captured_stderr = pickle.loads(b"".join(chunks))
        except Exception:
            return None
        if captured_stderr and sys.stderr is not None:
            # A stderr gone since the fork loses the text only, as a warning written to it
            # in-process would: the value (validate's findings, its exit code) stands.
            with contextlib.suppress(OSError):
                sys.stderr.write(captured_stderr)
        result: T = value
        return result

    def _reaped_ok(self) -> bool:
        assert self._pid is not None
        try:
            _, status = os.waitpid(self._pid, 0)
        except ChildProcessError:
            # SIGCHLD ignored (inherited from whoever started us): the kernel reaped the
            # child already; its payload, complete and unpickled or not, decides.
            status = 0
        self._pid = None
        self.close()
        return os.waitstatus_to_exitcode(status) == 0

    def close(self) -> None:
        """End the child if it still runs and release the pipe; safe to call twice."""
        if self._pid is not None:
            import signal

            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):  # reaped already (SIGCHLD ignored)
                os.waitpid(self._pid, 0)
            self._pid = None
        if self._read_fd is not None:
            os.close(self._read_fd)
            self._read_fd = None


def start_forked(work: Callable[[], T]) -> Forked[T] | None:
    """A child computing `work()`, or None when this process should not or cannot fork."""
    if not fork_allowed():
        return None
    try:
        read_fd, write_fd = os.pipe()
    except OSError:
        return None
    # Whatever sits in our buffers would otherwise be written twice (the child's copy too).
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:  # None: that fd was closed when Python started
                stream.flush()
    except (OSError, ValueError):
        # A closed or broken stream: the caller's own writes meet it as they would have.
        os.close(read_fd)
        os.close(write_fd)
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # pragma: no cover - the child; its work is covered in-process
        _child(work, read_fd, write_fd)
    os.close(write_fd)
    return Forked(pid, read_fd)


def _child(work: Callable[[], object], read_fd: int, write_fd: int) -> None:  # pragma: no cover
    status = 1
    try:
        os.close(read_fd)
        # Our stderr goes to a memory file and back to the parent with the value, so
        # nothing of the child's interleaves with what the parent writes meanwhile.
        captured = os.memfd_create("workloadctl-child-stderr")
        os.dup2(captured, 2)
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115 - fd 2, ended by _exit
        value = work()
        sys.stderr.flush()
        os.lseek(captured, 0, os.SEEK_SET)
        with open(captured, encoding="utf-8", errors="replace") as text:
            captured_stderr = text.read()
        import pickle

        payload = memoryview(pickle.dumps((value, captured_stderr)))
        while payload:
            payload = payload[os.write(write_fd, payload) :]
        status = 0
    except BaseException:
        pass  # any failure: the parent does the work itself
    finally:
        os._exit(status)
