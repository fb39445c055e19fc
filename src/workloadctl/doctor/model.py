"""One line of the doctor's report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Check:
    name: str  # short and stable: "s6", "supervisord", "port 9001", "secrets"
    ok: bool
    detail: str  # what was found, in a sentence
    fix: str | None = None  # what to install or change; None when ok

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail, "fix": self.fix}


def passed(name: str, detail: str) -> Check:
    return Check(name, True, detail)


def failed(name: str, detail: str, fix: str) -> Check:
    return Check(name, False, detail, fix)
