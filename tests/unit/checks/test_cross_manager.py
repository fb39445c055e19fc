"""Cross-manager rules: the same program in supervisord and process-compose is an error."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from workloadctl.checks.cross_manager import check_cross_manager, normalised_argv, ports_of
from workloadctl.checks.programs import Manager, ProgramSpec
from workloadctl.findings import Severity

SV_FILE = "workloads/supervisord/project.conf"
PC_FILE = "workloads/process-compose/project.yaml"


def spec(
    manager: Manager,
    name: str,
    argv: tuple[str, ...],
    line: int,
    env: dict[str, str] | None,
    disabled: bool,
) -> ProgramSpec:
    file = SV_FILE if manager == "supervisord" else PC_FILE
    return ProgramSpec(manager, name, argv, file, line, env or {}, disabled=disabled)


def sv(
    name: str, *argv: str, line: int = 1, env: dict[str, str] | None = None, disabled: bool = False
) -> ProgramSpec:
    return spec("supervisord", name, argv, line, env, disabled)


def pc(
    name: str, *argv: str, line: int = 1, env: dict[str, str] | None = None, disabled: bool = False
) -> ProgramSpec:
    return spec("process-compose", name, argv, line, env, disabled)


def codes(programs: list[ProgramSpec]) -> list[str]:
    return sorted(f.code for f in check_cross_manager(programs))


# --------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    "argv",
    [
        ("code-server", "--port", "1"),
        ("/home/u/.local/bin/code-server", "--port", "1"),
        ("exec", "code-server", "--port", "1"),
        ("HOME=/home/u", "FOO=bar", "code-server", "--port", "1"),
        ("env", "-i", "-u", "X", "HOME=/h", "code-server", "--port", "1"),
        ("/usr/bin/env", "--", "code-server", "--port", "1"),
        ("exec", "env", "A=1", "exec", "code-server", "--port", "1"),
        ("sh", "-c", "code-server --port 1"),
        ("bash", "-lc", "exec  env A=1  /usr/bin/code-server   --port 1"),
        ("/bin/bash", "-o", "pipefail", "-c", "code-server --port 1", "ignored-$0"),
        ("sh", "-c", "code-server --port '1'"),
        ("exec", "-a", "alias", "code-server", "--port", "1"),
    ],
)
def test_spellings_of_one_command_normalise_alike(argv: tuple[str, ...]) -> None:
    assert normalised_argv(pc("x", *argv)) == ("code-server", "--port", "1")


def test_whitespace_inside_a_word_is_collapsed() -> None:
    assert normalised_argv(sv("x", "echo", "  a \t b ")) == ("echo", "a b")


def test_shell_unwrapped_once_only() -> None:
    argv = ("sh", "-c", "sh -c 'code-server --port 1'")
    assert normalised_argv(pc("x", *argv)) == ("sh", "-c", "code-server --port 1")


def test_shell_without_c_is_not_unwrapped() -> None:
    assert normalised_argv(pc("x", "bash", "start.sh")) == ("bash", "start.sh")


def test_unbalanced_script_is_kept_as_one_word() -> None:
    assert normalised_argv(pc("x", "sh", "-c", "echo 'oops")) == ("echo 'oops",)


def test_empty_argv() -> None:
    assert normalised_argv(pc("x")) == ()
    assert ports_of(pc("x")) == frozenset()


# ----------------------------------------------------------------------- ports


@pytest.mark.parametrize(
    ("argv", "env", "port"),
    [
        (("srv", "--port", "3000"), {}, 3000),
        (("srv", "--port=3000"), {}, 3000),
        (("srv", "-p", "3000"), {}, 3000),
        (("docker", "run", "-p", "8080:80", "nginx"), {}, 8080),
        (("docker", "run", "-p", "127.0.0.1:8081:80/tcp", "nginx"), {}, 8081),
        (("srv", "--bind-addr", "0.0.0.0:4035"), {}, 4035),
        (("srv", "--bind-addr=0.0.0.0:4035"), {}, 4035),
        (("srv", "--listen", "localhost:3000"), {}, 3000),
        (("srv", "--listen=127.0.0.1:3001"), {}, 3001),
        (("srv", "--listen", "http://0.0.0.0:8088/"), {}, 8088),
        (("srv", "--listen", "9000"), {}, 9000),
        (("srv", "--bind", "myhost:7000"), {}, 7000),
        (("srv", "0.0.0.0:4035"), {}, 4035),
        (("srv", "localhost:3000"), {}, 3000),
        (("srv", ":8080"), {}, 8080),
        (("srv", "*:9001"), {}, 9001),
        (("srv", "[::]:8443"), {}, 8443),
        (("node", "--inspect=0.0.0.0:9229", "app.js"), {}, 9229),
        (("srv",), {"PORT": "5173"}, 5173),
        (("srv",), {"CODE_SERVER_PORT": " 4035 "}, 4035),
        (("PORT=8000", "srv"), {}, 8000),
        (("env", "VITE_PORT=5174", "vite"), {}, 5174),
        (("sh", "-c", "PORT=8001 exec srv"), {}, 8001),
        (("sh", "-c", "exec srv --port 8002"), {}, 8002),
    ],
)
def test_port_is_claimed(argv: tuple[str, ...], env: dict[str, str], port: int) -> None:
    assert ports_of(pc("x", *argv, env=env)) == {port}


@pytest.mark.parametrize(
    ("argv", "env"),
    [
        (("caddy", "reverse-proxy", "--to", "localhost:5173"), {}),
        (("proxy", "--upstream=127.0.0.1:8080"), {}),
        (("curl", "http://localhost:3000/health"), {}),
        (("srv", "--callback", "https://0.0.0.0:3000/x"), {}),
        (("at", "12:30:00"), {}),
        (("at", "12:30"), {}),
        (("app", "db:5432"), {}),
        (("docker", "run", "redis:7"), {}),
        (("app", "::1:80"), {}),
        (("ssh", "-p", "22", "host"), {}),
        (("psql", "--port", "5432"), {}),
        (("mkdir", "-p", "/tmp/x"), {}),
        (("srv", "--port", "${PORT}"), {}),
        (("srv", "--port", "0"), {}),
        (("srv", "--port", "70000"), {}),
        (("srv", "--port"), {}),
        (("app",), {"DB_PORT": "5432", "REDIS_PORT": "6379", "UPSTREAM_PORT": "80"}),
        (("app",), {"PORT": "${PORT:-3000}", "SUPPORT": "1", "PORTS": "80"}),
        (("docker", "run", "-p", "5353:53/udp", "dns"), {}),
    ],
)
def test_not_a_claim(argv: tuple[str, ...], env: dict[str, str]) -> None:
    assert ports_of(pc("x", *argv, env=env)) == frozenset()


def test_several_claims() -> None:
    program = sv("x", "srv", "--port", "1", "--metrics", "0.0.0.0:2", env={"ADMIN_PORT": "3"})
    assert ports_of(program) == {1, 2, 3}


# ----------------------------------------------------------------------- rules


def seed_code_server(line: int = 29) -> ProgramSpec:
    return sv(
        "code-server",
        "/home/dev/.local/bin/code-server",
        "--bind-addr",
        "0.0.0.0:4035",
        "--auth",
        "password",
        line=line,
        env={"CODE_SERVER_PORT": "4035", "HOME": "/home/dev"},
    )


def test_code_server_in_both_managers() -> None:
    first = seed_code_server()
    second = pc(
        "code-server",
        "bash",
        "-c",
        "exec code-server --bind-addr 0.0.0.0:4035 --auth password",
        line=12,
    )
    findings = check_cross_manager([first, second])
    assert sorted(f.code for f in findings) == ["XM001", "XM002", "XM003"]
    for finding in findings:
        assert finding.severity is Severity.ERROR
        assert (finding.file, finding.line) == (PC_FILE, 12)
        # The other program's place, once: its own is the finding's FILE:LINE already.
        assert f"{SV_FILE}:29" in finding.message and f"{PC_FILE}:12" not in finding.message
    port = next(f for f in findings if f.code == "XM003")
    assert "4035" in port.message and "--bind-addr 0.0.0.0:4035" in port.message


def test_renamed_copy_on_another_port_spelling() -> None:
    # Same program under another name, started through a shell, port from PORT=.
    copy = pc("vscode", "sh", "-c", "PORT=4035 code-server --auth password", line=7)
    other = pc("web", "code-server", "--bind-addr", "0.0.0.0:4036", line=20)
    findings = check_cross_manager([seed_code_server(), copy, other])
    assert [(f.code, f.line) for f in findings] == [("XM003", 7)]
    assert "PORT=4035 in its environment" in findings[0].message


def test_finding_goes_to_the_later_program() -> None:
    findings = check_cross_manager([pc("web", "a", line=3), sv("web", "b", line=9)])
    assert [(f.code, f.file, f.line) for f in findings] == [("XM001", SV_FILE, 9)]
    assert findings[0].message == (
        f"program name 'web' of this supervisord program is also used by process-compose "
        f"process 'web' at {PC_FILE}:3; workloadctl addresses programs by name, so each name "
        "must belong to one manager"
    )


def test_disabled_process_still_counts() -> None:
    findings = check_cross_manager([sv("web", "a"), pc("web", "b", disabled=True)])
    assert [f.code for f in findings] == ["XM001"]
    assert "(disabled)" in findings[0].message


def test_same_command_different_names() -> None:
    programs = [sv("api", "uvicorn", "app:main"), pc("api-dev", "exec", "uvicorn", "app:main")]
    assert codes(programs) == ["XM002"]


def test_same_manager_is_not_compared_except_ports() -> None:
    programs = [
        sv("web", "srv", "--port", "80"),
        sv("web2", "srv", "--port", "80", line=5),
        pc("a", "x"),
        pc("a", "x", line=9),
    ]
    findings = check_cross_manager(programs)
    assert [(f.code, f.severity, f.line) for f in findings] == [("XM004", Severity.WARNING, 5)]


def test_distinct_programs_are_fine() -> None:
    programs = [
        seed_code_server(),
        sv("difit", "/home/dev/.asdf/shims/difit"),
        pc("vite", "npm", "run", "dev", env={"PORT": "5173"}),
        pc("proxy", "caddy", "reverse-proxy", "--to", "localhost:4035"),
    ]
    assert check_cross_manager(programs) == []


@dataclass(frozen=True)
class _WithDir(ProgramSpec):
    working_dir: str | None = None


def test_same_command_in_different_directories_is_two_programs() -> None:
    a = _WithDir("supervisord", "a", ("npm", "run", "dev"), SV_FILE, 1, working_dir="/w/a")
    b = _WithDir("process-compose", "b", ("npm", "run", "dev"), PC_FILE, 2, working_dir="/w/b")
    c = _WithDir("process-compose", "c", ("npm", "run", "dev"), PC_FILE, 3, working_dir="/w/a")
    assert codes([a, b]) == []
    assert codes([a, c]) == ["XM002"]
    # Unknown directory on one side: cannot tell them apart, so they are the same.
    assert codes([a, pc("d", "npm", "run", "dev")]) == ["XM002"]


def test_no_duplicate_findings() -> None:
    one = sv("web", "srv", "--port", "80", "--port=80")
    two = pc("web2", "srv2", "-p", "80", env={"PORT": "80"})
    assert codes([one, two]) == ["XM003"]


@pytest.mark.parametrize(
    ("argv", "ports"),
    [
        (("python3", "-m", "http.server", "8001", "--bind", "127.0.0.1"), {8001}),
        (("python3", "-m", "http.server", "--bind", "127.0.0.1", "8002"), {8002}),
        (("python3", "-m", "http.server", "--directory", "8000", "8003"), {8003}),
        (("python3", "-m", "http.server"), set()),
        (("python3", "-m", "json.tool", "8000"), set()),
    ],
)
def test_positional_port_of_http_server(argv: tuple[str, ...], ports: set[int]) -> None:
    program = ProgramSpec("supervisord", "docs", argv, "a.conf", 1)
    assert ports_of(program) == ports


@pytest.mark.parametrize(
    ("first", "second", "code"),
    [
        # Certain on both sides: an error.
        (("srv", "--port", "8080"), ("other", "-p", "8080"), "XM003"),
        (("srv", "--bind", "0.0.0.0:8080"), ("other", "--port=8080"), "XM003"),
        (("python3", "-m", "http.server", "8080"), ("other", "--listen", ":8080"), "XM003"),
        # Guessed on at least one side (issue 9, failure 4): a warning, reload is not refused.
        (("srv", "0.0.0.0:8080"), ("other", "--port", "8080"), "XM005"),
        (("srv", "--inspect=127.0.0.1:8080"), ("other", "--port", "8080"), "XM005"),
        (("srv", "localhost:8080"), ("other", "[::]:8080"), "XM005"),
    ],
)
def test_a_shared_port_is_an_error_only_when_both_claims_are_certain(
    first: tuple[str, ...], second: tuple[str, ...], code: str
) -> None:
    assert codes([sv("a", *first), pc("b", *second)]) == [code]


def test_port_from_the_environment_is_certain_only_for_port() -> None:
    assert codes([sv("a", "srv", env={"PORT": "80"}), pc("b", "x", env={"PORT": "80"})]) == [
        "XM003"
    ]
    guessed = [sv("a", "srv", env={"VITE_PORT": "80"}), pc("b", "x", env={"PORT": "80"})]
    assert codes(guessed) == ["XM005"]


def test_a_certain_claim_wins_over_a_guess_for_the_same_port() -> None:
    one = sv("a", "srv", "0.0.0.0:8080", "--port", "8080")
    assert codes([one, pc("b", "other", "-p", "8080")]) == ["XM003"]
