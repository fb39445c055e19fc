"""What ends a foreground command, and output that outlives its reader.

`workloadctl up` in the foreground owns a stack: whatever ends it (Ctrl-C, the terminal
closing, SIGTERM, the pipe it prints into going away) must stop that stack rather than
kill `up` half-way. `StopOnSignals` turns the first SIGINT/SIGTERM/SIGHUP into a
`StopRequested` exception the caller handles, and only notes later ones, so that a second
Ctrl-C cannot abandon a stop half-way. `QuietOutput` is a stream that goes silent once its
reader is gone, so that the stop keeps going while nothing more is written to a dead pipe.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import TextIO

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

# EPIPE: the reading end of a pipe is closed (`up | tee` after tee died); EIO: the
# terminal hung up (tmux kill-session, a closed window).
_READER_GONE = (errno.EPIPE, errno.EIO)


def exit_status(signum: int) -> int:
    """The shell's convention for a command ended by a signal."""
    return 128 + signum


class StopRequested(BaseException):
    """A stop signal arrived. A BaseException, as KeyboardInterrupt is, so that no
    `except Exception` on the way swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class StopOnSignals:
    """While active, the first of SIGINT/SIGTERM/SIGHUP raises `StopRequested`; later ones
    only say on stderr that the stop is under way (it is bounded by `bound_seconds`)."""

    def __init__(self, bound_seconds: float) -> None:
        self.bound_seconds = bound_seconds
        self.received: int | None = None
        self._previous: dict[int, object] = {}

    def __enter__(self) -> StopOnSignals:
        for signum in STOP_SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        del frame
        if self.received is None:
            self.received = signum
            raise StopRequested(signum)
        # Not via sys.stderr: the main code may be inside a write to it (reentrant call).
        note = (
            f"up: {signal.Signals(signum).name}: already stopping the stack "
            f"(at most {self.bound_seconds:.0f} s)\n"
        )
        with contextlib.suppress(OSError):
            os.write(2, note.encode())


class QuietOutput:
    """A text stream that stops writing, for good, once its reader is gone."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.gone = False

    def line(self, text: str) -> None:
        self._write(lambda: (self.stream.write(text + "\n"), self.stream.flush()))

    def raw(self, data: bytes) -> None:
        self._write(lambda: (self.stream.buffer.write(data), self.stream.flush()))

    def _write(self, write: Callable[[], object]) -> None:
        if self.gone:
            return
        try:
            write()
        except OSError as exc:
            if exc.errno not in _READER_GONE:
                raise
            self._go_quiet()

    def _go_quiet(self) -> None:
        """Point the descriptor at /dev/null: what is still buffered, and the interpreter's
        flush at exit, then go nowhere instead of failing again on the dead pipe."""
        self.gone = True
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stream.fileno())
            os.close(devnull)
