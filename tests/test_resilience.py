"""Resilience: a microphone unplugged mid-session is waited for and the session goes on; an error in a stage
is logged and the listener starts again with its state; a full disk or read-only data folder loses no
stored agreement and never stops the session.

Devices are the PulseAudio rig's (tests/audio_rig.py); the store is real SQLite on a real (tiny) disk.
"""

from __future__ import annotations

import io
import json
import os
import queue
import stat
import subprocess
import sys
import threading
import time
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from app_process import AppProcess
from partner_voice import partner_says
from test_listen_rig import best_correlation
from test_session_rig import tone_16k
from test_store import read_only_folder

from assistant.audio.files import read_audio
from assistant.store import open_store
from assistant.supervisor import MIC_LOST

RATE = 16000
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
SESSION = ('[listener]\npause_words = ["alexa"]\ndetector = "keyword"\nengine = "pocketsphinx"\n'
           '[session]\npattern = "extended_exhale"\ncycles = 12\nspoken_cycles = 0\n')
SHORT_SESSION = '[session]\ncycles = 1\nspoken_cycles = 0\ngrounding = ""\n[agreement]\nmin_break_minutes = 0\n'


def alexa(shared_dir: Path) -> np.ndarray:
    """A real person saying the pause word, with a second of room tone before and after."""
    speech = read_audio(shared_dir / "real-voices" / "alexa" / "1.flac")
    return np.concatenate([np.zeros(RATE, np.int16), speech, np.zeros(RATE, np.int16)])


# --- a microphone that goes away and comes back -------------------------------------------------------

@pytest.mark.rig
def test_a_microphone_unplugged_mid_session_is_waited_for_and_the_session_goes_on(
        pulse_rig, shared_dir: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(SESSION)
    env = {**pulse_rig.env, "ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_LOG_DIR": str(tmp_path / "log")}
    app = AppProcess("listen", "--input", "pulse", "--output", "pulse", "--config", str(config), env=env)
    try:
        app.wait_for("listening for", timeout=60)
        pulse_rig.play_into_mic(alexa(shared_dir))
        app.wait_for("state: breathing", timeout=30)
        pulse_rig.start_recording_speaker()
        pulse_rig.unload_mic()  # unplugged: Pulse parks the app's stream on the speaker's monitor
        app.wait_for("microphone: lost", timeout=10)
        app.wait_for(f"assistant: {MIC_LOST}", timeout=30)
        time.sleep(3)
        gone = pulse_rig.speaker_samples_recorded()
        pulse_rig.load_mic()  # plugged in again, the same source as before
        app.wait_for("microphone: back", timeout=10)
        time.sleep(22)  # two whole breaths (4 s in, 6 s out) after the return: one clear of any line
        after = pulse_rig.speaker_samples_recorded()
        pulse_rig.play_into_mic(partner_says("stop. that's enough."))
        app.wait_for("state: listening", timeout=15)  # the command said after the return is heard
        time.sleep(2)
        pulse_rig.play_into_mic(alexa(shared_dir))
        heard_again = app.wait_for("heard:", timeout=15)  # and so is the next pause word
        recording = pulse_rig.stop_recording_speaker()
    finally:
        stderr = app.stop()
    assert app.proc.returncode in (0, -2, 130), stderr
    assert "alexa" in heard_again
    # While the microphone was gone the assistant went on aloud (the intro, then the line saying so)...
    while_gone = recording[:gone].astype(np.float64)
    assert np.sqrt(np.mean(while_gone ** 2)) > 300, "the speaker fell silent while the microphone was gone"
    # ...and after its return the rhythm carried on: a whole inhale and exhale are on the speaker.
    since_back = recording[gone:after]
    assert best_correlation(since_back, tone_16k("inhale", 4.0)) > 0.8
    assert best_correlation(since_back, tone_16k("exhale", 6.0)) > 0.8
    # The session never restarted or ended on its own: one acknowledgement, one way back to listening.
    assert [line for line in app.lines if line.startswith("state:")].count("state: listening") == 1
    assert sum("microphone: lost" in line for line in app.lines) == 1


# --- an unhandled error in a stage --------------------------------------------------------------------

class _Lines(io.TextIOBase):
    """A stdout stand-in whose lines a test can wait for while the listener runs in a thread."""

    def __init__(self) -> None:
        self.queue: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self._partial = ""

    def write(self, text: str) -> int:
        self._partial += text
        *lines, self._partial = self._partial.split("\n")
        for line in lines:
            self.queue.put(line)
        return len(text)

    def wait_for(self, text: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.queue.get(timeout=0.1)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r} within {timeout} s; got {self.seen}")


@pytest.mark.rig
def test_an_error_in_a_stage_is_logged_and_the_listener_goes_on_with_its_session(
        pulse_rig, shared_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.app import build_app, run_listener
    from assistant.config import load_config
    from assistant.live.session import LiveSession
    from assistant.output.voice import TextVoice
    from assistant.supervisor import open_log

    class BreaksOnceWhileBreathing(LiveSession):
        """A stage that fails once, in the middle of the breathing exercise (test-only)."""

        broke = False

        def feed(self, block) -> None:
            if self.session.state.value == "breathing" and not self.broke:
                BreaksOnceWhileBreathing.broke = True
                raise ZeroDivisionError("the breath counter divided by zero")
            super().feed(block)

    config = tmp_path / "config.toml"
    config.write_text(SESSION)
    monkeypatch.setenv("ASSISTANT_LOG_DIR", str(tmp_path / "logs"))
    out = _Lines()
    # The app as `assistant listen` builds it, with the printed voice (TextVoice) and no store.
    app = build_app(load_config(config), input_device="pulse", output_device="pulse", voice=TextVoice(), out=out,
                    session_class=BreaksOnceWhileBreathing)
    app.start_player()
    app.hold_devices(out)
    log_path = open_log()
    result: list = []
    listener = threading.Thread(target=lambda: result.append(run_listener(app, out=out, log_path=log_path)))
    try:
        listener.start()
        pulse_rig.play_into_mic(alexa(shared_dir))
        out.wait_for("state: breathing", timeout=30)
        error = out.wait_for("error:", timeout=10)
        time.sleep(3)  # the restart waits a second; give the exercise time to go on
        pulse_rig.play_into_mic(partner_says("stop. that's enough."))
        out.wait_for("state: listening", timeout=20)
    finally:
        app.mic.close()
        listener.join(timeout=10)
        app.player.close()
        for name in ("assistant", "assistant.crash"):  # this process's log handlers end with the test
            for handler in logging_handlers(name):
                handler.close()
    # One line on the terminal, naming the error and where the details are.
    assert "ZeroDivisionError: the breath counter divided by zero" in error and str(log_path) in error
    # The traceback is in the private log file.
    log = log_path.read_text()
    assert "Traceback (most recent call last)" in log and "in feed" in log
    assert "ZeroDivisionError: the breath counter divided by zero" in log
    assert stat.S_IMODE(log_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(log_path.parent.stat().st_mode) == 0o700
    # The listener started again with the session where it was: still breathing, and "stop" heard.
    states = [line for line in out.seen if line.startswith("state:")]
    # stop cuts the exercise, offers a time (agreeing), and "that's enough", a second stop, ends the offer
    assert states == ["state: acknowledging", "state: breathing", "state: agreeing", "state: listening"]
    assert result and result[0].restarts == 1


def logging_handlers(name: str) -> list:
    import logging

    logger = logging.getLogger(name)
    handlers = list(logger.handlers)
    for handler in handlers:
        logger.removeHandler(handler)
    return handlers


# --- a full disk or a read-only data folder -----------------------------------------------------------

def _reminders(env: dict[str, str]) -> list[dict]:
    done = subprocess.run([sys.executable, "-m", "assistant", "reminders", "--json"], check=True,
                          capture_output=True, text=True, env={**os.environ, **env}, timeout=60)
    return [json.loads(line) for line in done.stdout.splitlines()]


def _agree_in_one_minute(app: AppProcess) -> None:
    app.proc.stdin.write("okay, timeout\n")
    app.proc.stdin.flush()
    app.wait_for("state: agreeing", timeout=90)
    app.wait_for("When you both feel ready", timeout=10)
    app.proc.stdin.write("in one minute\n")
    app.proc.stdin.flush()
    app.wait_for("Is that right?", timeout=40)  # after the invitation, which lists the offered times
    app.proc.stdin.write("yes\n")
    app.proc.stdin.flush()


def _tiny_disk(folder: Path):
    """A real 1 MB filesystem (tmpfs) at `folder`; root only (CI runs as root)."""
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tiny filesystem needs root (CI runs as root)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(folder)],
                          check=False, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tiny filesystem here: {done.stderr.strip()}")


def _fill(folder: Path) -> Path:
    """Write a file until the disk holding `folder` is full; returns it (delete it to free the space)."""
    filler = folder / "filler"
    chunk = b"\0" * 4096
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(chunk)
        except OSError:
            pass
    return filler


@pytest.mark.parametrize("trouble", ["full disk", "read-only folder"])
def test_an_agreement_that_cannot_be_saved_is_said_and_the_session_goes_on(trouble: str, tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    if trouble == "full disk":
        _tiny_disk(disk)
    else:
        disk.mkdir()
    data = disk / "data"
    env = {"ASSISTANT_DATA_DIR": str(data)}
    config = tmp_path / "config.toml"
    config.write_text(SHORT_SESSION)
    try:
        with open_store(data / "pause.sqlite3") as store:
            kept = store.add_agreement(NOW + timedelta(days=400), "next year", NOW)
        with read_only_folder(data) if trouble == "read-only folder" else nullcontext():
            filler = _fill(disk) if trouble == "full disk" else None
            app = AppProcess("listen", "--text", "--config", str(config), env=env, stdin=subprocess.PIPE)
            try:
                app.wait_for("listening (typed)", timeout=60)
                _agree_in_one_minute(app)
                not_saved = app.wait_for("not saved: could not save the agreed time", timeout=10)
                app.wait_for("state: closing", timeout=10)
                said = app.wait_for("assistant:", timeout=10)  # instead of "I'll remind you"
                assert "couldn't save that time" in said and "please write it down: in one minute" in said
                app.wait_for("state: listening", timeout=60)  # the session ended as usual
                assert app.proc.poll() is None  # and the listener is still there
            finally:
                stderr = app.stop()
            assert "Traceback" not in stderr
            assert "not saved" not in stderr  # one line for one problem (stdout), not a second one on stderr
            # The agreement already stored survives and is listed, even before anything is fixed.
            assert [r["id"] for r in _reminders(env)] == [kept.id]
            if filler is not None:
                filler.unlink()
        if trouble == "full disk":
            assert "the disk holding" in not_saved and "is full" in not_saved and "free some disk space" in not_saved
        else:
            assert "read-only" in not_saved and "ASSISTANT_DATA_DIR" in not_saved
        assert [r["id"] for r in _reminders(env)] == [kept.id]  # fixed: still exactly what was saved
    finally:
        if trouble == "full disk":
            subprocess.run(["umount", str(disk)], check=False)


@pytest.mark.rig
def test_the_listener_survives_a_sound_server_restart(pulse_rig, shared_dir: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(SESSION)
    env = {**pulse_rig.env, "ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_LOG_DIR": str(tmp_path / "log")}
    app = AppProcess("listen", "--input", "pulse", "--output", "pulse", "--config", str(config), env=env)
    try:
        app.wait_for("listening for", timeout=60)
        pulse_rig.kill_daemon()  # both streams fail at once: PortAudio stops them
        lost = {app.wait_for(": lost", timeout=10).split(":")[0], app.wait_for(": lost", timeout=10).split(":")[0]}
        time.sleep(2)  # nothing to reopen: attempts fail and are retried
        pulse_rig.start_daemon()
        back = {app.wait_for(": back", timeout=40).split(":")[0], app.wait_for(": back", timeout=40).split(":")[0]}
        pulse_rig.start_recording_speaker()
        time.sleep(3)  # "The microphone is back." is said; the pause word is not listened for meanwhile
        pulse_rig.play_into_mic(alexa(shared_dir))
        heard = app.wait_for("heard:", timeout=15)
        app.wait_for("assistant: Okay. We're pausing now.", timeout=10)
        time.sleep(3)
        recording = pulse_rig.stop_recording_speaker()
    finally:
        stderr = app.stop()
    assert app.proc.returncode in (0, -2, 130), stderr
    assert lost == back == {"microphone", "speaker"}
    assert "alexa" in heard  # the reopened microphone hears the pause word...
    assert np.sqrt(np.mean(recording.astype(np.float64) ** 2)) > 300  # ...and the reopened speaker answers aloud
