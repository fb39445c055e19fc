"""The lines `workloadctl creds` prints, as the integration and container tests read them."""

from __future__ import annotations


def creds_lines(stdout: str) -> dict[str, str]:
    """`creds`' lines by 'section label': 'supervisord supervisorctl', ..."""
    lines: dict[str, str] = {}
    section = ""
    for line in stdout.splitlines():
        if not line.startswith(" "):
            section = line.split()[0]
            continue
        label, _, value = line.strip().partition(":")
        lines[f"{section} {label}"] = value.strip()
    return lines
