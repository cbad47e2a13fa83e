"""`assistant service`: a systemd user unit that keeps `assistant listen` running from login.

Why these choices:
- A *user* unit (`$XDG_CONFIG_HOME/systemd/user`): the assistant needs the user's sound server and data
  folder, and installing it needs no root.
- `Restart=on-failure` with `RestartSec=5` rides out a microphone that is not there yet at login; the start
  limit (5 starts in 5 minutes) stops a broken config from restarting forever, and `status` then says "failed".
- No network: the unit orders after nothing but login and asks for no network target.
- Writing the file is the part that must work everywhere. Starting it needs a reachable user manager, which
  containers and shells without a login session lack; then the unit is still written (and enabled on disk,
  which `systemctl` can do without a manager) and the output names the exact next step.
- Failures become `ServiceError`, one line with the fix.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_config_dir

from assistant.config import DEFAULT_CONFIG_NAME, default_config_path

__all__ = [
    "UNIT_NAME",
    "Manager",
    "ServiceError",
    "ServiceStatus",
    "config_to_pin",
    "install",
    "listen_command",
    "probe_manager",
    "render_unit",
    "status",
    "uninstall",
    "unit_path",
]

UNIT_NAME = "pause-assistant.service"
_WANTS_DIR = "default.target.wants"
_SYSTEMCTL_TIMEOUT_SECONDS = 60
_REACHABLE_STATES = {"initializing", "starting", "running", "degraded", "maintenance", "stopping"}
"""What `systemctl --user is-system-running` prints when it reached the manager ("offline" when it did not)."""
_BOOTED_MARKER = Path("/run/systemd/system")
"""Exists when systemd is the init system (sd_booted)."""
_SAFE_ARG = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")


class ServiceError(Exception):
    """Installing or removing the unit failed; one line with the fix."""


@dataclass(frozen=True)
class Manager:
    """Whether a systemd user manager can be asked to start and stop units."""

    reachable: bool
    systemctl: str | None
    """Path of systemctl; None when systemd is not installed."""
    booted: bool
    """systemd is the init system, so a user manager runs for a login session."""

    @property
    def why_not(self) -> str:
        if self.systemctl is None:
            return "systemd is not installed here (no systemctl)"
        if not self.booted:
            return "systemd is not running on this machine, as in a container"
        return "the systemd user manager is not reachable from this shell, which has no login session"


@dataclass(frozen=True)
class ServiceStatus:
    """What `assistant service status` reports."""

    path: Path
    installed: bool
    enabled: str
    """systemctl is-enabled's word (enabled, disabled, ...), or why it is unknown."""
    active: str
    """systemctl is-active's word (active, inactive, failed, activating, ...), or why it is unknown."""
    command: str
    """The ExecStart line of the installed unit ("" when not installed)."""

    def lines(self) -> list[str]:
        if not self.installed:
            return [f"not installed (the unit would be {self.path}); `assistant service install` installs it"]
        return [f"installed: {self.path}", f"runs: {self.command}", f"enabled: {self.enabled}",
                f"active: {self.active}"]


def unit_path() -> Path:
    """`$XDG_CONFIG_HOME/systemd/user/pause-assistant.service`, or under ~/.config (a relative value is ignored,
    as the XDG spec says and systemd does)."""
    base = os.environ.get("XDG_CONFIG_HOME", "")
    config_home = Path(base) if os.path.isabs(base) else Path.home() / ".config"
    return config_home / "systemd" / "user" / UNIT_NAME


def listen_command(config: Path | None = None) -> list[str]:
    """Absolute argv of `assistant listen`: the console script beside this interpreter, else `python -m`."""
    python = os.path.abspath(sys.executable)  # not resolved: a venv's python is a symlink that must stay one
    script = os.path.join(os.path.dirname(python), "assistant")
    argv = [script] if os.access(script, os.X_OK) else [python, "-m", "assistant"]
    argv.append("listen")
    if config is not None:
        argv += ["--config", os.path.abspath(config)]
    return argv


def config_to_pin(explicit: str | None) -> Path | None:
    """The config file `listen` would use here and now, absolute; None for the user config folder's, which
    `listen` finds from anywhere. Pinning matters because the service starts in the home folder, where
    ./config.toml is not the one the user meant."""
    config = Path(explicit) if explicit else default_config_path()
    if config is None:
        return None
    user_default = Path(user_config_dir("pause-assistant")) / DEFAULT_CONFIG_NAME
    if not explicit and config == user_default:
        return None
    return Path(os.path.abspath(config))


def _quote(arg: str) -> str:
    """One ExecStart word: systemd expands % specifiers and $ variables, and splits on spaces."""
    arg = arg.replace("%", "%%").replace("$", "$$")
    if _SAFE_ARG.fullmatch(arg):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_unit(command: list[str]) -> str:
    """The unit file's text for this command line."""
    return f"""\
# Written by `assistant service install`; `assistant service uninstall` removes it.
[Unit]
Description=Pause: listens for the agreed pause word (offline, nothing leaves this machine)
# A broken microphone or config gives up after 5 starts in 5 minutes; `assistant service status` shows it.
StartLimitIntervalSec=300
StartLimitBurst=5

[Service]
Type=simple
ExecStart={" ".join(_quote(a) for a in command)}
Restart=on-failure
RestartSec=5
Environment=PYTHONUNBUFFERED=1

[Install]
WantedBy=default.target
"""


def probe_manager() -> Manager:
    """Ask `systemctl --user is-system-running`; it prints "offline" when there is no manager to talk to."""
    systemctl = shutil.which("systemctl")
    booted = _BOOTED_MARKER.is_dir()
    if systemctl is None:
        return Manager(False, None, booted)
    state = _systemctl(systemctl, "is-system-running").stdout.strip()
    return Manager(state in _REACHABLE_STATES, systemctl, booted)


def _systemctl(systemctl: str, *args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run([systemctl, "--user", *args], capture_output=True, text=True, check=False,
                              timeout=_SYSTEMCTL_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired as e:
        raise ServiceError(f"`systemctl --user {' '.join(args)}` did not answer in "
                           f"{_SYSTEMCTL_TIMEOUT_SECONDS} s; check it with `systemctl --user status`") from e


def _must(systemctl: str, *args: str) -> None:
    done = _systemctl(systemctl, *args)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        raise ServiceError(f"`systemctl --user {' '.join(args)}` failed ({reason}); "
                           f"run it yourself, then `journalctl --user -u {UNIT_NAME}` shows why")


def install(command: list[str]) -> list[str]:
    """Write the unit (only when its text changed), enable it, and start it when a user manager is reachable.

    Returns the lines to print.
    """
    path = unit_path()
    text = render_unit(command)
    try:
        current = path.read_text(encoding="utf-8") if path.is_file() else None
    except OSError as e:
        raise ServiceError(f"cannot read {path} ({e.strerror}); fix its permissions or remove it") from e
    changed = current != text
    if changed:
        _write(path, text)
    lines = [f"{'wrote' if changed else 'already installed:'} {path}"]
    manager = probe_manager()
    if manager.reachable:
        assert manager.systemctl is not None
        if changed:
            _must(manager.systemctl, "daemon-reload")
        _must(manager.systemctl, "enable", UNIT_NAME)
        # A changed unit restarts so the new command line takes effect; an unchanged one just makes sure it runs.
        _must(manager.systemctl, "restart" if changed else "start", UNIT_NAME)
        lines.append(f"enabled and started: it runs from every login; `journalctl --user -u {UNIT_NAME}` "
                     "shows its output")
        return lines
    if manager.systemctl is not None:
        # Enabling is only a symlink on disk, which systemctl makes without a manager.
        _must(manager.systemctl, "enable", UNIT_NAME)
    if manager.booted:
        lines.append(f"enabled for your next login, but {manager.why_not}, so it was not started")
        lines.append(f"next: to start it now, run in your desktop session: systemctl --user daemon-reload && "
                     f"systemctl --user start {UNIT_NAME}")
    else:
        lines.append(f"{manager.why_not}, so nothing will start the unit")
        lines.append("next: add this command to your desktop's autostart (Startup Applications) instead: "
                     + shlex.join(command))
    return lines


def _write(path: Path, text: str) -> None:
    """Atomically: a crash mid-write leaves the old unit or the new one, never half of one."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        tmp.chmod(0o644)
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise ServiceError(f"cannot write {path} ({e.strerror}); make {path.parent} a folder you can write "
                           "or set XDG_CONFIG_HOME to one") from e


def uninstall() -> list[str]:
    """Stop and disable the unit, remove its file and reload; fine to run when nothing is installed."""
    path = unit_path()
    link = path.parent / _WANTS_DIR / UNIT_NAME
    manager = probe_manager()
    if not path.exists() and not link.is_symlink():
        return [f"not installed: nothing to remove ({path})"]
    lines = []
    if manager.reachable and path.exists():
        assert manager.systemctl is not None
        _must(manager.systemctl, "disable", "--now", UNIT_NAME)
        lines.append("stopped and disabled")
    elif manager.systemctl is not None and path.exists():
        _must(manager.systemctl, "disable", UNIT_NAME)
    try:
        link.unlink(missing_ok=True)  # what disable removes; by hand without systemctl or for a stray link
        path.unlink(missing_ok=True)
    except OSError as e:
        raise ServiceError(f"cannot remove {path} ({e.strerror}); remove it by hand") from e
    lines.append(f"removed {path}")
    if manager.reachable:
        assert manager.systemctl is not None
        _must(manager.systemctl, "daemon-reload")
        _systemctl(manager.systemctl, "reset-failed", UNIT_NAME)  # forget a failed state; absent is fine
    elif manager.booted:
        lines.append(f"{manager.why_not}: if it still runs in your desktop session, stop it there with "
                     f"systemctl --user stop {UNIT_NAME}")
    return lines


def status() -> ServiceStatus:
    """Installed or not, enabled, active, and where the unit file is."""
    path = unit_path()
    installed = path.is_file()
    command = ""
    if installed:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as e:
            raise ServiceError(f"cannot read {path} ({e.strerror}); fix its permissions or remove it") from e
        for line in text.splitlines():
            if line.startswith("ExecStart="):
                command = line.removeprefix("ExecStart=").replace("%%", "%").replace("$$", "$")
    manager = probe_manager()
    if manager.systemctl is None:
        return ServiceStatus(path, installed, f"unknown: {manager.why_not}", f"unknown: {manager.why_not}",
                             command)
    # is-enabled reads the files, so it answers without a manager; is-active needs one.
    enabled = _systemctl(manager.systemctl, "is-enabled", UNIT_NAME).stdout.strip() or "no"
    if manager.reachable:
        active = _systemctl(manager.systemctl, "is-active", UNIT_NAME).stdout.strip() or "unknown"
    else:
        active = f"unknown: {manager.why_not}"
    return ServiceStatus(path, installed, enabled, active, command)
