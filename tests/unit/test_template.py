"""The dev-container template: s6-rc tree, devcontainer.json, docker-compose.yml, seeds and
the workloads/ project configs, read from the files themselves."""

from __future__ import annotations

import configparser
import json
import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[2]
DEVCONTAINER = REPO / ".devcontainer"
S6 = DEVCONTAINER / "s6-rc.d"
SEED_CONF = DEVCONTAINER / "supervisord" / "seed.conf"
SEED_YAML = DEVCONTAINER / "process-compose" / "seed.yaml"
PROJECT_CONF = REPO / "workloads" / "supervisord" / "project.conf"
PROJECT_YAML = REPO / "workloads" / "process-compose" / "project.yaml"
SUPERVISORD_CONFIGS = (SEED_CONF, PROJECT_CONF)
PROCESS_COMPOSE_CONFIGS = (SEED_YAML, PROJECT_YAML)


# --- JSONC (devcontainer.json allows comments and trailing commas) --------------------


def strip_jsonc(text: str) -> str:
    """Remove // and /* */ comments outside strings, then trailing commas."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        elif text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i == -1 else i
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end == -1 else end + 2
        else:
            out.append(ch)
            i += 1
    return re.sub(r",(\s*[}\]])", r"\1", "".join(out))


def test_strip_jsonc_keeps_comment_markers_inside_strings() -> None:
    text = '{\n  // c\n  "url": "https://x//y", /* b */ "n": [1, 2,],\n}'
    assert json.loads(strip_jsonc(text)) == {"url": "https://x//y", "n": [1, 2]}


def devcontainer() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        strip_jsonc((DEVCONTAINER / "devcontainer.json").read_text(encoding="utf-8"))
    )
    return data


def compose() -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load(DEVCONTAINER / "docker-compose.yml")
    return data


# --- s6-rc tree ------------------------------------------------------------------------


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_s6_tree_has_exactly_the_contract_services() -> None:
    services = {p.name for p in S6.iterdir() if p.is_dir()}
    assert services == {"workloadctl-boot", "supervisord", "process-compose", "user"}


@pytest.mark.parametrize(
    ("service", "kind"),
    [
        ("workloadctl-boot", "oneshot"),
        ("supervisord", "longrun"),
        ("process-compose", "longrun"),
        ("user", "bundle"),
    ],
)
def test_s6_service_types(service: str, kind: str) -> None:
    assert read(S6 / service / "type").strip() == kind


def test_s6_boot_oneshot_is_one_execline_line_after_base() -> None:
    up = read(S6 / "workloadctl-boot" / "up")
    assert up.strip() == "with-contenv workloadctl boot"
    assert "#!" not in up  # a shebang in `up` is only a comment to s6-rc
    assert sorted(p.name for p in (S6 / "workloadctl-boot" / "dependencies.d").iterdir()) == [
        "base"
    ]


@pytest.mark.parametrize("manager", ["supervisord", "process-compose"])
def test_s6_longrun_run_finish_and_dependency(manager: str) -> None:
    service = S6 / manager
    run_lines = read(service / "run").splitlines()
    finish_lines = read(service / "finish").splitlines()
    assert run_lines[0] == "#!/bin/sh"
    assert f"exec with-contenv workloadctl launch {manager}" in run_lines
    assert finish_lines[0] == "#!/bin/sh"
    # In the background, holding the lock `launch` waits for (Settings.finish_lock).
    assert "  { command exec 9>>finish.lock; } 2>/dev/null; then" in finish_lines
    assert "  flock -w 3 9 ||" in finish_lines
    assert f'  setsid with-contenv workloadctl finish {manager} "$@" </dev/null &' in finish_lines
    # Where the background cannot be set up: in the foreground, as before.
    assert finish_lines[-1] == f'exec with-contenv workloadctl finish {manager} "$@"'
    for script in ("run", "finish"):
        assert (service / script).stat().st_mode & 0o111, f"{manager}/{script} not executable"
    deps = sorted(p.name for p in (service / "dependencies.d").iterdir())
    assert deps == ["workloadctl-boot"]
    assert not (service / "down").exists()  # s6-rc ignores it; optional = out of `user`


def test_s6_user_bundle_holds_both_managers() -> None:
    contents = sorted(p.name for p in (S6 / "user" / "contents.d").iterdir())
    assert contents == ["process-compose", "supervisord"]


def test_s6_tree_passes_our_own_loader() -> None:
    s6rc = pytest.importorskip("workloadctl.checks.s6rc")
    result = s6rc.load_s6rc_tree(S6)
    assert [f.render() for f in result.findings] == []
    order = result.closure(["user"])
    assert order[0] == "workloadctl-boot"
    assert sorted(order[1:]) == ["process-compose", "supervisord"]


# --- devcontainer.json and docker-compose.yml --------------------------------------------


def test_devcontainer_keeps_the_entrypoint_and_never_uses_init() -> None:
    config = devcontainer()
    assert config["overrideCommand"] is False
    assert config.get("init") is not True
    assert config["dockerComposeFile"] in (["docker-compose.yml"], "docker-compose.yml")
    assert config["service"] in compose()["services"]


def test_devcontainer_workspace_and_ports() -> None:
    config = devcontainer()
    assert config["workspaceFolder"].startswith("/home/${localEnv:USER}/")
    assert sorted(config["forwardPorts"]) == [4035, 9001]


def test_compose_never_uses_init_and_binds_ports_to_loopback() -> None:
    services = compose()["services"]
    for name, service in services.items():
        assert service.get("init") is not True, name
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name}: {port} is not loopback-only"


def test_compose_passes_build_args_and_mounts() -> None:
    service = compose()["services"]["dev"]
    assert set(service["build"]["args"]) >= {"UNAME", "UID", "GID", "REPO_NAME"}
    assert service["build"]["dockerfile"] == ".devcontainer/Dockerfile"
    volumes = [str(v) for v in service["volumes"]]
    assert "/var/run/docker.sock:/var/run/docker.sock" in volumes
    assert any(v.startswith("..:/home/${UNAME") for v in volumes)


PIP_BUILD_ARGS = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_TRUSTED_HOST")


@pytest.mark.parametrize("name", PIP_BUILD_ARGS)
def test_compose_passes_pips_mirror_settings_from_the_environment(name: str) -> None:
    args = compose()["services"]["dev"]["build"]["args"]
    assert args[name] == f"${{{name}:-}}"
    dockerfile = read(DEVCONTAINER / "Dockerfile")
    assert re.search(rf"^ARG {name}$", dockerfile, re.MULTILINE), f"no ARG {name} in the Dockerfile"


# --- seeds and project configs ---------------------------------------------------------


def supervisord_sections(path: Path) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=True, inline_comment_prefixes=None)
    parser.read_string(read(path))
    return parser


def pc_processes(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe", pure=True).load(read(path))
    processes: dict[str, Any] = data["processes"]
    return processes


@pytest.mark.parametrize("path", SUPERVISORD_CONFIGS, ids=lambda p: p.name)
def test_supervisord_configs_follow_the_contract(path: Path) -> None:
    conf = supervisord_sections(path)
    unix = conf["unix_http_server"]
    assert unix["file"] == "%(ENV_WORKLOADCTL_RUN_DIR)s/supervisord.sock"
    assert unix["chmod"] == "0770"
    assert unix["username"] == "%(ENV_WORKLOADCTL_SUPERVISOR_USER)s"
    assert unix["password"] == "{SHA}%(ENV_WORKLOADCTL_SUPERVISOR_PASSWORD)s"
    inet = conf["inet_http_server"]
    assert inet["port"] == "127.0.0.1:9001"
    assert inet["username"] == "%(ENV_WORKLOADCTL_SUPERVISOR_USER)s"
    assert inet["password"] == "{SHA}%(ENV_WORKLOADCTL_SUPERVISOR_PASSWORD)s"
    assert "rpcinterface:supervisor" in conf
    assert (
        conf["supervisorctl"]["serverurl"] == "unix://%(ENV_WORKLOADCTL_RUN_DIR)s/supervisord.sock"
    )
    main = conf["supervisord"]
    assert main["nodaemon"] == "true" and main["silent"] == "true"
    assert main["logfile"] == "/dev/stdout" and main["logfile_maxbytes"] == "0"
    for section in conf.sections():
        for key, value in conf[section].items():
            if key in ("stdout_logfile", "stderr_logfile") and value.startswith("/dev/"):
                assert conf[section][f"{key}_maxbytes"] == "0", f"{section}.{key}"


@pytest.mark.parametrize("path", SUPERVISORD_CONFIGS, ids=lambda p: p.name)
def test_code_server_runs_as_the_developer_on_4035(path: Path) -> None:
    program = supervisord_sections(path)["program:code-server"]
    assert program["user"] == "%(ENV_UNAME)s"
    assert "0.0.0.0:4035" in program["command"]
    assert program["directory"] == "%(ENV_WORKLOADCTL_ROOT)s"


# Issue 9, failure 6: an always-on program must outlast an obstacle of a few hours (a port
# someone else holds, a binary installed later) and then come back by itself.
MIN_RETRY_SECONDS = 4 * 3600


def supervisord_retry_seconds(startretries: int) -> int:
    """How long supervisord keeps trying a program that exits before its startsecs: it
    waits N s after the Nth quick exit (supervisor/process.py, BACKOFF) and goes FATAL
    once N exceeds startretries."""
    return startretries * (startretries + 1) // 2


@pytest.mark.parametrize("path", SUPERVISORD_CONFIGS, ids=lambda p: p.name)
def test_always_on_supervisord_programs_keep_retrying_for_hours(path: Path) -> None:
    conf = supervisord_sections(path)
    always_on = [
        section
        for section in conf.sections()
        if section.startswith("program:") and conf[section].get("autorestart") == "true"
    ]
    assert always_on
    for section in always_on:
        retries = int(conf[section].get("startretries", "3"))  # supervisord's default: 3
        assert supervisord_retry_seconds(retries) >= MIN_RETRY_SECONDS, section


@pytest.mark.parametrize("path", PROCESS_COMPOSE_CONFIGS, ids=lambda p: p.name)
def test_always_on_process_compose_processes_never_run_out_of_restarts(path: Path) -> None:
    """process-compose counts restarts over a process's whole life: any limit loses it."""
    for name, process in pc_processes(path).items():
        availability = process.get("availability") or {}
        if availability.get("restart") in ("always", "on_failure"):
            assert int(availability.get("max_restarts", 0)) == 0, name


def test_project_conf_has_difit_on_demand() -> None:
    conf = supervisord_sections(PROJECT_CONF)
    assert conf["program:difit"]["autostart"] == "false"
    assert conf["program:difit"]["user"] == "%(ENV_UNAME)s"


def test_seed_yaml_never_lets_process_compose_exit() -> None:
    processes = pc_processes(SEED_YAML)
    assert processes, "the seed needs a process that stays up"
    for name, process in processes.items():
        assert process["availability"]["restart"] == "always", name
        assert "sleep infinity" in process["command"], name
        assert process.get("description"), name


def test_no_program_in_both_managers() -> None:
    supervised = {
        section.split(":", 1)[1]
        for section in supervisord_sections(PROJECT_CONF).sections()
        if section.startswith("program:")
    }
    assert supervised & set(pc_processes(PROJECT_YAML)) == set()


@pytest.mark.parametrize(
    "path", (*SUPERVISORD_CONFIGS, *PROCESS_COMPOSE_CONFIGS), ids=lambda p: p.name
)
def test_no_literal_placeholders(path: Path) -> None:
    text = read(path)
    assert "<一般ユーザー>" not in text and "MonolithicDevContainer" not in text
    assert not re.search(r"/home/(?!%\(ENV_UNAME\)s|\$\{UNAME\})", text), (
        "user names come from the environment"
    )
    assert "password=admin" not in text and "port=*:" not in text


def test_process_compose_example_does_not_clash_with_supervisord_ports() -> None:
    command = pc_processes(PROJECT_YAML)["static-site"]["command"]
    assert " 8000 " in command and "127.0.0.1" in command
    example = REPO / "workloads" / "process-compose" / "example-site" / "index.html"
    assert example.is_file()


def loader_or_skip(module: str, name: str) -> Any:
    """The loader function once its helper has landed; until then the test is skipped."""
    loaded = pytest.importorskip(module)
    if not hasattr(loaded, name):
        pytest.skip(f"{module}.{name} does not exist yet")
    return getattr(loaded, name)


@pytest.mark.parametrize("path", SUPERVISORD_CONFIGS, ids=lambda p: p.name)
def test_supervisord_configs_load_without_errors(path: Path, tmp_path: Path) -> None:
    load_supervisord = loader_or_skip("workloadctl.checks.supervisord", "load_supervisord")
    from workloadctl.findings import has_errors
    from workloadctl.managers.environment import manager_environment
    from workloadctl.settings import Settings

    # The container's environment, with an account every machine has and a run dir that
    # exists: the check is about the file, not about this host.
    container = {"UNAME": "root", "REPO_NAME": "repo", "WORKLOADCTL_RUN_DIR": str(tmp_path)}
    settings = Settings.from_env(container)
    env = manager_environment(settings, "supervisord", for_validation=True, base=container)
    result = load_supervisord(path, env=env, on_target=False)
    assert not has_errors(result.findings), [f.render() for f in result.findings]


@pytest.mark.parametrize("path", PROCESS_COMPOSE_CONFIGS, ids=lambda p: p.name)
def test_process_compose_configs_load_without_errors(path: Path) -> None:
    load = loader_or_skip("workloadctl.checks.process_compose", "load_process_compose")
    from workloadctl.findings import has_errors

    result = load(path, env={"PATH": "/usr/bin:/bin"})
    assert not has_errors(result.findings), [f.render() for f in result.findings]
