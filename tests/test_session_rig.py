"""End to end through the PulseAudio rig: the pause word starts a guided session, the speaker carries the
breathing cues, and "stop" said mid-exercise ends it and the assistant goes back to listening."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import soxr
from app_process import AppProcess
from partner_voice import partner_says
from test_listen_rig import best_correlation

from assistant.audio import tones
from assistant.audio.files import read_audio

pytestmark = pytest.mark.rig
RATE = 16000


def tone_16k(phase: str, seconds: float) -> np.ndarray:
    tone = tones.phase_tone(phase, round(seconds * tones.RATE))
    return (soxr.resample(tone, tones.RATE, RATE) * 32767).astype(np.int16)


def test_pause_word_starts_breathing_and_stop_ends_it(pulse_rig, shared_dir: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[listener]\npause_words = ["alexa"]\ndetector = "keyword"\nengine = "pocketsphinx"\n'
                      '[session]\npattern = "extended_exhale"\ncycles = 12\nspoken_cycles = 0\n')
    # a data folder of its own: one listener runs per data folder, and another file's may be listening now
    app = AppProcess("listen", "--input", "pulse", "--output", "pulse", "--config", str(config),
                     env={**pulse_rig.env, "ASSISTANT_DATA_DIR": str(tmp_path / "data")})
    try:
        app.wait_for("listening for", timeout=60)
        pulse_rig.start_recording_speaker()
        speech = read_audio(shared_dir / "real-voices" / "alexa" / "1.flac")
        pulse_rig.play_into_mic(np.concatenate([np.zeros(RATE, np.int16), speech, np.zeros(RATE, np.int16)]))
        app.wait_for("state: acknowledging", timeout=15)
        app.wait_for("state: breathing", timeout=20)
        time.sleep(20)  # the intro line (about 7 s), then an inhale (4 s) and an exhale (6 s) at least
        during = pulse_rig.speaker_samples_recorded()
        pulse_rig.play_into_mic(partner_says("stop. that's enough."))
        app.wait_for("state: listening", timeout=10)
        time.sleep(6)  # the short stop acknowledgement, then silence
        recording = pulse_rig.stop_recording_speaker()
    finally:
        stderr = app.stop()
    assert app.proc.returncode in (0, -2, 130), stderr
    before_stop = recording[:during]
    # The breathing cues reached the speaker: the rising inhale and falling exhale tones are in it.
    assert best_correlation(before_stop, tone_16k("inhale", 4.0)) > 0.8
    assert best_correlation(before_stop, tone_16k("exhale", 6.0)) > 0.8
    # After "stop" and its short acknowledgement the speaker falls silent: no more tones.
    tail = recording[-2 * RATE:].astype(np.float64)
    assert np.sqrt(np.mean(tail ** 2)) < 50, "the exercise kept sounding after stop"
