"""What `init` prints about where the written Dockerfile gets workloadctl: always the
package index and its PIP_* build args; for a workloadctl installed from a local wheel or
a source checkout (not on the index yet), how to serve that wheel to the build."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from workloadctl import __version__
from workloadctl.cli import main
from workloadctl.doctor.port_preflight import wanted_by_up
from workloadctl.template import package_notes
from workloadctl.template.package_notes import LocalInstall, local_install, notes

WHEEL = f"workloadctl-{__version__}-py3-none-any.whl"


def fake_distribution(site: Path, name: str, direct_url: dict[str, object] | None) -> None:
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url))


def test_a_wheel_install_is_read_from_direct_url_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheel = tmp_path / "my dist" / WHEEL
    fake_distribution(tmp_path / "site", "fakewheel", {"url": wheel.as_uri(), "archive_info": {}})
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    assert local_install("fakewheel") == LocalInstall(wheel, is_wheel=True)


def test_an_index_install_has_no_local_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_distribution(tmp_path / "site", "fromindex", None)
    fake_distribution(
        tmp_path / "site", "fromurl", {"url": "https://example.invalid/x.whl", "archive_info": {}}
    )
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    assert local_install("fromindex") is None
    assert local_install("fromurl") is None
    assert local_install("not-installed-anywhere") is None


def test_the_notes_for_a_local_wheel_serve_its_directory() -> None:
    lines = notes(
        "1.2.3", LocalInstall(Path("/w/dist") / "workloadctl-1.2.3-py3-none-any.whl", True)
    )
    assert "workloadctl==1.2.3 from the package index" in lines[0]
    assert "PIP_FIND_LINKS" in lines[0]
    assert "python3 -m http.server 8765 --bind 127.0.0.1 --directory /w/dist &" in lines[-1]
    assert "--network host --build-arg PIP_FIND_LINKS=http://127.0.0.1:8765/" in lines[-1]


def test_the_notes_for_a_source_checkout_build_its_wheel_first() -> None:
    lines = notes("1.2.3", LocalInstall(Path("/src/wctl"), False))
    assert "make -C /src/wctl dist" in lines[1]
    assert "--directory /src/wctl/dist &" in lines[-1]
    assert notes("1.2.3", None) == lines[:1]


@pytest.fixture
def empty_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "my-project"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo


def test_init_prints_where_the_image_gets_workloadctl(
    empty_repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    wheel = Path("/tmp/dist") / WHEEL
    monkeypatch.setattr(package_notes, "local_install", lambda: LocalInstall(wheel, True))
    assert main(["init", str(empty_repo)]) == 0
    out = capsys.readouterr().out
    assert f"Dockerfile installs workloadctl=={__version__} from the package index" in out
    assert f"installed from {wheel}" in out
    assert "--directory /tmp/dist &" in out
    assert main(["init", str(empty_repo), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert any("PIP_FIND_LINKS=http://127.0.0.1:8765/" in line for line in data["notes"])


def test_the_wheel_server_the_notes_print_is_on_a_port_the_template_leaves_free(
    empty_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The developer runs it beside their stack: on a port the stack wants (static-site's
    # 8000) it failed with "Address already in use" while the stack ran.
    assert main(["init", str(empty_repo)]) == 0
    capsys.readouterr()
    wanted = {w.port for w in wanted_by_up(empty_repo, empty_repo / ".state", {})}
    assert wanted, "the template's configs want no port: the check would prove nothing"
    assert package_notes.PORT not in wanted
    served = notes("1.2.3", LocalInstall(Path("/w/dist"), False))[-1]
    assert f"http.server {package_notes.PORT} " in served
    guide = (empty_repo / ".devcontainer/README.md").read_text()
    assert f"python3 -m http.server {package_notes.PORT} --bind 127.0.0.1" in guide
    assert f"PIP_FIND_LINKS=http://127.0.0.1:{package_notes.PORT}/" in guide
    assert "PIP_FIND_LINKS=http://127.0.0.1:8000/" not in guide


def test_init_into_workloadctls_own_source_prints_no_package_notes(
    empty_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (empty_repo / "src/workloadctl").mkdir(parents=True)
    (empty_repo / "src/workloadctl/__init__.py").write_text("")
    assert main(["init", str(empty_repo)]) == 0
    assert "package index" not in capsys.readouterr().out
