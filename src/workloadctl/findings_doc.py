"""Write the tables of finding codes into the docs, from workloadctl.finding_codes.

    python -m workloadctl.findings_doc          # rewrite the tables in ./docs
    python -m workloadctl.findings_doc --check  # exit 1 naming each doc out of step

Each table sits between a start marker naming its family and the end marker; the prose
around it is the doc's own.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from workloadctl.finding_codes import CODES, FAMILY_DOCS

START = "<!-- finding codes: {family} (generated from src/workloadctl/finding_codes.py by `python -m workloadctl.findings_doc`) -->"
END = "<!-- end of finding codes -->"
_BLOCK = re.compile(
    r"^<!-- finding codes: (\S+) .*?-->\n.*?^<!-- end of finding codes -->$", re.M | re.S
)


def table(family: str) -> str:
    rows = [
        f"| {c.code} | {c.severity} | {c.meaning} |" for c in CODES.values() if c.family == family
    ]
    return "\n".join(["| code | severity | meaning |", "| --- | --- | --- |", *rows])


def render(doc: str, text: str) -> str:
    """`text` (the doc at path `doc`) with each family's table as the registry has it.
    Raises ValueError when a family of this doc has no marked table, or one too many."""
    found: list[str] = []

    def block(match: re.Match[str]) -> str:
        family = match.group(1)
        found.append(family)
        return "\n".join([START.format(family=family), "", table(family), "", END])

    rendered = _BLOCK.sub(block, text)
    expected = sorted(f for f, path in FAMILY_DOCS.items() if path == doc)
    if sorted(found) != expected:
        raise ValueError(f"{doc}: marked tables {sorted(found)}, expected one each of {expected}")
    return rendered


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workloadctl.findings_doc", description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if out of step"
    )
    parser.add_argument(
        "root", nargs="?", type=Path, default=Path(), help="the repository (default: .)"
    )
    args = parser.parse_args(argv)
    stale: list[str] = []
    for doc in sorted(set(FAMILY_DOCS.values())):
        path = args.root / doc
        try:
            text = path.read_text(encoding="utf-8")
            rendered = render(doc, text)
        except (OSError, ValueError) as exc:
            print(f"findings_doc: error: {exc}", file=sys.stderr)
            return 2
        if rendered == text:
            continue
        stale.append(doc)
        if not args.check:
            path.write_text(rendered, encoding="utf-8")
    for doc in stale:
        verb = "out of step with src/workloadctl/finding_codes.py" if args.check else "rewritten"
        print(f"{doc}: {verb}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
