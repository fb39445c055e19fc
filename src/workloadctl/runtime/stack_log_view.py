"""The stack's log as `up` shows it: the bytes its processes wrote, less what was meant
for a terminal, plus a word on process-compose's one line that speaks to the reader.

Everything in the stack writes straight into log/stack.log (s6-svscan's output), so the
file holds what they wrote. process-compose, run headless, prints a terminal-title
escape (`ESC ] 0 ; process-compose: NAME BEL`) at every start, with no option to leave it
out, and programs may colour their output: in a file, and in `up`'s copy of it on another
terminal, those are noise or retitle that terminal. Its "Project Completed. Press Ctrl+C
to quit" (printed under --keep-project once its processes have all ended, so at every
stop or restart by s6) invites a Ctrl-C that, in `up`, stops the whole stack.
"""

from __future__ import annotations

import re

# ECMA-48 escape sequences, longest forms first: control strings (OSC, DCS, SOS, PM,
# APC) up to their terminator (ST, or BEL as xterm accepts for OSC); CSI with its
# parameter, intermediate and final bytes; any other ESC with intermediates and a final
# byte (charset selection, ESC 7, ESC =, ...); and a lone ESC nothing follows.
_TERMINAL_CONTROL = re.compile(
    rb"\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)"
    rb"|\x1b\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]"
    rb"|\x1b[\x20-\x2f]*[\x30-\x7e]"
    rb"|\x1b"
)
# The first bytes of a sequence whose end has not been written yet.
_UNFINISHED = re.compile(rb"\x1b(?:[\]PX^_][^\x07\x1b]*|\[[\x30-\x3f]*[\x20-\x2f]*|[\x20-\x2f]*)\Z")

HOLD_LIMIT = 65536  # bytes of an unfinished line held back at most

PROCESS_COMPOSE_COMPLETED = b"Project Completed. Press Ctrl+C to quit"
CTRL_C_NOTE = (
    b"up: (process-compose's words once its processes have all ended, as at each stop or"
    b" restart by s6; Ctrl-C here stops the whole stack)\n"
)


def strip_terminal_control(data: bytes) -> bytes:
    """`data` without ANSI/ECMA-48 escape sequences (titles, colours, cursor moves)."""
    return _TERMINAL_CONTROL.sub(b"", data)


class StackLogView:
    """Turns chunks of the stack's log, as read, into what `up` prints. Whole lines go
    through at once; the end of a chunk waits only while it may hold the start of an
    escape sequence or of process-compose's Ctrl+C line (its rest is in the next chunk)."""

    def __init__(self) -> None:
        self._held = b""
        self._mid_line = False  # part of the current line is out already

    def feed(self, chunk: bytes) -> bytes:
        *lines, rest = (self._held + chunk).split(b"\n")
        shown = []
        for line in lines:
            shown.append(self._line(line + b"\n"))
            self._mid_line = False
        held_from = self._hold_from(rest)
        if held_from:
            shown.append(strip_terminal_control(rest[:held_from]))
            self._mid_line = True
        self._held = rest[held_from:]
        return b"".join(shown)

    def flush(self) -> bytes:
        """What is still held, once nothing more will come."""
        held, self._held = self._held, b""
        return self._line(held)

    def _line(self, line: bytes) -> bytes:
        shown = strip_terminal_control(line)
        if not self._mid_line and shown.rstrip(b"\r\n") == PROCESS_COMPOSE_COMPLETED:
            return shown + (b"" if shown.endswith(b"\n") else b"\n") + CTRL_C_NOTE
        return shown

    def _hold_from(self, rest: bytes) -> int:
        """Where the unfinished end of a line begins: an escape sequence not yet ended, or
        what may still become process-compose's Ctrl+C line; len(rest) when nothing waits
        (nor when that much waits already: a line that long is no such thing)."""
        if len(rest) > HOLD_LIMIT:
            return len(rest)
        unfinished = _UNFINISHED.search(rest)
        if unfinished is not None:
            return unfinished.start()
        if not self._mid_line and PROCESS_COMPOSE_COMPLETED.startswith(
            strip_terminal_control(rest)
        ):
            return 0
        return len(rest)
