"""YAML node tree -> typed model, with yaml.v3's decoding rules and our findings.

yaml.v3 (as process-compose uses it) decodes leniently in some places and strictly in
others; we follow it so that our verdict matches:

- any scalar fits a string field (its text is taken as written: `command: 1.50` is
  "1.50"); null leaves a field at its zero value;
- ints take ints and floats (truncated), bools take true/false and the YAML 1.1 words
  (yes/no/on/off/y/n), a quoted "true" is NOT a bool;
- enums with a custom unmarshaler (`restart`, `condition`, `monitor_for`) take any
  scalar's text and then check it;
- list items and map values that fail to decode are dropped (after the error);
- duplicate keys are errors; `<<` merge keys work; unknown keys of types.Project and
  types.ProcessConfig land in their `Extensions` map.

Unlike process-compose we report every problem, and we also flag unknown keys in nested
blocks, which it ignores (PC008).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workloadctl.checks.process_compose import codes
from workloadctl.checks.process_compose.gotime import parse_duration
from workloadctl.checks.process_compose.model import (
    AnyKind,
    BoolKind,
    DurationKind,
    EnumKind,
    IntKind,
    Kind,
    ListKind,
    MapKind,
    NamespacesKind,
    ProcessConfig,
    ProcessDependency,
    Project,
    StrKind,
    Struct,
    StructKind,
    yaml_fields,
    zero_value,
)
from workloadctl.checks.process_compose.yaml12 import (
    BINARY_TAG,
    INT64_MAX,
    INT64_MIN,
    MAX_ALIAS_EXPANSION,
    MAX_DEPTH,
    NULL_TAG,
    Mapping,
    Node,
    Scalar,
    Sequence,
    merge_is_key,
    resolve_scalar,
    short_tag,
)
from workloadctl.findings import Finding, error

_FAILED = object()  # a value that did not decode (an error was reported)
WITH_EXTENSIONS = (Project, ProcessConfig, ProcessDependency)

_BOOL_WORDS = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "off", "Off", "OFF"), False),
}


class _ExcessiveAliasing(Exception):
    pass


class _TooDeep(Exception):
    def __init__(self, node: Node) -> None:
        super().__init__()
        self.node = node


def _node_tag(node: Node) -> str:
    if isinstance(node, Mapping):
        return short_tag(node.tag) or "!!map"
    if isinstance(node, Sequence):
        return short_tag(node.tag) or "!!seq"
    assert isinstance(node, Scalar)
    try:
        return resolve_scalar(node)[0] if not node.tag else short_tag(node.tag)
    except ValueError:
        return short_tag(node.tag)


def _shown(node: Node) -> str:
    """yaml.v3's way of quoting the offending value in a type error."""
    tag = _node_tag(node)
    if not isinstance(node, Scalar):
        return tag
    value = node.value if len(node.value) <= 10 else node.value[:7] + "..."
    return f"{tag} `{value}`"


class Decoder:
    """Decodes one file's node tree; findings accumulate in `findings`."""

    def __init__(self, file: str, line_of: Callable[[int | None], int | None]) -> None:
        self.file = file
        self.line_of = line_of
        self.findings: list[Finding] = []
        self.visits = 0

    # --- reporting ----------------------------------------------------------------------

    def report(self, node: Node | None, code: str, message: str) -> None:
        line = None if node is None else self.line_of(node.line)
        self.findings.append(error(self.file, line, code, message))

    def type_error(self, node: Node, kind: Kind, path: str) -> None:
        self.report(
            node, codes.WRONG_TYPE, f"{path}: cannot unmarshal {_shown(node)} into {kind.go}"
        )

    def visit(self) -> None:
        self.visits += 1
        if self.visits > MAX_ALIAS_EXPANSION:
            raise _ExcessiveAliasing

    # --- entry point ---------------------------------------------------------------------

    def project(self, root: Node | None) -> Project:
        project = Project(file=self.file, line=1)
        if root is None:
            return project
        try:
            if isinstance(root, Scalar) and self._is_null(root):
                return project
            if not isinstance(root, Mapping):
                self.report(
                    root,
                    codes.NOT_A_MAPPING,
                    f"the document is {_shown(root)}, not a mapping of process-compose settings",
                )
                return project
            self.fill_struct(root, project, "")
        except _ExcessiveAliasing:
            self.report(root, codes.YAML_SYNTAX, "document contains excessive aliasing")
        except _TooDeep as exc:
            # Aliases can build nesting the parser's own limit never saw.
            self.report(exc.node, codes.YAML_SYNTAX, f"nested more than {MAX_DEPTH} levels deep")
        return project

    # --- mappings ------------------------------------------------------------------------

    def pairs(self, node: Mapping, path: str) -> list[tuple[Node, Node]]:
        """The mapping's key/value pairs with `<<` merges applied, yaml.v3's way.

        Explicit keys come first and win; then each merged mapping in order adds the
        keys not seen yet. Duplicate keys are reported (and only the first is kept).
        """
        self.visit()
        explicit: list[tuple[Node, Node]] = []
        seen: dict[str, int] = {}
        merge_value: Node | None = None
        for key, value in node.pairs:
            if isinstance(key, Scalar):
                first = seen.get(key.value)
                if first is not None:
                    self.report(
                        key,
                        codes.DUPLICATE_KEY,
                        f"{path or 'top level'}: mapping key {key.value!r} already defined "
                        f"at line {self.line_of(first)}",
                    )
                    continue
                seen[key.value] = key.line
            if merge_is_key(key):
                merge_value = value
                continue
            explicit.append((key, value))
        if merge_value is None:
            return explicit
        merged = list(explicit)
        names = {k.value for k, _ in explicit if isinstance(k, Scalar)}
        for source in self.merge_sources(merge_value):
            for key, value in self.pairs(source, path):
                if isinstance(key, Scalar):
                    if key.value in names:
                        continue
                    names.add(key.value)
                merged.append((key, value))
        return merged

    def merge_sources(self, value: Node) -> list[Mapping]:
        if isinstance(value, Mapping):
            return [value]
        if isinstance(value, Sequence) and all(isinstance(v, Mapping) for v in value.items):
            return [v for v in value.items if isinstance(v, Mapping)]
        self.report(
            value, codes.YAML_SYNTAX, "map merge requires map or sequence of maps as the value"
        )
        return []

    def key_text(self, key: Node, path: str) -> str | None:
        """A mapping key as a Go string field name; None (after reporting) when unusable."""
        if isinstance(key, Scalar):
            return None if self._is_null(key) else key.value
        self.report(key, codes.WRONG_TYPE, f"{path}: cannot unmarshal {_shown(key)} into string")
        return None

    # --- structs -------------------------------------------------------------------------

    def fill_struct(self, node: Mapping, target: Struct, path: str) -> None:
        known = yaml_fields(type(target))
        for key, value in self.pairs(node, path):
            name = self.key_text(key, path)
            if name is None:
                continue
            where = f"{path}.{name}" if path else name
            line = self.line_of(key.line)
            target.origins[name] = (self.file, line)
            entry = known.get(name)
            if entry is not None:
                attr, spec_ = entry
                decoded = self.value(value, spec_.kind, where, key_line=line)
                if decoded is not _FAILED:
                    setattr(target, attr, decoded)
                continue
            if isinstance(target, WITH_EXTENSIONS):
                # Go decodes unknown keys into the struct's inline `Extensions` map.
                target.extensions[name] = self.any_value(value)
            if not name.startswith("x-"):
                self.unknown_key(key, target, name, path)

    def unknown_key(self, key: Node, target: Struct, name: str, path: str) -> None:
        if isinstance(target, Project):
            code, where = codes.UNKNOWN_TOP_LEVEL_KEY, "at the top level"
        elif isinstance(target, ProcessConfig):
            code, where = codes.UNKNOWN_PROCESS_KEY, f"in {path}"
        else:
            code, where = codes.UNKNOWN_NESTED_KEY, f"in {path}"
        known = sorted(yaml_fields(type(target)))
        hint = _closest(name, known)
        suffix = f" (did you mean {hint!r}?)" if hint else ""
        extra = "" if code != codes.UNKNOWN_NESTED_KEY else "; process-compose would ignore it"
        self.report(key, code, f"unknown key {name!r} {where}{suffix}{extra}")

    def new_struct(self, node: Node, kind: StructKind, path: str, key_line: int | None) -> Any:
        target = kind.cls(file=self.file, line=key_line or self.line_of(node.line))
        if isinstance(node, Mapping):
            self.fill_struct(node, target, path)
        return target

    # --- values --------------------------------------------------------------------------

    def _is_null(self, node: Node) -> bool:
        if not isinstance(node, Scalar):
            return False
        try:
            return resolve_scalar(node)[0] == NULL_TAG
        except ValueError:
            return False

    def value(self, node: Node, kind: Kind, path: str, key_line: int | None = None) -> Any:
        self.visit()
        if self._is_null(node):
            if isinstance(kind, StructKind) and not kind.pointer:
                return kind.cls(file=self.file, line=key_line)
            return zero_value(kind)
        if isinstance(kind, StructKind):
            if not isinstance(node, Mapping):
                self.type_error(node, kind, path)
                return _FAILED
            return self.new_struct(node, kind, path, key_line)
        if isinstance(kind, ListKind):
            return self.list_value(node, kind, path)
        if isinstance(kind, MapKind):
            return self.map_value(node, kind, path)
        if isinstance(kind, AnyKind):
            return self.any_value(node)
        if isinstance(kind, EnumKind):
            return self.enum_value(node, kind, path)
        if isinstance(kind, NamespacesKind):
            return self.namespaces_value(node, path)
        if not isinstance(node, Scalar):
            self.type_error(node, kind, path)
            return _FAILED
        return self.scalar_value(node, kind, path)

    def scalar_value(self, node: Scalar, kind: Kind, path: str) -> Any:
        try:
            tag, resolved = resolve_scalar(node)
        except ValueError as exc:
            self.report(node, codes.WRONG_TYPE, f"{path}: {exc}")
            return _FAILED
        if isinstance(kind, StrKind):
            return resolved if tag == BINARY_TAG else node.value
        if isinstance(kind, IntKind):
            number = _as_go_int(resolved)
            if number is not None:
                return number
        elif isinstance(kind, BoolKind):
            if isinstance(resolved, bool):
                return resolved
            if isinstance(resolved, str) and resolved in _BOOL_WORDS:
                return _BOOL_WORDS[resolved]
        elif isinstance(kind, DurationKind) and isinstance(resolved, str):
            duration = parse_duration(resolved)
            if duration is not None:
                return duration
        self.type_error(node, kind, path)
        return _FAILED

    def enum_value(self, node: Node, kind: EnumKind, path: str) -> Any:
        if not isinstance(node, Scalar):
            self.type_error(node, StrKind(), path)
            return _FAILED
        value = kind.canonical(node.value)
        if value is None:
            allowed = ", ".join(v for v in kind.values)
            self.report(
                node,
                codes.BAD_ENUM,
                f"{path}: invalid value {node.value!r}; one of: {allowed}",
            )
            return _FAILED
        return value

    def namespaces_value(self, node: Node, path: str) -> Any:
        if isinstance(node, Scalar):
            return [] if node.value == "" else [node.value]
        if isinstance(node, Sequence) and all(isinstance(i, Scalar) for i in node.items):
            return [i.value for i in node.items if isinstance(i, Scalar) and not self._is_null(i)]
        self.report(
            node, codes.WRONG_TYPE, f"{path}: namespace must be a string or a list of strings"
        )
        return _FAILED

    def list_value(self, node: Node, kind: ListKind, path: str) -> Any:
        if not isinstance(node, Sequence):
            self.type_error(node, kind, path)
            return _FAILED
        items: list[Any] = []
        for index, item in enumerate(node.items):
            if self._is_null(item):
                continue  # yaml.v3 drops null items of these lists
            decoded = self.value(
                item, kind.item, f"{path}[{index}]", key_line=self.line_of(item.line)
            )
            if decoded is not _FAILED:
                items.append(decoded)
        return items

    def map_value(self, node: Node, kind: MapKind, path: str) -> Any:
        if not isinstance(node, Mapping):
            self.type_error(node, kind, path)
            return _FAILED
        result: dict[str, Any] = {}
        for key, value in self.pairs(node, path):
            name = self.key_text(key, path)
            if name is None:
                continue
            decoded = self.value(
                value, kind.value, f"{path}.{name}", key_line=self.line_of(key.line)
            )
            if decoded is not _FAILED:
                result[name] = decoded
        return result

    def any_value(self, node: Node, depth: int = 0) -> Any:
        """yaml.v3 into `any`: maps, lists and typed scalars."""
        self.visit()
        if depth > MAX_DEPTH:
            raise _TooDeep(node)
        if isinstance(node, Mapping):
            return {_any_key(k): self.any_value(v, depth + 1) for k, v in self.pairs(node, "")}
        if isinstance(node, Sequence):
            return [self.any_value(item, depth + 1) for item in node.items]
        assert isinstance(node, Scalar)
        try:
            return resolve_scalar(node)[1]
        except ValueError as exc:
            self.report(node, codes.WRONG_TYPE, str(exc))
            return None


def _any_key(key: Node) -> str:
    if isinstance(key, Scalar):
        return key.value
    return repr(key)


def _as_go_int(resolved: Any) -> int | None:
    """yaml.v3 into a Go int: ints in range, and floats (truncated) up to MaxInt64."""
    if isinstance(resolved, bool):
        return None
    if isinstance(resolved, int):
        return resolved if INT64_MIN <= resolved <= INT64_MAX else None
    if isinstance(resolved, float):
        if resolved != resolved or resolved > INT64_MAX or resolved == float("-inf"):
            return None
        return max(int(resolved), INT64_MIN)
    return None


def _closest(name: str, candidates: list[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
    return found[0] if found else None
