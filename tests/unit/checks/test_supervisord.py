"""The supervisord config loader: Supervisor's verdict, our own checks, robustness."""

from __future__ import annotations

import logging
import os
import random
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import supervisor
from supervisor import datatypes as sv_datatypes
from supervisor import options as sv_options
from supervisord_support import include_conf

from workloadctl.checks.supervisord import SupervisordResult, SupervisordServer, load_supervisord
from workloadctl.checks.supervisord.ini import scan_ini
from workloadctl.checks.supervisord.tables import KNOWN_KEYS, SectionKind
from workloadctl.findings import Finding, Severity

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "supervisord"
ROOT = Path(__file__).resolve().parents[3]
SUPERVISOR_DIR = Path(supervisor.__file__).parent
# A small, fixed environment: the loader must never look at os.environ when given one.
ENV = {"HOME": "/root", "PATH": "/usr/bin:/bin", "WEB_PORT": "8000"}


def load(
    name: str, *, env: dict[str, str] | None = None, on_target: bool = False
) -> SupervisordResult:
    return load_supervisord(FIXTURES / name, env=ENV if env is None else env, on_target=on_target)


def pairs(findings: list[Finding]) -> list[tuple[str, int | None]]:
    return [(f.code, f.line) for f in findings]


def only(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


# --- a config with nothing wrong ---------------------------------------------------


def test_valid_config_has_no_findings_and_gives_programs_and_server() -> None:
    result = load("valid.conf")
    assert result.findings == []
    assert result.ok
    web, worker = result.programs
    assert (web.name, web.line, web.manager) == ("web", 23, "supervisord")
    # argv comes from Supervisor's own %()s expansion, with env (not os.environ).
    assert web.argv == (
        "/usr/bin/python3",
        "-m",
        "http.server",
        "8000",
        "--bind",
        "127.0.0.1",
    )
    assert web.environment == {"MODE": "dev", "GREETING": "hello"}
    assert web.autostart is False
    assert (worker.name, worker.line) == ("worker", 31)
    assert worker.argv == ("/bin/sh", "-c", "echo worker; sleep 3600")
    assert worker.autostart is True
    assert result.server == SupervisordServer(
        unix_socket=Path("/tmp/workloadctl-valid.sock"),
        unix_username="operator",
        unix_password="a-long-enough-secret",
        inet_host=None,
        inet_port=None,
        inet_username=None,
        inet_password=None,
    )


def test_inet_server_is_described() -> None:
    result = load("ctl_no_credentials.conf")
    assert result.server is not None
    assert (result.server.inet_host, result.server.inet_port) == ("127.0.0.1", 9001)
    assert result.server.inet_username == "admin"
    assert result.server.unix_socket is None


# --- Supervisor's verdict ----------------------------------------------------------


def test_empty_file_is_refused_as_supervisor_does() -> None:
    result = load("empty.conf")
    assert pairs(result.findings) == [("SV002", None)]
    assert "empty" in result.findings[0].message
    assert result.programs == []
    assert not result.ok


def test_file_without_supervisord_section() -> None:
    result = load("no_supervisord.conf")
    assert pairs(result.findings) == [("SV002", None)]
    assert "no [supervisord] section" in result.findings[0].message


def test_bad_values_are_refused_with_the_line_supervisor_does_not_give() -> None:
    result = load("bad_value.conf")
    # Supervisor stops at the first bad value: loglevel.
    assert pairs(result.findings) == [("SV001", 2)]
    assert "bad logging level name 'loud'" in result.findings[0].message
    # It did not parse: programs still come from our reading, unexpanded.
    assert [p.argv for p in result.programs] == [("/bin/true",)]


def test_group_error_names_the_group_not_the_program_supervisor_blames() -> None:
    result = load("group_bug.conf")
    assert pairs(result.findings) == [("SV001", 13)]
    message = result.findings[0].message
    assert "[group:g] programs= lists 'missing'" in message
    assert "wrongly blames [program:a]" in message


def test_syntax_errors_are_reported_per_line() -> None:
    result = load("syntax.conf")
    assert ("SV003", 2) in pairs(result.findings)
    assert len(only(result.findings, "SV003")) == 1  # Supervisor's copy is not repeated


def test_text_before_first_header(tmp_path: Path) -> None:
    conf = tmp_path / "s.conf"
    conf.write_text("garbage\n[supervisord]\n")
    result = load_supervisord(conf, env=ENV)
    syntax = only(result.findings, "SV003")
    assert pairs(syntax) == [("SV003", 1)]
    assert "before the first [section]" in syntax[0].message


def test_machine_dependent_problems_are_notes_off_target_and_parsing_goes_on() -> None:
    result = load("machine.conf")
    machine = only(result.findings, "SV004")
    assert pairs(machine) == [
        ("SV004", 2),  # [supervisord] user=
        ("SV004", 3),  # logfile directory
        ("SV004", 4),  # childlogdir
        ("SV004", 14),  # [program:web] user=
        ("SV004", 15),  # [program:web] directory=
    ]
    # Only true of the machine running the check, not of the container: notes (info),
    # which never fail `validate --strict` on an untouched host checkout.
    assert all(f.severity is Severity.INFO for f in machine)
    assert all("on this machine" in f.message for f in machine)
    # Supervisor went on past all of them and found the real error further down.
    assert ("SV001", 19) in pairs(result.findings)
    assert result.findings[-1].severity is Severity.ERROR


def test_machine_dependent_problems_are_errors_on_target() -> None:
    result = load("machine.conf", on_target=True)
    machine = only(result.findings, "SV004")
    assert [(f.line, f.severity) for f in machine] == [
        (2, Severity.ERROR),
        (3, Severity.ERROR),
        (4, Severity.ERROR),
        (14, Severity.ERROR),
        # A program's missing directory only stops that program: a warning even here.
        (15, Severity.WARNING),
    ]
    assert not any("on this machine" in f.message for f in machine)


def test_message_without_section_or_value_still_gets_a_line(tmp_path: Path) -> None:
    conf = tmp_path / "port.conf"
    conf.write_text(
        "[supervisord]\n[rpcinterface:supervisor]\n"
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
        "[inet_http_server]\nport=127.0.0.1:0\n"
    )
    result = load_supervisord(conf, env=ENV)
    assert pairs(result.findings) == [("SV001", 5)]
    assert "below lower bound" in result.findings[0].message


def test_unimportable_plugin_module_depends_on_machine(tmp_path: Path) -> None:
    conf = tmp_path / "p.conf"
    conf.write_text(
        "[supervisord]\n"
        "[unix_http_server]\nfile=/tmp/workloadctl-p.sock\n"
        "[rpcinterface:supervisor]\n"
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
        "[rpcinterface:extra]\n"
        "supervisor.rpcinterface_factory = workloadctl_no_such_module.rpc:make\n"
    )
    result = load_supervisord(conf, env=ENV)
    assert pairs(result.findings) == [("SV004", 7)]
    assert result.findings[0].severity is Severity.INFO


# --- duplicates, unknown sections and keys -----------------------------------------


def test_duplicate_sections_and_keys_name_both_lines() -> None:
    result = load("duplicates.conf")
    assert pairs(result.findings) == [("SV010", 13), ("SV011", 14), ("SV011", 15)]
    assert "first at line 9" in result.findings[0].message
    assert "first at line 10" in result.findings[1].message


def test_unknown_sections_and_keys_with_suggestions() -> None:
    result = load("unknown.conf")
    own = [f for f in result.findings if f.code != "SV001"]
    assert pairs(own) == [
        ("SV013", 2),  # logfle
        ("SV013", 8),  # supervisor.rpcinterface_factor
        ("SV013", 15),  # autorestrat
        ("SV013", 16),  # description
        ("SV012", 18),  # [progam:typo]
        ("SV012", 21),  # [my_tool_settings]
        ("SV014", 24),  # [DEFAULT]
    ]
    messages = {f.line: f for f in own}
    assert "did you mean 'logfile'" in messages[2].message
    assert "did you mean 'autorestart'" in messages[15].message
    assert "did you mean" not in messages[16].message
    assert "did you mean [program:typo]" in messages[18].message
    assert messages[18].severity is Severity.ERROR
    assert messages[21].severity is Severity.WARNING
    # Supervisor itself refuses the plugin section with no factory key.
    assert ("SV001", 7) in pairs(result.findings)


def test_missing_rpcinterface_is_an_error() -> None:
    result = load("no_rpcinterface.conf")
    assert pairs(result.findings) == [("SV020", None)]
    assert result.findings[0].severity is Severity.ERROR


def test_no_server_at_all_is_a_warning() -> None:
    result = load("no_server.conf")
    assert pairs(result.findings) == [("SV021", None)]
    assert result.server is None


# --- logs on streams --------------------------------------------------------------


def test_logs_on_streams_with_rotation_are_errors() -> None:
    result = load("log_devices.conf")
    assert pairs(only(result.findings, "SV030")) == [
        ("SV030", 2),  # [supervisord] logfile=/dev/stdout, default 50MB
        ("SV030", 12),  # /dev/stdout, default maxbytes
        ("SV030", 13),  # /proc/self/fd/2 with 1MB
        ("SV030", 25),  # [program:c] /dev/stderr (stderr ignored: redirect_stderr)
    ]
    assert "50MB (the default)" in result.findings[0].message
    # program b sets maxbytes=0: fine. Supervisor's own warning about c is kept.
    assert ("SV009", 26) in pairs(result.findings)


# --- [supervisorctl] ---------------------------------------------------------------


def test_supervisorctl_without_credentials_cannot_authenticate() -> None:
    result = load("ctl_no_credentials.conf")
    assert pairs(result.findings) == [("SV041", 8)]
    assert "401" in result.findings[0].message


def test_supervisorctl_with_wrong_password_for_sha_server() -> None:
    result = load("ctl_wrong_password.conf")
    assert pairs(result.findings) == [("SV041", 11)]
    assert "not-the-password" not in result.findings[0].message  # never echo secrets


def test_supervisorctl_with_right_password_for_sha_server() -> None:
    assert load("ctl_sha_ok.conf").findings == []


def test_supervisorctl_pointing_at_another_socket() -> None:
    result = load("ctl_wrong_target.conf")
    assert pairs(result.findings) == [("SV040", 7)]
    assert "/tmp/workloadctl-real.sock" in result.findings[0].message


def test_supervisorctl_default_url_needs_an_inet_server() -> None:
    result = load("ctl_default_url.conf")
    assert pairs(result.findings) == [("SV040", 6)]
    assert "default http://localhost:9001" in result.findings[0].message


# --- [inet_http_server] exposure ---------------------------------------------------


def test_inet_http_server_exposure() -> None:
    result = load("inet_exposed.conf")
    assert pairs(result.findings) == [
        ("SV050", 7),  # *:9001, no password (the port line)
        ("SV050", 12),  # :9002, common password (the password line)
        ("SV050", 17),  # 0.0.0.0, admin/admin
        ("SV050", 22),  # LAN IP, short password
        ("SV051", 30),  # loopback, no password
    ]
    assert all(f.severity is Severity.WARNING for f in result.findings)
    assert all(f.message.startswith("security:") for f in result.findings[:4])
    assert "no password" in result.findings[0].message
    assert "common password" in result.findings[1].message
    assert "default credentials" in result.findings[2].message
    assert "shorter than 12" in result.findings[3].message


# --- [include] ---------------------------------------------------------------------


def test_include_pattern_matching_nothing_and_checks_inside_included_files() -> None:
    result = load("include_no_match.conf")
    included = str(FIXTURES / "included" / "web.conf")
    assert [(f.file, f.code, f.line) for f in result.findings] == [
        (str(FIXTURES / "include_no_match.conf"), "SV060", 4),
        (included, "SV013", 6),  # autorestrat inside the included file
    ]
    # The included file's program and server are seen.
    assert [p.name for p in result.programs] == ["web"]
    assert result.programs[0].file == included
    assert result.server is not None
    assert result.server.unix_socket == Path("/tmp/workloadctl-included.sock")


def test_include_in_included_file_is_ignored_and_duplicates_cross_files() -> None:
    result = load("nested/main.conf")
    inner = str(FIXTURES / "nested" / "inner.conf")
    found = [(f.file, f.code, f.line) for f in result.findings if f.file == inner]
    assert found == [(inner, "SV010", 1), (inner, "SV011", 2), (inner, "SV062", 4)]
    assert "nested/main.conf:6" in result.findings[-3].message


def test_include_of_a_binary_file(tmp_path: Path) -> None:
    (tmp_path / "bin.conf").write_bytes(b"[program:x]\ncommand=\x00\xff\n")
    result = load_supervisord(include_conf(tmp_path, "bin.conf"), env=ENV)
    assert pairs(result.findings) == [("SV061", 7)]
    assert result.findings[0].severity is Severity.ERROR
    assert "binary" in result.findings[0].message


def test_include_of_a_non_utf8_file_crashes_supervisor_but_not_us(tmp_path: Path) -> None:
    (tmp_path / "latin1.conf").write_bytes(b"[program:x]\ncommand=caf\xe9\n")
    result = load_supervisord(include_conf(tmp_path, "latin1.conf"), env=ENV)
    # Supervisor fails with a bare UnicodeDecodeError; only our clear finding is shown.
    assert pairs(result.findings) == [("SV061", 7)]
    assert "UTF-8" in result.findings[0].message


def test_include_of_a_directory_and_a_dangling_link_are_skipped_silently(tmp_path: Path) -> None:
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "sub.conf").mkdir()
    (tmp_path / "conf.d" / "gone.conf").symlink_to(tmp_path / "nowhere")
    result = load_supervisord(include_conf(tmp_path, "conf.d/*.conf"), env=ENV)
    assert pairs(result.findings) == [("SV061", 7), ("SV061", 7)]
    assert all(f.severity is Severity.WARNING for f in result.findings)


def test_include_matching_the_main_file(tmp_path: Path) -> None:
    result = load_supervisord(include_conf(tmp_path, "*.conf"), env=ENV)
    assert pairs(result.findings) == [("SV064", 7)]


# --- %(...)s expansion --------------------------------------------------------------


def test_unset_variables_are_reported_by_name_at_each_use() -> None:
    result = load("env_unset.conf", env={"HOME": "/root", "SECRET_TOKEN": "hunter2"})
    assert pairs(result.findings) == [("SV005", 11), ("SV005", 12), ("SV005", 15)]
    assert "NOT_SET_ANYWHERE" in result.findings[0].message
    assert "ALSO_NOT_SET" in result.findings[1].message
    # FROM_CONFIG comes from [supervisord] environment=, HOME from env: both fine.
    assert not any("FROM_CONFIG" in f.message or "HOME" in f.message for f in result.findings)
    # Never Supervisor's dump of every variable.
    assert not any("SECRET_TOKEN" in f.message for f in result.findings)
    assert not any("Available names" in f.message for f in result.findings)
    assert all(f.severity is Severity.WARNING for f in result.findings)


def test_unset_variables_are_errors_on_target() -> None:
    result = load("env_unset.conf", env={"HOME": "/root"}, on_target=True)
    assert {f.severity for f in result.findings} == {Severity.ERROR}


def test_expansion_uses_env_argument_not_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOT_SET_ANYWHERE", "from-os-environ")
    monkeypatch.setenv("ALSO_NOT_SET", "from-os-environ")
    monkeypatch.setenv("FROM_CONFIG", "x")
    result = load("env_unset.conf", env={"HOME": "/root"})
    assert len(only(result.findings, "SV005")) == 3
    # And the reverse: set only in env, absent from os.environ.
    monkeypatch.delenv("NOT_SET_ANYWHERE")
    monkeypatch.delenv("ALSO_NOT_SET")
    env = {"HOME": "/root", "NOT_SET_ANYWHERE": "a", "ALSO_NOT_SET": "b"}
    assert load("env_unset.conf", env=env).findings == []


def test_default_env_is_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOT_SET_ANYWHERE", "a")
    monkeypatch.setenv("ALSO_NOT_SET", "b")
    assert load_supervisord(FIXTURES / "env_unset.conf").findings == []


def test_unset_variable_does_not_hide_later_supervisor_errors() -> None:
    result = load("env_port.conf", env={"SECRET_TOKEN": "hunter2"})
    assert pairs(result.findings) == [("SV005", 7), ("SV001", 13)]
    assert not any("SECRET_TOKEN" in f.message for f in result.findings)


def test_program_environment_is_not_offered_in_user_key() -> None:
    result = load("env_program_scope.conf", env={"SECRET_TOKEN": "hunter2"})
    assert pairs(result.findings) == [("SV007", 11)]
    assert "RUN_AS" in result.findings[0].message
    assert not any("SECRET_TOKEN" in f.message for f in result.findings)


def test_percent_typos() -> None:
    result = load("percent_typo.conf")
    assert pairs(result.findings) == [("SV006", 10), ("SV007", 11), ("SV006", 14)]
    assert "did you mean %(program_name)s" in result.findings[1].message


def test_huge_format_width_is_refused_without_running_it(tmp_path: Path) -> None:
    conf = tmp_path / "w.conf"
    conf.write_text("[supervisord]\n[program:x]\ncommand=%(program_name)999999999s\n")
    result = load_supervisord(conf, env=ENV)
    assert ("SV006", 3) in pairs(result.findings)


# --- commands -----------------------------------------------------------------------


def test_commands_that_cannot_be_split() -> None:
    result = load("command_quotes.conf")
    assert pairs(result.findings) == [("SV008", 10), ("SV008", 13)]
    assert "No closing quotation" in result.findings[0].message
    assert [p.argv for p in result.programs] == [(), ()]


# --- robustness: the main file ---------------------------------------------------------


def test_binary_file(tmp_path: Path) -> None:
    conf = tmp_path / "b.conf"
    conf.write_bytes(b"\x7fELF\x00\x01\x02")
    assert pairs(load_supervisord(conf, env=ENV).findings) == [("IO006", None)]


def test_non_utf8_file(tmp_path: Path) -> None:
    conf = tmp_path / "l.conf"
    conf.write_bytes(b"[supervisord]\n[program:x]\ncommand=caf\xe9\n")
    assert pairs(load_supervisord(conf, env=ENV).findings) == [("IO007", 3)]


def test_ten_megabyte_file(tmp_path: Path) -> None:
    conf = tmp_path / "big.conf"
    conf.write_text("[supervisord]\n" + ("; padding\n" * 1_048_576))
    assert pairs(load_supervisord(conf, env=ENV).findings) == [("IO005", None)]


def test_directory(tmp_path: Path) -> None:
    assert pairs(load_supervisord(tmp_path, env=ENV).findings) == [("IO004", None)]


def test_symlink_loop(tmp_path: Path) -> None:
    loop = tmp_path / "loop.conf"
    loop.symlink_to(tmp_path / "loop.conf")
    assert pairs(load_supervisord(loop, env=ENV).findings) == [("IO002", None)]


def test_missing_file(tmp_path: Path) -> None:
    assert pairs(load_supervisord(tmp_path / "nope.conf", env=ENV).findings) == [("IO001", None)]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 file anyway")
def test_unreadable_file(tmp_path: Path) -> None:
    conf = tmp_path / "secret.conf"
    conf.write_text("[supervisord]\n")
    conf.chmod(0)
    assert pairs(load_supervisord(conf, env=ENV).findings) == [("IO003", None)]


def test_fifo_is_never_read(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.conf"
    os.mkfifo(fifo)
    assert pairs(load_supervisord(fifo, env=ENV).findings) == [("SV015", None)]


def test_crlf_line_endings_keep_line_numbers(tmp_path: Path) -> None:
    conf = tmp_path / "crlf.conf"
    conf.write_bytes(b"[supervisord]\r\n\r\n[program:x]\r\ncommand=/bin/true\r\nautorestrat=1\r\n")
    result = load_supervisord(conf, env=ENV)
    assert ("SV013", 5) in pairs(result.findings)


# --- no side effects ----------------------------------------------------------------


def test_no_side_effects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "logs").mkdir()
    conf = tmp_path / "side.conf"
    conf.write_text(
        "[supervisord]\n"
        f"logfile={tmp_path}/logs/supervisord.log\n"
        f"pidfile={tmp_path}/logs/supervisord.pid\n"
        f"childlogdir={tmp_path}/logs\n"
        "[unix_http_server]\n"
        f"file={tmp_path}/logs/supervisord.sock\n"
        "[inet_http_server]\nport=127.0.0.1:9001\n"
        "[rpcinterface:supervisor]\n"
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
        "[program:x]\ncommand=/bin/true\nuser=workloadctl-no-such-user\n"
        f"stdout_logfile={tmp_path}/logs/x.log\n"
    )

    def no_subprocess(*args: object, **kwargs: object) -> None:
        raise AssertionError("the loader must not start processes")

    monkeypatch.setattr(subprocess.Popen, "__init__", no_subprocess)
    globals_before = {
        (module, name): getattr(module, name)
        for module in (sv_options, sv_datatypes)
        for name in ("name_to_uid", "existing_directory", "existing_dirpath", "name_to_gid")
        if hasattr(module, name)
    }
    handlers_before = list(logging.getLogger().handlers)
    cwd, uid = os.getcwd(), os.getuid()

    result = load_supervisord(conf, env=ENV)

    assert sorted(p.name for p in (tmp_path / "logs").iterdir()) == []
    assert {
        key: getattr(key[0], key[1]) for key in globals_before
    } == globals_before  # every patched function is back
    assert logging.getLogger().handlers == handlers_before
    assert (os.getcwd(), os.getuid()) == (cwd, uid)
    # The config is reported, not acted on; the missing user is a finding.
    assert pairs(result.findings) == [("SV051", 8), ("SV004", 13)]


# --- corpus: Supervisor's own configs ---------------------------------------------


def _corpus() -> Iterator[Path]:
    yield from sorted((SUPERVISOR_DIR / "tests" / "fixtures").glob("**/*.conf"))
    yield SUPERVISOR_DIR / "skel" / "sample.conf"


def _documented_codes() -> set[str]:
    docs = (ROOT / "docs" / "validate-codes.md").read_text()
    return set(re.findall(r"^\| ((?:SV|IO)\d{3}) \|", docs, flags=re.MULTILINE))


def _assert_well_formed(finding: Finding, documented: set[str]) -> None:
    assert finding.file
    assert finding.line is None or finding.line >= 1
    assert isinstance(finding.severity, Severity)
    assert finding.code in documented
    assert finding.message and "\n" not in finding.message


@pytest.mark.parametrize("conf", list(_corpus()), ids=lambda p: p.name)
def test_supervisor_corpus_loads_without_traceback(conf: Path) -> None:
    result = load_supervisord(conf, env=ENV)
    documented = _documented_codes()
    for finding in result.findings:
        _assert_well_formed(finding, documented)


def test_sample_conf_has_no_unknown_keys_or_sections() -> None:
    result = load_supervisord(SUPERVISOR_DIR / "skel" / "sample.conf", env=ENV)
    assert not [f for f in result.findings if f.code in ("SV012", "SV013")]
    assert result.ok


def test_sample_conf_with_every_example_uncommented_has_no_unknown_keys(tmp_path: Path) -> None:
    # sample.conf documents every key commented out (`;key=value`, `;[section]`).
    sample = (SUPERVISOR_DIR / "skel" / "sample.conf").read_text()
    uncommented = re.sub(r"^;(?=[a-z\[])", "", sample, flags=re.MULTILINE)
    conf = tmp_path / "sample.conf"
    conf.write_text(uncommented)
    result = load_supervisord(conf, env=ENV)
    assert not [f for f in result.findings if f.code in ("SV012", "SV013")]
    # ... and that really exercised the tables: every section kind but the plugins.
    kinds_seen = {
        kind
        for kind in SectionKind
        if any(s.name.startswith(kind.value) for s in scan_ini(uncommented, str(conf)).sections)
    }
    assert kinds_seen >= {k for k, keys in KNOWN_KEYS.items() if keys is not None} - {
        SectionKind.FCGI_PROGRAM
    }


def test_tests_do_not_leave_fixture_side_files() -> None:
    # Supervisor never ran for real: no pid, log or socket file appeared next to fixtures.
    load("valid.conf")
    leftovers = [p.name for p in FIXTURES.iterdir() if p.suffix in (".pid", ".log", ".sock")]
    assert leftovers == []


def test_refusal_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    # Supervisor's usage() would write to stderr and exit(2); ours does neither.
    assert pairs(load("bad_value.conf").findings) == [("SV001", 2)]
    assert capsys.readouterr() == ("", "")


_FUZZ_PIECES = (
    "[supervisord]",
    "[program:a]",
    "[program:",
    "[group:g]",
    "programs=a,b",
    "[include]",
    "files=*.conf",
    "files=%(ENV_X)s",
    "command=%(",
    "command=x %(process_num)02d",
    "user=%(ENV_U)s",
    "port=*:9001",
    "port=:",
    "[inet_http_server]",
    "[unix_http_server]",
    "file=%(here)s/s.sock",
    "[supervisorctl]",
    "serverurl=http://[::1:9001",
    "username=a",
    "password={SHA}zz",
    'environment=A="1",B',
    "numprocs=2",
    "[rpcinterface:supervisor]",
    "supervisor.rpcinterface_factory = nope:x",
    "[eventlistener:e]",
    "events=BOGUS",
    "[fcgi-program:f]",
    "socket=unix://rel",
    "  continued",
    "",
    "; c",
    "=novalue",
    "key",
    "stdout_logfile=/dev/stdout",
    "[DEFAULT]",
    "%",
    "]",
    "directory=%(ENV_HOME)s",
    "autostart=maybe",
    "\u00e9",
    '\tcommand="unbalanced',
)


def test_random_inputs_never_raise_and_stay_well_formed(tmp_path: Path) -> None:
    rng = random.Random(20260103)
    documented = _documented_codes()
    conf = tmp_path / "fuzz.conf"
    for i in range(300):
        conf.write_text("\n".join(rng.choice(_FUZZ_PIECES) for _ in range(rng.randint(0, 20))))
        result = load_supervisord(conf, env={"HOME": "/root"}, on_target=bool(i % 2))
        for finding in result.findings:
            _assert_well_formed(finding, documented)


def test_unset_variable_in_user_is_reported_once_by_name(tmp_path: Path) -> None:
    conf = tmp_path / "u.conf"
    conf.write_text(
        "[supervisord]\n[unix_http_server]\nfile=/tmp/workloadctl-u.sock\n"
        "[rpcinterface:supervisor]\n"
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
        "[program:x]\ncommand=/bin/ls /home/%(ENV_RUN_AS)s\nuser=%(ENV_RUN_AS)s\n"
    )
    result = load_supervisord(conf, env=ENV)
    # Supervisor saw an empty stand-in (user ''): that is not reported as a missing user.
    assert pairs(result.findings) == [("SV005", 7), ("SV005", 8)]
    # The program keeps the words as written rather than the stand-in.
    assert result.programs[0].argv == ("/bin/ls", "/home/%(ENV_RUN_AS)s")


def test_names_a_section_defines_are_gathered_once_and_only_for_env_references(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13: they were gathered again for every value of every program (~20 ms of
    `validate` on 100 programs); only a section with an %(ENV_x)s needs them, once."""
    from workloadctl.checks.supervisord import refs

    gathered: list[str] = []
    own = refs._defined_in_config

    def counting(ctx: object, section: str, kind: SectionKind) -> set[str]:
        gathered.append(section)
        return own(ctx, section, kind)  # type: ignore[arg-type]

    monkeypatch.setattr(refs, "_defined_in_config", counting)
    programs = "".join(
        f"[program:p{n}]\ncommand=/bin/sleep 1\ndirectory=/tmp\nautostart=true\n" for n in range(20)
    )
    conf = tmp_path / "many.conf"
    conf.write_text(
        "[supervisord]\n[unix_http_server]\nfile=/tmp/workloadctl-m.sock\n"
        "[rpcinterface:supervisor]\n"
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
        f"{programs}[program:env]\ncommand=/bin/ls %(ENV_A)s %(ENV_B)s\nuser=%(ENV_A)s\n"
    )
    result = load_supervisord(conf, env=ENV)
    assert pairs(result.findings) == [("SV005", 87), ("SV005", 87), ("SV005", 88)]
    assert gathered == ["program:env"]


def test_values_without_a_percent_sign_do_not_build_expansion_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13: the names (the whole environment, as ENV_x) were built for every log and
    directory value of every program; the count must not grow with the programs."""
    from workloadctl.checks.supervisord.context import Context

    built: list[str] = []
    own = Context.names_for

    def counting(ctx: Context, section: str) -> dict[str, object]:
        built.append(section)
        return own(ctx, section)

    monkeypatch.setattr(Context, "names_for", counting)

    def names_built(programs: int) -> int:
        built.clear()
        conf = tmp_path / f"n{programs}.conf"
        conf.write_text(
            "[supervisord]\nlogfile=/dev/null\n[unix_http_server]\nfile=/tmp/workloadctl-n.sock\n"
            "[rpcinterface:supervisor]\n"
            "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
            + "".join(
                f"[program:p{n}]\ncommand=/bin/sleep 1\ndirectory=/tmp\n"
                f"stdout_logfile=/tmp/p{n}.log\n"
                for n in range(programs)
            )
        )
        assert load_supervisord(conf, env=ENV).findings == []
        return len(built)

    assert names_built(3) == names_built(30)
