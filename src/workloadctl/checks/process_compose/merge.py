"""How process-compose merges configs: dario.cat/mergo v1.0.2 with WithOverride and
WithAppendSlice plus process-compose's transformers (src/loader/merger.go).

Used for a project that `extends` another file (the base is merged first, the
extending file overrides it) and for a process that `extends` another process. The
rules, per Go type:

- scalars: the override's value wins unless it is the zero value (so `false`, `0`, ""
  and `restart: no` cannot undo a base's setting);
- lists are appended, except `environment` (merged by variable name, then sorted),
  `namespace` and `watch.paths` (replaced when the override has any);
- maps merge key by key (nested maps deeply, lists appended, other values replaced);
  `processes` merge process by process with these same rules;
- structs merge field by field; a pointer the base lacks is taken as is.
"""

from __future__ import annotations

import copy
from typing import Any

from workloadctl.checks.process_compose.model import (
    ENVIRONMENT,
    EnumKind,
    Kind,
    ListKind,
    MapKind,
    NamespacesKind,
    ProcessConfig,
    Struct,
    StructKind,
    WatchPath,
    fields_of,
    is_empty,
)


def merge_struct(dst: Struct, src: Struct) -> Struct:
    """Merge `src` into `dst` (in place) and return `dst`."""
    for name, spec_ in fields_of(type(dst)):
        merged = _merge_value(spec_.kind, getattr(dst, name), getattr(src, name))
        setattr(dst, name, merged)
    dst.origins.update(src.origins)
    return dst


def _merge_value(kind: Kind, dst: Any, src: Any) -> Any:
    if isinstance(kind, StructKind):
        if src is None:
            return dst
        if dst is None:
            return copy.deepcopy(src)
        return merge_struct(dst, src)
    if kind is ENVIRONMENT:
        return merge_environment(dst, src)
    if isinstance(kind, NamespacesKind):
        return list(src) if src else dst
    if isinstance(kind, ListKind):
        item = kind.item
        if isinstance(item, StructKind) and item.cls is WatchPath:
            return copy.deepcopy(src) if src else dst
        return list(dst) + copy.deepcopy(list(src))
    if isinstance(kind, MapKind):
        if isinstance(kind.value, StructKind) and kind.value.cls is ProcessConfig:
            return _merge_processes(dst, src)
        return _merge_map(dict(dst), src)
    if isinstance(kind, EnumKind):
        return dst if kind.to_int(src) == 0 else src
    return dst if is_empty(kind, src) else src


def _merge_processes(
    dst: dict[str, ProcessConfig], src: dict[str, ProcessConfig]
) -> dict[str, ProcessConfig]:
    merged = dict(dst)
    for name, process in src.items():
        base = merged.get(name)
        merged[name] = copy.deepcopy(process) if base is None else merge_process(base, process)
    return merged


def merge_process(base: ProcessConfig, override: ProcessConfig) -> ProcessConfig:
    """mergeProcess: the override's settings on top of the base (in place, returned)."""
    merge_struct(base, override)
    base.file, base.line = override.file, override.line
    return base


def _merge_map(dst: dict[Any, Any], src: dict[Any, Any]) -> dict[Any, Any]:
    for key, value in src.items():
        current = dst.get(key)
        if isinstance(value, dict) and isinstance(current, dict) and current:
            dst[key] = _merge_map(dict(current), value)
        elif isinstance(value, list) and isinstance(current, list):
            dst[key] = current + copy.deepcopy(value)
        else:
            dst[key] = copy.deepcopy(value)
    return dst


def merge_environment(dst: list[str], src: list[str]) -> list[str]:
    """process-compose's Environment transformer (only when the base has a list)."""
    if not dst:
        return list(src)
    variables: dict[str, str] = {}
    for entry in [*dst, *src]:
        parts = entry.split("=")
        if len(parts) == 2:  # entries with no "=" or more than one are dropped
            variables[parts[0]] = parts[1]
    return sorted(f"{k}={v}" for k, v in variables.items())
