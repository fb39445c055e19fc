"""The dev-container files must leave PID 1 to s6-overlay's `/init`.

Three ways a devcontainer.json or compose file takes PID 1 away, each a known s6-overlay
failure ("s6-overlay-suexec: fatal: can only run as pid 1", or no supervision at all):
- `"init": true` (devcontainer.json), `init: true` (compose service), or `--init` in
  `runArgs`: Docker starts its tini as PID 1 and runs /init as its child;
- `"overrideCommand": true`: the tools replace the container's command with a sleep loop.
  For an image or Dockerfile config that is also the default when the key is absent
  (compose configs default to false), so it must be written as false;
- a compose `entrypoint:` on the dev container's service other than /init.

Compose files are checked per service. The dev container's service is the one
devcontainer.json names (`service`) or one built from `.devcontainer/Dockerfile`; `init:
true` there is an error. On another service (a database next to it) it does no harm to s6
and is a warning; when no service can be told apart, every service counts as the dev
container's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workloadctl.checks.jsonc import JsoncError, Node, parse_jsonc
from workloadctl.fileio import read_config_text
from workloadctl.findings import Finding, error, warning

DC_JSON_SYNTAX = "DC001"
DC_JSON_NOT_OBJECT = "DC002"
DC_INIT = "DC010"
DC_OVERRIDE_COMMAND = "DC011"
DC_OVERRIDE_DEFAULT = "DC012"
DC_RUN_ARGS_INIT = "DC013"
DC_NOT_BOOLEAN = "DC014"
DC_COMPOSE_SYNTAX = "DC020"
DC_COMPOSE_MISSING = "DC021"
DC_COMPOSE_INIT = "DC022"
DC_COMPOSE_INIT_OTHER = "DC023"
DC_COMPOSE_INIT_VARIABLE = "DC024"
DC_COMPOSE_ENTRYPOINT = "DC025"

DEVCONTAINER_FILES = (Path(".devcontainer/devcontainer.json"), Path(".devcontainer.json"))
DEFAULT_COMPOSE_FILE = Path(".devcontainer/docker-compose.yml")
DOCKERFILE = Path(".devcontainer/Dockerfile")
S6_ENTRYPOINT = "/init"

# Go's strconv.ParseBool, which compose uses for a boolean given as a string.
_GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
# ${NAME}, ${NAME:-default}, ${NAME-default} (compose interpolation); group 2 = default.
_INTERPOLATION = re.compile(
    r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)"
)

_WHY_PID1 = "but s6-overlay's /init must be PID 1"


@dataclass
class DevcontainerConfig:
    """What the compose checks need to know from devcontainer.json."""

    service: str | None = None
    compose_files: list[tuple[Path, int | None]] = field(default_factory=list)  # (path, line)
    source: Path | None = None


def check_devcontainer(root: Path) -> list[Finding]:
    """Findings for `.devcontainer/devcontainer.json` (or `.devcontainer.json`) and the
    compose files: the default `.devcontainer/docker-compose.yml` and any it names."""
    findings: list[Finding] = []
    config = DevcontainerConfig()
    for relative in DEVCONTAINER_FILES:
        path = root / relative
        if path.exists() or path.is_symlink():
            config = _check_json(path, findings)
            break
    for compose in _compose_files(root, config, findings):
        findings.extend(_check_compose(compose, root, config))
    return findings


# --- devcontainer.json ----------------------------------------------------------------------


def _check_json(path: Path, findings: list[Finding]) -> DevcontainerConfig:
    text = read_config_text(path, what="devcontainer.json")
    if isinstance(text, Finding):
        findings.append(text)
        return DevcontainerConfig(source=path)
    try:
        root = parse_jsonc(text.text)
    except JsoncError as exc:
        findings.append(
            error(path, exc.line, DC_JSON_SYNTAX, f"not valid JSON with comments: {exc.message}")
        )
        return DevcontainerConfig(source=path)
    if not isinstance(root.value, dict):
        findings.append(
            error(path, root.line, DC_JSON_NOT_OBJECT, "devcontainer.json must hold one object")
        )
        return DevcontainerConfig(source=path)
    members: dict[str, Node] = root.value
    own = _init_findings(path, members) + _override_findings(path, members)
    own += _run_args_findings(path, members)
    findings.extend(sorted(own, key=lambda f: f.line or 0))
    return _config_of(path, members)


def _init_findings(path: Path, members: dict[str, Node]) -> list[Finding]:
    node = members.get("init")
    if node is None:
        return []
    if not isinstance(node.value, bool):
        return [_not_boolean(path, "init", node)]
    if node.value:
        return [
            error(
                path,
                node.where,
                DC_INIT,
                f'"init": true puts Docker\'s tini at PID 1, {_WHY_PID1} '
                '(it stops with "can only run as pid 1"); remove the key or set it to false',
            )
        ]
    return []


def _override_findings(path: Path, members: dict[str, Node]) -> list[Finding]:
    node = members.get("overrideCommand")
    if node is None:
        if "dockerComposeFile" in members:
            return []  # compose configs default to false
        return [
            error(
                path,
                None,
                DC_OVERRIDE_DEFAULT,
                'no "overrideCommand": for an image or Dockerfile config it defaults to true, '
                "which replaces the container's command with a sleep loop so /init never runs; "
                'add "overrideCommand": false',
            )
        ]
    if not isinstance(node.value, bool):
        return [_not_boolean(path, "overrideCommand", node)]
    if node.value:
        return [
            error(
                path,
                node.where,
                DC_OVERRIDE_COMMAND,
                '"overrideCommand": true replaces the container\'s command with a sleep loop: '
                "/init never runs and nothing is supervised; set it to false",
            )
        ]
    return []


def _run_args_findings(path: Path, members: dict[str, Node]) -> list[Finding]:
    node = members.get("runArgs")
    if node is None or not isinstance(node.value, list):
        return []
    findings = []
    for item in node.value:
        if isinstance(item.value, str) and item.value.strip() in ("--init", "--init=true"):
            findings.append(
                error(
                    path,
                    item.line,
                    DC_RUN_ARGS_INIT,
                    f"runArgs has {item.value.strip()}: it puts Docker's tini at PID 1, "
                    f"{_WHY_PID1}; remove it",
                )
            )
    return findings


def _not_boolean(path: Path, key: str, node: Node) -> Finding:
    return warning(
        path,
        node.where,
        DC_NOT_BOOLEAN,
        f'"{key}" should be true or false, not {node.value!r}; s6-overlay needs it false',
    )


def _config_of(path: Path, members: dict[str, Node]) -> DevcontainerConfig:
    service = members.get("service")
    config = DevcontainerConfig(
        service=service.value if service and isinstance(service.value, str) else None,
        source=path,
    )
    compose = members.get("dockerComposeFile")
    if compose is not None:
        items = compose.value if isinstance(compose.value, list) else [compose]
        for item in items:
            if isinstance(item.value, str) and item.value.strip():
                config.compose_files.append((path.parent / item.value, item.line))
    return config


# --- compose files --------------------------------------------------------------------------


def _compose_files(
    root: Path, config: DevcontainerConfig, findings: list[Finding]
) -> Iterator[Path]:
    seen: set[Path] = set()
    default = root / DEFAULT_COMPOSE_FILE
    if default.exists() or default.is_symlink():
        seen.add(default.resolve())
        yield default
    for path, line in config.compose_files:
        if "${" in str(path):
            continue  # named through a variable: cannot be followed here
        if "\0" in str(path) or not path.exists():
            findings.append(
                error(
                    config.source or path,
                    line,
                    DC_COMPOSE_MISSING,
                    f"dockerComposeFile names {path.name!r}, which does not exist next to "
                    "devcontainer.json",
                )
            )
            continue
        if path.resolve() not in seen:
            seen.add(path.resolve())
            yield path


def _load_compose(path: Path) -> Any | Finding:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    text = read_config_text(path, what="compose file")
    if isinstance(text, Finding):
        return text
    yaml = YAML(typ="rt", pure=True)
    yaml.version = (1, 2)  # compose reads YAML 1.2 (yaml.v3): `yes` is a string
    try:
        return yaml.load(text.text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = None if mark is None else mark.line + 1
        problem = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        return error(path, line, DC_COMPOSE_SYNTAX, f"not valid YAML: {problem}")
    except (YAMLError, RecursionError, ValueError) as exc:
        return error(path, None, DC_COMPOSE_SYNTAX, f"not valid YAML: {' '.join(str(exc).split())}")


def _line_of(mapping: Any, key: str, fallback: int | None) -> int | None:
    try:
        return int(mapping.lc.key(key)[0]) + 1
    except (AttributeError, KeyError, TypeError, IndexError):
        return fallback


def _check_compose(path: Path, root: Path, config: DevcontainerConfig) -> list[Finding]:
    data = _load_compose(path)
    if isinstance(data, Finding):
        return [data]
    if data is None:
        return []
    if not isinstance(data, dict):
        return [error(path, 1, DC_COMPOSE_SYNTAX, "a compose file must hold a mapping")]
    services = data.get("services")
    if not isinstance(services, dict):
        return []
    dev_services = _dev_services(services, path, root, config)
    findings: list[Finding] = []
    for name, service in services.items():
        if not isinstance(service, dict):
            continue
        service_line = _line_of(services, name, None)
        is_dev = dev_services is None or name in dev_services
        findings.extend(_service_init(path, str(name), service, service_line, is_dev=is_dev))
        if dev_services is not None and name in dev_services:
            findings.extend(_service_entrypoint(path, str(name), service, service_line))
    return findings


def _dev_services(
    services: dict[Any, Any], path: Path, root: Path, config: DevcontainerConfig
) -> set[str] | None:
    """Names of the dev container's services; None when none can be told apart."""
    found: set[str] = set()
    if config.service and config.service in services:
        found.add(config.service)
    dockerfile = (root / DOCKERFILE).resolve()
    for name, service in services.items():
        if isinstance(service, dict) and _builds(service, path.parent) == dockerfile:
            found.add(str(name))
    return found or None


def _resolved(path: Path) -> Path | None:
    """`path.resolve()`, or None for a path no file can have (a NUL byte) or a link loop."""
    try:
        return path.resolve()
    except (OSError, ValueError, RuntimeError):
        return None


def _builds(service: dict[Any, Any], base: Path) -> Path | None:
    build = service.get("build")
    if isinstance(build, str):
        return _resolved(base / build / "Dockerfile")
    if isinstance(build, dict) and isinstance(build.get("context", "."), str):
        context = base / str(build.get("context", "."))
        dockerfile = build.get("dockerfile", "Dockerfile")
        if isinstance(dockerfile, str):
            return _resolved(context / dockerfile)
    return None


def _init_value(value: Any) -> tuple[bool | None, str | None]:
    """(is true, variable it depends on): True/False when known, None when it depends."""
    if isinstance(value, bool):
        return value, None
    if not isinstance(value, str):
        return False, None
    match = _INTERPOLATION.fullmatch(value.strip())
    if match is None:
        return value.strip() in _GO_TRUE, None
    variable = match.group(1) or match.group(3)
    default = match.group(2)
    if default is not None and default.strip() in _GO_TRUE:
        return True, variable
    return None, variable


def _service_init(
    path: Path, name: str, service: dict[Any, Any], service_line: int | None, *, is_dev: bool
) -> list[Finding]:
    if "init" not in service:
        return []
    line = _line_of(service, "init", service_line)
    is_true, variable = _init_value(service["init"])
    if is_true is None:
        return [
            warning(
                path,
                line,
                DC_COMPOSE_INIT_VARIABLE,
                f"service '{name}': init comes from ${{{variable}}}; if it is ever true, "
                f"Docker's tini takes PID 1, {_WHY_PID1}",
            )
        ]
    if not is_true:
        return []
    default = f" (the default of ${{{variable}}})" if variable else ""
    if is_dev:
        return [
            error(
                path,
                line,
                DC_COMPOSE_INIT,
                f"service '{name}': init: true{default} puts Docker's tini at PID 1, "
                f'{_WHY_PID1} (it stops with "can only run as pid 1"); remove it',
            )
        ]
    return [
        warning(
            path,
            line,
            DC_COMPOSE_INIT_OTHER,
            f"service '{name}': init: true{default}; harmless for a service that does not run "
            "s6-overlay, an error for one that does",
        )
    ]


def _service_entrypoint(
    path: Path, name: str, service: dict[Any, Any], service_line: int | None
) -> list[Finding]:
    if "entrypoint" not in service:
        return []
    value = service["entrypoint"]
    # compose takes a string or a list; anything else (true, a number) is not /init either.
    if isinstance(value, str):
        words: list[Any] = value.split()
    elif isinstance(value, list):
        words = value
    else:
        words = [] if value is None else [value]
    first = str(words[0]) if words else ""
    if first == S6_ENTRYPOINT:
        return []
    shown = first or "an empty entrypoint"
    return [
        error(
            path,
            _line_of(service, "entrypoint", service_line),
            DC_COMPOSE_ENTRYPOINT,
            f"service '{name}' replaces the image's ENTRYPOINT (/init) with {shown}; "
            "s6-overlay's /init must be PID 1, or nothing is supervised; remove entrypoint:",
        )
    ]


__all__ = ["check_devcontainer"]
