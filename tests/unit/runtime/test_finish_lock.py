"""The lock between a manager's background `finish` and its next `launch` (issue 13)."""

from __future__ import annotations

import fcntl
import io
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from launcher_support import (
    FakeLoader,
    launch_supervisord,
    tmp_env,
    tmp_settings,
    write_project,
    write_seed,
)

from workloadctl.runtime import decision as D
from workloadctl.runtime import finish as F
from workloadctl.runtime import finish_lock as FL
from workloadctl.runtime import quarantine as Q
from workloadctl.runtime import reaper as R
from workloadctl.runtime.decision_record import read_decision
from workloadctl.runtime.reaper import ReapedProcess


@contextmanager
def held(lock: Path) -> Iterator[int]:
    """What the finish script does: `exec 9>>finish.lock; flock 9` (an exclusive lock)."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)


class Sleeps:
    """Stands in for time.sleep: counts the calls, may run something at the first one."""

    def __init__(self, at_first: object = None) -> None:
        self.calls = 0
        self.at_first = at_first

    def __call__(self, seconds: float) -> None:
        self.calls += 1
        if self.calls == 1 and callable(self.at_first):
            self.at_first()


def test_no_lock_file_means_no_finish_ever_ran_and_no_wait(tmp_path: Path) -> None:
    sleeps = Sleeps()
    assert FL.wait_for_finish(tmp_path / "service/supervisord/finish.lock", sleep=sleeps) is None
    assert sleeps.calls == 0


def test_a_free_lock_is_passed_at_once(tmp_path: Path) -> None:
    lock = tmp_path / "finish.lock"
    with held(lock):
        pass
    sleeps = Sleeps()
    assert FL.wait_for_finish(lock, sleep=sleeps) is None
    assert sleeps.calls == 0


def test_a_held_lock_is_waited_for_until_the_finish_ends(tmp_path: Path) -> None:
    lock = tmp_path / "finish.lock"
    with held(lock) as fd:
        sleeps = Sleeps(at_first=lambda: fcntl.flock(fd, fcntl.LOCK_UN))
        assert FL.wait_for_finish(lock, sleep=sleeps) is None
    assert sleeps.calls == 1  # it waited, then went on once the lock was free


def test_a_lock_held_past_the_bound_gives_a_warning_naming_it(tmp_path: Path) -> None:
    lock = tmp_path / "finish.lock"
    now = [0.0]

    def clock() -> float:
        return now[0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with held(lock):
        problem = FL.wait_for_finish(lock, timeout=10.0, sleep=sleep, clock=clock)
    assert problem == (
        f"{lock} is still held after 10 s (the previous finish has not ended): "
        "deciding without waiting for it"
    )
    assert now[0] >= 10.0


def _no_reap(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_reap(
        manager: str, instance: str, *, session: object = None, grace: float
    ) -> list[ReapedProcess]:
        return []

    monkeypatch.setattr(R, "reap", fake_reap)


def _launch(tmp_path: Path) -> tuple[int, str]:
    return launch_supervisord(tmp_path)


def test_launch_decides_only_after_the_background_finish_recorded_the_death(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fifth crash is recorded by a finish still running when launch starts: launch
    must see it and quarantine, not start the project config a sixth time."""
    _no_reap(monkeypatch)
    monkeypatch.chdir(tmp_path)
    settings = tmp_settings(tmp_path)
    write_project(settings)
    write_seed(settings)
    decision = D.decide("supervisord", settings, loader=FakeLoader())
    D.record_decision(settings, decision, pid=1, now=time.time())
    environ = tmp_env(tmp_path)

    def crash() -> None:
        F.finish("supervisord", 1, None, settings=settings, environ=environ, stderr=io.StringIO())

    for _ in range(Q.DEFAULT_DEATHS - 1):
        crash()
    lock = settings.finish_lock("supervisord")
    locked = threading.Event()

    def background_finish() -> None:
        with held(lock):
            locked.set()
            time.sleep(0.2)  # launch is waiting meanwhile (or would have decided already)
            crash()

    finisher = threading.Thread(target=background_finish)
    finisher.start()
    locked.wait()
    code, err = _launch(tmp_path)
    finisher.join()
    assert code == 0
    assert "QUARANTINE" in err.upper(), err
    record = read_decision(settings, "supervisord")
    assert record is not None and record.source == "seed"


def test_launch_goes_on_with_a_warning_when_the_finish_does_not_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_reap(monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(FL, "FINISH_LOCK_WAIT_SECONDS", 0.05)
    settings = tmp_settings(tmp_path)
    write_project(settings)
    lock = settings.finish_lock("supervisord")
    with held(lock):
        code, err = _launch(tmp_path)
    assert code == 0
    assert f"workloadctl: supervisord: WARNING: {lock} is still held after 0.05 s" in err
    assert "starting" in err  # and it went on to start the manager


def test_the_lock_is_the_finish_scripts_file_in_the_service_dir(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    for manager in ("supervisord", "process-compose"):
        assert settings.finish_lock(manager) == settings.service_dir / manager / "finish.lock"


FAKE_WORKLOADCTL = """#!/bin/sh
# Stands in for `workloadctl finish`: says where it runs, then ends when told to.
echo "$* sid=$(cut -d' ' -f6 /proc/$$/stat) pid=$$" > ran
i=0
while [ ! -e go ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i + 1)); done
"""


@pytest.mark.parametrize("manager", ["supervisord", "process-compose"])
def test_the_finish_script_returns_at_once_and_its_finish_holds_the_lock(
    tmp_path: Path, manager: str
) -> None:
    """The template's script under dash: returns while `workloadctl finish` still runs,
    in its own session, holding finish.lock until it ends."""
    missing = [tool for tool in ("dash", "flock", "setsid") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed")
    script = Path(__file__).parents[3] / ".devcontainer/s6-rc.d" / manager / "finish"
    bin_dir, service = tmp_path / "bin", tmp_path / "service" / manager
    for name, text in (
        ("with-contenv", '#!/bin/sh\nexec "$@"\n'),
        ("workloadctl", FAKE_WORKLOADCTL),
    ):
        path = bin_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(0o755)
    service.mkdir(parents=True)
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}"}
    done = subprocess.run(["dash", str(script), "256", "9"], cwd=service, env=env, check=False)
    assert done.returncode == 0
    lock = tmp_settings(tmp_path).finish_lock(manager)
    assert FL.wait_for_finish(lock, timeout=0.0) is not None  # still held by the finish
    ran = ""
    for _ in range(1000):
        if (service / "ran").is_file() and (ran := (service / "ran").read_text()).endswith("\n"):
            break
        time.sleep(0.01)
    words = ran.split()
    assert words[:4] == ["finish", manager, "256", "9"]
    assert words[4] == f"sid={words[5].removeprefix('pid=')}"  # its own session
    (service / "go").touch()
    assert FL.wait_for_finish(lock) is None  # freed when it ended


def _fake_tools(
    tmp_path: Path, manager: str, tools: tuple[str, ...]
) -> tuple[Path, dict[str, str]]:
    """A service dir, and a PATH with the fake with-contenv and workloadctl plus only `tools`
    of the machine's own (the finish script needs sh builtins, `cut` and `sleep` besides)."""
    bin_dir, service = tmp_path / "bin", tmp_path / "service" / manager
    bin_dir.mkdir(parents=True)
    for name, text in (
        ("with-contenv", '#!/bin/sh\nexec "$@"\n'),
        ("workloadctl", FAKE_WORKLOADCTL),
    ):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    for tool in ("sh", "cut", "sleep", *tools):
        found = shutil.which(tool)
        assert found is not None, tool
        (bin_dir / tool).symlink_to(found)
    service.mkdir(parents=True)
    return service, {"PATH": str(bin_dir)}


@pytest.mark.parametrize("missing", ["flock", "setsid"])
def test_without_flock_or_setsid_the_finish_runs_in_the_foreground(
    tmp_path: Path, missing: str
) -> None:
    """An adopter's image without util-linux: the death is still recorded, as before."""
    dash = shutil.which("dash")
    if dash is None:
        pytest.skip("dash not installed")
    present = tuple(tool for tool in ("flock", "setsid") if tool != missing)
    service, env = _fake_tools(tmp_path, "supervisord", present)
    (service / "go").touch()  # the fake finish ends at once
    script = Path(__file__).parents[3] / ".devcontainer/s6-rc.d/supervisord/finish"
    done = subprocess.run([dash, str(script), "256", "9"], cwd=service, env=env, check=False)
    assert done.returncode == 0
    words = (service / "ran").read_text().split()  # written before the script returned
    assert words[:4] == ["finish", "supervisord", "256", "9"]
    assert words[4] != f"sid={words[5].removeprefix('pid=')}"  # not a session of its own


def test_where_the_lock_file_cannot_be_made_the_finish_runs_in_the_foreground(
    tmp_path: Path,
) -> None:
    dash = shutil.which("dash")
    if dash is None or shutil.which("flock") is None or shutil.which("setsid") is None:
        pytest.skip("dash, flock or setsid not installed")
    service, env = _fake_tools(tmp_path, "supervisord", ("flock", "setsid"))
    (service / "go").touch()
    (service / "finish.lock").mkdir()  # cannot be opened for writing, even by root
    script = Path(__file__).parents[3] / ".devcontainer/s6-rc.d/supervisord/finish"
    done = subprocess.run(
        [dash, str(script), "256", "9"], cwd=service, env=env, check=False, capture_output=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    words = (service / "ran").read_text().split()
    assert words[:4] == ["finish", "supervisord", "256", "9"]
    assert words[4] != f"sid={words[5].removeprefix('pid=')}"


def test_a_lock_still_held_by_a_previous_finish_is_waited_for_3_s_at_most(
    tmp_path: Path,
) -> None:
    """Within s6's timeout-finish (5 s): a finish that blocked on the lock would be killed
    by s6 with the death unrecorded."""
    dash = shutil.which("dash")
    if dash is None or shutil.which("flock") is None or shutil.which("setsid") is None:
        pytest.skip("dash, flock or setsid not installed")
    service, env = _fake_tools(tmp_path, "supervisord", ("flock", "setsid"))
    script = Path(__file__).parents[3] / ".devcontainer/s6-rc.d/supervisord/finish"
    with held(service / "finish.lock"):
        done = subprocess.run(
            [dash, str(script), "256", "9"],
            cwd=service,
            env=env,
            check=False,
            capture_output=True,
            timeout=30,
        )
    assert done.returncode == 0
    assert done.stderr == (
        b"workloadctl: supervisord: finish.lock still held after 3 s; finishing without it\n"
    )
    for _ in range(1000):
        if (service / "ran").is_file() and (service / "ran").read_text().endswith("\n"):
            break
        time.sleep(0.01)
    assert (service / "ran").read_text().split()[:4] == ["finish", "supervisord", "256", "9"]
    (service / "go").touch()
