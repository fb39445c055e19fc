"""The default Atuin (shell history) config `boot` writes for a developer who has none.

Settings come from the original design, with three of its values corrected against
Atuin's own settings code (crates/atuin-client/src/settings.rs):
- `sync_address = ""` is not "no sync": the key is parsed as a URL and an empty string
  makes Atuin refuse the whole file. Local-only history is `auto_sync = false`.
- `sync_frequency = "0"` means "sync after every command", the opposite of the intent;
  with auto_sync off it is moot and left out.
- `timezone` accepts only "local"/"l", "utc"/"0" or a signed offset such as "+09:00"
  ("<+|->H[H][:M[M][:S[S]]]"); named zones such as "Asia/Tokyo" are rejected. The design
  hard-coded "+09:00"; we derive it from $TZ when $TZ is already in a form Atuin
  accepts, and otherwise use "local" (Atuin then follows the shell's own TZ).
- `show_stats` is not an Atuin setting and is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

CONFIG_PARTS = (".config", "atuin")
CONFIG_NAME = "config.toml"

# Atuin's offset grammar: a mandatory sign, 1-2 digit hours, optional :M[M][:S[S]].
_OFFSET = re.compile(r"[+-]\d{1,2}(:\d{1,2}(:\d{1,2})?)?")
# Spellings of UTC a container's TZ commonly carries (POSIX "UTC0", tzdata "Etc/UTC").
_UTC_NAMES = frozenset({"utc", "utc0", "etc/utc", "gmt", "gmt0", "etc/gmt", "z", "zulu", "0"})


def atuin_timezone(env: Mapping[str, str]) -> tuple[str, str]:
    """The `timezone` value for Atuin from $TZ, and a short note on why."""
    raw = env.get("TZ", "").strip()
    if not raw:
        return "local", "TZ is not set"
    spec = raw.removeprefix(":")  # POSIX allows a leading colon ("TZ=:Asia/Tokyo")
    if spec.lower() in ("local", "l"):
        return "local", f"TZ={raw}"
    if spec.lower() in _UTC_NAMES:
        return "utc", f"TZ={raw}"
    if _OFFSET.fullmatch(spec):
        return spec, f"TZ={raw}"
    return "local", f"TZ={raw} is neither an offset nor UTC, and Atuin takes no zone names"


def atuin_config_text(timezone: str) -> str:
    return f"""\
## Written once by `workloadctl boot` because no Atuin config existed; it is yours now:
## boot never overwrites it. Reference: https://docs.atuin.sh/configuration/config/

## Local-only history: nothing is sent to a sync server.
auto_sync = false
update_check = false

search_mode = "fuzzy"
filter_mode = "host"
filter_mode_shell_up_key_binding = "directory"
style = "compact"
inline_height = 25
show_preview = true
show_help = true
history_filter = []

## "local" follows the shell's TZ; Atuin also takes "utc" or an offset such as "+09:00".
timezone = "{timezone}"
"""
