"""`workloadctl down --all`: stop every stack of this machine, one after the other, and
say of each whether it stopped; one failure does not keep the others running."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from workloadctl.errors import WorkloadctlError
from workloadctl.runtime.stack_registry import StackEntry

Say = Callable[[str], None]
StopStack = Callable[[Path, Say], object]


@dataclass
class StopAllResult:
    stopped: list[StackEntry] = field(default_factory=list)
    failed: list[StackEntry] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def _prefixed(say: Say, top: str) -> Say:
    return lambda line: say(f"  {top}: {line}")


def stop_all(stacks: list[StackEntry], stop: StopStack, say: Say) -> StopAllResult:
    result = StopAllResult()
    if not stacks:
        say("no workloadctl stack runs on this machine")
        return result
    for index, entry in enumerate(stacks, 1):
        say(f"[{index}/{len(stacks)}] {entry.top}: stopping (s6-svscan PID {entry.svscan_pid})")
        try:
            stop(Path(entry.top), _prefixed(say, entry.top))
        except WorkloadctlError as exc:
            say(f"  {entry.top}: FAILED: {exc}")
            result.failed.append(entry)
            continue
        result.stopped.append(entry)
    summary = f"stopped {len(result.stopped)} of {len(stacks)} stacks"
    if result.failed:
        summary += "; still running: " + ", ".join(e.top for e in result.failed)
    say(summary)
    return result
