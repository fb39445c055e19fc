"""`workloadctl validate` end to end through `cli.main`: exit codes, output formats, layout."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from workloadctl.cli import main

GOOD_CONF = """\
[supervisord]
nodaemon=true
logfile=/dev/null
logfile_maxbytes=0
pidfile={tmp}/supervisord.pid

[unix_http_server]
file={tmp}/supervisord.sock
chmod=0700

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{tmp}/supervisord.sock

[program:web]
command=/bin/sleep 1000
stdout_logfile=/dev/null
stderr_logfile=/dev/null
"""

GOOD_YAML = """\
processes:
  worker:
    command: sleep 2000
    availability:
      restart: no
"""

LINE = re.compile(
    r"^(?P<file>[^:]+)(:(?P<line>\d+))?: (?P<sev>error|warning): .+ \[[A-Z]{2}\d{3}\]$"
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_valid_files_exit_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf = write(tmp_path / "a.conf", GOOD_CONF.format(tmp=tmp_path))
    yaml = write(tmp_path / "b.yaml", GOOD_YAML)
    code, out, _ = run(capsys, "validate", str(conf), str(yaml))
    assert code == 0, out
    assert out.strip().splitlines()[-1].startswith("OK: 0 errors")


def test_error_exits_one_with_file_line_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    yaml = write(
        tmp_path / "b.yaml", "processes:\n  worker:\n    command: sleep 1\n    bogus_key: 1\n"
    )
    code, out, _ = run(capsys, "validate", str(yaml))
    assert code == 1
    findings = [line for line in out.splitlines() if LINE.match(line)]
    assert findings, out
    assert any(":4: error:" in line for line in findings), out
    assert out.splitlines()[-1].startswith("FAILED: ")


def test_json_is_one_object(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf = write(tmp_path / "a.conf", "[progam:x]\ncommand=true\n")
    code, out, _ = run(capsys, "validate", "--json", str(conf))
    assert code == 1
    doc = json.loads(out)
    assert set(doc) == {"ok", "findings"} and doc["ok"] is False
    for finding in doc["findings"]:
        assert set(finding) == {"file", "line", "severity", "code", "message"}
        assert finding["severity"] in {"error", "warning"}
        assert finding["line"] is None or isinstance(finding["line"], int)


def test_missing_path_is_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate", str(tmp_path / "nope.conf"))
    assert code == 2 and "no such file" in err


def test_bad_option_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(capsys, "validate", "--kind", "nginx", "x")
    assert code == 2


def test_unknown_suffix_needs_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "config.txt", GOOD_YAML)
    code, _, err = run(capsys, "validate", str(path))
    assert code == 2 and "--kind" in err
    code, out, _ = run(capsys, "validate", "--kind", "process-compose", str(path))
    assert code == 0, out


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("binary.conf", b"\x00\x01\x02", "IO006"),
        ("latin1.yaml", b"processes:\n  a:\n    command: caf\xe9\n", "IO007"),
        ("huge.yaml", b"#" * (10 * 1024 * 1024), "IO005"),
    ],
)
def test_hostile_inputs_are_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes, code: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    status, out, err = run(capsys, "validate", "--json", str(path))
    assert status == 1, err
    assert "Traceback" not in err
    assert code in {f["code"] for f in json.loads(out)["findings"]}


def test_symlink_loop_and_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = tmp_path / "a.conf", tmp_path / "b.conf"
    a.symlink_to(b)
    b.symlink_to(a)
    status, out, err = run(capsys, "validate", "--json", str(a))
    assert status == 1 and "Traceback" not in err
    assert "IO002" in {f["code"] for f in json.loads(out)["findings"]}
    folder = tmp_path / "dir.yaml"
    folder.mkdir()
    status, out, _ = run(capsys, "validate", "--json", "--kind", "process-compose", str(folder))
    assert status == 1
    assert "IO004" in {f["code"] for f in json.loads(out)["findings"]}


@pytest.mark.parametrize("part", [".devcontainer", "workloads"])
def test_half_set_up_repository_layout(
    part: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "repo"
    (root / part).mkdir(parents=True)
    code, out, _ = run(capsys, "validate", "--root", str(root), "--json")
    doc = json.loads(out)
    codes = {f["code"] for f in doc["findings"]}
    # Begun, not finished: project configs missing (warnings), seeds and s6-rc tree missing (errors).
    assert {"LY001", "LY002"} <= codes
    assert code == 1


def test_a_root_with_none_of_the_layout_is_not_a_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "validate", "--root", str(tmp_path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and f"--root {tmp_path} has no .devcontainer/" in err
    assert "not a workloadctl repository; pass --root REPO" in err


def test_outside_any_repository_validate_says_so_and_what_to_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # From `/` it reported three LY002 errors against `/`.
    monkeypatch.delenv("WORKLOADCTL_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "validate")
    assert code == 2 and "LY002" not in out
    assert "not a workloadctl repository; pass --root REPO, or the config files" in err


def test_layout_cross_manager_duplicate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "repo"
    write(root / "workloads/supervisord/project.conf", GOOD_CONF.format(tmp=tmp_path))
    write(
        root / "workloads/process-compose/project.yaml",
        "processes:\n  web:\n    command: /bin/sleep 1000\n",
    )
    code, out, _ = run(capsys, "validate", "--root", str(root), "--json")
    doc = json.loads(out)
    xm = [f for f in doc["findings"] if f["code"].startswith("XM")]
    assert xm, doc
    assert all(f["file"].startswith("workloads/") for f in xm)
    assert code == 1


def test_paths_and_root_conflict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf = write(tmp_path / "a.conf", GOOD_CONF.format(tmp=tmp_path))
    code, _, err = run(capsys, "validate", "--root", str(tmp_path), str(conf))
    assert code == 2 and "not both" in err


def test_strict_turns_warnings_into_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = tmp_path / "s6-rc.d"
    write(tree / "svc/type", "longrun\n")
    run_file = write(tree / "svc/run", "#!/bin/sh\nexec sleep 1000\n")
    run_file.chmod(0o755)
    write(tree / "svc/down", "")  # ignored by s6-rc in a source dir: a warning
    code, out, _ = run(capsys, "validate", str(tree))
    assert code == 0, out
    assert ": warning: " in out
    code, out, _ = run(capsys, "validate", "--strict", str(tree))
    assert code == 1, out


def test_strict_passes_where_only_the_container_has_the_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # An untouched checkout on the host: the pidfile's directory exists only in the
    # container (SV004). A note about this machine, which neither fails --strict nor
    # counts as a warning.
    monkeypatch.delenv("WORKLOADCTL_IN_CONTAINER", raising=False)
    text = GOOD_CONF.format(tmp=tmp_path).replace(
        f"pidfile={tmp_path}/", "pidfile=/nonexistent-workloadctl-test/"
    )
    conf = write(tmp_path / "a.conf", text)
    code, out, _ = run(capsys, "validate", "--strict", str(conf))
    assert code == 0, out
    assert re.search(r"a\.conf:5: info: .* on this machine: .* \[SV004\]$", out, re.M), out
    assert out.splitlines()[-1] == "OK: 0 errors, 0 warnings, 1 note (about this machine only)"
    code, out, _ = run(capsys, "validate", "--json", str(conf))
    assert [f["severity"] for f in json.loads(out)["findings"]] == ["info"]
