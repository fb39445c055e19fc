"""devcontainer.json and docker-compose.yml must leave PID 1 to s6-overlay (DCnnn)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from workloadctl.checks.devcontainer import check_devcontainer
from workloadctl.cli import main
from workloadctl.findings import Finding

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests/fixtures/devcontainer"


def layout(tmp_path: Path, json_fixture: str | None, compose_fixture: str | None) -> Path:
    devcontainer = tmp_path / ".devcontainer"
    devcontainer.mkdir()
    if json_fixture is not None:
        shutil.copy(FIXTURES / json_fixture, devcontainer / "devcontainer.json")
    if compose_fixture is not None:
        shutil.copy(FIXTURES / compose_fixture, devcontainer / "docker-compose.yml")
    return tmp_path


def summary(findings: list[Finding]) -> list[tuple[str, str, int | None, str]]:
    return [(Path(f.file).name, f.code, f.line, str(f.severity)) for f in findings]


def test_this_repositorys_files_pass() -> None:
    assert check_devcontainer(REPO) == []


def test_good_compose_config_passes(tmp_path: Path) -> None:
    assert check_devcontainer(layout(tmp_path, "compose-good.json", "compose-good.yml")) == []


def test_no_files_no_findings(tmp_path: Path) -> None:
    assert check_devcontainer(tmp_path) == []


@pytest.mark.parametrize(
    ("json_fixture", "expected"),
    [
        ("init-true.json", [("devcontainer.json", "DC010", 6, "error")]),
        ("override-true.json", [("devcontainer.json", "DC011", 4, "error")]),
        (
            "image-without-override.json",
            [
                ("devcontainer.json", "DC012", None, "error"),
                ("devcontainer.json", "DC013", 3, "error"),
            ],
        ),
        (
            "not-boolean.json",
            [
                ("devcontainer.json", "DC014", 3, "warning"),
                ("devcontainer.json", "DC014", 4, "warning"),
            ],
        ),
        ("syntax-error.json", [("devcontainer.json", "DC001", 4, "error")]),
    ],
)
def test_devcontainer_json(tmp_path: Path, json_fixture: str, expected: list[object]) -> None:
    findings = check_devcontainer(layout(tmp_path, json_fixture, "compose-good.yml"))
    assert summary(findings) == expected


def test_init_true_message_says_why(tmp_path: Path) -> None:
    [finding] = check_devcontainer(layout(tmp_path, "init-true.json", "compose-good.yml"))
    assert "tini" in finding.message and "PID 1" in finding.message


def test_root_level_devcontainer_json_is_checked(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "init-true.json", tmp_path / ".devcontainer.json")
    shutil.copy(FIXTURES / "compose-good.yml", tmp_path / "docker-compose.yml")
    assert summary(check_devcontainer(tmp_path)) == [(".devcontainer.json", "DC010", 6, "error")]


def test_named_compose_file_that_does_not_exist(tmp_path: Path) -> None:
    findings = check_devcontainer(
        layout(tmp_path, "names-missing-compose.json", "compose-good.yml")
    )
    assert summary(findings) == [("devcontainer.json", "DC021", 2, "error")]
    assert "extra.yml" in findings[0].message


def test_named_compose_files_are_all_checked(tmp_path: Path) -> None:
    root = layout(tmp_path, "names-missing-compose.json", "compose-good.yml")
    shutil.copy(FIXTURES / "compose-init-dev.yml", root / ".devcontainer/extra.yml")
    assert summary(check_devcontainer(root)) == [("extra.yml", "DC022", 7, "error")]


@pytest.mark.parametrize(
    ("compose_fixture", "expected"),
    [
        ("compose-init-dev.yml", [("docker-compose.yml", "DC022", 7, "error")]),
        (
            # dev is found by its Dockerfile; the others only get warnings, the merged
            # `init` of proxy at the line of its service.
            "compose-init-others.yml",
            [
                ("docker-compose.yml", "DC023", 10, "warning"),
                ("docker-compose.yml", "DC024", 13, "warning"),
                ("docker-compose.yml", "DC023", 14, "warning"),
            ],
        ),
        ("compose-init-variable-true.yml", [("docker-compose.yml", "DC022", 4, "error")]),
        ("compose-init-string.yml", [("docker-compose.yml", "DC022", 4, "error")]),
        ("compose-entrypoint.yml", [("docker-compose.yml", "DC025", 4, "error")]),
        ("compose-entrypoint-init.yml", []),
        ("compose-duplicate-key.yml", [("docker-compose.yml", "DC020", 5, "error")]),
        ("compose-not-mapping.yml", [("docker-compose.yml", "DC020", 1, "error")]),
    ],
)
def test_compose(tmp_path: Path, compose_fixture: str, expected: list[object]) -> None:
    assert summary(check_devcontainer(layout(tmp_path, None, compose_fixture))) == expected


def test_dev_service_named_by_devcontainer_json(tmp_path: Path) -> None:
    root = layout(tmp_path, "compose-good.json", None)
    (root / ".devcontainer/docker-compose.yml").write_text(
        "services:\n  dev:\n    image: mine\n    init: true\n  db:\n    image: pg\n    init: true\n"
    )
    assert summary(check_devcontainer(root)) == [
        ("docker-compose.yml", "DC022", 4, "error"),
        ("docker-compose.yml", "DC023", 7, "warning"),
    ]


@pytest.mark.parametrize("content", [b"", b"\x00\x01", b"services: [\n", b"a: &x\n  b: *y\n"])
def test_odd_compose_content_never_raises(tmp_path: Path, content: bytes) -> None:
    root = layout(tmp_path, "compose-good.json", None)
    (root / ".devcontainer/docker-compose.yml").write_bytes(content)
    findings = check_devcontainer(root)
    assert all(f.code in ("DC020", "IO006") for f in findings)


def test_unreadable_devcontainer_json_is_one_finding(tmp_path: Path) -> None:
    (tmp_path / ".devcontainer/devcontainer.json").mkdir(parents=True)
    assert [f.code for f in check_devcontainer(tmp_path)] == ["IO004"]


def test_validate_layout_reports_dc_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path)]) == 0
    shutil.copy(FIXTURES / "init-true.json", tmp_path / ".devcontainer/devcontainer.json")
    capsys.readouterr()
    assert main(["validate", "--root", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert re.search(r"^\.devcontainer/devcontainer\.json:6: error: .*\[DC010\]$", out, re.M)


@pytest.mark.parametrize("value", ["true", "-3", "1.5", "null", "{a: b}"])
def test_an_entrypoint_that_is_no_string_or_list_never_raises(tmp_path: Path, value: str) -> None:
    # Found by `make fuzz`: `entrypoint: true` raised TypeError ('bool' object is not iterable).
    root = layout(tmp_path, "compose-good.json", None)
    (root / ".devcontainer/docker-compose.yml").write_text(
        f"services:\n  dev:\n    image: mine\n    entrypoint: {value}\n"
    )
    assert [f.code for f in check_devcontainer(root)] == ["DC025"]


def test_a_build_path_with_a_nul_byte_never_raises(tmp_path: Path) -> None:
    # Found by `make fuzz`: `build: "a\0b"` raised ValueError (embedded null byte).
    root = layout(tmp_path, "compose-good.json", None)
    (root / ".devcontainer/docker-compose.yml").write_text(
        'services:\n  dev:\n    build: "a\\0b"\n  db:\n    build:\n      context: "\\0"\n'
    )
    check_devcontainer(root)  # findings or none, but no exception
