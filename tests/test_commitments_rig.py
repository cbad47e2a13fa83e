"""End to end through the PulseAudio rig: "make a commitment" said into the virtual microphone starts one; the
commitment said in a partner's words is heard by Whisper, read back in the second person, and kept after a
spoken yes; `assistant commitments --json` then lists it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from app_process import AppProcess
from partner_voice import partner_says
from test_agreement_rig import say_until_heard

pytestmark = pytest.mark.rig


def test_a_spoken_commitment_is_read_back_and_kept_after_a_spoken_yes(pulse_rig, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[listener]\npause_words = ["alexa"]\ndetector = "keyword"\nengine = "pocketsphinx"\n')
    env = {**pulse_rig.env, "ASSISTANT_DATA_DIR": str(tmp_path / "data")}
    app = AppProcess("listen", "--input", "pulse", "--output", "pulse", "--config", str(config), env=env)
    try:
        app.wait_for("listening for", timeout=60)
        for _ in range(3):  # heard by keyword search, as a couple repeats a request that was missed
            pulse_rig.play_into_mic(partner_says("I want to make a commitment."))
            try:
                app.wait_for("heard: make a commitment", timeout=10)
                break
            except AssertionError:
                continue
        app.wait_for("assistant: What would you like to commit to?", timeout=10)
        time.sleep(5)  # the question is heard out
        line = say_until_heard(app, pulse_rig, "I'll text you when I leave work.", "Shall I keep that?")
        assert "You'll text them when you leave work. Shall I keep that?" in line, app.lines
        time.sleep(4)
        say_until_heard(app, pulse_rig, "Yes.", "commitment kept:")
    finally:
        stderr = app.stop()
    assert app.proc.returncode in (0, -2, 130), stderr
    listed = subprocess.run([sys.executable, "-m", "assistant", "commitments", "--json"], check=True,
                            capture_output=True, text=True, env={**os.environ, **env}, timeout=60)
    kept = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(c["text"], c["said_back"]) for c in kept] == [
        ("I'll text you when I leave work.", "You'll text them when you leave work.")]
