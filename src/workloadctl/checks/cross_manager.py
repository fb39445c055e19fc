"""Rules across the two managers: one program must belong to exactly one of them.

The design's "duplicate check": supervisord and process-compose run side by side, and the
same program defined in both runs twice (the second copy fails on its port, or both
fight over the same files). Programs of the SAME manager are that manager's business;
only a shared port gets a warning there (XM004).

Normalisation of a command, so that spelling differences do not hide a duplicate:
1. leading `exec` (with bash's `-a NAME`, `-c`, `-l`), `VAR=value` words and `env`
   (with its options and `VAR=value` words) are dropped, repeatedly;
2. `sh|bash|dash|zsh|ash|ksh [options] -c "script"` is unwrapped ONE level: the script is
   split shell-style and step 1 applied again; `$0 $1 ...` words after the script are
   dropped; a script that does not split (unbalanced quotes) is kept as one word;
3. whitespace inside each word is collapsed to single spaces;
4. argv[0] is compared by basename: `/home/u/.local/bin/code-server` and `code-server`
   (found on PATH) are the same program in practice, and two different binaries with the
   same name AND the same arguments would clash on whatever those arguments name anyway.
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
import shlex
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from workloadctl.checks.programs import ProgramSpec
from workloadctl.findings import Finding, error, warning
from workloadctl.manager_names import PROGRAM_NOUN

SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ash", "ksh"})
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
# `env` options; those in ENV_OPTIONS_WITH_VALUE consume the next word.
ENV_OPTIONS_WITH_VALUE = frozenset({"-u", "--unset", "-C", "--chdir"})
ENV_OPTION = re.compile(r"-[0iv]+|-|--ignore-environment|--null|--debug|--(unset|chdir)=.*")

# Options whose value is a port number (`--port 3000`, `--port=3000`, `-p 3000`).
PORT_OPTIONS = frozenset(
    {"--port", "-p", "--http-port", "--https-port", "--listen-port", "--server-port"}
)
# Options whose value is an address to listen on: `HOST:N`, `N`, or a URL with a port.
LISTEN_OPTIONS = frozenset(
    {
        "--bind-addr",
        "--bind",
        "--bind-address",
        "--listen",
        "--listen-addr",
        "--listen-address",
        "--addr",
        "--address",
        "--http-addr",
        "--http-address",
    }
)
# Options whose value names something to CONNECT to: its `host:port` is not a claim.
CONNECT_OPTIONS = frozenset(
    {
        "--to",
        "--upstream",
        "--proxy",
        "--proxy-to",
        "--backend",
        "--target",
        "--connect",
        "--remote",
        "--server",
        "--url",
        "--forward",
        "--dest",
        "--destination",
        "--database-url",
        "--db",
        "--redis",
        "--broker",
        "--origin",
        "--api-url",
    }
)
# Clients whose `-p`/`--port` is the port they connect to, not one they listen on.
CLIENT_PROGRAMS = frozenset(
    {
        "ssh",
        "autossh",
        "scp",
        "sftp",
        "psql",
        "pg_dump",
        "pg_isready",
        "mysql",
        "mariadb",
        "redis-cli",
        "mongo",
        "mongosh",
    }
)
# `*_PORT` variables that name a service to connect to (DB_PORT, REDIS_PORT, ...).
CONNECT_ENV_WORDS = frozenset(
    {
        "DB",
        "DATABASE",
        "PG",
        "POSTGRES",
        "POSTGRESQL",
        "MYSQL",
        "MARIADB",
        "REDIS",
        "MEMCACHED",
        "MONGO",
        "MONGODB",
        "RABBITMQ",
        "AMQP",
        "KAFKA",
        "ELASTICSEARCH",
        "SMTP",
        "MAIL",
        "UPSTREAM",
        "PROXY",
        "BACKEND",
        "TARGET",
        "REMOTE",
    }
)
HOST_PORT = re.compile(r"(?P<host>\[[0-9A-Fa-f:.]+\]|[^:\[\]]*):(?P<port>[0-9]{1,5})")
DOCKER_PUBLISH = re.compile(r"(?:[^:]+:)?(?P<host>[0-9]{1,5}):[0-9]{1,5}(?:/tcp)?")


@dataclass(frozen=True)
class _Claim:
    """Why a program is taken to listen on a port, and whether that is certain.

    Certain: the program's own interface says so (a port option `--port N`/`-p N`/..., a
    listen option `--bind HOST:N`/..., `python -m http.server N`, or `PORT=N` in its
    environment, the convention of twelve-factor servers). Guessed: a bare `HOST:N`
    argument or an unknown option's `HOST:N` value, or a `*_PORT=N` variable other than
    PORT (it may name a port something else listens on).
    """

    evidence: str
    certain: bool


@dataclass(frozen=True)
class _Command:
    """A program's command after step 1-2 of the normalisation, plus its inline variables."""

    words: tuple[str, ...]
    assignments: dict[str, str]


# ------------------------------------------------------------------ normalisation


def normalised_argv(program: ProgramSpec) -> tuple[str, ...]:
    """The command in the comparable form described in the module docstring."""
    words = [re.sub(r"\s+", " ", word.strip()) for word in _command(program.argv).words]
    if words:
        words[0] = posixpath.basename(words[0].rstrip("/")) or words[0]
    return tuple(words)


def _command(argv: Sequence[str]) -> _Command:
    assignments: dict[str, str] = {}
    words = _strip_prefixes(list(argv), assignments)
    script = _shell_script(words)
    if script is not None:
        try:
            words = _strip_prefixes(shlex.split(script), assignments)
        except ValueError:
            words = [script]
    return _Command(tuple(words), assignments)


def _strip_prefixes(words: list[str], assignments: dict[str, str]) -> list[str]:
    """Drop `exec`, `env ...` and `VAR=value` words from the front, keeping the variables."""
    i = 0
    while i < len(words):
        word = words[i]
        if word == "exec":
            i = _skip_exec_options(words, i + 1)
        elif posixpath.basename(word) == "env":
            i = _skip_env_options(words, i + 1)
        elif ASSIGNMENT.match(word):
            name, _, value = word.partition("=")
            assignments[name] = value
            i += 1
        else:
            break
    return words[i:]


def _skip_exec_options(words: list[str], i: int) -> int:
    while i < len(words):
        if words[i] == "-a" and i + 1 < len(words):
            i += 2
        elif words[i] in ("-c", "-l", "-cl", "-lc", "--"):
            i += 1
        else:
            break
    return i


def _skip_env_options(words: list[str], i: int) -> int:
    while i < len(words):
        word = words[i]
        if word in ENV_OPTIONS_WITH_VALUE and i + 1 < len(words):
            i += 2
        elif word == "--":
            return i + 1
        elif ENV_OPTION.fullmatch(word) or (word.startswith("-u") and len(word) > 2):
            i += 1
        else:
            break
    return i


def _shell_script(words: list[str]) -> str | None:
    """The script of `sh [options] -c SCRIPT ...`, or None if `words` is not that."""
    if not words or posixpath.basename(words[0]) not in SHELLS:
        return None
    has_c = False
    i = 1
    while i < len(words):
        word = words[i]
        if word in ("-o", "+o", "-O", "+O") and i + 1 < len(words):
            i += 2
            continue
        if word == "--":
            i += 1
            break
        if not word.startswith(("-", "+")) or word in ("-", "+"):
            break
        if not word.startswith("--") and "c" in word[1:]:
            has_c = True
        i += 1
    if has_c and i < len(words):
        return words[i]
    return None


# ------------------------------------------------------------------------- ports


def ports_of(program: ProgramSpec) -> frozenset[int]:
    """The TCP ports the program listens on, as far as its command and environment show."""
    return frozenset(_port_claims(program))


def _port_claims(program: ProgramSpec) -> dict[int, _Claim]:
    """Each claimed port with the evidence for it (for messages): a certain claim wins
    over a guessed one, else the first evidence wins."""
    command = _command(program.argv)
    claims: dict[int, _Claim] = {}

    def claim(port: int, found: _Claim) -> None:
        if port not in claims or (found.certain and not claims[port].certain):
            claims[port] = found

    for port, found in _ports_in_words(command.words):
        claim(port, found)
    environment = {**program.environment, **command.assignments}
    for name, value in environment.items():
        env_port = _env_port(name, value)
        if env_port is not None:
            certain = name.upper() == "PORT"
            claim(env_port, _Claim(f"{name}={value} in its environment", certain))
    return claims


# Servers that take their port as a bare positional argument: `python3 -m http.server 8000`.
POSITIONAL_PORT_MODULES = frozenset({"http.server"})


def _positional_module_port(words: tuple[str, ...]) -> Iterator[tuple[int, _Claim]]:
    """`-m MODULE [options] N` for a module in POSITIONAL_PORT_MODULES: its first
    positional argument, when it is a port number (option values are skipped)."""
    for index, word in enumerate(words[:-1]):
        if word != "-m" or words[index + 1] not in POSITIONAL_PORT_MODULES:
            continue
        rest = iter(words[index + 2 :])
        for argument in rest:
            if argument in _HTTP_SERVER_VALUE_OPTIONS:
                next(rest, None)  # the option's value, never the port
            elif not argument.startswith("-"):
                if argument.isdigit() and 1 <= int(argument) <= 65535:
                    yield int(argument), _Claim(f"'{words[index + 1]} {argument}'", True)
                return
        return


# `python -m http.server` options that take a value.
_HTTP_SERVER_VALUE_OPTIONS = frozenset({"-b", "--bind", "-d", "--directory", "-p", "--protocol"})


def _ports_in_words(words: tuple[str, ...]) -> Iterator[tuple[int, _Claim]]:
    if not words:
        return
    yield from _positional_module_port(words)
    client = posixpath.basename(words[0]) in CLIENT_PROGRAMS
    i = 1
    while i < len(words):
        option, inline, value = _option_value(words, i)
        i += 1 if inline or option is None else 2
        if option is None:
            port = _trailing_port(words[i - 1])
            if port is not None:
                yield port, _Claim(f"'{words[i - 1]}'", certain=False)
            continue
        if value is None:
            continue
        shown = f"'{option}={value}'" if inline else f"'{option} {value}'"
        port = _option_port(option, value, client=client)
        if port is not None:
            yield port, _Claim(shown, certain=option in PORT_OPTIONS | LISTEN_OPTIONS)


def _option_value(words: tuple[str, ...], i: int) -> tuple[str | None, bool, str | None]:
    """(option, given inline?, value) for an option word at i, (None, False, None) otherwise.

    Only options whose meaning we know take the next word as their value; any other
    `--name=value` is split so that its value still gets the trailing `:N` rule.
    """
    word = words[i]
    if not word.startswith("-") or word == "-":
        return None, False, None
    if "=" in word:
        option, _, value = word.partition("=")
        return option, True, value
    if word in PORT_OPTIONS | LISTEN_OPTIONS | CONNECT_OPTIONS:
        if i + 1 < len(words):
            return word, False, words[i + 1]
        return word, False, None
    return word, True, None


def _option_port(option: str, value: str, *, client: bool) -> int | None:
    if option in CONNECT_OPTIONS:
        return None
    if option in PORT_OPTIONS:
        if client:
            return None
        if option == "-p" and (published := DOCKER_PUBLISH.fullmatch(value)):
            return _valid_port(published.group("host"))
        return _valid_port(value)
    if option in LISTEN_OPTIONS:
        return _address_port(value)
    return _trailing_port(value)  # an unknown option's inline value: `--inspect=0.0.0.0:9229`


def _address_port(value: str) -> int | None:
    """Port of a listen address: `N`, `HOST:N` (any host), or `scheme://host:N/...`."""
    if "://" in value:
        try:
            return _valid_port(str(urlsplit(value).port or ""))
        except ValueError:
            return None
    if value.isdigit():
        return _valid_port(value)
    match = HOST_PORT.fullmatch(value)
    return _valid_port(match.group("port")) if match else None


def _trailing_port(word: str) -> int | None:
    """`HOST:N` where HOST is a listen address: empty, `*`, `localhost` or an IP literal.

    Not a claim: a URL (it names something to connect to: an upstream, a database), a
    time (`12:30:00`, `12:30`: the host part is not an address), or any other host name
    (`db:5432`, `redis:7` are connection targets or image tags far more often than not).
    """
    if "://" in word or word.startswith("-"):
        return None
    match = HOST_PORT.fullmatch(word)
    if match is None or not _is_listen_host(match.group("host")):
        return None
    return _valid_port(match.group("port"))


def _is_listen_host(host: str) -> bool:
    if host in ("", "*", "localhost"):
        return True
    literal = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        address = ipaddress.ip_address(literal)
    except ValueError:
        return False
    # An IPv6 literal needs its brackets before `:N`; `::1:80` is ambiguous.
    return address.version == 4 or literal != host


def _env_port(name: str, value: str) -> int | None:
    upper = name.upper()
    if upper != "PORT" and not upper.endswith("_PORT"):
        return None
    if CONNECT_ENV_WORDS.intersection(upper.split("_")[:-1]):
        return None
    return _valid_port(value.strip())


def _valid_port(text: str) -> int | None:
    if not (text.isascii() and text.isdigit()):
        return None
    port = int(text)
    return port if 1 <= port <= 65535 else None


# ------------------------------------------------------------------------- rules


def _working_dir(program: ProgramSpec) -> str | None:
    # `npm run dev` in two different directories is two programs.
    return program.working_dir or None


def _off(program: ProgramSpec) -> str:
    return " (disabled)" if program.disabled else ""


def _kind(program: ProgramSpec) -> str:
    """The program a finding is attached to: its FILE:LINE is the finding's own."""
    return f"{program.manager} {PROGRAM_NOUN[program.manager]}{_off(program)}"


def _describe(program: ProgramSpec) -> str:
    """The OTHER program of a pair, with its place (so no place is printed twice)."""
    return f"{program.manager} {PROGRAM_NOUN[program.manager]} '{program.name}'{_off(program)} at {program.where}"


def _cross_pairs(programs: Sequence[ProgramSpec]) -> Iterator[tuple[ProgramSpec, ProgramSpec]]:
    """The pairs that share a name, a normalised command or a port, in `programs` order.

    Only those can produce a finding; indexing by each key keeps a layout with hundreds
    of programs linear instead of comparing every pair (which took most of `validate`).
    """
    buckets: dict[tuple[str, object], list[int]] = defaultdict(list)
    for index, program in enumerate(programs):
        buckets[("name", program.name)].append(index)
        command = normalised_argv(program)
        if command:
            buckets[("command", command)].append(index)
        for port in _port_claims(program):
            buckets[("port", port)].append(index)
    pairs = {
        (first, second)
        for members in buckets.values()
        for position, first in enumerate(members)
        for second in members[position + 1 :]
    }
    for first, second in sorted(pairs):
        yield programs[first], programs[second]


def _same_command(first: ProgramSpec, second: ProgramSpec) -> bool:
    command = normalised_argv(first)
    if not command or command != normalised_argv(second):
        return False
    first_dir, second_dir = _working_dir(first), _working_dir(second)
    return first_dir is None or second_dir is None or first_dir == second_dir


def _pair_findings(first: ProgramSpec, second: ProgramSpec) -> list[Finding]:
    findings: list[Finding] = []
    if first.name == second.name:
        findings.append(
            error(
                second.file,
                second.line,
                "XM001",
                f"program name '{second.name}' of this {_kind(second)} is also used by "
                f"{_describe(first)}; workloadctl addresses programs by name, so each name "
                "must belong to one manager",
            )
        )
    if _same_command(first, second):
        findings.append(
            error(
                second.file,
                second.line,
                "XM002",
                f"the same command ({shlex.join(normalised_argv(second))}) is run by this "
                f"{_kind(second)} and by {_describe(first)}; define it in one manager only",
            )
        )
    findings.extend(_port_findings(first, second, across=True))
    return findings


def _port_findings(first: ProgramSpec, second: ProgramSpec, *, across: bool) -> list[Finding]:
    """A port both claim: across managers an error (XM003) when both claims are certain,
    else a warning (XM005); inside one manager always a warning (XM004)."""
    first_claims, second_claims = _port_claims(first), _port_claims(second)
    findings: list[Finding] = []
    for port in sorted(first_claims.keys() & second_claims.keys()):
        one, other = first_claims[port], second_claims[port]
        message = (
            f"TCP port {port} is claimed by this {_kind(second)} (from {other.evidence}) "
            f"and by {_describe(first)} (from {one.evidence})"
        )
        if not across:
            findings.append(
                warning(second.file, second.line, "XM004", f"{message}; only one can listen on it")
            )
        elif one.certain and other.certain:
            findings.append(error(second.file, second.line, "XM003", message))
        else:
            findings.append(
                warning(
                    second.file,
                    second.line,
                    "XM005",
                    f"{message}; guessed from its arguments, so not an error: if both "
                    "listen on it, define the program in one manager only",
                )
            )
    return findings


def check_cross_manager(programs: Sequence[ProgramSpec]) -> list[Finding]:
    """Errors for a program defined in both managers (same name, command, or a port both
    claim for certain), and warnings for a port guessed for both managers or shared
    inside one manager. Every finding is attached to the later
    of the two programs (in `programs` order) and names both places.

    Disabled and `autostart=false` programs count: they can still be started by name,
    and then both copies run.
    """
    findings: list[Finding] = []
    for first, second in _cross_pairs(programs):
        if first.manager != second.manager:
            more = _pair_findings(first, second)
        else:
            more = _port_findings(first, second, across=False)
        findings.extend(f for f in more if f not in findings)
    return findings


__all__ = ["check_cross_manager", "normalised_argv", "ports_of"]
