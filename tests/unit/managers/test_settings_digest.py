"""What counts as an edit outside the program definitions (what a reload cannot apply)."""

from __future__ import annotations

from workloadctl.managers.settings_digest import (
    process_compose_settings_digest,
    supervisord_settings_digest,
)

SV = b"[supervisord]\nnodaemon = true\n[inet_http_server]\nport = 127.0.0.1:9001\n"
PC = b"log_level: info\nprocesses:\n  web:\n    command: sleep 1\n"


def test_supervisord_programs_and_comments_are_no_settings_change() -> None:
    edited = b"; a comment\n" + SV + b"[program:web]\ncommand = sleep 1\n[group:g]\nprograms=web\n"
    assert supervisord_settings_digest(edited) == supervisord_settings_digest(SV)
    port = SV.replace(b"9001", b"9011")
    assert supervisord_settings_digest(port) != supervisord_settings_digest(SV)


def test_supervisord_inline_comments_are_no_settings_change() -> None:
    # Supervisor reads `;` and `#` after whitespace as an inline comment, not the value.
    commented = SV.replace(b"9001\n", b"9001 ; the web UI\n")
    assert commented != SV
    assert supervisord_settings_digest(commented) == supervisord_settings_digest(SV)


def test_supervisord_digest_keeps_env_references_raw_and_refuses_garbage() -> None:
    assert supervisord_settings_digest(b"[x]\na = %(ENV_HOME)s\n") is not None
    assert supervisord_settings_digest(b"no section\n") is None


def test_process_compose_processes_are_no_settings_change() -> None:
    edited = PC.replace(b"sleep 1", b"sleep 2")
    assert process_compose_settings_digest(edited) == process_compose_settings_digest(PC)
    debug = PC.replace(b"info", b"debug")
    assert process_compose_settings_digest(debug) != process_compose_settings_digest(PC)
    assert process_compose_settings_digest(b"- a list\n") is None
    assert process_compose_settings_digest(b"a: [\n") is None
