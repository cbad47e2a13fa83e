"""`assistant service install | uninstall | status`: a systemd user unit that runs `listen` from login.

Every test runs the real CLI with HOME, XDG_CONFIG_HOME and XDG_RUNTIME_DIR in tmp_path. The runtime folder
is empty, so no user manager is reachable (as in this container, or a shell without a login session): the
tests see the unit file, the login link `systemctl --user enable` makes on disk, and the next step the
output names. Starting the unit needs a live user manager, which a test machine does not have.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNIT = "pause-assistant.service"
BOOTED = Path("/run/systemd/system").is_dir()
"""systemd is the init system here; then the next step is a systemctl command, else the desktop's autostart."""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    run_dir = tmp_path / "run"
    run_dir.mkdir(mode=0o700)
    base = {k: v for k, v in os.environ.items() if k not in {"DBUS_SESSION_BUS_ADDRESS", "ASSISTANT_CONFIG"}}
    return {**base, "HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_RUNTIME_DIR": str(run_dir)}


def unit_file(env: dict[str, str]) -> Path:
    return Path(env["XDG_CONFIG_HOME"]) / "systemd" / "user" / UNIT


def service(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess:
    # cwd is tmp_path, so the repository's ./config.toml is not the one the service pins.
    return subprocess.run([sys.executable, "-m", "assistant", "service", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120, check=False)


def exec_start(unit: Path) -> list[str]:
    """The ExecStart words as systemd reads them: % and $ doubled, double quotes with backslash escapes."""
    line = next(x for x in unit.read_text().splitlines() if x.startswith("ExecStart="))
    return shlex.split(line.removeprefix("ExecStart=").replace("%%", "%").replace("$$", "$"))


def verify(unit: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`systemd-analyze --user verify` loads the unit as the user manager would, without one running: it needs
    only an existing XDG_RUNTIME_DIR (the fixture's empty folder) and an executable ExecStart binary."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is missing: apt install systemd")
    return subprocess.run([analyze, "--user", "verify", str(unit)], capture_output=True, text=True, env=env,
                          timeout=120, check=False)


def test_install_writes_a_unit_systemd_accepts_that_runs_listen_at_login(env, tmp_path: Path) -> None:
    done = service(env, "install", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    unit = unit_file(env)
    assert f"wrote {unit}" in done.stdout
    checked = verify(unit, env)
    assert (checked.returncode, checked.stderr) == (0, "")
    text = unit.read_text()
    assert "\nWantedBy=default.target\n" in text and "\nRestart=on-failure\n" in text
    command = exec_start(unit)
    assert command[-1] == "listen" and os.path.isabs(command[0]) and os.access(command[0], os.X_OK)


def test_installing_twice_leaves_the_file_untouched_and_says_already_installed(env, tmp_path: Path) -> None:
    assert service(env, "install", cwd=tmp_path).returncode == 0
    unit = unit_file(env)
    first = (unit.read_bytes(), unit.stat().st_mtime_ns, unit.stat().st_ino)
    again = service(env, "install", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"already installed: {unit}" in again.stdout
    assert (unit.read_bytes(), unit.stat().st_mtime_ns, unit.stat().st_ino) == first


def test_a_new_config_rewrites_the_unit_with_a_path_systemd_reads_back_exactly(env, tmp_path: Path) -> None:
    assert service(env, "install", cwd=tmp_path).returncode == 0
    odd = tmp_path / 'our "calm" 100%zen $place' / "config.toml"  # space, quotes, % specifier, $ variable
    odd.parent.mkdir()
    odd.write_text("[voice]\nrate_wpm = 140\n")
    done = service(env, "install", "--config", str(odd), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    unit = unit_file(env)
    assert f"wrote {unit}" in done.stdout
    checked = verify(unit, env)
    assert (checked.returncode, checked.stderr) == (0, "")
    assert exec_start(unit)[-3:] == ["listen", "--config", str(odd)]


def test_the_config_listen_would_use_here_is_pinned_because_the_service_starts_in_home(
        env, tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[listener]\npause_words = ["pineapple"]\n')
    assert service(env, "install", cwd=tmp_path).returncode == 0
    assert exec_start(unit_file(env))[-3:] == ["listen", "--config", str(tmp_path / "config.toml")]


def test_a_config_with_a_typo_is_refused_before_any_unit_is_written(env, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[voice]\nrate = 140\n")
    done = service(env, "install", "--config", str(bad), cwd=tmp_path)
    assert done.returncode == 2
    assert "voice.rate" in done.stderr
    assert not unit_file(env).exists()


def test_uninstall_removes_the_unit_and_its_login_link_and_a_second_one_has_nothing_to_do(
        env, tmp_path: Path) -> None:
    assert service(env, "install", cwd=tmp_path).returncode == 0
    unit = unit_file(env)
    link = unit.parent / "default.target.wants" / UNIT
    assert link.is_symlink() and link.resolve() == unit  # enabled on disk, so a later login starts it
    done = service(env, "uninstall", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"removed {unit}" in done.stdout
    assert not unit.exists() and not link.is_symlink()
    again = service(env, "uninstall", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "not installed: nothing to remove" in again.stdout


def test_status_follows_install_and_uninstall(env, tmp_path: Path) -> None:
    unit = unit_file(env)
    before = service(env, "status", cwd=tmp_path)
    assert before.returncode == 0, before.stderr
    assert before.stdout.startswith(f"not installed (the unit would be {unit})")
    service(env, "install", cwd=tmp_path)
    installed = service(env, "status", cwd=tmp_path).stdout.splitlines()
    assert installed[0] == f"installed: {unit}"
    assert installed[1].startswith("runs: ") and installed[1].endswith(" listen")
    assert installed[2] == "enabled: enabled"
    assert installed[3].startswith("active: unknown: ")  # no user manager to ask
    service(env, "uninstall", cwd=tmp_path)
    assert service(env, "status", cwd=tmp_path).stdout.startswith("not installed")


def test_without_a_reachable_user_manager_install_names_the_next_step(env, tmp_path: Path) -> None:
    done = service(env, "install", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    if BOOTED:  # a login session elsewhere can start it
        assert f"systemctl --user daemon-reload && systemctl --user start {UNIT}" in done.stdout
    else:  # no systemd at all: the desktop's autostart runs the very command the unit holds
        assert "autostart" in done.stdout
        assert done.stdout.rstrip().endswith(shlex.join(exec_start(unit_file(env))))


def test_without_systemd_install_and_uninstall_still_do_their_job(env, tmp_path: Path) -> None:
    env = {**env, "PATH": str(tmp_path / "empty")}  # no systemctl on PATH
    done = service(env, "install", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "systemd is not installed here" in done.stdout and "autostart" in done.stdout
    assert unit_file(env).is_file()
    assert "enabled: unknown: systemd is not installed here" in service(env, "status", cwd=tmp_path).stdout
    assert service(env, "uninstall", cwd=tmp_path).returncode == 0
    assert not unit_file(env).exists()


def test_an_unwritable_unit_folder_exits_2_with_one_line_naming_it(env, tmp_path: Path) -> None:
    blocker = tmp_path / "config"
    blocker.write_text("a file where the config folder should be\n")  # unwritable even for root
    done = service(env, "install", cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"cannot write {unit_file(env)}" in lines[0] and "XDG_CONFIG_HOME" in lines[0]
