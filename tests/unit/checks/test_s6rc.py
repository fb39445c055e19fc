"""The s6-rc source-tree loader: s6-rc-compile's rules as findings, never a traceback."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from workloadctl.checks.s6rc import (
    EXTERNAL_SERVICES,
    S6RcResult,
    execline_syntax_problem,
    load_s6rc_tree,
)
from workloadctl.findings import Finding, Severity

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "s6rc"
RUN = "#!/bin/sh\nexec sleep 1000\n"


def codes(result: S6RcResult) -> list[str]:
    return sorted(f.code for f in result.findings)


def only(result: S6RcResult, code: str) -> Finding:
    matching = [f for f in result.findings if f.code == code]
    assert len(matching) == 1, result.findings
    return matching[0]


def longrun(tree: Path, name: str, *, deps: tuple[str, ...] = (), run: str = RUN) -> Path:
    service = tree / name
    (service / "dependencies.d").mkdir(parents=True)
    (service / "type").write_text("longrun\n")
    (service / "run").write_text(run)
    (service / "run").chmod(0o755)
    for dep in deps:
        (service / "dependencies.d" / dep).touch()
    return service


def oneshot(tree: Path, name: str, *, up: str = "true\n", deps: tuple[str, ...] = ()) -> Path:
    service = tree / name
    (service / "dependencies.d").mkdir(parents=True)
    (service / "type").write_text("oneshot\n")
    (service / "up").write_text(up)
    for dep in deps:
        (service / "dependencies.d" / dep).touch()
    return service


def bundle(tree: Path, name: str, *members: str) -> Path:
    service = tree / name
    (service / "contents.d").mkdir(parents=True)
    (service / "type").write_text("bundle\n")
    for member in members:
        (service / "contents.d" / member).touch()
    return service


# ------------------------------------------------------------------ fixtures


def test_good_tree_has_no_findings() -> None:
    result = load_s6rc_tree(FIXTURES / "good")
    assert result.findings == []
    assert {n: s.type for n, s in result.services.items()} == {
        "docker-entrypoint": "oneshot",
        "process-compose": "longrun",
        "supervisord": "longrun",
        "user": "bundle",  # no type file: s6-overlay supplies it
    }
    supervisord = result.services["supervisord"]
    assert supervisord.run == FIXTURES / "good" / "supervisord" / "run"
    assert supervisord.finish is None and supervisord.up is None
    assert supervisord.dependencies == ("docker-entrypoint",)
    entry = result.services["docker-entrypoint"]
    assert entry.up == FIXTURES / "good" / "docker-entrypoint" / "up"
    assert entry.run is None and entry.down is None
    assert entry.dependencies == ("base",)


def test_good_tree_closure_is_in_dependency_order() -> None:
    result = load_s6rc_tree(FIXTURES / "good")
    assert result.closure(["user"]) == ["docker-entrypoint", "process-compose", "supervisord"]
    # `base` is s6-overlay's: skipped, not expanded; unknown names are skipped too.
    assert result.closure(["supervisord", "base", "nope"]) == ["docker-entrypoint", "supervisord"]
    assert "base" in EXTERNAL_SERVICES


def test_design_tree_warns_about_the_shebang_in_up() -> None:
    result = load_s6rc_tree(FIXTURES / "design")
    finding = only(result, "S6040")
    assert finding.severity is Severity.WARNING
    assert finding.file.endswith("docker-entrypoint/up") and finding.line == 1
    assert "#!/command/execlineb -P" in finding.message
    assert codes(result) == ["S6040"]


# ------------------------------------------------------------------- the tree


def test_missing_tree(tmp_path: Path) -> None:
    result = load_s6rc_tree(tmp_path / "nope")
    assert codes(result) == ["S6001"] and "does not exist" in result.findings[0].message


def test_tree_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "tree").write_text("x")
    result = load_s6rc_tree(tmp_path / "tree")
    assert codes(result) == ["S6001"] and "not a directory" in result.findings[0].message


def test_tree_is_a_symlink_loop(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    result = load_s6rc_tree(tmp_path / "a")
    assert codes(result) == ["S6001"] and "loop" in result.findings[0].message


def test_empty_tree(tmp_path: Path) -> None:
    (tmp_path / ".empty").touch()  # dot entries are skipped, as s6-rc-compile does
    assert codes(load_s6rc_tree(tmp_path)) == ["S6002"]


def test_plain_file_at_top_is_ignored_with_a_warning(tmp_path: Path) -> None:
    longrun(tmp_path, "web")
    (tmp_path / "README.md").write_text("notes")
    finding = only(load_s6rc_tree(tmp_path), "S6006")
    assert finding.severity is Severity.WARNING and finding.file.endswith("README.md")


def test_dangling_and_looping_service_links(tmp_path: Path) -> None:
    longrun(tmp_path, "web")
    (tmp_path / "gone").symlink_to(tmp_path / "nowhere")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    result = load_s6rc_tree(tmp_path)
    assert codes(result) == ["S6005", "S6005"]
    messages = " ".join(f.message for f in result.findings)
    assert "dangling" in messages and "loop" in messages
    assert set(result.services) == {"web"}


def test_service_dir_symlink_is_followed(tmp_path: Path) -> None:
    real = longrun(tmp_path / "store", "web")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "web").symlink_to(real)
    result = load_s6rc_tree(tree)
    assert result.findings == [] and result.services["web"].type == "longrun"


# ------------------------------------------------------------------- names


@pytest.mark.parametrize("name", ["s6rc-custom", "s6-rc-thing"])
def test_reserved_prefix(tmp_path: Path, name: str) -> None:
    longrun(tmp_path, name)
    result = load_s6rc_tree(tmp_path)
    assert codes(result) == ["S6003"]
    assert name not in result.services


def test_newline_in_name(tmp_path: Path) -> None:
    longrun(tmp_path, "bad\nname")
    assert codes(load_s6rc_tree(tmp_path)) == ["S6003"]


def test_reserved_prefix_in_a_dependency(tmp_path: Path) -> None:
    longrun(tmp_path, "web", deps=("s6rc-oneshot-runner",))
    finding = only(load_s6rc_tree(tmp_path), "S6003")
    assert finding.file.endswith("web/dependencies.d/s6rc-oneshot-runner")


@pytest.mark.parametrize("name", ["my app", "-dash", "caf\u00e9"])
def test_unportable_names_warn(tmp_path: Path, name: str) -> None:
    longrun(tmp_path, name)
    result = load_s6rc_tree(tmp_path)
    assert codes(result) == ["S6004"] and name in result.services


def test_name_that_is_not_utf8_is_printable(tmp_path: Path) -> None:
    os.mkdir(os.fsencode(tmp_path) + b"/caf\xe9")
    result = load_s6rc_tree(tmp_path)
    assert codes(result) == ["S6004", "S6010"]
    for finding in result.findings:
        assert "caf\\xe9" in finding.file
        finding.render().encode("utf-8")  # no surrogates left: this would raise


def test_portable_name_with_dot_is_fine(tmp_path: Path) -> None:
    longrun(tmp_path, "php-fpm8.2")
    assert load_s6rc_tree(tmp_path).findings == []


@pytest.mark.parametrize("name", ["base", "top", "legacy-services", "fix-attrs"])
def test_redefining_s6_overlay_services(tmp_path: Path, name: str) -> None:
    bundle(tmp_path, name, "web")
    longrun(tmp_path, "web")
    assert codes(load_s6rc_tree(tmp_path)) == ["S6007"]


# ------------------------------------------------------------------- type file


def test_missing_type(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "run").write_text(RUN)
    result = load_s6rc_tree(tmp_path)
    finding = only(result, "S6010")
    assert finding.severity is Severity.ERROR and finding.line is None
    assert result.services == {}


@pytest.mark.parametrize("content", ["daemon\n", "", "\n", "Longrun\n", "long run\n"])
def test_invalid_type(tmp_path: Path, content: str) -> None:
    longrun(tmp_path, "web")
    (tmp_path / "web" / "type").write_text(content)
    result = load_s6rc_tree(tmp_path)
    finding = only(result, "S6011")
    assert finding.line == 1 and finding.file.endswith("web/type")
    assert "web" not in result.services


@pytest.mark.parametrize(
    "content", [" longrun\n", "longrun\r\n", "bundle\n\n", "longrun \n", "\nlongrun\n"]
)
def test_type_with_extra_whitespace_is_an_error_but_still_read(
    tmp_path: Path, content: str
) -> None:
    service_type = content.strip()
    if service_type == "bundle":
        bundle(tmp_path, "web", "base")
    else:
        longrun(tmp_path, "web")
    (tmp_path / "web" / "type").write_bytes(content.encode())
    result = load_s6rc_tree(tmp_path)
    assert only(result, "S6012").line == 1
    assert result.services["web"].type == service_type


@pytest.mark.parametrize("content", ["longrun", "longrun\n\n", "longrun\ntrailing junk"])
def test_type_s6rc_accepts(tmp_path: Path, content: str) -> None:
    # s6-rc-compile reads 8 bytes at most: "longrun\n" and then anything is a longrun.
    longrun(tmp_path, "web")
    (tmp_path / "web" / "type").write_text(content)
    assert load_s6rc_tree(tmp_path).findings == []


def test_type_binary_huge_directory_and_loop(tmp_path: Path) -> None:
    for name in ("binary", "huge", "directory", "loop"):
        longrun(tmp_path, name)
        (tmp_path / name / "type").unlink()
    (tmp_path / "binary" / "type").write_bytes(b"\x7fELF\x00\x00")
    with (tmp_path / "huge" / "type").open("wb") as fh:
        fh.truncate(10 * 1024 * 1024)
    (tmp_path / "directory" / "type").mkdir()
    (tmp_path / "loop" / "type").symlink_to(tmp_path / "loop" / "type")
    result = load_s6rc_tree(tmp_path)
    assert codes(result) == ["IO002", "IO004", "IO005", "IO006"]
    assert result.services == {}


def test_user_bundle_needs_no_type_but_must_be_a_bundle(tmp_path: Path) -> None:
    longrun(tmp_path, "web")
    (tmp_path / "user" / "contents.d").mkdir(parents=True)
    (tmp_path / "user" / "contents.d" / "web").touch()
    assert load_s6rc_tree(tmp_path).findings == []
    (tmp_path / "user" / "type").write_text("longrun\n")
    assert "S6013" in codes(load_s6rc_tree(tmp_path))


def test_user_bundle_may_omit_contents(tmp_path: Path) -> None:
    (tmp_path / "user2").mkdir()
    (tmp_path / "user2" / "type").write_text("bundle\n")
    result = load_s6rc_tree(tmp_path)
    assert result.findings == [] and result.services["user2"].contents == ()


# ----------------------------------------------------------- per-type contents


def test_longrun_without_run(tmp_path: Path) -> None:
    longrun(tmp_path, "web")
    (tmp_path / "web" / "run").unlink()
    finding = only(load_s6rc_tree(tmp_path), "S6020")
    assert finding.file.endswith("web") and "no run" in finding.message


def test_run_that_is_a_directory_or_dangling(tmp_path: Path) -> None:
    longrun(tmp_path, "a")
    longrun(tmp_path, "b")
    (tmp_path / "a" / "run").unlink()
    (tmp_path / "a" / "run").mkdir()
    (tmp_path / "b" / "run").unlink()
    (tmp_path / "b" / "run").symlink_to(tmp_path / "nowhere")
    result = load_s6rc_tree(tmp_path)
    assert codes(result) == ["S6020", "S6020"]
    assert result.services["a"].run is None


def test_oneshot_without_up(tmp_path: Path) -> None:
    oneshot(tmp_path, "init")
    (tmp_path / "init" / "up").unlink()
    assert codes(load_s6rc_tree(tmp_path)) == ["S6021"]


def test_bundle_without_contents(tmp_path: Path) -> None:
    (tmp_path / "group").mkdir()
    (tmp_path / "group" / "type").write_text("bundle\n")
    finding = only(load_s6rc_tree(tmp_path), "S6022")
    assert finding.severity is Severity.ERROR


def test_empty_contents_dir_mentions_git(tmp_path: Path) -> None:
    bundle(tmp_path, "group")
    finding = only(load_s6rc_tree(tmp_path), "S6023")
    assert finding.severity is Severity.WARNING and "git" in finding.message


def test_contents_dir_with_only_gitkeep(tmp_path: Path) -> None:
    bundle(tmp_path, "group")
    (tmp_path / "group" / "contents.d" / ".gitkeep").touch()
    finding = only(load_s6rc_tree(tmp_path), "S6023")
    assert "git" not in finding.message


def test_finish_that_is_a_directory(tmp_path: Path) -> None:
    longrun(tmp_path, "web")
    (tmp_path / "web" / "finish").mkdir()
    assert codes(load_s6rc_tree(tmp_path)) == ["S6027"]


# ------------------------------------------------------------------ references


def test_unknown_dependency_names_the_file(tmp_path: Path) -> None:
    longrun(tmp_path, "web", deps=("databse",))
    finding = only(load_s6rc_tree(tmp_path), "S6030")
    assert finding.file == str(tmp_path / "web" / "dependencies.d" / "databse")
    assert finding.severity is Severity.ERROR


def test_unknown_bundle_member(tmp_path: Path) -> None:
    bundle(tmp_path, "user", "ghost")
    finding = only(load_s6rc_tree(tmp_path), "S6030")
    assert finding.file.endswith("user/contents.d/ghost")


def test_external_and_dot_entries_resolve(tmp_path: Path) -> None:
    longrun(tmp_path, "web", deps=("base", ".gitkeep", "legacy-cont-init"))
    result = load_s6rc_tree(tmp_path)
    assert result.findings == []
    assert result.services["web"].dependencies == ("base", "legacy-cont-init")


def test_dependency_on_a_broken_service_is_not_unknown(tmp_path: Path) -> None:
    longrun(tmp_path, "web", deps=("db",))
    (tmp_path / "db").mkdir()  # exists, has no type: S6010, but it is not "unknown"
    assert codes(load_s6rc_tree(tmp_path)) == ["S6010"]


def test_legacy_dependencies_file(tmp_path: Path) -> None:
    longrun(tmp_path, "db")
    service = longrun(tmp_path, "web")
    (service / "dependencies.d").rmdir()
    (service / "dependencies").write_text("# comment\n  db\n\nghost\ndb \n")
    result = load_s6rc_tree(tmp_path)
    assert codes(result) == ["S6030", "S6030", "S6050"]
    unknown = sorted((f.line, f.message) for f in result.findings if f.code == "S6030")
    assert [line for line, _ in unknown] == [4, 5]
    assert "whitespace" in unknown[1][1]
    assert result.services["web"].dependencies == ("db", "ghost", "db ")


def test_legacy_file_next_to_the_directory_is_ignored(tmp_path: Path) -> None:
    longrun(tmp_path, "web")
    (tmp_path / "web" / "dependencies").write_text("ghost\n")
    result = load_s6rc_tree(tmp_path)
    assert codes(result) == ["S6050"] and result.services["web"].dependencies == ()


def test_legacy_contents_file(tmp_path: Path) -> None:
    longrun(tmp_path, "web")
    (tmp_path / "group").mkdir()
    (tmp_path / "group" / "type").write_text("bundle\n")
    (tmp_path / "group" / "contents").write_text("web\n")
    result = load_s6rc_tree(tmp_path)
    assert codes(result) == ["S6050"] and result.closure(["group"]) == ["web"]


def test_dependencies_d_that_is_a_file_or_a_loop(tmp_path: Path) -> None:
    longrun(tmp_path, "a")
    longrun(tmp_path, "b")
    (tmp_path / "a" / "dependencies.d").rmdir()
    (tmp_path / "a" / "dependencies.d").write_text("x")
    (tmp_path / "b" / "dependencies.d").rmdir()
    (tmp_path / "b" / "dependencies.d").symlink_to(tmp_path / "b" / "dependencies.d")
    result = load_s6rc_tree(tmp_path)
    assert codes(result) == ["S6026", "S6026"]
    assert "loop" in " ".join(f.message for f in result.findings)


# ---------------------------------------------------------------------- cycles


def test_dependency_cycle_prints_the_cycle(tmp_path: Path) -> None:
    longrun(tmp_path, "a", deps=("b",))
    longrun(tmp_path, "b", deps=("a",))
    result = load_s6rc_tree(tmp_path)
    finding = only(result, "S6031")
    assert "a -> b -> a" in finding.message and finding.file == str(tmp_path / "a")
    assert sorted(result.closure(["a"])) == ["a", "b"]  # terminates


def test_self_dependency(tmp_path: Path) -> None:
    oneshot(tmp_path, "init", deps=("init",))
    assert "init -> init" in only(load_s6rc_tree(tmp_path), "S6031").message


def test_dependency_on_a_bundle_that_contains_the_service(tmp_path: Path) -> None:
    longrun(tmp_path, "web", deps=("group",))
    bundle(tmp_path, "group", "web")
    assert "group -> web -> group" in only(load_s6rc_tree(tmp_path), "S6031").message


def test_bundle_containing_itself(tmp_path: Path) -> None:
    bundle(tmp_path, "group", "group")
    assert "group -> group" in only(load_s6rc_tree(tmp_path), "S6032").message


def test_bundles_containing_each_other(tmp_path: Path) -> None:
    bundle(tmp_path, "one", "two")
    bundle(tmp_path, "two", "one")
    result = load_s6rc_tree(tmp_path)
    assert codes(result) == ["S6032"]
    assert "one -> two -> one" in result.findings[0].message


def test_cycle_through_s6_overlay_services(tmp_path: Path) -> None:
    # legacy-services depends on user; a user service that depends on it cannot start.
    longrun(tmp_path, "web", deps=("legacy-services",))
    bundle(tmp_path, "user", "web")
    finding = only(load_s6rc_tree(tmp_path), "S6031")
    assert finding.message.endswith("user -> web -> legacy-services -> user")


def test_no_cycle_through_base(tmp_path: Path) -> None:
    longrun(tmp_path, "web", deps=("base",))
    bundle(tmp_path, "user", "web")
    assert load_s6rc_tree(tmp_path).findings == []


def test_long_chain_does_not_recurse(tmp_path: Path) -> None:
    count = 1500
    for index in range(count):
        deps = (f"s{index + 1:05d}",) if index + 1 < count else ()
        oneshot(tmp_path, f"s{index:05d}", deps=deps)
    result = load_s6rc_tree(tmp_path)
    assert result.findings == []
    order = result.closure(["s00000"])
    assert len(order) == count and order[0] == f"s{count - 1:05d}" and order[-1] == "s00000"


def test_closure_expands_nested_bundles_in_order(tmp_path: Path) -> None:
    oneshot(tmp_path, "prepare", deps=("base",))
    longrun(tmp_path, "db", deps=("prepare",))
    longrun(tmp_path, "web", deps=("db",))
    bundle(tmp_path, "apps", "web")
    bundle(tmp_path, "user", "apps", "db")
    result = load_s6rc_tree(tmp_path)
    assert result.findings == []
    assert result.closure(["user"]) == ["prepare", "db", "web"]
    assert result.closure(["db", "web", "db"]) == ["prepare", "db", "web"]


# -------------------------------------------------------------- warnings


def test_shebang_after_blank_lines_and_in_down(tmp_path: Path) -> None:
    service = oneshot(tmp_path, "init", up="\n\n#!/bin/bash\necho hi\n")
    (service / "down").write_text("#!/bin/sh\n")
    result = load_s6rc_tree(tmp_path)
    lines = sorted((Path(f.file).name, f.line) for f in result.findings if f.code == "S6040")
    assert lines == [("down", 1), ("up", 3)]
    assert result.services["init"].down == service / "down"


def test_longrun_with_down_file(tmp_path: Path) -> None:
    longrun(tmp_path, "web")
    (tmp_path / "web" / "down").touch()
    result = load_s6rc_tree(tmp_path)
    finding = only(result, "S6041")
    assert "user bundle" in finding.message and result.services["web"].down is None


def test_oneshot_down_is_legitimate(tmp_path: Path) -> None:
    service = oneshot(tmp_path, "init")
    (service / "down").write_text("rm -f /run/thing\n")
    assert load_s6rc_tree(tmp_path).findings == []


def test_run_and_finish_without_execute_bit(tmp_path: Path) -> None:
    service = longrun(tmp_path, "web")
    (service / "run").chmod(0o644)
    (service / "finish").write_text("#!/bin/sh\nexit 0\n")
    (service / "finish").chmod(0o600)
    result = load_s6rc_tree(tmp_path)
    assert codes(result) == ["S6042", "S6042"]
    assert result.services["web"].finish == service / "finish"


def test_run_without_shebang(tmp_path: Path) -> None:
    longrun(tmp_path, "web", run="exec sleep 1000\n")
    finding = only(load_s6rc_tree(tmp_path), "S6043")
    assert finding.line == 1 and finding.severity is Severity.ERROR


def test_run_with_crlf_shebang(tmp_path: Path) -> None:
    longrun(tmp_path, "web", run="#!/bin/sh\r\nexec sleep 1000\r\n")
    assert "carriage return" in only(load_s6rc_tree(tmp_path), "S6043").message


def test_binary_run_is_fine(tmp_path: Path) -> None:
    service = longrun(tmp_path, "web")
    (service / "run").write_bytes(b"\x7fELF\x02\x01\x01\x00")
    assert load_s6rc_tree(tmp_path).findings == []


def test_junk_and_wrong_type_entries(tmp_path: Path) -> None:
    service = oneshot(tmp_path, "init")
    (service / "run").write_text(RUN)  # a longrun's file in a oneshot
    (service / "up~").write_text("old")
    (service / ".up.swp").write_text("editor")  # dot files: skipped
    web = longrun(tmp_path, "web")
    (web / "log").mkdir()
    group = bundle(tmp_path, "group", "web")
    (group / "dependencies.d").mkdir()
    result = load_s6rc_tree(tmp_path)
    found = sorted(Path(f.file).name for f in result.findings if f.code == "S6044")
    assert found == ["dependencies.d", "run", "up~"]
    assert sorted(codes(result)) == ["S6044"] * 3 + ["S6045"]  # log/: a finding of its own


@pytest.mark.parametrize(
    ("file_name", "content", "ok"),
    [
        ("timeout-up", "5000\n", True),
        ("timeout-up", "5000\n\n", True),
        ("timeout-down", "5s\n", False),
        ("timeout-up", " 5000\n", False),
        ("notification-fd", "3\n", True),
        ("notification-fd", "3\nignored", True),
        ("max-death-tally", "-1\n", False),
        ("timeout-finish", "", False),
    ],
)
def test_integer_value_files(tmp_path: Path, file_name: str, content: str, ok: bool) -> None:
    service = longrun(tmp_path, "web")
    (service / file_name).write_text(content)
    result = load_s6rc_tree(tmp_path)
    assert codes(result) == ([] if ok else ["S6025"])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs mkfifo")
def test_fifo_as_run_is_not_a_regular_file(tmp_path: Path) -> None:
    service = longrun(tmp_path, "web")
    (service / "run").unlink()
    os.mkfifo(service / "run")
    assert codes(load_s6rc_tree(tmp_path)) == ["S6020"]


@pytest.mark.parametrize(
    ("script", "line", "what"),
    [
        ("foreground { echo hi\n", 1, "unmatched '{'"),
        ("echo hi\n}\n", 2, "unmatched '}'"),
        ('echo "hi\n\n', 1, "unterminated"),
        ("if { true }\nforeground {\n  echo hi\n", 2, "unmatched '{'"),
        ("if { true }\n}\n", 2, "unmatched '}'"),
    ],
)
def test_execline_syntax_errors_in_up(tmp_path: Path, script: str, line: int, what: str) -> None:
    oneshot(tmp_path, "init", up=script)
    finding = only(load_s6rc_tree(tmp_path), "S6028")
    assert finding.line == line and what in finding.message


@pytest.mark.parametrize(
    "script",
    [
        "foreground { echo hi } echo done\n",
        'echo "}" x}\n',
        "echo \\{ {x\n",
        "# a comment with { \necho a#{\n",
        '/bin/sh -c "if true; then echo {; fi"\n',
        "echo a\\\n}\n",  # escaped newline: the brace belongs to the word
    ],
)
def test_valid_execline(script: str) -> None:
    assert execline_syntax_problem(script) is None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs mkfifo")
def test_fifo_and_device_are_never_read(tmp_path: Path) -> None:
    # Reading either would block (FIFO) or never end (/dev/zero): a finding instead.
    longrun(tmp_path, "fifo")
    (tmp_path / "fifo" / "type").unlink()
    os.mkfifo(tmp_path / "fifo" / "type")
    service = longrun(tmp_path, "device")
    (service / "timeout-up").symlink_to("/dev/zero")
    result = load_s6rc_tree(tmp_path)
    assert codes(result) == ["IO008", "IO008"]
    assert "fifo" not in result.services and "device" in result.services


# ------------------------------------------------ against the real s6 tools


def _tool(env_var: str, name: str) -> str | None:
    return os.environ.get(env_var) or shutil.which(name)


@pytest.mark.integration
def test_execline_lexer_agrees_with_execlineb() -> None:
    execlineb = _tool("WORKLOADCTL_EXECLINEB", "execlineb")
    if execlineb is None:
        pytest.skip("execlineb is not installed")
    rng = random.Random(20240611)
    alphabet = ["{", "}", '"', "\\", " ", "\n", "a", "#", "\t", "\r"]
    for _ in range(400):
        script = "true " + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        real = subprocess.run(
            [execlineb, "-P", "-c", script], capture_output=True, text=True, check=False
        )
        ours = execline_syntax_problem(script)
        if ours is not None:  # never a false error
            assert "fatal" in real.stderr, (script, ours)


def _tree_builders() -> dict[str, Callable[[Path], object]]:
    def with_type(content: str) -> Callable[[Path], object]:
        return lambda t: (longrun(t, "web"), (t / "web" / "type").write_text(content))

    def legacy_deps(content: str) -> Callable[[Path], object]:
        def build(t: Path) -> None:
            longrun(t, "db")
            longrun(t, "web")
            (t / "web" / "dependencies.d").rmdir()
            (t / "web" / "dependencies").write_text(content)

        return build

    return {
        "good": lambda t: shutil.copytree(FIXTURES / "good", t, dirs_exist_ok=True),
        "design": lambda t: shutil.copytree(FIXTURES / "design", t, dirs_exist_ok=True),
        "bad-type": with_type("daemon\n"),
        "space-type": with_type(" longrun\n"),
        "crlf-type": with_type("longrun\r\n"),
        "junk-after-type": with_type("longrun\nxyz"),
        "no-type": lambda t: ((t / "x").mkdir(), (t / "x" / "run").write_text(RUN)),
        "no-run": lambda t: (longrun(t, "web"), (t / "web" / "run").unlink()),
        "no-up": lambda t: (oneshot(t, "i"), (t / "i" / "up").unlink()),
        "no-contents": lambda t: ((t / "g").mkdir(), (t / "g" / "type").write_text("bundle\n")),
        "empty-bundle": lambda t: bundle(t, "g"),
        "unknown-dep": lambda t: longrun(t, "web", deps=("ghost",)),
        "unknown-member": lambda t: bundle(t, "user", "ghost"),
        "cycle": lambda t: (longrun(t, "a", deps=("b",)), longrun(t, "b", deps=("a",))),
        "bundle-self": lambda t: bundle(t, "g", "g"),
        "dep-on-own-bundle": lambda t: (longrun(t, "web", deps=("g",)), bundle(t, "g", "web")),
        "legacy-services-cycle": lambda t: (
            longrun(t, "web", deps=("legacy-services",)),
            bundle(t, "user", "web"),
        ),
        "top-not-in-user": lambda t: longrun(t, "web", deps=("top",)),
        "reserved": lambda t: longrun(t, "s6rc-x"),
        "redefine-base": lambda t: (bundle(t, "base", "web"), longrun(t, "web")),
        "bad-timeout": lambda t: (
            longrun(t, "web"),
            (t / "web" / "timeout-up").write_text("5s\n"),
        ),
        "deps-is-file": lambda t: (
            longrun(t, "web"),
            (t / "web" / "dependencies.d").rmdir(),
            (t / "web" / "dependencies.d").write_text(""),
        ),
        "legacy-deps": legacy_deps("# c\n  db\n"),
        "legacy-deps-trailing-blank": legacy_deps("db \n"),
        "finish-dir": lambda t: (longrun(t, "web"), (t / "web" / "finish").mkdir()),
        "dangling": lambda t: (longrun(t, "web"), (t / "gone").symlink_to(t / "nowhere")),
        "unbalanced-up": lambda t: oneshot(t, "i", up="foreground { echo hi\n"),
        "user-without-type": lambda t: (
            longrun(t, "web"),
            (t / "user" / "contents.d").mkdir(parents=True),
            (t / "user" / "contents.d" / "web").touch(),
        ),
    }


# Runtime problems that s6-rc-compile does not look at.
NOT_COMPILE_ERRORS = {"S6013", "S6043"}


@pytest.mark.integration
@pytest.mark.parametrize("scenario", sorted(_tree_builders()))
def test_verdict_agrees_with_s6_rc_compile(tmp_path: Path, scenario: str) -> None:
    """Where s6-rc-compile exists (set WORKLOADCTL_S6_RC_COMPILE to a built one; it is not
    packaged in Debian), our compile-time errors must match its exit status, with a
    stand-in for s6-overlay's own services compiled alongside."""
    compiler = _tool("WORKLOADCTL_S6_RC_COMPILE", "s6-rc-compile")
    if compiler is None:
        pytest.skip("s6-rc-compile is not installed")
    tree = tmp_path / "tree"
    tree.mkdir()
    _tree_builders()[scenario](tree)
    result = load_s6rc_tree(tree)
    ours = {f.code for f in result.findings if f.severity is Severity.ERROR}
    merged = tmp_path / "etc-s6-overlay-s6-rc.d"  # what the Dockerfile's COPY produces
    shutil.copytree(FIXTURES / "s6-overlay" / "shipped", merged, symlinks=True)
    shutil.copytree(tree, merged, symlinks=True, dirs_exist_ok=True)
    real = subprocess.run(
        [compiler, str(tmp_path / "compiled"), str(merged), str(FIXTURES / "s6-overlay/sources")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (real.returncode == 0) == (not ours - NOT_COMPILE_ERRORS), (ours, real.stderr)
