"""What `up` shows of the stack's log: no terminal escapes (process-compose's title at
each start retitled the terminal and left `ESC]0;process-compose: ...` in the copy), and a
word after process-compose's "Press Ctrl+C to quit", which in `up` stops the whole stack."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from workloadctl.runtime.stack_log_view import (
    CTRL_C_NOTE,
    PROCESS_COMPOSE_COMPLETED,
    StackLogView,
    strip_terminal_control,
)

# As in a trial's .state/log/stack.log: the title (no newline after it) runs into the
# next writer's line; "Project Completed" at a stop of process-compose by s6.
TITLE = b"\x1b]0;process-compose: vm/project\x07"
TRIAL_LOG = (
    TITLE + b"workloadctl: supervisord: starting project.conf\n"
    b"[static-site\t] Serving HTTP on 127.0.0.1 port 8000 ...\n"
    + PROCESS_COMPOSE_COMPLETED
    + b"\n"
    + b"\x1b[1;31mred\x1b[0m and \x1b(Bplain\x1b7\n"
)
SHOWN = (
    b"workloadctl: supervisord: starting project.conf\n"
    b"[static-site\t] Serving HTTP on 127.0.0.1 port 8000 ...\n"
    + PROCESS_COMPOSE_COMPLETED
    + b"\n"
    + CTRL_C_NOTE
    + b"red and plain\n"
)


def shown(chunks: list[bytes]) -> bytes:
    view = StackLogView()
    return b"".join(view.feed(chunk) for chunk in chunks) + view.flush()


def test_titles_colours_and_charset_escapes_are_dropped() -> None:
    assert strip_terminal_control(TITLE + b"a\x1b[2Kb\x1bPq#0\x1b\\c\x1b=d\n") == b"abcd\n"


def test_the_trial_log_is_shown_without_escapes_and_with_a_word_on_ctrl_c() -> None:
    assert shown([TRIAL_LOG]) == SHOWN
    assert b"\x1b" not in shown([TRIAL_LOG])


@given(st.lists(st.integers(min_value=0, max_value=len(TRIAL_LOG)), max_size=8))
def test_where_the_reads_cut_the_log_changes_nothing(cuts: list[int]) -> None:
    bounds = [0, *sorted(cuts), len(TRIAL_LOG)]
    chunks = [TRIAL_LOG[a:b] for a, b in pairwise(bounds)]
    assert shown(chunks) == SHOWN


def test_a_partial_line_goes_out_at_once_unless_it_may_be_an_escape() -> None:
    view = StackLogView()
    assert view.feed(b"Password: ") == b"Password: "
    assert view.feed(b"x\x1b]0;proc") == b"x"  # the rest of the title is yet to come
    assert view.feed(b"ess-compose\x07y\n") == b"y\n"


def test_the_ctrl_c_line_inside_another_line_gets_no_note() -> None:
    view = StackLogView()
    line = b"echo " + PROCESS_COMPOSE_COMPLETED + b"\n"
    assert view.feed(line[:5]) == b"echo "
    assert view.feed(line[5:]) == line[5:]
