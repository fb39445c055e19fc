"""A typed model of process-compose v1.122.0's configuration (src/types, src/health,
src/command), with the YAML key and the Go type of every field.

The model is declarative: each dataclass field carries a `Spec` in its metadata, from
which the decoder (YAML -> model, `decode.py`) is driven.

Every struct also remembers where it came from (`file`, `line` of its key, and the line
of each key it had), for findings.

The structs get no generated `__eq__` nor `__repr__` (eq=False, repr=False): nothing
compares or prints them, and each generated method is code that `dataclass()` compiles
at every import, on the path of every `validate` and `launch process-compose`. Each has
a docstring for the same reason: without one, `dataclass()` writes one from
`inspect.signature` of the class.
"""

# spec(), struct_field() and pointer_field() return dataclasses.field(...): the calls
# in class bodies below are field specifiers, not shared mutable defaults.
# ruff: noqa: RUF009

from __future__ import annotations

import dataclasses
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
    """time.Duration: a Go duration string in YAML ("1m30s")."""

    go = "time.Duration"


class AnyKind(Kind):
    """`any`: whatever YAML holds (vars, x- extensions)."""

    go = "interface {}"


class NamespacesKind(Kind):
    """types.Namespaces: a string or a list of strings."""

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
    kind: Kind


def spec(yaml: str, kind: Kind, default: Any = None) -> Any:
    """A dataclass field with its Spec; `default` None means the kind's zero value."""
    meta = {"spec": Spec(yaml, kind)}
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


def struct_field(yaml: str, cls: type[Struct]) -> Any:
    return field(default_factory=cls, metadata={"spec": Spec(yaml, StructKind(cls, pointer=False))})


def pointer_field(yaml: str, cls: type[Struct]) -> Any:
    return field(default=None, metadata={"spec": Spec(yaml, StructKind(cls, pointer=True))})


Origin = tuple[str, int | None]  # (file, line)


@dataclass(eq=False, repr=False)
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


@dataclass(eq=False, repr=False)
class LogRotationConfig(Struct):
    """process-compose's `types.LogRotationConfig`."""

    GO_TYPE: ClassVar[str] = "types.LogRotationConfig"
    directory: str = spec("directory", STR)
    filename: str = spec("filename", STR)
    max_size_mb: int = spec("max_size_mb", INT)
    max_backups: int = spec("max_backups", INT)
    max_age_days: int = spec("max_age_days", INT)
    compress: bool = spec("compress", BOOL)


@dataclass(eq=False, repr=False)
class LoggerConfig(Struct):
    """process-compose's `types.LoggerConfig`."""

    GO_TYPE: ClassVar[str] = "types.LoggerConfig"
    rotation: LogRotationConfig | None = pointer_field("rotation", LogRotationConfig)
    fields_order: list[str] = spec("fields_order", STR_LIST)
    disable_json: bool = spec("disable_json", BOOL)
    timestamp_format: str = spec("timestamp_format", STR)
    no_color: bool = spec("no_color", BOOL)
    no_metadata: bool = spec("no_metadata", BOOL)
    add_timestamp: bool = spec("add_timestamp", BOOL)
    flush_each_line: bool = spec("flush_each_line", BOOL)


@dataclass(eq=False, repr=False)
class RestartPolicyConfig(Struct):
    """process-compose's `types.RestartPolicyConfig`."""

    GO_TYPE: ClassVar[str] = "types.RestartPolicyConfig"
    restart: str = spec("restart", RESTART_POLICY)
    backoff_seconds: int = spec("backoff_seconds", INT)
    max_restarts: int = spec("max_restarts", INT)
    exit_on_end: bool = spec("exit_on_end", BOOL)
    exit_on_skipped: bool = spec("exit_on_skipped", BOOL)


@dataclass(eq=False, repr=False)
class ShutdownParams(Struct):
    """process-compose's `types.ShutDownParams`."""

    GO_TYPE: ClassVar[str] = "types.ShutDownParams"
    command: str = spec("command", STR)
    timeout_seconds: int = spec("timeout_seconds", INT)
    signal: int = spec("signal", INT)
    parent_only: bool = spec("parent_only", BOOL)
    send_keys: str = spec("send_keys", STR)


@dataclass(eq=False, repr=False)
class ExecProbe(Struct):
    """process-compose's `health.ExecProbe`."""

    GO_TYPE: ClassVar[str] = "health.ExecProbe"
    command: str = spec("command", STR)
    working_dir: str = spec("working_dir", STR)


@dataclass(eq=False, repr=False)
class HttpProbe(Struct):
    """process-compose's `health.HttpProbe`."""

    GO_TYPE: ClassVar[str] = "health.HttpProbe"
    host: str = spec("host", STR)
    path: str = spec("path", STR)
    scheme: str = spec("scheme", STR)
    port: str = spec("port", STR)
    num_port: int = spec("num_port", INT)
    headers: dict[str, str] = spec("headers", MapKind(STR))
    status_code: int = spec("status_code", INT)


@dataclass(eq=False, repr=False)
class Probe(Struct):
    """process-compose's `health.Probe`."""

    GO_TYPE: ClassVar[str] = "health.Probe"
    exec_probe: ExecProbe | None = pointer_field("exec", ExecProbe)
    http_get: HttpProbe | None = pointer_field("http_get", HttpProbe)
    initial_delay_seconds: int = spec("initial_delay_seconds", INT)
    period_seconds: int = spec("period_seconds", INT)
    timeout_seconds: int = spec("timeout_seconds", INT)
    success_threshold: int = spec("success_threshold", INT)
    failure_threshold: int = spec("failure_threshold", INT)


@dataclass(eq=False, repr=False)
class ProcessDependency(Struct):
    """process-compose's `types.ProcessDependency`."""

    GO_TYPE: ClassVar[str] = "types.ProcessDependency"
    condition: str = spec("condition", PROCESS_CONDITION)
    extensions: dict[str, Any] = spec("", MapKind(ANY))


@dataclass(eq=False, repr=False)
class ScheduleConfig(Struct):
    """process-compose's `types.ScheduleConfig`."""

    GO_TYPE: ClassVar[str] = "types.ScheduleConfig"
    cron: str = spec("cron", STR)
    timezone: str = spec("timezone", STR)
    interval: str = spec("interval", STR)
    run_on_start: bool = spec("run_on_start", BOOL)
    max_concurrent: int = spec("max_concurrent", INT)

    @property
    def is_scheduled(self) -> bool:
        return bool(self.cron or self.interval)


@dataclass(eq=False, repr=False)
class WatchPath(Struct):
    """process-compose's `types.WatchPath`."""

    GO_TYPE: ClassVar[str] = "types.WatchPath"
    path: str = spec("path", STR)
    include: list[str] = spec("include", STR_LIST)
    exclude: list[str] = spec("exclude", STR_LIST)


@dataclass(eq=False, repr=False)
class WatchConfig(Struct):
    """process-compose's `types.WatchConfig`."""

    GO_TYPE: ClassVar[str] = "types.WatchConfig"
    paths: list[WatchPath] = field(
        default_factory=list,
        metadata={"spec": Spec("paths", ListKind(StructKind(WatchPath, pointer=False)))},
    )
    cascade: bool = spec("cascade", BOOL)
    debounce: str = spec("debounce", STR)
    max_entries: int = spec("max_entries", INT)
    buffer_size: int = spec("buffer_size", INT)
    disable_default_excludes: bool = spec("disable_default_excludes", BOOL)


@dataclass(eq=False, repr=False)
class McpArgument(Struct):
    """process-compose's `types.MCPArgument`."""

    GO_TYPE: ClassVar[str] = "types.MCPArgument"
    name: str = spec("name", STR)
    type: str = spec("type", STR)
    description: str = spec("description", STR)
    required: bool = spec("required", BOOL)
    default: str = spec("default", STR)


@dataclass(eq=False, repr=False)
class McpProcessConfig(Struct):
    """process-compose's `types.MCPProcessConfig`."""

    GO_TYPE: ClassVar[str] = "types.MCPProcessConfig"
    type: str = spec("type", STR)
    arguments: list[McpArgument] = field(
        default_factory=list,
        metadata={"spec": Spec("arguments", ListKind(StructKind(McpArgument, pointer=False)))},
    )
    timeout: str = spec("timeout", STR)

    @property
    def is_tool(self) -> bool:
        return self.type == "tool"

    @property
    def is_resource(self) -> bool:
        return self.type == "resource"


@dataclass(eq=False, repr=False)
class McpServerConfig(Struct):
    """process-compose's `types.MCPServerConfig`."""

    GO_TYPE: ClassVar[str] = "types.MCPServerConfig"
    host: str = spec("host", STR)
    port: int = spec("port", INT)
    transport: str = spec("transport", STR)
    timeout: str = spec("timeout", STR)
    expose_control_tools: bool = spec("expose_control_tools", BOOL)
    trusted_hosts: list[str] = spec("trusted_hosts", STR_LIST)

    @property
    def effective_transport(self) -> str:
        return (self.transport or "sse").lower()


@dataclass(eq=False, repr=False)
class ShellConfig(Struct):
    """process-compose's `command.ShellConfig`."""

    GO_TYPE: ClassVar[str] = "command.ShellConfig"
    shell_command: str = spec("shell_command", STR)
    shell_argument: str = spec("shell_argument", STR)
    elevated_shell_command: str = spec("elevated_shell_command", STR)
    elevated_shell_argument: str = spec("elevated_shell_argument", STR)


@dataclass(eq=False, repr=False)
class ProcessConfig(Struct):
    """process-compose's `types.ProcessConfig`."""

    GO_TYPE: ClassVar[str] = "types.ProcessConfig"
    name: str = spec("name", STR)
    extends: str = spec("extends", STR)
    disabled: bool = spec("disabled", BOOL)
    is_daemon: bool = spec("is_daemon", BOOL)
    command: str = spec("command", STR)
    entrypoint: list[str] = spec("entrypoint", STR_LIST)
    log_location: str = spec("log_location", STR)
    logger_config: LoggerConfig | None = pointer_field("log_configuration", LoggerConfig)
    environment: list[str] = spec("environment", ENVIRONMENT)
    env_file: str = spec("env_file", STR)
    availability: RestartPolicyConfig = struct_field("availability", RestartPolicyConfig)
    depends_on: dict[str, ProcessDependency] = spec(
        "depends_on",
        MapKind(StructKind(ProcessDependency, pointer=False), "types.DependsOnConfig"),
    )
    liveness_probe: Probe | None = pointer_field("liveness_probe", Probe)
    readiness_probe: Probe | None = pointer_field("readiness_probe", Probe)
    ready_log_line: str = spec("ready_log_line", STR)
    shutdown: ShutdownParams = struct_field("shutdown", ShutdownParams)
    disable_ansi_colors: bool = spec("disable_ansi_colors", BOOL)
    working_dir: str = spec("working_dir", STR)
    namespace: list[str] = spec("namespace", NAMESPACES)
    replicas: int = spec("replicas", INT)
    extensions: dict[str, Any] = spec("", MapKind(ANY))
    description: str = spec("description", STR)
    vars: dict[str, Any] = spec("vars", MapKind(ANY, "types.Vars"))
    is_foreground: bool = spec("is_foreground", BOOL)
    is_tty: bool = spec("is_tty", BOOL)
    is_elevated: bool = spec("is_elevated", BOOL)
    is_interactive: bool = spec("is_interactive", BOOL)
    launch_timeout_seconds: int = spec("launch_timeout_seconds", INT)
    is_disabled: str = spec("is_disabled", STR)
    is_dotenv_disabled: bool = spec("is_dotenv_disabled", BOOL)
    original_config: str = spec("original_config", STR)
    replica_num: int = spec("replica_num", INT)
    replica_name: str = spec("replica_name", STR)
    executable: str = spec("executable", STR)
    args: list[str] = spec("args", STR_LIST)
    schedule: ScheduleConfig | None = pointer_field("schedule", ScheduleConfig)
    watch: WatchConfig | None = pointer_field("watch", WatchConfig)
    mcp: McpProcessConfig | None = pointer_field("mcp", McpProcessConfig)
    truncate_log: bool = spec("truncate_log", BOOL)
    is_template_disabled: bool = spec("is_template_disabled", BOOL)
    monitor_for: str = spec("monitor_for", MONITOR_FOR)
    monitor_silence_threshold: int = spec("monitor_silence_threshold", DURATION)
    success_exit_codes: list[int] = spec("success_exit_codes", INT_LIST)

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


@dataclass(eq=False, repr=False)
class Project(Struct):
    """types.Project. After `load_process_compose` it is the project as process-compose
    would run it: extends merged, defaults applied, `processes` keyed by replica name
    (`web-0`, `web-1` for `replicas: 2`), templates rendered, executable and args set."""

    GO_TYPE: ClassVar[str] = "types.Project"
    version: str = spec("version", STR)
    name: str = spec("name", STR)
    log_location: str = spec("log_location", STR)
    log_level: str = spec("log_level", STR)
    # loader.go starts every file's project at LogLength 1000 before decoding it.
    log_length: int = spec("log_length", INT, DEFAULT_LOG_LENGTH)
    logger_config: LoggerConfig | None = pointer_field("log_configuration", LoggerConfig)
    log_format: str = spec("log_format", STR)
    processes: dict[str, ProcessConfig] = spec(
        "processes",
        MapKind(StructKind(ProcessConfig, pointer=False), "types.Processes"),
    )
    environment: list[str] = spec("environment", ENVIRONMENT)
    shell: ShellConfig | None = pointer_field("shell", ShellConfig)
    is_strict: bool = spec("is_strict", BOOL)
    vars: dict[str, Any] = spec("vars", MapKind(ANY, "types.Vars"))
    disable_env_expansion: bool = spec("disable_env_expansion", BOOL)
    is_tui_disabled: bool = spec("is_tui_disabled", BOOL)
    extends: str = spec("extends", STR)
    env_cmds: dict[str, str] = spec("env_cmds", MapKind(STR, "types.EnvCmd"))
    ordered_shutdown: bool = spec("ordered_shutdown", BOOL)
    file_names: list[str] = spec("file_names", STR_LIST)
    env_file_names: list[str] = spec("env_file_names", STR_LIST)
    dot_env_vars: dict[str, str] = spec("dot_env_vars", MapKind(STR))
    extensions: dict[str, Any] = spec("", MapKind(ANY))
    mcp_server: McpServerConfig | None = pointer_field("mcp_server", McpServerConfig)


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


# --- Go semantics the merge needs ------------------------------------------------------


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
