"""Bounded polling: every wait in the container tests ends, with what it saw last."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Timeout(AssertionError):
    pass


def wait_for(
    what: str,
    probe: Callable[[], tuple[bool, T]],
    *,
    timeout: float,
    interval: float = 0.25,
    describe: Callable[[T], str] = repr,
) -> tuple[T, float]:
    """Poll `probe` until it says done; return its last value and the seconds it took.

    `probe` returns (done, observation). On timeout the last observation is in the error.
    """
    start = time.monotonic()
    deadline = start + timeout
    while True:
        done, seen = probe()
        now = time.monotonic()
        if done:
            return seen, now - start
        if now >= deadline:
            raise Timeout(
                f"timed out after {timeout:.0f} s waiting for {what}; last seen:\n{describe(seen)}"
            )
        time.sleep(min(interval, max(0.0, deadline - now)))
