"""A pause without words from anywhere: `assistant pause` starts the ritual in the running listener through
its owner-only Unix socket; nobody else gets in; with no listener it says so; space in the terminal does
the same."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import Future
from pathlib import Path

import pytest
from app_process import AppProcess

from assistant.keypress import KeyWatch
from assistant.pause_socket import (
    PauseServer,
    PauseSocketError,
    peer_allowed,
    peer_uid,
    send_pause,
    socket_path,
)

SHORT_SESSION = '[session]\ncycles = 1\nspoken_cycles = 0\ngrounding = ""\n'


@pytest.fixture
def data() -> Path:
    """A short data folder: a Unix socket's path must stay under 108 bytes."""
    folder = Path(tempfile.mkdtemp(prefix="pause-"))
    yield folder
    subprocess.run(["rm", "-rf", str(folder)], check=False)


def pause(data: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", "pause"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "ASSISTANT_DATA_DIR": str(data)}, check=False)


def one_line(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line of reason, got: {result.stderr!r}"
    return lines[0]


def test_assistant_pause_starts_the_ritual_in_a_running_listener(data: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(SHORT_SESSION)
    app = AppProcess("listen", "--text", "--config", str(config), env={"ASSISTANT_DATA_DIR": str(data)},
                     stdin=subprocess.PIPE)
    try:
        app.wait_for("listening (typed)", timeout=60)
        folder = socket_path(data).parent
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE(socket_path(data).stat().st_mode) == 0o600
        first = pause(data)
        assert (first.returncode, first.stdout.strip()) == (0, "pause started"), first.stderr
        app.wait_for("heard: (remote)", timeout=10)
        app.wait_for("state: acknowledging", timeout=10)
        again = pause(data)
        assert (again.returncode, again.stdout.strip()) == (0, "already pausing")
    finally:
        app.stop()
    gone = pause(data)  # the listener has stopped: its socket went with it
    assert gone.returncode == 2 and "no listener is running" in one_line(gone)


def test_with_no_listener_assistant_pause_says_so_in_one_line(data: Path) -> None:
    result = pause(data)
    assert result.returncode == 2
    assert "start `assistant listen`" in one_line(result)


def test_a_socket_folder_open_to_others_is_refused_by_listener_and_client(data: Path, tmp_path: Path) -> None:
    folder = socket_path(data).parent
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    config = tmp_path / "config.toml"
    config.write_text(SHORT_SESSION)
    app = AppProcess("listen", "--text", "--config", str(config), env={"ASSISTANT_DATA_DIR": str(data)},
                     stdin=subprocess.PIPE)
    try:
        note = app.wait_for("cannot reach this listener", timeout=60)
        app.wait_for("listening (typed)", timeout=30)
        result = pause(data)
    finally:
        app.stop()
    assert "chmod 700" in note and not socket_path(data).exists()
    assert result.returncode == 2 and f"chmod 700 {folder}" in one_line(result)


def test_a_connection_from_another_user_is_refused_and_starts_nothing(data: Path) -> None:
    asked: list[str] = []

    def on_pause(signal: str) -> Future:
        asked.append(signal)
        done: Future = Future()
        done.set_result("started")
        return done

    # The listener belongs to another user id: this process, with its real credentials, is that stranger.
    server = PauseServer(socket_path(data), on_pause, owner_uid=os.geteuid() + 1).start()
    try:
        with pytest.raises(PauseSocketError, match="refused: this listener belongs to another user"):
            send_pause(socket_path(data))
    finally:
        server.close()
    assert asked == [] and server.refused == 1
    own = PauseServer(socket_path(data), on_pause).start()  # the owner gets in
    try:
        assert send_pause(socket_path(data)) == "ok: started"
    finally:
        own.close()
    assert asked == ["remote"]


def test_peer_credentials_are_the_connecting_processs_own() -> None:
    left, right = socket.socketpair(socket.AF_UNIX)
    with left, right:
        assert peer_uid(left) == os.geteuid()
        assert peer_allowed(left) and not peer_allowed(left, os.geteuid() + 1)


def test_space_in_the_terminal_asks_for_a_pause_and_other_keys_do_not() -> None:
    master, slave = os.openpty()
    pressed: list[str] = []
    seen = threading.Event()
    watch = KeyWatch(slave, lambda signal: (pressed.append(signal), seen.set())).start()
    try:
        os.write(master, b"x")
        os.write(master, b" ")
        assert seen.wait(5)
    finally:
        watch.close()
        os.close(master)
        os.close(slave)
    assert pressed == ["key"]
