"""Names for the finding codes of the process-compose loader (each one registered, with
its meaning, in workloadctl.finding_codes).

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
