"""YAML -> model with yaml.v3's rules, and the findings (codes and lines) on the way."""

from __future__ import annotations

from workloadctl.checks.process_compose.decode import Decoder
from workloadctl.checks.process_compose.model import Project
from workloadctl.checks.process_compose.yaml12 import parse_yaml
from workloadctl.findings import Finding


def decode(text: str) -> tuple[Project, list[Finding]]:
    decoder = Decoder("f.yaml", lambda line: line)
    project = decoder.project(parse_yaml(text))
    return project, decoder.findings


def codes_and_lines(findings: list[Finding]) -> list[tuple[str, int | None]]:
    return [(f.code, f.line) for f in findings]


def test_full_process_decodes_into_the_model() -> None:
    project, findings = decode(
        "version: '0.5'\n"
        "log_level: debug\n"
        "processes:\n"
        "  web:\n"
        "    command: sleep 1\n"
        "    environment: [A=1, B=2]\n"
        "    availability: {restart: on_failure, backoff_seconds: 2, max_restarts: 3}\n"
        "    depends_on:\n"
        "      db: {condition: process_healthy}\n"
        "      cache:\n"
        "    readiness_probe:\n"
        "      http_get: {port: 8080, path: /ready}\n"
        "    namespace: api\n"
        "    monitor_silence_threshold: 1m30s\n"
        "    success_exit_codes: [0, 143]\n"
        "    x-team: core\n"
    )
    assert findings == []
    web = project.processes["web"]
    assert (project.version, project.log_level) == ("0.5", "debug")
    assert web.command == "sleep 1"
    assert web.environment == ["A=1", "B=2"]
    assert (web.availability.restart, web.availability.backoff_seconds) == ("on_failure", 2)
    assert web.depends_on["db"].condition == "process_healthy"
    assert web.depends_on["cache"].condition == "process_completed"  # Go's zero value
    assert web.readiness_probe is not None and web.readiness_probe.http_get is not None
    assert web.readiness_probe.http_get.port == "8080"
    assert web.namespace == ["api"]
    assert web.monitor_silence_threshold == 90 * 10**9
    assert web.success_exit_codes == [0, 143]
    assert web.extensions == {"x-team": "core"}
    assert web.line == 4
    assert web.where("command") == ("f.yaml", 5)
    assert web.depends_on["db"].where() == ("f.yaml", 9)


def test_yaml_v3_leniency() -> None:
    project, findings = decode(
        "processes:\n"
        "  '1':\n"
        "    command: 1.50\n"
        "    replicas: 2.9\n"
        "    disabled: yes\n"
        "    is_daemon: off\n"
        "    availability: {restart: no}\n"
    )
    assert findings == []
    process = project.processes["1"]
    assert process.command == "1.50"  # the text as written
    assert process.replicas == 2  # a float truncated into an int field
    assert process.disabled is True and process.is_daemon is False
    assert process.availability.restart == "no"


def test_type_errors_are_reported_at_the_value_and_decoding_goes_on() -> None:
    project, findings = decode(
        "processes:\n"
        "  web:\n"
        "    replicas: '2'\n"
        "    disabled: 'true'\n"
        "    environment: {A: 1}\n"
        "    depends_on: [db]\n"
        "    launch_timeout_seconds: 1e30\n"
        "    monitor_silence_threshold: 30\n"
        "    command: sleep 1\n"
    )
    assert codes_and_lines(findings) == [("PC003", n) for n in (3, 4, 5, 6, 7, 8)]
    assert "cannot unmarshal !!str `2` into int" in findings[0].message
    assert "into types.Environment" in findings[2].message
    assert project.processes["web"].command == "sleep 1"


def test_enum_values_are_checked() -> None:
    _, findings = decode(
        "processes:\n"
        "  a:\n"
        "    availability: {restart: never}\n"
        "    monitor_for: all\n"
        "    depends_on: {b: {condition: started}}\n"
    )
    assert codes_and_lines(findings) == [("PC004", 3), ("PC004", 4), ("PC004", 5)]
    assert "one of: no, always, on_failure, exit_on_failure" in findings[0].message


def test_unknown_keys_by_level() -> None:
    project, findings = decode(
        "proceses: {}\n"
        "x-anchor: 1\n"
        "processes:\n"
        "  web:\n"
        "    comand: x\n"
        "    x-note: fine\n"
        "    availability: {restrat: always, x-ok: 1}\n"
        "    shutdown: {timeout: 5}\n"
        "    readiness_probe: {exec: {cmd: x}}\n"
        "    depends_on: {db: {conditon: process_started}}\n"
        "  db: {}\n"
    )
    assert codes_and_lines(findings) == [
        ("PC006", 1),
        ("PC007", 5),
        ("PC008", 7),
        ("PC008", 8),
        ("PC008", 9),
        ("PC008", 10),
    ]
    assert "did you mean 'processes'" in findings[0].message
    assert "did you mean 'restart'" in findings[2].message
    # process-compose keeps unknown keys of these two in their Extensions maps
    assert set(project.extensions) == {"proceses", "x-anchor"}
    assert set(project.processes["web"].extensions) == {"comand", "x-note"}


def test_duplicate_keys() -> None:
    _, findings = decode("processes:\n  a: {command: x}\n  a: {command: y}\nlog_level: info\n")
    assert codes_and_lines(findings) == [("PC005", 3)]
    assert "already defined at line 2" in findings[0].message


def test_merge_keys_explicit_keys_win() -> None:
    project, findings = decode(
        "x-base: &base\n"
        "  command: from-base\n"
        "  availability: {restart: always}\n"
        "x-more: &more\n"
        "  command: from-more\n"
        "  description: more\n"
        "processes:\n"
        "  a:\n"
        "    <<: [*base, *more]\n"
        "    command: own\n"
    )
    assert findings == []
    process = project.processes["a"]
    assert process.command == "own"
    assert process.availability.restart == "always"
    assert process.description == "more"


def test_bad_merge_value() -> None:
    _, findings = decode("processes:\n  a:\n    <<: [1]\n")
    assert codes_and_lines(findings) == [("PC001", 3)]


def test_document_shapes() -> None:
    assert decode("")[1] == []
    assert decode("~\n")[1] == []
    assert codes_and_lines(decode("- a\n")[1]) == [("PC009", 1)]
    assert codes_and_lines(decode("just text\n")[1]) == [("PC009", 1)]
    assert codes_and_lines(decode("processes: [a]\n")[1]) == [("PC003", 1)]


def test_null_values_leave_zero_values() -> None:
    project, findings = decode(
        "processes:\n  a:\n    availability:\n    readiness_probe: ~\n    environment: [~, A=1]\n"
        "  b:\n"
    )
    assert findings == []
    assert project.processes["a"].readiness_probe is None
    assert project.processes["a"].environment == ["A=1"]  # yaml.v3 drops null items
    assert project.processes["b"].command == ""


def test_empty_probe_mapping_is_a_probe() -> None:
    project, _ = decode("processes:\n  a:\n    readiness_probe: {}\n")
    assert project.processes["a"].readiness_probe is not None


def test_namespace_string_or_list() -> None:
    project, findings = decode("processes:\n  a: {namespace: x}\n  b: {namespace: [x, y]}\n")
    assert findings == []
    assert project.processes["a"].namespace == ["x"]
    assert project.processes["b"].namespace == ["x", "y"]
    _, findings = decode("processes:\n  a: {namespace: {x: 1}}\n")
    assert codes_and_lines(findings) == [("PC003", 2)]


def test_alias_bomb_is_stopped() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append("vars: {bomb: *a8}")
    _, findings = decode("\n".join(lines) + "\n")
    assert any("excessive aliasing" in f.message for f in findings)
