"""`workloadctl boot`: every phase against real files in tmp_path and a fake user database.

The tests run as root (chown in tmp_path works) and never touch the machine's users or
groups: `FakeSystem` stands in for pwd/grp/groupadd/usermod.
"""

from __future__ import annotations

import argparse
import os
import socket
import stat
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from workloadctl.commands import boot as boot_command
from workloadctl.runtime import boot
from workloadctl.runtime.boot_atuin import atuin_config_text, atuin_timezone
from workloadctl.runtime.boot_system import Account, AccountCommandError, Group
from workloadctl.settings import ENABLE_SWITCHES, Settings

DEV_UID = 23456
DEV_GID = 23457
STRANGER_UID = 34567  # the owner a volume or a host tool left behind

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="changing owners needs root")


@dataclass
class FakeSystem:
    env: Mapping[str, str] = field(default_factory=dict)
    users: dict[str, Account] = field(default_factory=dict)
    groups: list[Group] = field(default_factory=list)
    created: list[tuple[str, int]] = field(default_factory=list)
    added: list[tuple[str, str]] = field(default_factory=list)
    fail_create: bool = False
    fail_add: bool = False

    def effective_ids(self) -> tuple[int, int]:
        return os.geteuid(), os.getegid()

    def find_user(self, name: str) -> Account | None:
        return self.users.get(name)

    def find_group_by_gid(self, gid: int) -> Group | None:
        return next((g for g in self.groups if g.gid == gid), None)

    def find_group_by_name(self, name: str) -> Group | None:
        return next((g for g in self.groups if g.name == name), None)

    def create_group(self, name: str, gid: int) -> None:
        if self.fail_create:
            raise AccountCommandError(f"`groupadd --gid {gid} {name}` failed: GID in use")
        self.created.append((name, gid))
        self.groups.append(Group(name, gid, ()))

    def add_user_to_group(self, user: str, group: str) -> None:
        if self.fail_add:
            raise AccountCommandError(f"`usermod --append --groups {group} {user}` failed")
        self.added.append((user, group))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home" / "dev"
    path.mkdir(parents=True)
    return path


@pytest.fixture
def settings(tmp_path: Path, home: Path) -> Settings:
    return Settings.from_env(
        {
            "UNAME": "dev",
            "REPO_NAME": "repo",
            "WORKLOADCTL_USER_HOME": str(home),
            "WORKLOADCTL_STATE_DIR": str(tmp_path / "var/lib/workloadctl"),
            "WORKLOADCTL_RUN_DIR": str(tmp_path / "run/workloadctl"),
            "WORKLOADCTL_DOCKER_SOCKET": str(tmp_path / "docker.sock"),
        }
    )


def make_system(home: Path, env: Mapping[str, str] | None = None) -> FakeSystem:
    return FakeSystem(
        env=dict(env or {}),
        users={"dev": Account("dev", DEV_UID, DEV_GID, home)},
        groups=[Group("dev", DEV_GID, ())],
    )


def owner(path: Path) -> tuple[int, int]:
    st = os.lstat(path)
    return st.st_uid, st.st_gid


def codes(report: boot.PhaseReport) -> list[str]:
    return [finding.code for finding in report.findings]


# --- 1. ownership -------------------------------------------------------------------


@needs_root
def test_ownership_gives_config_trees_back_to_the_developer(settings: Settings, home: Path) -> None:
    tree = home / ".config" / "gh"
    tree.mkdir(parents=True)
    (tree / "hosts.yml").write_text("x")
    (home / ".gitconfig").write_text("[user]\n")
    for path in (home / ".config", tree, tree / "hosts.yml", home / ".gitconfig"):
        os.lchown(path, STRANGER_UID, STRANGER_UID)

    report = boot.fix_ownership(settings, make_system(home))

    for path in (home / ".config", tree, tree / "hosts.yml", home / ".gitconfig"):
        assert owner(path) == (DEV_UID, DEV_GID), path
    assert not report.findings
    assert any("4 changed owner" in line for line in report.lines), report.lines


@needs_root
def test_ownership_changes_only_entries_that_differ(settings: Settings, home: Path) -> None:
    (home / ".ssh").mkdir()
    (home / ".ssh" / "config").write_text("Host *\n")
    os.lchown(home / ".ssh", DEV_UID, DEV_GID)
    os.lchown(home / ".ssh" / "config", STRANGER_UID, DEV_GID)
    before = os.lstat(home / ".ssh").st_ctime_ns

    report = boot.fix_ownership(settings, make_system(home))

    assert owner(home / ".ssh" / "config") == (DEV_UID, DEV_GID)
    # An untouched entry keeps its ctime: a chown would have updated it.
    assert os.lstat(home / ".ssh").st_ctime_ns == before
    assert any("1 changed owner" in line for line in report.lines), report.lines


@needs_root
def test_ownership_never_follows_a_symlink_into_its_target(
    settings: Settings, home: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    (outside / "inner").mkdir(parents=True)
    (outside / "secret").write_text("root's")
    for path in (outside, outside / "inner", outside / "secret"):
        os.lchown(path, STRANGER_UID, STRANGER_UID)
    (home / ".local").mkdir()
    (home / ".local" / "file-link").symlink_to(outside / "secret")
    (home / ".local" / "dir-link").symlink_to(outside)
    (home / ".aws").symlink_to(outside)  # a top-level entry that is itself a link
    for link in (home / ".local" / "file-link", home / ".local" / "dir-link", home / ".aws"):
        os.lchown(link, STRANGER_UID, STRANGER_UID)

    boot.fix_ownership(settings, make_system(home))

    for path in (outside, outside / "inner", outside / "secret"):
        assert owner(path) == (STRANGER_UID, STRANGER_UID), path
    # The links themselves belong to the developer now.
    for link in (home / ".local" / "file-link", home / ".local" / "dir-link", home / ".aws"):
        assert owner(link) == (DEV_UID, DEV_GID), link


@needs_root
def test_ownership_leaves_paths_outside_the_list_alone(settings: Settings, home: Path) -> None:
    (home / "projects").mkdir()
    os.lchown(home / "projects", STRANGER_UID, STRANGER_UID)

    report = boot.fix_ownership(settings, make_system(home))

    assert owner(home / "projects") == (STRANGER_UID, STRANGER_UID)
    assert any("checked 0 of 10" in line for line in report.lines), report.lines


def test_ownership_without_uname_is_skipped_with_a_warning(tmp_path: Path) -> None:
    settings = Settings.from_env({"WORKLOADCTL_STATE_DIR": str(tmp_path / "s")})
    report = boot.fix_ownership(settings, FakeSystem())
    assert codes(report) == ["BOOT001"]
    assert not report.failed


def test_ownership_with_an_unknown_account_fails(settings: Settings, home: Path) -> None:
    report = boot.fix_ownership(settings, FakeSystem(env={}))
    assert codes(report) == ["BOOT002"]
    assert report.failed


def test_ownership_failures_become_findings_not_exceptions(
    settings: Settings, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (home / ".config").mkdir()
    (home / ".config" / "a").write_text("a")
    (home / ".claude.json").write_text("{}")

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    def read_only(*args: object, **kwargs: object) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(os, "fchown", refuse)
    monkeypatch.setattr(os, "chown", read_only)
    account = Account("dev", STRANGER_UID + 1, STRANGER_UID + 1, home)
    system = make_system(home)
    system.users["dev"] = account

    report = boot.fix_ownership(settings, system)

    assert "BOOT003" in codes(report)  # the directories (fchown refused)
    assert "BOOT004" in codes(report)  # the files (read-only mount): a warning
    assert report.failed
    boot3 = [f for f in report.findings if f.code == "BOOT003"]
    assert all(f.severity == "error" for f in boot3)


# --- 2. docker socket ---------------------------------------------------------------


@pytest.fixture
def docker_socket(settings: Settings) -> Iterator[Path]:
    path = settings.docker_socket
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    try:
        yield path
    finally:
        server.close()


def test_docker_socket_absent_is_nothing_to_do(settings: Settings, home: Path) -> None:
    report = boot.grant_docker_socket(settings, make_system(home))
    assert not report.findings
    assert report.lines == [f"no docker socket at {settings.docker_socket}: nothing to do"]


def test_docker_socket_that_is_a_regular_file_is_left_alone(settings: Settings, home: Path) -> None:
    settings.docker_socket.write_text("not a socket")
    report = boot.grant_docker_socket(settings, make_system(home))
    assert codes(report) == ["BOOT013"]
    assert not report.failed


@needs_root
def test_docker_socket_group_is_created_and_the_developer_added(
    settings: Settings, home: Path, docker_socket: Path
) -> None:
    os.chown(docker_socket, 0, 4321)
    mode_before = stat.S_IMODE(os.stat(docker_socket).st_mode)
    system = make_system(home)

    report = boot.grant_docker_socket(settings, system)

    assert system.created == [("docker-host", 4321)]
    assert system.added == [("dev", "docker-host")]
    assert stat.S_IMODE(os.stat(docker_socket).st_mode) == mode_before  # never chmod
    assert not report.findings


@needs_root
def test_docker_socket_existing_group_is_reused(
    settings: Settings, home: Path, docker_socket: Path
) -> None:
    os.chown(docker_socket, 0, 998)
    system = make_system(home)
    system.groups.append(Group("docker", 998, ("someone",)))

    boot.grant_docker_socket(settings, system)

    assert system.created == []
    assert system.added == [("dev", "docker")]


@needs_root
def test_docker_socket_membership_already_there_changes_nothing(
    settings: Settings, home: Path, docker_socket: Path
) -> None:
    os.chown(docker_socket, 0, 998)
    system = make_system(home)
    system.groups.append(Group("docker", 998, ("dev",)))

    report = boot.grant_docker_socket(settings, system)

    assert system.added == []
    assert "already in group docker" in report.lines[0]


@needs_root
def test_docker_socket_group_name_clash_gets_a_gid_suffix(
    settings: Settings, home: Path, docker_socket: Path
) -> None:
    os.chown(docker_socket, 0, 4321)
    system = make_system(home)
    system.groups.append(Group("docker-host", 999, ()))

    boot.grant_docker_socket(settings, system)

    assert system.created == [("docker-host-4321", 4321)]
    assert system.added == [("dev", "docker-host-4321")]


@needs_root
def test_docker_socket_owned_by_root_group_is_not_joined(
    settings: Settings, home: Path, docker_socket: Path
) -> None:
    os.chown(docker_socket, 0, 0)
    system = make_system(home)

    report = boot.grant_docker_socket(settings, system)

    assert codes(report) == ["BOOT010"]
    assert system.added == [] and system.created == []


@needs_root
@pytest.mark.parametrize(
    ("fail_create", "fail_add", "code"), [(True, False, "BOOT011"), (False, True, "BOOT012")]
)
def test_docker_socket_account_command_failures_are_errors(
    settings: Settings,
    home: Path,
    docker_socket: Path,
    fail_create: bool,
    fail_add: bool,
    code: str,
) -> None:
    os.chown(docker_socket, 0, 4321)
    system = make_system(home)
    system.fail_create, system.fail_add = fail_create, fail_add

    report = boot.grant_docker_socket(settings, system)

    assert codes(report) == [code]
    assert report.failed


# --- 3. atuin -----------------------------------------------------------------------


@needs_root
def test_atuin_config_is_written_for_the_developer(settings: Settings, home: Path) -> None:
    report = boot.write_atuin_config(settings, make_system(home, {"TZ": "+09:00"}))

    config = home / ".config" / "atuin" / "config.toml"
    parsed = tomllib.loads(config.read_text())
    assert parsed["timezone"] == "+09:00"
    assert parsed["auto_sync"] is False
    assert "sync_address" not in parsed  # "" would make Atuin reject the file
    for path in (home / ".config", home / ".config" / "atuin", config):
        assert owner(path) == (DEV_UID, DEV_GID), path
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o600
    assert not report.findings


def test_atuin_config_that_exists_is_left_unchanged(settings: Settings, home: Path) -> None:
    config = home / ".config" / "atuin" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('style = "full"\n')

    report = boot.write_atuin_config(settings, make_system(home))

    assert config.read_text() == 'style = "full"\n'
    assert report.lines == [f"{config} exists: left unchanged"]


def test_atuin_dangling_link_counts_as_an_existing_config(
    settings: Settings, home: Path, tmp_path: Path
) -> None:
    config = home / ".config" / "atuin" / "config.toml"
    config.parent.mkdir(parents=True)
    config.symlink_to(tmp_path / "dotfiles" / "atuin.toml")

    boot.write_atuin_config(settings, make_system(home))

    assert not (tmp_path / "dotfiles").exists()
    assert config.is_symlink()


def test_atuin_never_writes_through_a_linked_config_dir(
    settings: Settings, home: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "etc-like"
    elsewhere.mkdir()
    (home / ".config").symlink_to(elsewhere)

    report = boot.write_atuin_config(settings, make_system(home))

    assert codes(report) == ["BOOT020"]
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize(
    ("tz", "expected"),
    [
        (None, "local"),
        ("", "local"),
        ("Asia/Tokyo", "local"),  # Atuin rejects zone names
        (":Asia/Tokyo", "local"),
        ("JST-9", "local"),  # POSIX form: sign inverted, never copy it
        ("UTC", "utc"),
        ("Etc/UTC", "utc"),
        (":UTC", "utc"),
        ("+09:00", "+09:00"),
        ("-5", "-5"),
        ("+05:30:00", "+05:30:00"),
        ("09:00", "local"),  # Atuin requires the sign
    ],
)
def test_atuin_timezone_takes_only_values_atuin_accepts(tz: str | None, expected: str) -> None:
    env = {} if tz is None else {"TZ": tz}
    assert atuin_timezone(env)[0] == expected


def test_atuin_config_text_is_valid_toml() -> None:
    parsed = tomllib.loads(atuin_config_text("local"))
    assert parsed["search_mode"] == "fuzzy"
    assert parsed["filter_mode"] == "host"
    assert parsed["history_filter"] == []
    assert "show_stats" not in parsed


# --- 4. state dirs and secrets ------------------------------------------------------


def test_state_creates_private_dirs_and_secrets(settings: Settings, home: Path) -> None:
    report = boot.prepare_state(settings, make_system(home))

    for directory in (settings.state_dir, settings.secrets_dir, settings.run_dir):
        assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700, directory
    password = settings.secrets_dir / "supervisord-password"
    token = settings.secrets_dir / "process-compose-token"
    for path in (password, token):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert len(path.read_text().strip()) >= 32
    assert not report.findings
    # Never print a secret.
    text = "\n".join(report.lines)
    assert password.read_text() not in text and token.read_text() not in text


def test_state_with_the_control_group_lets_it_lift_a_quarantine(
    settings: Settings, home: Path
) -> None:
    # The group reads the state; it may also remove the crash-loop records, or the fix
    # the banner prints (`workloadctl restart MANAGER --clear-quarantine`) fails for the
    # developer (found in the container: "no quarantine was in force", still on the seed).
    system = make_system(home)
    system.groups.append(Group(settings.control_group, os.getegid(), ()))
    report = boot.prepare_state(settings, system)
    assert not report.findings
    modes = {
        directory: stat.S_IMODE(os.stat(directory).st_mode)
        for directory in (*settings.shared_state_dirs, settings.run_dir)
    }
    assert modes == {
        directory: 0o2770 if directory in (settings.deaths_dir, settings.quarantine_dir) else 0o2750
        for directory in modes
    }


def test_state_is_idempotent_and_keeps_existing_secrets(settings: Settings, home: Path) -> None:
    boot.prepare_state(settings, make_system(home))
    token = settings.secrets_dir / "process-compose-token"
    first = token.read_text()

    report = boot.prepare_state(settings, make_system(home))

    assert token.read_text() == first
    assert "process-compose-token: present, kept" in report.lines
    assert not report.findings


def test_state_fixes_loose_modes(settings: Settings, home: Path) -> None:
    boot.prepare_state(settings, make_system(home))
    os.chmod(settings.secrets_dir, 0o755)
    token = settings.secrets_dir / "process-compose-token"
    os.chmod(token, 0o644)

    boot.prepare_state(settings, make_system(home))

    assert stat.S_IMODE(os.stat(settings.secrets_dir).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(token).st_mode) == 0o600


def test_state_replaces_a_short_secret_with_a_warning(settings: Settings, home: Path) -> None:
    settings.secrets_dir.mkdir(parents=True)
    short = settings.secrets_dir / "process-compose-token"
    short.write_text("abc")

    report = boot.prepare_state(settings, make_system(home))

    assert codes(report) == ["BOOT032"]
    assert len(short.read_text()) >= 32
    assert not report.failed


def test_state_replaces_a_linked_secret_without_writing_through_it(
    settings: Settings, home: Path, tmp_path: Path
) -> None:
    settings.secrets_dir.mkdir(parents=True)
    victim = tmp_path / "victim"
    victim.write_text("do not touch")
    link = settings.secrets_dir / "supervisord-password"
    link.symlink_to(victim)

    report = boot.prepare_state(settings, make_system(home))

    assert victim.read_text() == "do not touch"
    assert not link.is_symlink() and len(link.read_text()) >= 32
    assert codes(report) == ["BOOT032"]


def test_state_refuses_a_linked_state_dir(settings: Settings, home: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    settings.state_dir.parent.mkdir(parents=True)
    settings.state_dir.symlink_to(target)

    report = boot.prepare_state(settings, make_system(home))

    assert codes(report) == ["BOOT030"]
    assert report.failed
    assert list(target.iterdir()) == []


# --- 5. the manager switches -------------------------------------------------------


@pytest.mark.parametrize("manager", ["supervisord", "process-compose"])
@pytest.mark.parametrize("value", ["0", "false", "OFF", " off ", "no"])
def test_switch_off_writes_the_marker(
    settings: Settings, home: Path, value: str, manager: str
) -> None:
    variable = ENABLE_SWITCHES[manager]
    system = make_system(home, {variable: value})

    report = boot.apply_manager_switches(settings, system)

    marker = settings.disabled_marker(manager)
    assert marker == settings.run_dir / f"{manager}.disabled"
    assert variable in marker.read_text()
    assert not report.findings
    others = [m for m in ENABLE_SWITCHES if m != manager]
    assert not any(settings.disabled_marker(m).exists() for m in others)


@pytest.mark.parametrize("env", [{}, {"WORKLOADCTL_ENABLE_PROCESS_COMPOSE": "1"}])
def test_switch_on_removes_an_old_marker(
    settings: Settings, home: Path, env: dict[str, str]
) -> None:
    marker = settings.disabled_marker("process-compose")
    marker.parent.mkdir(parents=True)
    marker.write_text("old")

    report = boot.apply_manager_switches(settings, make_system(home, env))

    assert not marker.exists()
    assert "process-compose: enabled: removed the old marker" in " ".join(report.lines)


def test_switch_unknown_value_warns_and_stays_enabled(settings: Settings, home: Path) -> None:
    system = make_system(home, {"WORKLOADCTL_ENABLE_PROCESS_COMPOSE": "maybe"})

    report = boot.apply_manager_switches(settings, system)

    assert codes(report) == ["BOOT040"]
    assert not settings.disabled_marker("process-compose").exists()


def test_switch_off_predicate_matches_the_contract() -> None:
    assert all(boot.switch_is_off(v) for v in ("0", "false", "off", "False"))
    assert not any(boot.switch_is_off(v) for v in (None, "", "1", "true"))


# --- running everything -------------------------------------------------------------


def test_run_boot_prints_each_phase_and_a_summary(settings: Settings, home: Path) -> None:
    lines: list[str] = []
    result = boot.run_boot(settings, make_system(home), say=lines.append)

    assert [r.name for r in result.reports] == list(boot.PHASE_NAMES)
    for name in boot.PHASE_NAMES:
        assert any(line.startswith(f"boot: {name}: ") for line in lines), name
    assert lines[-1].startswith("boot: done, all phases ok")


def test_run_boot_reports_failed_phases_and_keeps_going(
    settings: Settings, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(settings: Settings, system: object) -> boot.PhaseReport:
        raise RuntimeError("boom")

    phases = tuple(
        boot.Phase(p.name, p.summary, explode) if p.name == "atuin" else p for p in boot.PHASES
    )
    monkeypatch.setattr(boot, "PHASES", phases)
    lines: list[str] = []

    result = boot.run_boot(settings, make_system(home), say=lines.append)

    assert result.failed_phases == ["atuin"]
    atuin = next(r for r in result.reports if r.name == "atuin")
    assert codes(atuin) == ["BOOT090"]
    assert settings.disabled_marker("process-compose").parent.is_dir()  # later phases ran
    assert "FAILED phases: atuin" in lines[-1]


def test_run_boot_only_runs_the_phases_asked_for(settings: Settings, home: Path) -> None:
    result = boot.run_boot(settings, make_system(home), only=["state"], say=lambda _: None)
    assert [r.name for r in result.reports] == ["state"]
    assert not (home / ".config").exists()


# --- the command --------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workloadctl")
    boot_command.register(parser.add_subparsers(dest="command"))
    return parser


def test_command_help_names_every_phase(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["boot", "--help"])
    out = capsys.readouterr().out
    for name in boot.PHASE_NAMES:
        assert name in out
    assert "exit status stays 0" in out


def test_command_exit_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WORKLOADCTL_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("WORKLOADCTL_RUN_DIR", str(tmp_path / "run"))
    monkeypatch.setenv("UNAME", "no-such-user-workloadctl-test")
    monkeypatch.setenv("WORKLOADCTL_USER_HOME", str(tmp_path / "home"))
    parser = build_parser()

    args = parser.parse_args(["boot", "--phase", "state", "--phase", "ownership"])
    assert args.handler(args) == 0  # ownership fails (no such account) but boot exits 0
    assert "FAILED phases: ownership" in capsys.readouterr().out

    strict = parser.parse_args(["boot", "--phase", "ownership", "--strict"])
    assert strict.handler(strict) == 1
