"""Static checks of an s6-rc source tree: what s6-overlay compiles at boot.

s6-overlay runs `s6-rc-compile` on `/etc/s6-overlay/s6-rc.d` (our `.devcontainer/s6-rc.d`)
together with its own definitions; any error there stops the whole container at boot.
The rules below are s6-rc-compile's (read in its source and its documentation):

- every non-dot entry of the tree is checked as a name (no newline, no reserved `s6rc-` /
  `s6-rc-` prefix); directories are service definitions, other files are ignored;
- `type` is read as s6-rc-compile reads it: its first 8 bytes, less one final newline, must
  be exactly `oneshot`, `longrun` or `bundle`;
- a longrun needs a regular `run`, a oneshot a regular `up`, a bundle `contents.d/` (or the
  deprecated `contents` file); atomic services read `dependencies.d/` (or `dependencies`);
- entries of `dependencies.d/` and `contents.d/` starting with a dot are skipped;
- names must resolve, bundles must not contain themselves, dependencies must not cycle;
- `timeout-up`/`timeout-down` and the longrun value files must be unsigned integers;
- a oneshot's `up`/`down`/`reload` must lex as execline (balanced braces, closed quotes).

s6-overlay compiles our tree together with its own services (`base`, `top`, ...), so those
are modelled here too: a reference to them resolves, and a cycle through them is found.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from workloadctl.checks.graph import cycles, post_order
from workloadctl.fileio import read_config_text
from workloadctl.findings import Finding, Severity, error, has_errors, warning

ServiceType = Literal["oneshot", "longrun", "bundle"]
SERVICE_TYPES: tuple[ServiceType, ...] = ("oneshot", "longrun", "bundle")

# s6-overlay's own services: they exist in the image, our tree may name them. `user` and
# `user2` are bundles our tree may also define (s6-overlay supplies their `type` file).
S6_OVERLAY_USER_BUNDLES: frozenset[str] = frozenset({"user", "user2"})
# How s6-overlay 3.x defines its services (etc/s6-rc/sources in its tarball): each name maps
# to its type and its contents (bundle) or dependencies (atomic). Used to find cycles such
# as `myapp -> legacy-services -> user -> myapp`, which s6-rc-compile rejects at boot.
S6_OVERLAY_SERVICES: Mapping[str, tuple[ServiceType, tuple[str, ...]]] = {
    "base": ("bundle", ("fix-attrs", "legacy-cont-init")),
    "fix-attrs": ("oneshot", ()),
    "legacy-cont-init": ("oneshot", ("fix-attrs",)),
    "legacy-services": ("oneshot", ("base", "user")),
    "top": ("bundle", ("base", "legacy-services", "user", "user2")),
    "user": ("bundle", ()),
    "user2": ("bundle", ()),
}
EXTERNAL_SERVICES: frozenset[str] = frozenset(S6_OVERLAY_SERVICES)

RESERVED_PREFIXES = ("s6rc-", "s6-rc-")
# s6-rc handles any other name, but its docs discourage anything beyond these characters
# (shell scripts break on the rest); a leading dash reads as an option on a command line.
PORTABLE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")

# What s6-rc-compile reads in a definition directory, by service type.
COMMON_ENTRIES = frozenset({"type", "flag-essential", "flag-recommended"})
ATOMIC_ENTRIES = frozenset({"dependencies.d", "dependencies", "timeout-up", "timeout-down"})
TYPE_ENTRIES: Mapping[ServiceType, frozenset[str]] = {
    "oneshot": ATOMIC_ENTRIES | {"up", "down", "reload"},
    "longrun": ATOMIC_ENTRIES
    | {
        "run",
        "finish",
        "notification-fd",
        "lock-fd",
        "timeout-kill",
        "timeout-finish",
        "max-death-tally",
        "down-signal",
        "flag-timeout-killpg",
        "instance",
        "instances",
        "data",
        "env",
        "producer-for",
        "consumer-for",
        "pipeline-name",
    },
    "bundle": frozenset({"contents.d", "contents"}),
}
# Files whose whole content must be an unsigned integer, with s6-rc-compile's parsing:
# timeouts may end in newlines; the others are read up to the first newline.
TIMEOUT_FILES = ("timeout-up", "timeout-down")
LONGRUN_UINT_FILES = (
    "notification-fd",
    "lock-fd",
    "timeout-kill",
    "timeout-finish",
    "max-death-tally",
)


@dataclass(frozen=True)
class S6Service:
    """One service definition directory, as s6-rc-compile would read it.

    `run`/`finish` are set for longruns and `up`/`down` for oneshots only: a `down` file
    in a longrun's definition is ignored by s6-rc, so it is never reported here.
    """

    name: str
    type: ServiceType
    path: Path
    dependencies: tuple[str, ...]  # from dependencies.d/ (or the legacy `dependencies` file)
    contents: tuple[str, ...]  # bundle members from contents.d/ (or the legacy `contents`)
    run: Path | None
    finish: Path | None
    up: Path | None
    down: Path | None


@dataclass
class S6RcResult:
    findings: list[Finding] = field(default_factory=list)
    services: dict[str, S6Service] = field(default_factory=dict)

    def closure(self, targets: Iterable[str]) -> list[str]:
        """Every atomic service needed to bring `targets` up, dependencies first.

        Bundles are expanded; names that are not defined in the tree (s6-overlay's own
        services such as `base`, or unknown names already reported as findings) are
        skipped. A cycle (also a finding) cannot loop: each name is visited once.
        """
        graph = {name: _edges(service) for name, service in self.services.items()}
        return [
            name
            for name in post_order(graph, targets)
            if name in self.services and self.services[name].type != "bundle"
        ]


def _edges(service: S6Service) -> tuple[str, ...]:
    return service.contents if service.type == "bundle" else service.dependencies


@dataclass(frozen=True)
class _Reference:
    """One name listed in dependencies.d/contents.d (or a legacy list file), and where."""

    name: str
    file: Path
    line: int | None


@dataclass
class _Definition:
    """What one definition directory yielded, before the tree-wide checks."""

    service: S6Service | None
    references: list[_Reference]
    findings: list[Finding]


def load_s6rc_tree(path: Path) -> S6RcResult:
    """Check the source tree at `path` (e.g. `.devcontainer/s6-rc.d`); never raises."""
    result = S6RcResult()
    entries = _tree_entries(path, result.findings)
    if entries is None:
        return result
    defined: set[str] = set()
    references: dict[str, list[_Reference]] = {}
    for name, entry in entries:
        defined.add(name)
        definition = _load_definition(name, entry)
        result.findings.extend(definition.findings)
        if definition.service is not None:
            result.services[name] = definition.service
            references[name] = definition.references
    if not defined and not has_errors(result.findings):
        result.findings.append(
            warning(path, None, "S6002", "the s6-rc source tree defines no service")
        )
    for name in sorted(references):
        result.findings.extend(_check_references(references[name], defined))
    result.findings.extend(_check_cycles(result.services, path))
    result.findings = [_printable(f) for f in result.findings]
    return result


def _printable(finding: Finding) -> Finding:
    # A name that is not UTF-8 comes back from the OS with surrogate escapes, which no
    # terminal or JSON encoder accepts: show its bytes as \xNN instead.
    def clean(text: str) -> str:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")

    return replace(finding, file=clean(finding.file), message=clean(finding.message))


# ---------------------------------------------------------------- the tree itself


def _tree_entries(path: Path, findings: list[Finding]) -> list[tuple[str, Path]] | None:
    """The service definition directories of the tree, sorted by name; None if unusable."""
    names = _list_dir(path)
    if isinstance(names, str):
        findings.append(error(path, None, "S6001", f"s6-rc source tree {names}"))
        return None
    services: list[tuple[str, Path]] = []
    for name in names:
        entry = path / name
        name_findings = _check_name(name, entry, defining=True)
        findings.extend(name_findings)
        if any(f.severity is Severity.ERROR for f in name_findings):
            continue
        kind = _kind(entry)
        if kind == "dir":
            services.append((name, entry))
        elif kind in ("file", "other"):
            findings.append(
                warning(
                    entry,
                    None,
                    "S6006",
                    f"'{name}' is not a directory; s6-rc-compile ignores it",
                )
            )
        else:
            findings.append(
                error(entry, None, "S6005", f"s6-rc-compile cannot use '{name}': {kind}")
            )
    return services


def _list_dir(path: Path) -> list[str] | str:
    """Sorted names not starting with a dot (s6-rc skips those), or why it cannot be listed."""
    try:
        with os.scandir(path) as it:
            return sorted(e.name for e in it if not e.name.startswith("."))
    except OSError as exc:
        return _os_reason(exc, path)


def _os_reason(exc: OSError, path: Path) -> str:
    if exc.errno == errno.ELOOP:
        return "is a symbolic link loop"
    if exc.errno == errno.ENOENT:
        return "is a dangling symbolic link" if path.is_symlink() else "does not exist"
    if exc.errno == errno.ENOTDIR:
        return "is not a directory"
    return f"cannot be read: {exc.strerror}"


def _kind(path: Path) -> str:
    """'dir', 'file', 'other' (exists, neither), or the reason it cannot be stat'ed."""
    try:
        mode = path.stat().st_mode  # follows links, as s6-rc-compile does
    except OSError as exc:
        return _os_reason(exc, path)
    if stat.S_ISDIR(mode):
        return "dir"
    return "file" if stat.S_ISREG(mode) else "other"


def _check_name(name: str, where: Path, *, defining: bool) -> list[Finding]:
    """s6-rc-compile's rules for a service name, plus the portability advice of its docs."""
    what = "service directory" if defining else "listed name"
    if "\n" in name:
        return [error(where, None, "S6003", f"{what} {name!r} contains a newline")]
    if name.startswith(RESERVED_PREFIXES):
        return [
            error(
                where,
                None,
                "S6003",
                f"{what} '{name}' starts with a prefix s6-rc reserves for itself (s6rc-, s6-rc-)",
            )
        ]
    if defining and name in S6_OVERLAY_SERVICES and name not in S6_OVERLAY_USER_BUNDLES:
        return [
            error(
                where,
                None,
                "S6007",
                f"'{name}' is one of s6-overlay's own services; defining it again makes "
                "s6-rc-compile fail with a duplicate service definition",
            )
        ]
    if defining and not PORTABLE_NAME.fullmatch(name):
        return [
            warning(
                where,
                None,
                "S6004",
                f"service name {name!r} uses characters other than letters, digits, '_', '.' "
                "and '-' (or starts with '-' or '.'); s6-rc accepts it but shell tools may not",
            )
        ]
    return []


# ---------------------------------------------------------- one definition directory


def _load_definition(name: str, service_dir: Path) -> _Definition:
    findings: list[Finding] = []
    entries = _list_dir(service_dir)
    if isinstance(entries, str):
        findings.append(error(service_dir, None, "S6005", f"service directory {entries}"))
        return _Definition(None, [], findings)
    service_type = _read_type(name, service_dir, entries, findings)
    if service_type is None:
        return _Definition(None, [], findings)
    findings.extend(_check_entries(name, service_dir, service_type, entries))
    findings.extend(_check_value_files(service_dir, service_type, entries))
    bundle = service_type == "bundle"
    scripts: dict[str, Path] = {}
    if bundle:
        references = _read_contents(name, service_dir, entries, findings)
    else:
        references = _read_name_list(service_dir, entries, "dependencies", findings)
        rules = _SCRIPTS[service_type]
        scripts = _check_scripts(name, service_type, rules, service_dir, entries, findings)
    listed = tuple(r.name for r in references)
    service = S6Service(
        name=name,
        type=service_type,
        path=service_dir,
        dependencies=() if bundle else listed,
        contents=listed if bundle else (),
        run=scripts.get("run"),
        finish=scripts.get("finish"),
        up=scripts.get("up"),
        down=scripts.get("down"),
    )
    return _Definition(service, references, findings)


def _read_type(
    name: str, service_dir: Path, entries: list[str], findings: list[Finding]
) -> ServiceType | None:
    type_path = service_dir / "type"
    if "type" not in entries:
        if name in S6_OVERLAY_USER_BUNDLES:
            return "bundle"  # s6-overlay ships (or writes at boot) user/type and user2/type
        findings.append(
            error(
                service_dir,
                None,
                "S6010",
                f"service '{name}' has no type file (it must hold oneshot, longrun or bundle)",
            )
        )
        return None
    text = read_config_text(type_path, what="s6-rc type file")
    if isinstance(text, Finding):
        findings.append(text)
        return None
    service_type = _type_as_s6rc_reads_it(text.text)
    if service_type is None:
        word = text.text.strip()
        service_type = next((t for t in SERVICE_TYPES if t == word), None)
        if service_type is None:
            shown = repr(word[:40]) if word else "empty"
            findings.append(
                error(
                    type_path,
                    1,
                    "S6011",
                    f"type of '{name}' is {shown}; it must be oneshot, longrun or bundle",
                )
            )
            return None
        findings.append(
            error(
                type_path,
                1,
                "S6012",
                f"type file holds {text.text[:40]!r}: s6-rc-compile accepts only the word "
                "and one newline (no spaces, carriage return or lines before it)",
            )
        )
    if name in S6_OVERLAY_USER_BUNDLES and service_type != "bundle":
        findings.append(
            error(
                type_path,
                1,
                "S6013",
                f"'{name}' is s6-overlay's bundle of services to start; its type must be "
                f"bundle, not {service_type}",
            )
        )
    return service_type


def _type_as_s6rc_reads_it(content: str) -> ServiceType | None:
    # s6-rc-compile reads at most 8 bytes, drops one final newline, and compares; so
    # "longrun\n" may be followed by anything, "bundle\n" by nothing.
    head = content.encode()[:8]
    if head.endswith(b"\n"):
        head = head[:-1]
    if len(head) == 8:
        return None
    return next((t for t in SERVICE_TYPES if t.encode() == head), None)


def _check_entries(
    name: str, service_dir: Path, service_type: ServiceType, entries: list[str]
) -> list[Finding]:
    """Warn about what s6-rc-compile would silently ignore in this definition."""
    findings: list[Finding] = []
    known = COMMON_ENTRIES | TYPE_ENTRIES[service_type]
    for entry in entries:
        if entry in known:
            continue
        if service_type == "longrun" and entry in _LONGRUN_IGNORED:
            code, message = _LONGRUN_IGNORED[entry]
            findings.append(warning(service_dir / entry, None, code, message.format(name=name)))
        else:
            findings.append(_unknown_entry(name, service_dir, service_type, entry))
    return findings


# Entries of a plain s6 service directory that s6-rc ignores in a longrun's definition.
_LONGRUN_IGNORED = {
    "down": (
        "S6041",
        "longrun '{name}' has a down file, which s6-rc ignores; to keep a "
        "service from starting at boot, leave it out of the user bundle",
    ),
    "log": (
        "S6045",
        "s6-rc ignores the log directory of '{name}'; a logger is a separate "
        "longrun declared with producer-for/consumer-for",
    ),
}


def _unknown_entry(name: str, service_dir: Path, service_type: ServiceType, entry: str) -> Finding:
    owners = [t for t in SERVICE_TYPES if entry in TYPE_ENTRIES[t]]
    if owners:
        reason = f"'{entry}' is only read for {' and '.join(owners)} services"
    else:
        reason = f"'{entry}' is not part of the s6-rc source format"
    return warning(
        service_dir / entry,
        None,
        "S6044",
        f"{reason}; s6-rc-compile ignores it in {service_type} '{name}'",
    )


def _check_value_files(
    service_dir: Path, service_type: ServiceType, entries: list[str]
) -> list[Finding]:
    findings: list[Finding] = []
    if service_type == "bundle":
        return findings
    names = [(n, True) for n in TIMEOUT_FILES]
    if service_type == "longrun":
        names += [(n, False) for n in LONGRUN_UINT_FILES]
    for file_name, is_timeout in names:
        if file_name not in entries:
            continue
        path = service_dir / file_name
        text = read_config_text(path, what=file_name)
        if isinstance(text, Finding):
            findings.append(text)
            continue
        value = text.text.rstrip("\n") if is_timeout else text.text.split("\n", 1)[0]
        if not (value.isascii() and value.isdigit()):
            findings.append(
                error(
                    path,
                    1,
                    "S6025",
                    f"{file_name} must hold an unsigned integer, not {value[:40]!r}",
                )
            )
    return findings


# ------------------------------------------------------------ names listed in a service


def _read_contents(
    name: str, service_dir: Path, entries: list[str], findings: list[Finding]
) -> list[_Reference]:
    has_list = "contents.d" in entries or "contents" in entries
    if not has_list:
        if name not in S6_OVERLAY_USER_BUNDLES:  # s6-overlay creates user/contents.d itself
            findings.append(
                error(
                    service_dir,
                    None,
                    "S6022",
                    f"bundle '{name}' has no contents.d directory (nor a contents file)",
                )
            )
        return []
    contents = _read_name_list(service_dir, entries, "contents", findings)
    if not contents and name not in S6_OVERLAY_USER_BUNDLES and "contents.d" in entries:
        findings.append(_empty_bundle(name, service_dir / "contents.d"))
    return contents


def _empty_bundle(name: str, contents_dir: Path) -> Finding:
    message = f"bundle '{name}' has no members"
    try:
        truly_empty = not any(os.scandir(contents_dir))
    except OSError:
        truly_empty = False
    if truly_empty:
        message += (
            "; git does not keep empty directories, so a fresh checkout has no contents.d "
            "and s6-rc-compile fails (add a .gitkeep, which s6-rc skips)"
        )
    return warning(contents_dir, None, "S6023", message)


def _read_name_list(
    service_dir: Path, entries: list[str], kind: str, findings: list[Finding]
) -> list[_Reference]:
    """Names from `<kind>.d/` or, only when that is absent, the deprecated `<kind>` file."""
    list_dir = service_dir / f"{kind}.d"
    list_file = service_dir / kind
    if f"{kind}.d" in entries:
        if kind in entries:
            findings.append(
                warning(
                    list_file,
                    None,
                    "S6050",
                    f"s6-rc reads {kind}.d/ and ignores the {kind} file next to it",
                )
            )
        return _read_list_dir(list_dir, findings)
    if kind in entries:
        findings.append(
            warning(
                list_file,
                None,
                "S6050",
                f"the {kind} file is a deprecated s6-rc format; use a {kind}.d/ directory "
                "with one empty file per name",
            )
        )
        return _read_list_file(list_file, findings)
    return []


def _read_list_dir(list_dir: Path, findings: list[Finding]) -> list[_Reference]:
    names = _list_dir(list_dir)
    if isinstance(names, str):
        findings.append(
            error(list_dir, None, "S6026", f"s6-rc-compile cannot open {list_dir.name}: {names}")
        )
        return []
    return [_Reference(n, list_dir / n, None) for n in names]


def _read_list_file(list_file: Path, findings: list[Finding]) -> list[_Reference]:
    text = read_config_text(list_file, what=f"s6-rc {list_file.name} file")
    if isinstance(text, Finding):
        findings.append(text)
        return []
    references: list[_Reference] = []
    for number, line in enumerate(text.text.split("\n"), start=1):
        # s6-rc-compile strips leading blanks only: trailing ones stay part of the name.
        item = line.lstrip(" \t")
        if item and not item.startswith("#"):
            references.append(_Reference(item, list_file, number))
    return references


def _check_references(references: list[_Reference], defined: set[str]) -> list[Finding]:
    findings: list[Finding] = []
    for ref in references:
        name_findings = _check_name(ref.name, ref.file, defining=False)
        if name_findings:
            findings.extend(name_findings)
            continue
        if ref.name in defined or ref.name in EXTERNAL_SERVICES:
            continue
        hint = " (it ends in whitespace)" if ref.name != ref.name.rstrip() else ""
        findings.append(
            error(
                ref.file,
                ref.line,
                "S6030",
                f"'{ref.name}' names no service in the tree nor one of s6-overlay's{hint}",
            )
        )
    return findings


# ------------------------------------------------------------------- scripts


@dataclass(frozen=True)
class _Scripts:
    """What s6-rc-compile wants of an atomic service's scripts."""

    mandatory: str  # run (longrun) / up (oneshot)
    missing_code: str
    optional: tuple[str, ...]
    kept: tuple[str, ...]  # the scripts S6Service records
    check: Callable[[Path], list[Finding]]  # longrun: a program; oneshot: an execline line


def _check_scripts(
    name: str,
    kind: str,
    rules: _Scripts,
    service_dir: Path,
    entries: list[str],
    findings: list[Finding],
) -> dict[str, Path]:
    scripts: dict[str, Path] = {}
    for script in (rules.mandatory, *rules.optional):
        mandatory = script == rules.mandatory
        path = service_dir / script
        if script not in entries:
            if mandatory:
                findings.append(
                    error(
                        service_dir,
                        None,
                        rules.missing_code,
                        f"{kind} '{name}' has no {script} file",
                    )
                )
            continue
        problem = _not_regular(path)
        if problem is not None:
            code = rules.missing_code if mandatory else "S6027"
            findings.append(error(path, None, code, f"{script} of '{name}' {problem}"))
            continue
        if script in rules.kept:
            scripts[script] = path
        findings.extend(rules.check(path))
    return scripts


def _not_regular(path: Path) -> str | None:
    kind = _kind(path)
    if kind == "file":
        return None
    if kind in ("dir", "other"):
        return "is not a regular file"
    return kind


def _check_executable(path: Path) -> list[Finding]:
    """A run/finish script: it must start with `#!` (s6-supervise execs it) and be +x."""
    findings: list[Finding] = []
    try:
        executable = bool(path.stat().st_mode & 0o111)
    except OSError:
        executable = True  # _not_regular already passed; a race is not worth a finding
    if not executable:
        findings.append(
            warning(
                path,
                None,
                "S6042",
                f"{path.name} is not executable; s6-rc-compile's copy gets mode 0755, but "
                "the file as stored (and git's record of it) should be +x for plain s6 use",
            )
        )
    text = read_config_text(path, what=f"{path.name} script")
    if isinstance(text, Finding):
        # A compiled program is binary; a huge or non-UTF-8 file is no reason to stop s6.
        if text.code not in ("IO005", "IO006", "IO007"):
            findings.append(text)
        return findings
    first_line = text.text.split("\n", 1)[0]
    if not first_line.startswith("#!"):
        problem = (
            f"{path.name} does not start with '#!'; s6-supervise executes it directly "
            "and the kernel refuses a script without an interpreter line"
        )
    elif first_line.endswith("\r"):
        problem = (
            f"the '#!' line of {path.name} ends in a carriage return (CRLF line endings); "
            "the kernel then looks for an interpreter whose name ends in '\\r'"
        )
    else:
        return findings
    return [*findings, error(path, 1, "S6043", problem)]


def _check_command_line(path: Path) -> list[Finding]:
    """A oneshot's up/down/reload is ONE execline command line, not a script."""
    text = read_config_text(path, what=f"oneshot {path.name} file")
    if isinstance(text, Finding):
        return [text]
    findings: list[Finding] = []
    problem = execline_syntax_problem(text.text)
    if problem is not None:
        line, what = problem
        findings.append(error(path, line, "S6028", f"{path.name} is not valid execline: {what}"))
    for number, line_text in enumerate(text.text.split("\n"), start=1):
        if not line_text.strip():
            continue
        if line_text.lstrip().startswith("#!"):
            findings.append(_shebang_warning(path, number, line_text.strip()))
        break
    return findings


def execline_syntax_problem(script: str) -> tuple[int, str] | None:
    """The first problem execline's lexer (which s6-rc-compile runs on up/down) rejects,
    as (line, description): an unterminated quoted string or an unmatched brace.

    Written from execlineb's documented grammar: words are split on spaces, tabs, CR and
    newlines; `#` at the start of a word comments out the rest of the line; `"..."` is
    quoted (a backslash escapes the next character); outside quotes a backslash escapes the
    next character (a newline too: it then belongs to the word), but between words a
    backslash ending a line is dropped; only an unquoted, unescaped word that is exactly
    `{` or `}` is a brace. (Checked against execlineb 2.9.3 on random inputs.)
    Other lexer errors (bad numeric escapes) are left to s6-rc-compile.
    """
    if "{\\\n" in script or "}\\\n" in script:
        return None  # execlineb lexes a brace before a backslash-newline oddly: no verdict
    open_braces: list[int] = []
    i, line, end = 0, 1, len(script)
    while i < end:
        char = script[i]
        if char in _EXECLINE_BLANKS:
            line += char == "\n"
            i += 1
        elif script.startswith("\\\n", i):
            line += 1  # a backslash ending a line, between words, is dropped
            i += 2
        elif char == "#":
            while i < end and script[i] != "\n":
                i += 1
        else:
            word_line = line
            i, line, brace, unterminated = _execline_word(script, i, line)
            if unterminated is not None:
                return unterminated, "unterminated quoted string"
            if brace == "{":
                open_braces.append(word_line)
            elif brace == "}" and not open_braces:
                return word_line, "unmatched '}'"
            elif brace == "}":
                open_braces.pop()
    if open_braces:
        return open_braces[-1], "unmatched '{'"
    return None


_EXECLINE_BLANKS = frozenset(" \t\r\n")


def _execline_word(script: str, i: int, line: int) -> tuple[int, int, str | None, int | None]:
    """Scan one word from i: (next index, line, the brace it is or None, line of an
    unterminated quote or None)."""
    start, end, plain = i, len(script), True
    while i < end and script[i] not in _EXECLINE_BLANKS:
        char = script[i]
        if char == "\\":
            plain = False
            line += script[i + 1 : i + 2] == "\n"
            i += 2
        elif char == '"':
            plain, quote_line = False, line
            i += 1
            while i < end and script[i] != '"':
                step = 2 if script[i] == "\\" else 1
                line += script[i : i + step].count("\n")
                i += step
            if i >= end:
                return i, line, None, quote_line
            i += 1
        else:
            i += 1
    word = script[start:i]
    brace = word if plain and word in ("{", "}") else None
    return min(i, end), line, brace, None


def _shebang_warning(path: Path, line: int, shebang: str) -> Finding:
    return warning(
        path,
        line,
        "S6040",
        f"{path.name} starts with '{shebang[:60]}', but s6-rc reads {path.name} as one "
        "execline command line, not a script: the line is only a comment and the rest is "
        "not run by that interpreter (put the script in its own file and name that file here)",
    )


# -------------------------------------------------------------------- cycles


def _check_cycles(services: Mapping[str, S6Service], tree: Path) -> list[Finding]:
    """Cycles through bundles (contents) and atomic services (dependencies), s6-overlay's included."""
    graph = _graph(services)
    findings: list[Finding] = []
    for found in _find_cycles(graph):
        cycle = _starting_in_tree(found, services)
        start = cycle[0]
        where = services[start].path if start in services else tree
        shown = " -> ".join(cycle)
        if all(_type_of(n, services) == "bundle" for n in cycle[:-1]):
            findings.append(error(where, None, "S6032", f"bundle contains itself: {shown}"))
        else:
            findings.append(error(where, None, "S6031", f"dependency cycle: {shown}"))
    return findings


def _starting_in_tree(cycle: tuple[str, ...], services: Mapping[str, S6Service]) -> tuple[str, ...]:
    """Rotate a cycle to start at the least name our tree defines (the file to report)."""
    ours = [n for n in cycle[:-1] if n in services]
    return _rotated(cycle[:-1], min(ours)) if ours else cycle


def _graph(services: Mapping[str, S6Service]) -> dict[str, tuple[str, ...]]:
    graph: dict[str, tuple[str, ...]] = {
        name: edges for name, (_, edges) in S6_OVERLAY_SERVICES.items()
    }
    for name, service in services.items():
        graph[name] = _edges(service)
    return {name: tuple(sorted(e for e in edges if e in graph)) for name, edges in graph.items()}


def _type_of(name: str, services: Mapping[str, S6Service]) -> ServiceType:
    if name in services:
        return services[name].type
    return S6_OVERLAY_SERVICES[name][0]


def _find_cycles(graph: Mapping[str, tuple[str, ...]]) -> list[tuple[str, ...]]:
    """One cycle per back edge of a depth-first walk, each rotated to start at its least
    name (so the same cycle found twice is reported once), in a stable order."""
    walked = {name: graph[name] for name in sorted(graph)}
    return sorted({_rotated(cycle[:-1], min(cycle[:-1])) for cycle in cycles(walked)})


def _rotated(loop: Sequence[str], start: str) -> tuple[str, ...]:
    """The cycle around `loop` starting (and ending) at `start`."""
    first = loop.index(start)
    ordered = [*loop[first:], *loop[:first]]
    return (*ordered, ordered[0])


_SCRIPTS: dict[str, _Scripts] = {
    "longrun": _Scripts("run", "S6020", ("finish",), ("run", "finish"), _check_executable),
    "oneshot": _Scripts("up", "S6021", ("down", "reload"), ("up", "down"), _check_command_line),
}

__all__ = [
    "EXTERNAL_SERVICES",
    "S6RcResult",
    "S6Service",
    "ServiceType",
    "load_s6rc_tree",
]
