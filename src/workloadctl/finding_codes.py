"""Every finding code, each defined once, with its severity and what it means.

A code is the stable name of one kind of finding (`validate`, the launcher, `boot`,
`reload`): its family prefix and three digits. The tables of codes in docs/ are generated
from this list: `python -m workloadctl.findings_doc` writes them, `--check` compares (a
unit test runs it). A new code is a new row here; a retired one is never reused.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CodeDoc:
    code: str
    severity: str  # error | warning, or when it is which ("warning / error where ...")
    meaning: str  # one line, Markdown

    @property
    def family(self) -> str:
        return self.code[:-3]


# The document whose table lists each family (its prose stays hand-written around it).
FAMILY_DOCS: dict[str, str] = {
    "IO": "docs/validate-codes.md",
    "LY": "docs/validate-codes.md",
    "S6": "docs/validate-codes.md",
    "XM": "docs/validate-codes.md",
    "SV": "docs/validate-codes.md",
    "PC": "docs/validate-codes.md",
    "DC": "docs/validate-codes.md",
    "BOOT": "docs/boot.md",
    "LCH": "docs/launcher.md",
    "RLD": "docs/reload.md",
}

# code | severity | meaning, one code a line, in each family's documented order.
_TABLE = """\
IO001 | error | the file does not exist, or is a dangling symbolic link
IO002 | error | the path is a symbolic link loop
IO003 | error | the file cannot be read (permissions, I/O error)
IO004 | error | a directory where a file is expected
IO005 | error | the file is larger than the 2 MiB limit for a config
IO006 | error | the file is binary (contains NUL bytes)
IO007 | error | the file is not valid UTF-8 (the line of the first bad byte is given)
IO008 | error | not a regular file: a FIFO, socket or device (reading it could block forever)
LY001 | warning | a project config (`workloads/...`) is missing: its manager runs the seed until it exists
LY002 | error | a file the container needs (a seed config, the s6-rc source tree) is missing
S6001 | error | the source tree does not exist, is not a directory, is a link loop or cannot be read
S6002 | warning | the source tree defines no service (s6-rc-compile warns that it is empty)
S6003 | error | a name s6-rc-compile refuses: it contains a newline or starts with `s6rc-` / `s6-rc-` (service directory or listed name)
S6004 | warning | a service name with characters other than letters, digits, `_`, `.`, `-`, or starting with `-`: s6-rc accepts it, shell tools may not
S6005 | error | an entry of the tree (or a service directory) that cannot be used: dangling link, link loop, unreadable
S6006 | warning | a plain file at the top of the tree: s6-rc-compile ignores it
S6007 | error | the tree redefines one of s6-overlay's own services (`base`, `fix-attrs`, `legacy-cont-init`, `legacy-services`, `top`): duplicate definition at compile time
S6010 | error | a service directory has no `type` file (`user`/`user2` excepted)
S6011 | error | `type` does not hold `oneshot`, `longrun` or `bundle` (line 1)
S6012 | error | `type` holds a valid word with whitespace, a CR or lines that s6-rc-compile rejects (line 1)
S6013 | error | `user` or `user2` (s6-overlay's bundles of services to start) has a type other than `bundle`
S6020 | error | a longrun has no `run`, or `run` is not a regular file (directory, dangling link, loop)
S6021 | error | a oneshot has no `up`, or `up` is not a regular file
S6022 | error | a bundle has neither `contents.d/` nor a `contents` file (`user`/`user2` excepted)
S6023 | warning | a bundle has no members; if `contents.d/` is wholly empty git will not keep it, and the checkout then fails S6022 at boot
S6025 | error | `timeout-up`, `timeout-down`, `notification-fd`, `lock-fd`, `timeout-kill`, `timeout-finish` or `max-death-tally` is not an unsigned integer
S6026 | error | `dependencies.d` or `contents.d` exists but cannot be opened as a directory (a file, a link loop)
S6027 | error | an optional script (`finish`, a oneshot's `down`/`reload`) is not a regular file
S6028 | error | a oneshot's `up`/`down`/`reload` is not valid execline: unmatched `{` / `}` or an unterminated quoted string (line of the problem)
S6030 | error | a name in `dependencies.d/`, `contents.d/` (the file is named) or a legacy list file (file and line) is neither a service of the tree nor one of s6-overlay's
S6031 | error | a dependency cycle, printed as `a -> b -> a` (bundles on the way are expanded, s6-overlay's services included)
S6032 | error | a bundle contains itself, directly or through other bundles (`a -> b -> a`)
S6040 | warning | a oneshot's `up`/`down`/`reload` starts with `#!`: s6-rc reads it as one execline command line, so the shebang is only a comment (line of the shebang)
S6041 | warning | a longrun's definition has a `down` file, which s6-rc ignores; "optional start" = leave the service out of the `user` bundle
S6042 | warning | `run` or `finish` has no execute bit
S6043 | error | `run` or `finish` is a text file that does not start with `#!`, or whose `#!` line ends in a CR (CRLF line endings) (line 1)
S6044 | warning | an entry s6-rc-compile ignores in this service type: unknown/junk files, another type's files (`run` in a oneshot, `dependencies.d` in a bundle)
S6045 | warning | a longrun has a `log/` directory, which s6-rc ignores: a logger is a separate longrun declared with `producer-for`/`consumer-for`
S6050 | warning | a deprecated `dependencies`/`contents` list file is used, or is ignored because the `.d/` directory exists too
XM001 | error | the same program name is defined in supervisord and in process-compose (workloadctl addresses programs by name)
XM002 | error | the same command (normalised as above) is run by supervisord and by process-compose
XM003 | error | the same TCP port is claimed for certain (port or listen option, `http.server N`, `PORT=N`) by a supervisord program and a process-compose process
XM004 | warning | the same TCP port is claimed by two programs of the same manager: only one can listen on it
XM005 | warning | the same TCP port is claimed by a supervisord program and a process-compose process, but at least one claim is guessed (a bare `HOST:N`, an unknown option's value, a `*_PORT` variable)
SV001 | error | Supervisor refuses the file (its message, cleaned; the line of the section or key it names; for `[group:]`, the group's `programs=` line, not the section Supervisor's message wrongly names) or fails on it with an exception of its own
SV002 | error | no `[supervisord]` section (or an empty file): Supervisor refuses to start
SV003 | error | a line that is not a section header, `key = value`, a continuation or a comment (or text before the first header)
SV004 | info / error where supervisord runs | a user or group (`user=`, `chown=`, `socket_owner=`), a directory (`directory=`, `childlogdir=`), the directory of a log or pid file, or a plugin module does not exist on the machine running the check; a program's `directory=` that does not exist is a warning where supervisord runs (only that program fails to start), an info note elsewhere
SV005 | warning / error where supervisord runs | `%(ENV_X)s` names a variable that is not set (reported by name, at each line using it)
SV006 | error | a value is not a valid %-expansion (`%(` typo, a lone `%`: write `%%`), or asks for an absurd width
SV007 | error | `%(name)s` is not a name Supervisor offers in that section (e.g. `%(progam_name)s`), with "did you mean"
SV008 | error | a program's `command=` is empty or cannot be split into words (unbalanced quotes): supervisord cannot start it
SV009 | warning | a warning Supervisor prints while parsing (AUTO log without rotation, `redirect_stderr` with `stderr_logfile`, deprecated `syslog`)
SV010 | error | a section is defined twice (also across included files): Supervisor merges them silently; both lines are named
SV011 | error | a key is set twice in one section: Supervisor keeps the last value silently
SV012 | error with a "did you mean", else warning | an unknown section (`[progam:x]`): Supervisor ignores it
SV013 | error | an unknown key for its section type (`autorestrat=`), with "did you mean"; in `[rpcinterface:x]`/`[ctlplugin:x]` (free-form keys) a near miss of the factory key
SV014 | warning | a `[DEFAULT]` section: configparser copies its keys into every section
SV015 | error | the config file or an included file is a FIFO, socket or device: not read (reading could block forever)
SV020 | error | no `[rpcinterface:supervisor]`: supervisorctl and workloadctl cannot control supervisord
SV021 | warning | neither `[unix_http_server]` nor `[inet_http_server]`: nothing can connect to supervisord
SV030 | error | `logfile`/`stdout_logfile`/`stderr_logfile` is `/dev/stdout`, `/dev/stderr`, `/dev/fd/N` or `/proc/self/fd/N` with a non-zero `*_maxbytes` (the default is 50MB): rotating it crashes with "Illegal seek"
SV040 | error | `[supervisorctl] serverurl` (or its default `http://localhost:9001`) points at a socket or port this file does not configure, or is not `http://`/`unix://`
SV041 | error | the server `[supervisorctl]` connects to requires credentials and `[supervisorctl]` has none, or other ones (supervisorctl never reads the server's): every command fails with 401
SV050 | warning | security: `[inet_http_server]` listens beyond loopback (`*:9001`, `:9001`, `0.0.0.0`, a LAN address) with no password, a weak one (under 12 characters, common, equal to the user name, a `{SHA}` of a common one) or default credentials
SV051 | warning | `[inet_http_server]` on loopback with no password or a weak one: any local user can control supervisord
SV060 | warning | an `[include] files=` pattern matches no file (Supervisor only logs it)
SV061 | error, or warning when Supervisor skips it | an included file cannot be used: binary, not UTF-8 or too large (error: Supervisor fails); a directory, dangling link or unreadable file (warning: Supervisor skips it silently)
SV062 | warning | `[include]` inside an included file: Supervisor ignores it
SV064 | warning | `[include]` matches the main config file itself
PC001 | error | the file is not valid YAML (syntax, anchors, merge keys), or nests more than 64 levels deep (process-compose allows more; no real config comes close)
PC002 | error | a `${...}` expression that process-compose cannot substitute
PC003 | error | a value of the wrong type (a list where a map is expected, ...)
PC004 | error | a value outside its allowed set (`restart: never`, a bad condition)
PC005 | error | the same key twice in one mapping
PC006 | error | an unknown top-level key (`x-` keys are allowed)
PC007 | error | an unknown key in a process (`x-` keys are allowed)
PC008 | error | an unknown key below a process (availability, shutdown, probes, depends_on, ...); process-compose itself silently ignores these
PC009 | error | the document is not a mapping of settings
PC020 | error | `log_level` (or `PC_LOG_LEVEL`) is not a log level
PC021 | error | `depends_on` names a process that does not exist
PC022 | error | an enabled process depends on a disabled one
PC023 | error | processes depend on each other in a cycle
PC024 | error | `process_healthy` on a process with no readiness or liveness probe
PC025 | error | `process_log_ready` on a process with no `ready_log_line`
PC026 | error | `ready_log_line` and `readiness_probe` on one process
PC027 | error | a process's `env_file` does not exist
PC028 | error | the shell that runs commands (`bash` by default) is not found
PC029 | error | a `success_exit_codes` value outside 0-255
PC030 | error | `shutdown.send_keys` without `is_interactive`/`is_tty`
PC031 | error | a scheduled process with `replicas` > 1
PC032 | error | an invalid `watch` block
PC033 | error | a `watch` path that does not exist
PC034 | error | an invalid `mcp_server` block
PC035 | error | an invalid `mcp` block of a process
PC036 | error | a `{{ }}` template that process-compose cannot render
PC037 | warning | a `{{ .NAME }}` template names no var: process-compose inserts `<no value>`
PC038 | warning | a `{{ }}` template beyond plain `.NAME` lookups: not checked, left as written
PC040 | error | the file named by `extends` cannot be read
PC041 | error | `extends` leads back to a file already loaded
PC042 | error | a process `extends` a process that does not exist
PC043 | error | processes extend each other in a cycle (or themselves)
PC050 | warning | the `.env` file has a syntax error: process-compose then uses none of it
PC051 | warning | `${VAR}` names an unset variable: it becomes the empty string
PC052 | warning | both `command` and `entrypoint`: `command` is used
PC053 | warning | `args` next to `command` or `entrypoint`: process-compose replaces it (write the arguments into `command`, or after the program in `entrypoint`)
PC054 | warning | `replicas` above 1000: workloadctl checks the replicas as one process
PC055 | error | a value that crashes process-compose or exhausts its memory: `log_length` above 1048576 (a 16-byte slot per line for every process, allocated at start; 300000000000000 panics, 1000000000 asks for 16 GB), log slots of all processes above 1 GiB together, or `replicas` above 10000
DC001 | error | devcontainer.json is not valid JSON with comments (line of the problem)
DC002 | error | devcontainer.json does not hold one object
DC010 | error | `"init": true`: Docker's tini would be PID 1 instead of s6-overlay's `/init`
DC011 | error | `"overrideCommand": true`: the tools replace the container's command with a sleep loop, `/init` never runs
DC012 | error | no `overrideCommand` in an image or Dockerfile config (no `dockerComposeFile`), where it defaults to true; write `"overrideCommand": false`
DC013 | error | `runArgs` contains `--init` (same effect as `"init": true`)
DC014 | warning | `init` or `overrideCommand` is not a boolean
DC020 | error | a compose file is not valid YAML (line of the problem; a key given twice included) or does not hold a mapping
DC021 | error | `dockerComposeFile` names a file that does not exist
DC022 | error | `init: true` (or a string compose reads as true, or a `${VAR:-true}` default) on the dev container's compose service
DC023 | warning | `init: true` on another compose service: harmless unless that service runs s6-overlay
DC024 | warning | a service's `init` comes from a variable without a true default: it must never be true for the dev container
DC025 | error | the dev container's compose service sets `entrypoint:` to something other than `/init`
BOOT001 | warning | `UNAME` is not set: phases that need the developer account are skipped
BOOT002 | error | the developer account named by `UNAME` does not exist
BOOT003 | error | the owner of an entry in the developer's config paths could not be changed
BOOT004 | warning | entries on a read-only mount keep their owner
BOOT010 | warning | the docker socket belongs to gid 0: the developer is not added to the root group
BOOT011 | error | the group for the docker socket's gid could not be created (`groupadd`)
BOOT012 | error | the developer could not be added to the docker socket's group (`usermod`/`gpasswd`)
BOOT013 | warning | the docker socket path exists but is not a socket: left alone
BOOT014 | error | the docker socket path cannot be inspected
BOOT020 | warning | the Atuin config was not written: a path component is a symbolic link or not a directory
BOOT021 | error | the Atuin config could not be written (or the home is not a directory)
BOOT030 | error | a state, secrets or run directory could not be prepared (a link, not a directory, or refused)
BOOT031 | error | a generated secret could not be written
BOOT032 | warning | an existing secret was unusable (too short, not a regular file, not text) and was replaced
BOOT033 | warning | the start time (`boot.json`, from which `status` counts restarts) could not be written
BOOT040 | warning | `WORKLOADCTL_ENABLE_SUPERVISORD` or `WORKLOADCTL_ENABLE_PROCESS_COMPOSE` has an unknown value: that manager stays enabled
BOOT041 | error | a manager's disabled marker could not be written or removed
BOOT090 | error | a phase stopped on an unexpected exception (reported, the other phases still run)
LCH001 | error | No project root: neither `UNAME`+`REPO_NAME` nor `WORKLOADCTL_ROOT` is set; the seed runs.
LCH002 | warning | The project config does not exist; the seed runs.
LCH003 | error | The project config is quarantined after a crash loop; the seed runs until the file changes or the quarantine is cleared.
LCH004 | error | Choosing the config failed unexpectedly (a bug or a broken environment); the seed runs.
LCH005 | warning | `WORKLOADCTL_QUARANTINE_DEATHS`, `WORKLOADCTL_QUARANTINE_WINDOW` or `WORKLOADCTL_QUARANTINE_START_PERIOD` is not a positive number; the default is used.
LCH006 | error | Checking the project config did not finish within `WORKLOADCTL_DECISION_TIMEOUT` seconds (default 10); the seed runs.
LCH007 | warning | `WORKLOADCTL_DECISION_TIMEOUT` is not a positive number of seconds; the default is used.
RLD001 | error | The project config the manager runs no longer exists; reload refused (restore the file, or `workloadctl restart MANAGER` to move to the seed).
"""


def _parse(table: str) -> dict[str, CodeDoc]:
    codes: dict[str, CodeDoc] = {}
    for row in table.splitlines():
        code, severity, meaning = (cell.strip() for cell in row.split(" | ", 2))
        if code in codes:
            raise ValueError(f"finding code {code} is defined twice")
        if code[:-3] not in FAMILY_DOCS or not code[-3:].isdigit():
            raise ValueError(f"finding code {code} has no documented family")
        codes[code] = CodeDoc(code, severity, meaning)
    return codes


CODES: dict[str, CodeDoc] = _parse(_TABLE)
