"""Learning in the home, end to end through the PulseAudio rig: while the word model retrains in the
background, a pause word played into the virtual microphone is still heard at once; "false alarm" stops the
session and the ear keeps that moment as numbers; nothing on disk is audio; the history counts it.
(The retrain's result, and the history line about it, are tested without the rig: test_home_learning.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import psutil
import pytest
from app_process import AppProcess
from partner_voice import partner_says
from test_ear import speak

from assistant.audio.files import read_audio
from assistant.ear.adaptation import RETRAIN_AFTER
from assistant.ear.embedding import embed_clip
from assistant.ear.learned_store import CANCELLED, NEAR_MISS, LearnedStore
from assistant.ear.training import QUICK, head_path, train_head
from assistant.ear.word_head import sequence_windows

pytestmark = pytest.mark.rig
RATE = 16000


def retraining_children(pid: int) -> list[psutil.Process]:
    return [c for c in psutil.Process(pid).children(recursive=True)
            if "assistant.ear.adaptation" in " ".join(c.cmdline())]


def test_a_pause_word_is_heard_while_the_model_retrains_and_a_false_alarm_is_learned(
        pulse_rig, shared_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    train_head("alexa", recipe=QUICK).save(head_path("alexa", data, QUICK))
    # enough near misses of ordinary talk already kept that a retrain starts as soon as listening does
    talk = speak("We need to talk about the weekend, and who is picking up your mother from the station, "
                 "and whether the car will be back from the garage by then.")
    store = LearnedStore.open(data, "alexa")
    for window in sequence_windows(embed_clip(talk), 1)[:RETRAIN_AFTER]:
        store.add(window, NEAR_MISS, 1.0)
    store.save()
    config = tmp_path / "config.toml"
    config.write_text('[listener]\npause_words = ["alexa"]\nlearn = true\n'
                      '[session]\ncycles = 12\nspoken_cycles = 0\n')
    # the app gets a cache folder of its own, without the rendered examples: the retrain must render them
    # first (a minute or more), so it is surely still running when the pause word comes
    env = {**pulse_rig.env, "ASSISTANT_DATA_DIR": str(data), "ASSISTANT_CACHE_DIR": str(tmp_path / "cache")}
    app = AppProcess("listen", "--input", "pulse", "--output", "pulse", "--config", str(config), env=env)
    try:
        app.wait_for("listening for", timeout=120)
        app.wait_for('retraining the "alexa" model in the background', timeout=30)
        speech = read_audio(shared_dir / "real-voices" / "alexa" / "1.flac")
        pulse_rig.play_into_mic(np.concatenate([np.zeros(RATE, np.int16), speech, np.zeros(RATE, np.int16)]))
        app.wait_for("heard: alexa", timeout=15)
        assert retraining_children(app.proc.pid), "the pause word was heard only after the retrain finished"
        app.wait_for("state: breathing", timeout=30)
        # after the invitation has been said: the echo guard does not listen through the assistant's own voice
        # (played over it under load, the words were cut and heard as "slower")
        app.wait_for("breathe in", timeout=30)
        pulse_rig.play_into_mic(partner_says("false alarm."))
        app.wait_for("false alarm: alexa", timeout=20)
        app.wait_for("state: listening", timeout=10)
    finally:
        app.stop()
    kept = LearnedStore.open(data, "alexa")
    assert kept.counts()[CANCELLED] == 1
    files = [p for p in data.rglob("*") if p.is_file()]
    assert not [p for p in files if p.suffix.lower() in (".wav", ".flac", ".ogg", ".mp3", ".raw", ".pcm")]
    assert all(p.stat().st_mode & 0o077 == 0 for p in files), [oct(p.stat().st_mode) for p in files]
    done = subprocess.run([sys.executable, "-m", "assistant", "history", "--json"], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=60, check=True)
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert sum(w["false_alarms"] for w in lines if w["event"] == "week") == 1
