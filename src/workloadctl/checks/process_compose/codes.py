"""Finding codes of the process-compose loader (documented in docs/validate-codes.md).

Every error here is one that `process-compose --dry-run` (v1.122.0) also rejects,
except PC008 (unknown keys nested below a process: process-compose ignores them),
PC001 for nesting deeper than 64 levels and PC055 where the dry-run itself would not
crash (it does for the worst values; see limits.py); warnings never change the verdict.
"""

from __future__ import annotations

# reading and parsing
YAML_SYNTAX = "PC001"
SUBSTITUTION = "PC002"
WRONG_TYPE = "PC003"
BAD_ENUM = "PC004"
DUPLICATE_KEY = "PC005"
UNKNOWN_TOP_LEVEL_KEY = "PC006"
UNKNOWN_PROCESS_KEY = "PC007"
UNKNOWN_NESTED_KEY = "PC008"
NOT_A_MAPPING = "PC009"

# the project as a whole
BAD_LOG_LEVEL = "PC020"
MISSING_DEPENDENCY = "PC021"
DISABLED_DEPENDENCY = "PC022"
DEPENDENCY_CYCLE = "PC023"
HEALTHY_WITHOUT_PROBE = "PC024"
LOG_READY_WITHOUT_LINE = "PC025"
READY_LINE_AND_PROBE = "PC026"
ENV_FILE_MISSING = "PC027"
SHELL_NOT_FOUND = "PC028"
BAD_EXIT_CODE = "PC029"
SEND_KEYS_WITHOUT_TTY = "PC030"
SCHEDULED_WITH_REPLICAS = "PC031"
BAD_WATCH = "PC032"
WATCH_PATH_MISSING = "PC033"
BAD_MCP_SERVER = "PC034"
BAD_MCP_PROCESS = "PC035"
TEMPLATE_ERROR = "PC036"
TEMPLATE_NO_VALUE = "PC037"
TEMPLATE_UNCHECKED = "PC038"

# extends (another file, or another process)
EXTENDS_UNREADABLE = "PC040"
EXTENDS_LOOP = "PC041"
EXTENDS_UNKNOWN_PROCESS = "PC042"
EXTENDS_PROCESS_CYCLE = "PC043"

# environment
DOTENV_IGNORED = "PC050"
UNSET_VARIABLE = "PC051"
COMMAND_AND_ENTRYPOINT = "PC052"
ARGS_IGNORED = "PC053"
REPLICAS_NOT_EXPANDED = "PC054"
EXHAUSTS_PROCESS_COMPOSE = "PC055"

DESCRIPTIONS: dict[str, tuple[str, str]] = {
    YAML_SYNTAX: (
        "error",
        "the file is not valid YAML (syntax, anchors, merge keys), or nests more than 64 "
        "levels deep (process-compose allows more; no real config comes close)",
    ),
    SUBSTITUTION: ("error", "a `${...}` expression that process-compose cannot substitute"),
    WRONG_TYPE: ("error", "a value of the wrong type (a list where a map is expected, ...)"),
    BAD_ENUM: ("error", "a value outside its allowed set (`restart: never`, a bad condition)"),
    DUPLICATE_KEY: ("error", "the same key twice in one mapping"),
    UNKNOWN_TOP_LEVEL_KEY: ("error", "an unknown top-level key (`x-` keys are allowed)"),
    UNKNOWN_PROCESS_KEY: ("error", "an unknown key in a process (`x-` keys are allowed)"),
    UNKNOWN_NESTED_KEY: (
        "error",
        "an unknown key below a process (availability, shutdown, probes, depends_on, ...); "
        "process-compose itself silently ignores these",
    ),
    NOT_A_MAPPING: ("error", "the document is not a mapping of settings"),
    BAD_LOG_LEVEL: ("error", "`log_level` (or `PC_LOG_LEVEL`) is not a log level"),
    MISSING_DEPENDENCY: ("error", "`depends_on` names a process that does not exist"),
    DISABLED_DEPENDENCY: ("error", "an enabled process depends on a disabled one"),
    DEPENDENCY_CYCLE: ("error", "processes depend on each other in a cycle"),
    HEALTHY_WITHOUT_PROBE: (
        "error",
        "`process_healthy` on a process with no readiness or liveness probe",
    ),
    LOG_READY_WITHOUT_LINE: ("error", "`process_log_ready` on a process with no `ready_log_line`"),
    READY_LINE_AND_PROBE: ("error", "`ready_log_line` and `readiness_probe` on one process"),
    ENV_FILE_MISSING: ("error", "a process's `env_file` does not exist"),
    SHELL_NOT_FOUND: ("error", "the shell that runs commands (`bash` by default) is not found"),
    BAD_EXIT_CODE: ("error", "a `success_exit_codes` value outside 0-255"),
    SEND_KEYS_WITHOUT_TTY: ("error", "`shutdown.send_keys` without `is_interactive`/`is_tty`"),
    SCHEDULED_WITH_REPLICAS: ("error", "a scheduled process with `replicas` > 1"),
    BAD_WATCH: ("error", "an invalid `watch` block"),
    WATCH_PATH_MISSING: ("error", "a `watch` path that does not exist"),
    BAD_MCP_SERVER: ("error", "an invalid `mcp_server` block"),
    BAD_MCP_PROCESS: ("error", "an invalid `mcp` block of a process"),
    TEMPLATE_ERROR: ("error", "a `{{ }}` template that process-compose cannot render"),
    TEMPLATE_NO_VALUE: (
        "warning",
        "a `{{ .NAME }}` template names no var: process-compose inserts `<no value>`",
    ),
    TEMPLATE_UNCHECKED: (
        "warning",
        "a `{{ }}` template beyond plain `.NAME` lookups: not checked, left as written",
    ),
    EXTENDS_UNREADABLE: ("error", "the file named by `extends` cannot be read"),
    EXTENDS_LOOP: ("error", "`extends` leads back to a file already loaded"),
    EXTENDS_UNKNOWN_PROCESS: ("error", "a process `extends` a process that does not exist"),
    EXTENDS_PROCESS_CYCLE: ("error", "processes extend each other in a cycle (or themselves)"),
    DOTENV_IGNORED: (
        "warning",
        "the `.env` file has a syntax error: process-compose then uses none of it",
    ),
    UNSET_VARIABLE: ("warning", "`${VAR}` names an unset variable: it becomes the empty string"),
    COMMAND_AND_ENTRYPOINT: ("warning", "both `command` and `entrypoint`: `command` is used"),
    ARGS_IGNORED: (
        "warning",
        "`args` next to `command` or `entrypoint`: process-compose replaces it (write the "
        "arguments into `command`, or after the program in `entrypoint`)",
    ),
    REPLICAS_NOT_EXPANDED: (
        "warning",
        "`replicas` above 1000: workloadctl checks the replicas as one process",
    ),
    EXHAUSTS_PROCESS_COMPOSE: (
        "error",
        "a value that crashes process-compose or exhausts its memory: `log_length` above "
        "1048576 (a 16-byte slot per line for every process, allocated at start; "
        "300000000000000 panics, 1000000000 asks for 16 GB), log slots of all processes "
        "above 1 GiB together, or `replicas` above 10000",
    ),
}
