"""A digest of what a manager's config says outside its program definitions.

A reload applies program definitions only: supervisord's `reloadConfig` diffs its process
groups, process-compose's `POST /project/configuration` its processes. Everything else
([inet_http_server], [supervisord], process-compose's log and shell settings) is read
at start. The launcher records this digest of the file it starts with, so `reload` can
tell an edit outside the programs apart from one inside them, even when both are in
the same edit. Parsed, not hashed as text: a comment or a blank line is no change.
Only the file itself counts (not a supervisord [include]d file).
"""

from __future__ import annotations

import configparser
import hashlib
import json
from typing import Any

# supervisord's process-group sections: what reloadConfig applies (supervisor/options.py).
SUPERVISORD_GROUP_PREFIXES = ("program:", "group:", "fcgi-program:", "eventlistener:")
PROCESS_COMPOSE_PROCESSES = "processes"


def _digest(value: Any) -> str:
    canonical = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def supervisord_settings_digest(text: bytes) -> str | None:
    """Every section but the process groups, as Supervisor's parser reads them (raw: no
    `%(ENV_X)s` expansion); None when the file does not parse."""
    # As Supervisor's UnhosedConfigParser: `port = 127.0.0.1:9001 ; web UI` is the port.
    parser = configparser.RawConfigParser(
        strict=False, interpolation=None, inline_comment_prefixes=(";", "#")
    )
    try:
        parser.read_string(text.decode("utf-8"))
    except (configparser.Error, UnicodeDecodeError):
        return None
    return _digest(
        {
            name: dict(parser.items(name))
            for name in parser.sections()
            if not name.startswith(SUPERVISORD_GROUP_PREFIXES)
        }
    )


def process_compose_settings_digest(text: bytes) -> str | None:
    """Every top-level key but `processes`; None when the file is no YAML mapping."""
    import yaml  # here: only the launcher and reload need it

    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (yaml.YAMLError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    return _digest({str(k): v for k, v in data.items() if k != PROCESS_COMPOSE_PROCESSES})
