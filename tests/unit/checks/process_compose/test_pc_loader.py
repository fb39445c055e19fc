"""`load_process_compose` end to end: findings in file order, extends, environment and
working directory, the ProgramSpecs, and no exception whatever the input."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from workloadctl.checks.process_compose import load_process_compose
from workloadctl.findings import Severity

ENV = {"HOME": "/nonexistent-home", "PATH": "/usr/local/bin:/usr/bin:/bin"}
CORPUS = Path(__file__).resolve().parents[3] / "fixtures" / "process_compose" / "corpus"


def write(tmp_path: Path, text: str, name: str = "pc.yaml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def found(path: Path, **kwargs: object) -> list[tuple[str, int | None]]:
    env = kwargs.pop("env", ENV)
    result = load_process_compose(path, env=env, **kwargs)  # type: ignore[arg-type]
    return [(f.code, f.line) for f in result.findings]


def test_every_problem_is_reported_in_file_order(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "log_level: loud\n"  # 1
        "processes:\n"
        "  a:\n"
        "    command: sleep 1\n"
        "    depends_on:\n"
        "      missing: {}\n"  # 6
        "      b: {condition: process_healthy}\n"  # 7
        "    availability: {restart: never}\n"  # 8
        "  b:\n"
        "    command: sleep 1\n"
        "    env_file: nope.env\n"  # 11
        "    depends_on: {a: {}}\n"  # 12
        "    typo: 1\n",  # 13
    )
    assert found(path) == [
        ("PC020", 1),
        ("PC021", 6),
        ("PC023", 7),
        ("PC024", 7),
        ("PC004", 8),
        ("PC027", 11),
        ("PC007", 13),
    ]


def test_a_clean_file(tmp_path: Path) -> None:
    path = write(tmp_path, "processes:\n  web:\n    command: sleep 1\n")
    result = load_process_compose(path, env=ENV)
    assert result.ok and result.findings == [] and result.project is not None


@pytest.mark.parametrize(
    ("setup", "code"),
    [("missing", "IO001"), ("directory", "IO004"), ("binary", "IO006"), ("latin1", "IO007")],
)
def test_unreadable_files(tmp_path: Path, setup: str, code: str) -> None:
    path = tmp_path / "pc.yaml"
    if setup == "directory":
        path.mkdir()
    elif setup == "binary":
        path.write_bytes(b"processes:\x00\n")
    elif setup == "latin1":
        path.write_bytes("processes:\n  caf\xe9: {}\n".encode("latin-1"))
    result = load_process_compose(path, env=ENV)
    assert [f.code for f in result.findings] == [code]
    assert result.project is None and result.programs == []


def test_syntax_error_stops_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "processes:\n  web:\n    command: [unclosed\n")
    result = load_process_compose(path, env=ENV)
    # The line of the unclosed bracket, not the end of the file where ruamel gave up.
    assert [(f.code, f.line) for f in result.findings] == [("PC001", 3)]
    assert result.project is None


def test_lines_point_at_the_original_text_after_multiline_substitution(tmp_path: Path) -> None:
    path = write(tmp_path, "a: ${MULTI}\nprocesses:\n  web:\n    bogus: 1\n")
    env = {**ENV, "MULTI": "x\n# two\n# more lines"}
    assert found(path, env=env) == [("PC006", 1), ("PC007", 4)]


def test_programs(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "processes:\n"
        "  web:\n"
        "    command: python3 -m http.server 'my dir'\n"
        "    environment: [A=1, B=x=y]\n"
        "  worker:\n"
        "    entrypoint: [sleep, '10']\n"
        "    replicas: 3\n"
        "  tool:\n"
        "    command: echo 'unbalanced\n"
        "    disabled: true\n"
        "  nightly:\n"
        "    command: backup\n"
        "    schedule: {cron: '0 2 * * *'}\n",
    )
    result = load_process_compose(path, env=ENV)
    assert result.ok, result.findings
    specs = {p.name: p for p in result.programs}
    assert list(specs) == ["web", "worker", "tool", "nightly"]  # replicas share one spec
    web = specs["web"]
    assert web.manager == "process-compose"
    assert web.argv == ("python3", "-m", "http.server", "my dir")
    assert web.environment == {"A": "1", "B": "x=y"}
    assert (web.file, web.line) == (str(path), 2)
    assert specs["worker"].argv == ("sleep", "10")
    assert specs["tool"].argv == ("echo", "'unbalanced") and specs["tool"].disabled
    assert not specs["tool"].autostart
    assert not specs["nightly"].autostart and not specs["nightly"].disabled
    assert result.project is not None
    assert sorted(result.project.processes) == [
        "nightly",
        "tool",
        "web",
        "worker-0",
        "worker-1",
        "worker-2",
    ]


def test_project_extends(tmp_path: Path) -> None:
    write(
        tmp_path,
        "processes:\n  db:\n    command: sleep 1\n    working_dir: data\n    oops: 1\n",
        "base/base.yaml",
    )
    path = write(
        tmp_path,
        "extends: base/base.yaml\nprocesses:\n  api:\n    depends_on: {db: {}}\n  db:\n"
        "    command: sleep 2\n",
    )
    result = load_process_compose(path, env=ENV)
    assert [(f.file, f.code, f.line) for f in result.findings] == [
        (str(tmp_path / "base/base.yaml"), "PC007", 5)
    ]
    assert result.project is not None
    db = result.project.processes["db"]
    assert db.command == "sleep 2"  # the extending file wins
    assert db.working_dir == str(tmp_path / "base" / "data")  # the base's directory


def test_extends_problems(tmp_path: Path) -> None:
    missing = write(tmp_path, "version: '0.5'\nextends: gone.yaml\n", "a.yaml")
    assert found(missing) == [("PC040", 2)]
    write(tmp_path, "extends: c.yaml\n", "b.yaml")
    loop = write(tmp_path, "extends: b.yaml\n", "c.yaml")
    assert found(loop) == [("PC041", 1)]


def test_process_extends(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "processes:\n"
        "  base:\n"
        "    command: sleep 1\n"
        "    environment: [A=1, B=1]\n"
        "    availability: {restart: always}\n"
        "  child:\n"
        "    extends: base\n"
        "    environment: [B=2]\n"
        "  orphan:\n"
        "    extends: nobody\n"
        "  me:\n"
        "    extends: me\n",
    )
    result = load_process_compose(path, env=ENV)
    assert [(f.code, f.line) for f in result.findings] == [("PC042", 10), ("PC043", 12)]
    assert result.project is not None
    child = result.project.processes["child"]
    assert child.command == "sleep 1"
    assert child.environment == ["A=1", "B=2"]
    assert child.availability.restart == "always"


def test_environment_controls(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "processes:\n  db:\n    command: sleep 1\n  web:\n    command: sleep 1\n"
        "    depends_on: {db: {}}\n",
    )
    assert found(path, env={**ENV, "PC_DISABLED_PROCESSES": "db"}) == [("PC022", 6)]
    assert found(path, env={**ENV, "PC_LOG_LEVEL": "chatty"}) == [("PC020", None)]
    assert found(path, env={**ENV, "COMPOSE_SHELL": "no-such-shell"}) == [("PC028", None)]
    assert found(path, env={**ENV, "PATH": "/nonexistent"}) == [("PC028", None)]


def test_dotenv_and_working_directory(tmp_path: Path) -> None:
    config_dir = tmp_path / "cfg"
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / ".env").write_text("FROM_DOTENV=hello\n")
    (run_dir / "app.env").write_text("")
    path = write(
        config_dir,
        "processes:\n  web:\n    command: echo ${FROM_DOTENV}\n    env_file: app.env\n",
    )
    # Run from the config's directory (the default): no .env there, no app.env.
    assert found(path) == [("PC051", 3), ("PC027", 4)]
    result = load_process_compose(path, env=ENV, cwd=run_dir)
    assert result.findings == []
    assert result.project is not None
    assert result.project.processes["web"].command == "echo hello"
    assert found(path, cwd=run_dir, use_dotenv=False) == [("PC051", 3)]


def test_dotenv_with_a_syntax_error_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("GOOD=1\nBAD LINE\n")
    path = write(tmp_path, "processes:\n  web:\n    command: echo ${GOOD}\n")
    result = load_process_compose(path, env=ENV)
    assert [(f.file, f.code, f.severity) for f in result.findings] == [
        (str(path), "PC051", Severity.WARNING),
        (str(tmp_path / ".env"), "PC050", Severity.WARNING),
    ]
    assert result.ok


def test_disable_env_expansion(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "disable_env_expansion: true\nprocesses:\n  web:\n    command: echo ${UNSET_X} $$Y\n",
    )
    result = load_process_compose(path, env=ENV)
    assert result.findings == []
    assert result.project is not None
    assert result.project.processes["web"].command == "echo ${UNSET_X} $$Y"


def test_template_findings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "vars: {PORT: 80}\n"
        "processes:\n"
        "  web:\n"
        "    command: serve {{.PORT}} {{.HOST}}\n"
        "    description: '{{ .PORT | printf \"%d\" }}'\n"
        "    working_dir: '{{'\n",
    )
    result = load_process_compose(path, env=ENV)
    assert [(f.code, f.line) for f in result.findings] == [
        ("PC037", 4),
        ("PC038", 5),
        ("PC036", 6),
    ]
    assert result.project is not None
    assert result.project.processes["web"].command == "serve 80 <no value>"


def _mutations(text: str, rng: random.Random) -> list[str]:
    variants = [text[: rng.randrange(len(text) + 1)] for _ in range(5)]
    for _ in range(10):
        chars = list(text)
        for _ in range(3):
            if chars:
                chars[rng.randrange(len(chars))] = rng.choice(":-[]{}&*!|>'\"%@`#$\\\t\n ~<")
        variants.append("".join(chars))
    return variants


def test_never_raises_on_mangled_input(tmp_path: Path) -> None:
    rng = random.Random(1234)
    sources = sorted(CORPUS.rglob("*.yaml"))[:40]
    path = tmp_path / "pc.yaml"
    count = 0
    for source in sources:
        for variant in _mutations(source.read_text(), rng):
            path.write_text(variant)
            load_process_compose(path, env=ENV)  # must not raise
            count += 1
    assert count == 15 * len(sources)


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("a: " + "[" * 200 + "]" * 200 + "\n", "PC001", 1),
        ("".join("  " * i + f"k{i}:\n" for i in range(100)) + "  " * 100 + "v: 1\n", "PC001", 65),
        (
            "a0: &a0 [x]\n"
            + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 100))
            + "vars: {v: *a99}\n",
            "PC001",
            1,
        ),
        ("processes: {a: {command: " + "${A:-" * 500 + "x" + "}" * 500 + "}}\n", "PC002", 1),
    ],
    ids=["flow", "block", "aliases", "substitution"],
)
def test_absurd_nesting_is_a_finding_not_a_crash(
    tmp_path: Path, text: str, code: str, line: int
) -> None:
    path = write(tmp_path, text)
    assert (code, line) in found(path)


def test_long_process_extends_chain(tmp_path: Path) -> None:
    chain = "".join(f"  p{i}:\n    extends: p{i + 1}\n" for i in range(2000))
    path = write(tmp_path, f"processes:\n{chain}  p2000:\n    command: sleep 1\n")
    result = load_process_compose(path, env=ENV)
    assert result.ok
    assert result.project is not None
    assert result.project.processes["p0"].command == "sleep 1"


def test_command_entrypoint_and_args_warnings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "processes:\n"
        "  both:\n"
        "    command: sleep 1\n"
        "    entrypoint: [sleep, '2']\n"  # 4
        "  args:\n"
        "    entrypoint: [python3]\n"
        "    args: [app.py]\n",  # 7
    )
    result = load_process_compose(path, env=ENV)
    assert [(f.code, f.line, f.severity) for f in result.findings] == [
        ("PC052", 4, Severity.WARNING),
        ("PC053", 7, Severity.WARNING),
    ]
    assert result.project is not None
    assert result.project.processes["args"].args == []  # what process-compose runs
    assert result.project.processes["both"].args == ["-c", "sleep 1"]


def test_absurd_replicas_are_not_expanded(tmp_path: Path) -> None:
    path = write(tmp_path, "processes:\n  web:\n    command: sleep 1\n    replicas: 100000\n")
    result = load_process_compose(path, env=ENV)
    # PC055: that many replicas would exhaust process-compose itself (test_pc_limits.py).
    assert [(f.code, f.line) for f in result.findings] == [("PC055", 4), ("PC054", 4)]
    assert result.project is not None and list(result.project.processes) == ["web"]


def test_nul_escapes_in_paths_are_findings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'extends: "x\\0y"\n'
        'shell: {shell_command: "/bin/\\0sh", shell_argument: -c}\n'
        "processes:\n"
        "  a:\n"
        "    command: x\n"
        '    env_file: "a\\0b"\n'
        '    watch: {paths: [{path: "p\\0"}]}\n',
    )
    assert found(path) == [("PC040", 1), ("PC028", 2), ("PC027", 6), ("PC033", 7)]


def test_a_key_without_its_colon_at_the_end_of_a_block_is_reported_on_its_own_line(
    tmp_path: Path,
) -> None:
    # As in the template: a header of comments (with $$), then a process whose last key
    # lost its colon. ruamel's scanner notices only on the next line.
    lines = ["# comment $$HOME"] * 5 + [
        "processes:",
        "  web:",
        "    command: echo $${UNAME}",
        "    description",
        "",
        "  # more",
        "  api:",
        "    command: sleep 1",
    ]
    path = tmp_path / "project.yaml"
    path.write_text("\n".join(lines) + "\n")
    result = load_process_compose(path, env={"PATH": "/usr/bin:/bin"}, cwd=tmp_path)
    assert [(f.code, f.line) for f in result.findings] == [("PC001", 9)]
    assert "line 10" not in result.findings[0].message
