"""A typed model of process-compose v1.122.0's configuration (src/types, src/health,
src/command), with the YAML key, the JSON key and the Go type of every field.

The model is declarative: each dataclass field carries a `Spec` in its metadata, from
which the decoder (YAML -> model, `decode.py`) and the JSON codec (`to_api_json`,
`from_api_json`) are driven. JSON keys and shapes are those of Go's `encoding/json` on
process-compose's structs, i.e. the body of `POST /project` that
`process-compose project update -f FILE` sends: `types.Project` has no json tags (keys
are Go field names, nothing omitted), processes use their camelCase json tags.

Every struct also remembers where it came from (`file`, `line` of its key, and the line
of each key it had), for findings; those are not part of equality.
"""

# spec(), struct_field() and pointer_field() return dataclasses.field(...): the calls
# in class bodies below are field specifiers, not shared mutable defaults.
# ruff: noqa: RUF009

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

# --- kinds: the Go types the decoder and codec know -------------------------------------


class Kind:
    go: str = "?"


class StrKind(Kind):
    go = "string"


class IntKind(Kind):
    go = "int"


class BoolKind(Kind):
    go = "bool"


class DurationKind(Kind):
    """time.Duration: a Go duration string in YAML ("1m30s"), nanoseconds in JSON."""

    go = "time.Duration"


class AnyKind(Kind):
    """`any`: whatever YAML holds (vars, x- extensions)."""

    go = "interface {}"


class NamespacesKind(Kind):
    """types.Namespaces: a string or a list of strings; a lone one is a string in JSON."""

    go = "types.Namespaces"


class EnumKind(Kind):
    """A Go int enum with a custom UnmarshalYAML that takes one of `values` (a string)."""

    def __init__(
        self, go: str, values: tuple[str, ...], aliases: Mapping[str, str] | None = None
    ) -> None:
        self.go = go
        self.values = values  # index = the Go int, values[0] = the zero value
        self.aliases = dict(aliases or {})

    def canonical(self, text: str) -> str | None:
        text = self.aliases.get(text, text)
        return text if text in self.values else None

    def to_int(self, text: str) -> int:
        return self.values.index(text)

    def from_int(self, number: int) -> str:
        return self.values[number] if 0 <= number < len(self.values) else self.values[0]


class ListKind(Kind):
    def __init__(self, item: Kind, go: str | None = None) -> None:
        self.item = item
        self.go = go or f"[]{item.go}"


class MapKind(Kind):
    """map[string]X."""

    def __init__(self, value: Kind, go: str | None = None) -> None:
        self.value = value
        self.go = go or f"map[string]{value.go}"


class StructKind(Kind):
    def __init__(self, cls: type[Struct], *, pointer: bool) -> None:
        self.cls = cls
        self.pointer = pointer
        self.go = ("*" if pointer else "") + cls.GO_TYPE


DEFAULT_LOG_LENGTH = 1000

STR = StrKind()
INT = IntKind()
BOOL = BoolKind()
DURATION = DurationKind()
ANY = AnyKind()
NAMESPACES = NamespacesKind()
STR_LIST = ListKind(STR)
INT_LIST = ListKind(INT)
ENVIRONMENT = ListKind(STR, "types.Environment")

RESTART_POLICY = EnumKind("types.RestartPolicy", ("no", "always", "on_failure", "exit_on_failure"))
PROCESS_CONDITION = EnumKind(
    "types.ProcessCondition",
    (
        "process_completed",
        "process_completed_successfully",
        "process_healthy",
        "process_started",
        "process_log_ready",
    ),
)
MONITOR_FOR = EnumKind("types.MonitorFor", ("none", "activity", "silence"), {"": "none"})


@dataclass(frozen=True)
class Spec:
    yaml: str  # the YAML key
    json: str  # the JSON key (Go's encoding/json)
    kind: Kind
    omitempty: bool = True  # json:",omitempty"


def spec(yaml: str, json: str, kind: Kind, default: Any = None, *, omit: bool = True) -> Any:
    """A dataclass field with its Spec; `default` None means the kind's zero value."""
    meta = {"spec": Spec(yaml, json, kind, omit)}
    if default is not None:
        return field(default=default, metadata=meta)
    zero = zero_value(kind)
    if isinstance(zero, list | dict):
        return field(default_factory=type(zero), metadata=meta)
    return field(default=zero, metadata=meta)


def zero_value(kind: Kind) -> Any:
    if isinstance(kind, StrKind):
        return ""
    if isinstance(kind, IntKind | DurationKind):
        return 0
    if isinstance(kind, BoolKind):
        return False
    if isinstance(kind, EnumKind):
        return kind.values[0]
    if isinstance(kind, ListKind | NamespacesKind):
        return []
    if isinstance(kind, MapKind):
        return {}
    return None  # any, pointers; non-pointer structs use default_factory


def struct_field(yaml: str, json: str, cls: type[Struct], *, omit: bool = False) -> Any:
    return field(
        default_factory=cls,
        metadata={"spec": Spec(yaml, json, StructKind(cls, pointer=False), omit)},
    )


def pointer_field(yaml: str, json: str, cls: type[Struct], *, omit: bool = True) -> Any:
    kind = StructKind(cls, pointer=True)
    return field(default=None, metadata={"spec": Spec(yaml, json, kind, omit)})


Origin = tuple[str, int | None]  # (file, line)


class PresentList(list[Any]):
    """A list the YAML wrote out (possibly `[]`): Go's non-nil slice, `[]` in JSON."""


class PresentDict(dict[Any, Any]):
    """A mapping the YAML wrote out (possibly `{}`): Go's non-nil map, `{}` in JSON."""


@dataclass
class Struct:
    """Base of every config struct: where it was read, for findings (not compared)."""

    GO_TYPE: ClassVar[str] = "struct"

    file: str = field(default="", compare=False, repr=False, kw_only=True)
    line: int | None = field(default=None, compare=False, repr=False, kw_only=True)
    # YAML key -> (file, line) of that key; merged structs mix files.
    origins: dict[str, Origin] = field(
        default_factory=dict, compare=False, repr=False, kw_only=True
    )

    def where(self, yaml_key: str | None = None) -> Origin:
        """(file, line) of a key of this struct, else of the struct itself."""
        if yaml_key is not None and yaml_key in self.origins:
            return self.origins[yaml_key]
        return (self.file, self.line)


S = TypeVar("S", bound=Struct)


# --- the structs (leaves first) ----------------------------------------------------------


@dataclass
class LogRotationConfig(Struct):
    GO_TYPE: ClassVar[str] = "types.LogRotationConfig"
    directory: str = spec("directory", "directory", STR)
    filename: str = spec("filename", "filename", STR)
    max_size_mb: int = spec("max_size_mb", "maxSize", INT)
    max_backups: int = spec("max_backups", "maxBackups", INT)
    max_age_days: int = spec("max_age_days", "maxAge", INT)
    compress: bool = spec("compress", "compress", BOOL)


@dataclass
class LoggerConfig(Struct):
    GO_TYPE: ClassVar[str] = "types.LoggerConfig"
    rotation: LogRotationConfig | None = pointer_field("rotation", "rotation", LogRotationConfig)
    fields_order: list[str] = spec("fields_order", "fieldsOrder", STR_LIST)
    disable_json: bool = spec("disable_json", "disableJSON", BOOL)
    timestamp_format: str = spec("timestamp_format", "timestampFormat", STR)
    no_color: bool = spec("no_color", "noColor", BOOL)
    no_metadata: bool = spec("no_metadata", "noMetadata", BOOL)
    add_timestamp: bool = spec("add_timestamp", "addTimestamp", BOOL)
    flush_each_line: bool = spec("flush_each_line", "flushEachLine", BOOL)


@dataclass
class RestartPolicyConfig(Struct):
    GO_TYPE: ClassVar[str] = "types.RestartPolicyConfig"
    restart: str = spec("restart", "restart", RESTART_POLICY)
    backoff_seconds: int = spec("backoff_seconds", "backoffSeconds", INT)
    max_restarts: int = spec("max_restarts", "maxRestarts", INT)
    exit_on_end: bool = spec("exit_on_end", "exitOnEnd", BOOL)
    exit_on_skipped: bool = spec("exit_on_skipped", "exitOnSkipped", BOOL)


@dataclass
class ShutdownParams(Struct):
    GO_TYPE: ClassVar[str] = "types.ShutDownParams"
    command: str = spec("command", "shutDownCommand", STR)
    timeout_seconds: int = spec("timeout_seconds", "shutDownTimeout", INT)
    signal: int = spec("signal", "signal", INT)
    parent_only: bool = spec("parent_only", "parentOnly", BOOL)
    send_keys: str = spec("send_keys", "sendKeys", STR)


@dataclass
class ExecProbe(Struct):
    GO_TYPE: ClassVar[str] = "health.ExecProbe"
    command: str = spec("command", "command", STR)
    working_dir: str = spec("working_dir", "workingDir", STR)


@dataclass
class HttpProbe(Struct):
    GO_TYPE: ClassVar[str] = "health.HttpProbe"
    host: str = spec("host", "host", STR)
    path: str = spec("path", "path", STR)
    scheme: str = spec("scheme", "scheme", STR)
    port: str = spec("port", "port", STR)
    num_port: int = spec("num_port", "numPort", INT)
    headers: dict[str, str] = spec("headers", "headers", MapKind(STR))
    status_code: int = spec("status_code", "statusCode", INT)


@dataclass
class Probe(Struct):
    GO_TYPE: ClassVar[str] = "health.Probe"
    exec_probe: ExecProbe | None = pointer_field("exec", "exec", ExecProbe)
    http_get: HttpProbe | None = pointer_field("http_get", "httpGet", HttpProbe)
    initial_delay_seconds: int = spec("initial_delay_seconds", "initialDelay", INT)
    period_seconds: int = spec("period_seconds", "periodSeconds", INT)
    timeout_seconds: int = spec("timeout_seconds", "timeoutSeconds", INT)
    success_threshold: int = spec("success_threshold", "successThreshold", INT)
    failure_threshold: int = spec("failure_threshold", "failureThreshold", INT)


@dataclass
class ProcessDependency(Struct):
    GO_TYPE: ClassVar[str] = "types.ProcessDependency"
    condition: str = spec("condition", "condition", PROCESS_CONDITION)
    extensions: dict[str, Any] = spec("", "extensions", MapKind(ANY))


@dataclass
class ScheduleConfig(Struct):
    GO_TYPE: ClassVar[str] = "types.ScheduleConfig"
    cron: str = spec("cron", "cron", STR)
    timezone: str = spec("timezone", "timezone", STR)
    interval: str = spec("interval", "interval", STR)
    run_on_start: bool = spec("run_on_start", "run_on_start", BOOL)
    max_concurrent: int = spec("max_concurrent", "max_concurrent", INT)

    @property
    def is_scheduled(self) -> bool:
        return bool(self.cron or self.interval)


@dataclass
class WatchPath(Struct):
    GO_TYPE: ClassVar[str] = "types.WatchPath"
    path: str = spec("path", "path", STR, omit=False)
    include: list[str] = spec("include", "include", STR_LIST)
    exclude: list[str] = spec("exclude", "exclude", STR_LIST)


@dataclass
class WatchConfig(Struct):
    GO_TYPE: ClassVar[str] = "types.WatchConfig"
    paths: list[WatchPath] = field(
        default_factory=list,
        metadata={"spec": Spec("paths", "paths", ListKind(StructKind(WatchPath, pointer=False)))},
    )
    cascade: bool = spec("cascade", "cascade", BOOL)
    debounce: str = spec("debounce", "debounce", STR)
    max_entries: int = spec("max_entries", "max_entries", INT)
    buffer_size: int = spec("buffer_size", "buffer_size", INT)
    disable_default_excludes: bool = spec(
        "disable_default_excludes", "disable_default_excludes", BOOL
    )


@dataclass
class McpArgument(Struct):
    GO_TYPE: ClassVar[str] = "types.MCPArgument"
    name: str = spec("name", "Name", STR, omit=False)
    type: str = spec("type", "Type", STR, omit=False)
    description: str = spec("description", "Description", STR, omit=False)
    required: bool = spec("required", "Required", BOOL, omit=False)
    default: str = spec("default", "Default", STR, omit=False)


@dataclass
class McpProcessConfig(Struct):
    GO_TYPE: ClassVar[str] = "types.MCPProcessConfig"
    type: str = spec("type", "Type", STR, omit=False)
    arguments: list[McpArgument] = field(
        default_factory=list,
        metadata={
            "spec": Spec(
                "arguments", "Arguments", ListKind(StructKind(McpArgument, pointer=False)), False
            )
        },
    )
    timeout: str = spec("timeout", "Timeout", STR, omit=False)

    @property
    def is_tool(self) -> bool:
        return self.type == "tool"

    @property
    def is_resource(self) -> bool:
        return self.type == "resource"


@dataclass
class McpServerConfig(Struct):
    GO_TYPE: ClassVar[str] = "types.MCPServerConfig"
    host: str = spec("host", "Host", STR, omit=False)
    port: int = spec("port", "Port", INT, omit=False)
    transport: str = spec("transport", "Transport", STR, omit=False)
    timeout: str = spec("timeout", "Timeout", STR, omit=False)
    expose_control_tools: bool = spec(
        "expose_control_tools", "ExposeControlTools", BOOL, omit=False
    )
    trusted_hosts: list[str] = spec("trusted_hosts", "TrustedHosts", STR_LIST, omit=False)

    @property
    def effective_transport(self) -> str:
        return (self.transport or "sse").lower()


@dataclass
class ShellConfig(Struct):
    GO_TYPE: ClassVar[str] = "command.ShellConfig"
    shell_command: str = spec("shell_command", "ShellCommand", STR, omit=False)
    shell_argument: str = spec("shell_argument", "ShellArgument", STR, omit=False)
    elevated_shell_command: str = spec(
        "elevated_shell_command", "ElevatedShellCmd", STR, omit=False
    )
    elevated_shell_argument: str = spec(
        "elevated_shell_argument", "ElevatedShellArg", STR, omit=False
    )


@dataclass
class ProcessConfig(Struct):
    GO_TYPE: ClassVar[str] = "types.ProcessConfig"
    name: str = spec("name", "name", STR)
    extends: str = spec("extends", "extends", STR)
    disabled: bool = spec("disabled", "disabled", BOOL)
    is_daemon: bool = spec("is_daemon", "isDaemon", BOOL)
    command: str = spec("command", "command", STR)
    entrypoint: list[str] = spec("entrypoint", "entrypoint", STR_LIST)
    log_location: str = spec("log_location", "logLocation", STR)
    logger_config: LoggerConfig | None = pointer_field(
        "log_configuration", "loggerConfig", LoggerConfig
    )
    environment: list[str] = spec("environment", "environment", ENVIRONMENT)
    env_file: str = spec("env_file", "envFile", STR)
    availability: RestartPolicyConfig = struct_field(
        "availability", "restartPolicy", RestartPolicyConfig
    )
    depends_on: dict[str, ProcessDependency] = spec(
        "depends_on",
        "dependsOn",
        MapKind(StructKind(ProcessDependency, pointer=False), "types.DependsOnConfig"),
    )
    liveness_probe: Probe | None = pointer_field("liveness_probe", "livenessProbe", Probe)
    readiness_probe: Probe | None = pointer_field("readiness_probe", "readinessProbe", Probe)
    ready_log_line: str = spec("ready_log_line", "readyLogLine", STR)
    shutdown: ShutdownParams = struct_field("shutdown", "shutDownParams", ShutdownParams)
    disable_ansi_colors: bool = spec("disable_ansi_colors", "disableAnsiColors", BOOL)
    working_dir: str = spec("working_dir", "workingDir", STR)
    namespace: list[str] = spec("namespace", "namespace", NAMESPACES)
    replicas: int = spec("replicas", "replicas", INT)
    extensions: dict[str, Any] = spec("", "extensions", MapKind(ANY))
    description: str = spec("description", "description", STR)
    vars: dict[str, Any] = spec("vars", "vars", MapKind(ANY, "types.Vars"))
    is_foreground: bool = spec("is_foreground", "isForeground", BOOL)
    is_tty: bool = spec("is_tty", "isTty", BOOL)
    is_elevated: bool = spec("is_elevated", "isElevated", BOOL)
    is_interactive: bool = spec("is_interactive", "isInteractive", BOOL)
    launch_timeout_seconds: int = spec("launch_timeout_seconds", "launchTimeout", INT)
    is_disabled: str = spec("is_disabled", "isDisabled", STR)
    is_dotenv_disabled: bool = spec("is_dotenv_disabled", "disableDotEnv", BOOL)
    original_config: str = spec("original_config", "originalConfig", STR)
    replica_num: int = spec("replica_num", "replicaNum", INT)
    replica_name: str = spec("replica_name", "replicaName", STR)
    executable: str = spec("executable", "executable", STR)
    args: list[str] = spec("args", "args", STR_LIST)
    schedule: ScheduleConfig | None = pointer_field("schedule", "schedule", ScheduleConfig)
    watch: WatchConfig | None = pointer_field("watch", "watch", WatchConfig)
    mcp: McpProcessConfig | None = pointer_field("mcp", "mcp", McpProcessConfig)
    truncate_log: bool = spec("truncate_log", "truncateLog", BOOL)
    is_template_disabled: bool = spec("is_template_disabled", "disableCommandRendering", BOOL)
    monitor_for: str = spec("monitor_for", "monitorFor", MONITOR_FOR)
    monitor_silence_threshold: int = spec(
        "monitor_silence_threshold", "monitorSilenceThreshold", DURATION
    )
    success_exit_codes: list[int] = spec("success_exit_codes", "successExitCodes", INT_LIST)

    @property
    def is_deferred(self) -> bool:
        return self.is_foreground or self.disabled

    def environment_dict(self) -> dict[str, str]:
        """`environment:` entries as a dict (split at the first `=`)."""
        result: dict[str, str] = {}
        for entry in self.environment:
            key, _, value = entry.partition("=")
            result[key] = value
        return result


@dataclass
class Project(Struct):
    """types.Project. After `load_process_compose` it is the project as process-compose
    would run it: extends merged, defaults applied, `processes` keyed by replica name
    (`web-0`, `web-1` for `replicas: 2`), templates rendered, executable and args set."""

    GO_TYPE: ClassVar[str] = "types.Project"
    version: str = spec("version", "Version", STR, omit=False)
    name: str = spec("name", "Name", STR, omit=False)
    log_location: str = spec("log_location", "LogLocation", STR, omit=False)
    log_level: str = spec("log_level", "LogLevel", STR, omit=False)
    # loader.go starts every file's project at LogLength 1000 before decoding it.
    log_length: int = spec("log_length", "LogLength", INT, DEFAULT_LOG_LENGTH, omit=False)
    logger_config: LoggerConfig | None = pointer_field(
        "log_configuration", "LoggerConfig", LoggerConfig, omit=False
    )
    log_format: str = spec("log_format", "LogFormat", STR, omit=False)
    processes: dict[str, ProcessConfig] = spec(
        "processes",
        "Processes",
        MapKind(StructKind(ProcessConfig, pointer=False), "types.Processes"),
        omit=False,
    )
    environment: list[str] = spec("environment", "Environment", ENVIRONMENT, omit=False)
    shell: ShellConfig | None = pointer_field("shell", "ShellConfig", ShellConfig, omit=False)
    is_strict: bool = spec("is_strict", "IsStrict", BOOL, omit=False)
    vars: dict[str, Any] = spec("vars", "Vars", MapKind(ANY, "types.Vars"), omit=False)
    disable_env_expansion: bool = spec(
        "disable_env_expansion", "DisableEnvExpansion", BOOL, omit=False
    )
    is_tui_disabled: bool = spec("is_tui_disabled", "IsTuiDisabled", BOOL, omit=False)
    extends: str = spec("extends", "ExtendsProject", STR, omit=False)
    env_cmds: dict[str, str] = spec(
        "env_cmds", "EnvCommands", MapKind(STR, "types.EnvCmd"), omit=False
    )
    ordered_shutdown: bool = spec("ordered_shutdown", "IsOrderedShutdown", BOOL, omit=False)
    file_names: list[str] = spec("file_names", "FileNames", STR_LIST, omit=False)
    env_file_names: list[str] = spec("env_file_names", "EnvFileNames", STR_LIST, omit=False)
    dot_env_vars: dict[str, str] = spec("dot_env_vars", "DotEnvVars", MapKind(STR), omit=False)
    extensions: dict[str, Any] = spec("", "Extensions", MapKind(ANY), omit=False)
    mcp_server: McpServerConfig | None = pointer_field(
        "mcp_server", "MCPServer", McpServerConfig, omit=False
    )

    def to_api_json(self) -> dict[str, Any]:
        """The JSON object `process-compose project update` POSTs to `/project`."""
        result: dict[str, Any] = struct_to_json(self)
        # The loader always allocates these two maps (other empty ones are nil: null).
        for key in ("Processes", "DotEnvVars"):
            if result[key] is None:
                result[key] = {}
        return result

    @classmethod
    def from_api_json(cls, data: Mapping[str, Any]) -> Project:
        """The inverse of `to_api_json` (keys matched case-insensitively, as Go does)."""
        return struct_from_json(cls, data)


# --- schema access ------------------------------------------------------------------------

_FIELDS: dict[type, tuple[tuple[str, Spec], ...]] = {}


def fields_of(cls: type[Struct]) -> tuple[tuple[str, Spec], ...]:
    """(attribute name, Spec) of every config field of a struct class, in Go order."""
    cached = _FIELDS.get(cls)
    if cached is None:
        cached = tuple(
            (f.name, f.metadata["spec"]) for f in dataclasses.fields(cls) if "spec" in f.metadata
        )
        _FIELDS[cls] = cached
    return cached


_BY_YAML: dict[type, dict[str, tuple[str, Spec]]] = {}


def yaml_fields(cls: type[Struct]) -> dict[str, tuple[str, Spec]]:
    """YAML key -> (attribute, Spec); the inline extensions map has no key."""
    cached = _BY_YAML.get(cls)
    if cached is None:
        cached = {spec_.yaml: (name, spec_) for name, spec_ in fields_of(cls) if spec_.yaml}
        _BY_YAML[cls] = cached
    return cached


# --- JSON codec (Go encoding/json shapes) ----------------------------------------------


def struct_to_json(obj: Struct) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, spec_ in fields_of(type(obj)):
        value = getattr(obj, name)
        if spec_.omitempty and is_empty(spec_.kind, value):
            continue
        if isinstance(spec_.kind, ListKind | MapKind) and not value:
            # Go's nil slice or map (the key was absent) is null; an empty one is not.
            present = isinstance(value, PresentList | PresentDict)
            out[spec_.json] = value_to_json(spec_.kind, value) if present else None
            continue
        out[spec_.json] = value_to_json(spec_.kind, value)
    return out


def is_empty(kind: Kind, value: Any) -> bool:
    """Go's omitempty: false, 0, "", nil, and empty slices and maps (never a struct)."""
    if isinstance(kind, StructKind):
        return kind.pointer and value is None
    if isinstance(kind, EnumKind):
        return kind.to_int(value) == 0
    if isinstance(kind, AnyKind):
        return value is None
    if isinstance(value, list | dict | str):
        return len(value) == 0
    return not value


def value_to_json(kind: Kind, value: Any) -> Any:
    if isinstance(kind, StructKind):
        return None if value is None else struct_to_json(value)
    if isinstance(kind, EnumKind):
        return kind.to_int(value)
    if isinstance(kind, NamespacesKind):
        return value[0] if len(value) == 1 else list(value) if value else None
    if isinstance(kind, ListKind):
        return None if value is None else [value_to_json(kind.item, v) for v in value]
    if isinstance(kind, MapKind):
        if value is None:
            return None
        # Go writes map keys sorted (it matters inside originalConfig, a JSON string).
        return {str(k): value_to_json(kind.value, value[k]) for k in sorted(value, key=str)}
    if isinstance(kind, AnyKind):
        return any_to_json(value)
    return value


def any_to_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {_json_key(k): any_to_json(value[k]) for k in sorted(value, key=_json_key)}
    if isinstance(value, list):
        return [any_to_json(v) for v in value]
    if isinstance(value, dt.datetime):
        return go_time_json(value)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        # Go's encoding/json refuses these; process-compose would fail to send.
        return str(value)
    return value


def _json_key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return "" if key is None else str(key)


def go_time_json(value: dt.datetime) -> str:
    """time.Time's MarshalJSON: RFC 3339 with nanoseconds trimmed, Z for UTC."""
    text = value.isoformat()
    if text.endswith("+00:00"):
        text = text[:-6] + "Z"
    return text


def struct_from_json(cls: type[S], data: Mapping[str, Any]) -> S:
    lowered = {str(k).lower(): v for k, v in data.items()}
    values: dict[str, Any] = {}
    for name, spec_ in fields_of(cls):
        raw = lowered.get(spec_.json.lower())
        if raw is None:
            continue
        values[name] = value_from_json(spec_.kind, raw)
    return cls(**values)


def value_from_json(kind: Kind, raw: Any) -> Any:
    if isinstance(kind, StructKind):
        return struct_from_json(kind.cls, raw)
    if isinstance(kind, EnumKind):
        return kind.from_int(int(raw))
    if isinstance(kind, NamespacesKind):
        return [raw] if isinstance(raw, str) else list(raw)
    if isinstance(kind, ListKind):
        return [value_from_json(kind.item, v) for v in raw]
    if isinstance(kind, MapKind):
        return {k: value_from_json(kind.value, v) for k, v in raw.items()}
    return copy.deepcopy(raw)
