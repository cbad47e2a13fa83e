"""One listener per data folder: a second `listen` is refused while the first runs, and a listener that died
mid-session has that session stored as stopped by the next one. Real processes, real SQLite."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from app_process import AppProcess

from assistant.listener_lock import LOCK_NAME

SHORT_SESSION = '[session]\ncycles = 1\nspoken_cycles = 0\ngrounding = ""\n'


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"ASSISTANT_DATA_DIR": str(tmp_path / "data"), "TZ": "UTC"}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(SHORT_SESSION)
    return path


def assistant(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args], input=stdin, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120, check=False)


def typed_listener(env: dict[str, str], config: Path) -> AppProcess:
    app = AppProcess("listen", "--text", "--config", str(config), env=env, stdin=subprocess.PIPE)
    app.wait_for("listening (typed)", timeout=60)
    return app


def say(app: AppProcess, text: str) -> None:
    app.proc.stdin.write(text + "\n")
    app.proc.stdin.flush()


def test_a_second_listener_on_the_same_data_is_refused_and_the_first_goes_on(env, config) -> None:
    first = typed_listener(env, config)
    try:
        second = assistant(env, "listen", "--text", "--config", str(config))
        assert second.returncode == 2, second.stdout + second.stderr
        message = second.stderr.strip()
        assert len(message.splitlines()) == 1
        assert "already listening" in message and f"process {first.proc.pid}" in message
        assert "systemctl --user stop pause-assistant" in message  # the way to stop the other one
        say(first, "timeout")  # the first still hears its pause word
        first.wait_for("state: acknowledging", timeout=10)
    finally:
        first.stop()
    lock = Path(env["ASSISTANT_DATA_DIR"]) / LOCK_NAME
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600


def test_a_listener_killed_mid_session_frees_the_lock_and_its_session_is_stored_as_stopped(env, config) -> None:
    first = typed_listener(env, config)
    say(first, "timeout")
    first.wait_for("state: acknowledging", timeout=10)
    first.proc.kill()  # no chance to close anything: a crash, a power cut
    first.proc.wait()
    first.stop()

    again = assistant(env, "listen", "--text", "--config", str(config))  # starts, reads EOF, ends
    assert again.returncode == 0, again.stdout + again.stderr
    done = assistant(env, "history", "--json")
    weeks = [json.loads(line) for line in done.stdout.splitlines()]
    assert sum(w["pauses"] for w in weeks) == 1
    assert sum(w["sessions_stopped"] for w in weeks) == 1, done.stdout
