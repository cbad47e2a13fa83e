"""End to end through the PulseAudio rig: two knocks on the table, played into the virtual microphone,
start the same ritual as the pause word."""

from __future__ import annotations

import numpy as np
import pytest
from app_process import AppProcess

from assistant.audio import knock_sounds

pytestmark = pytest.mark.rig
RATE = 16000


def test_two_knocks_into_the_microphone_start_the_ritual(pulse_rig, tmp_path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[listener]\npause_words = ["alexa"]\ndetector = "keyword"\nengine = "pocketsphinx"\n'
                      'signals = ["word", "knock"]\n[session]\ncycles = 1\nspoken_cycles = 0\ngrounding = ""\n')
    rng = np.random.default_rng(17)
    knocks = knock_sounds.as_int16(knock_sounds.pattern("resonance", (0.3,), rng, rt60_s=0.3), 0.5)
    quiet = np.zeros(RATE, np.int16)
    # a data folder of its own: one listener runs per data folder, and another file's may be listening now
    app = AppProcess("listen", "--input", "pulse", "--output", "pulse", "--config", str(config),
                     env={**pulse_rig.env, "ASSISTANT_DATA_DIR": str(tmp_path / "data")})
    try:
        assert "or the knock signal" in app.wait_for("listening for", timeout=60)
        pulse_rig.play_into_mic(np.concatenate([quiet, knocks, quiet]))
        app.wait_for("heard: (knock)", timeout=15)
        app.wait_for("state: acknowledging", timeout=10)
    finally:
        stderr = app.stop()
    assert app.proc.returncode in (0, -2, 130), stderr
    assert sum("heard: (knock)" in line for line in app.lines) == 1
