"""The spoken `assistant setup`, end to end through the PulseAudio rig: real recordings of two people saying
"alexa" and a neural voice reading the sentences are played into the virtual microphone whenever set-up
listens; then `listen` with the saved config hears a third person."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from app_process import AppProcess
from partner_voice import partner_says
from test_calibration import real_takes

from assistant.config import load_config
from assistant.ear import enrollment
from assistant.ear.training import QUICK, head_path

RATE = 16000
AUDIO_SUFFIXES = (".wav", ".flac", ".raw", ".pcm", ".ogg", ".mp3", ".opus")


def audio_files(*folders: Path) -> set[Path]:
    return {p for folder in folders if folder.exists() for p in folder.rglob("*")
            if p.suffix.lower() in AUDIO_SUFFIXES}


def system_tmp_audio() -> set[Path]:
    """Audio files directly in the system temporary folder (other programs' folders inside are theirs)."""
    return {p for p in Path(tempfile.gettempdir()).iterdir() if p.suffix.lower() in AUDIO_SUFFIXES}


@pytest.mark.rig
def test_spoken_setup_on_two_voices_saves_the_word_and_a_threshold_and_leaves_no_audio(
        pulse_rig, shared_dir: Path, tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text('# ours\n[listener]\nengine = "pocketsphinx"\n')
    data, private_tmp, cwd = tmp_path / "data", tmp_path / "tmp", tmp_path / "cwd"
    for folder in (data, private_tmp, cwd):
        folder.mkdir()
    monkeypatch.chdir(cwd)  # the app's working folder
    before = audio_files(data, private_tmp, cwd) | system_tmp_audio()
    alexa = shared_dir / "real-voices" / "alexa"
    # Two people, with spare takes in case set-up asks again.
    takes = {"one": iter(real_takes(alexa, 0, 6)), "two": iter(real_takes(alexa, 20, 6))}
    pad = np.zeros(RATE // 2, np.int16)  # 0.5 s of quiet around each take
    env = {**pulse_rig.env, "ASSISTANT_DATA_DIR": str(data), "TMPDIR": str(private_tmp)}
    app = AppProcess("setup", "--word", "alexa", "--input", "pulse", "--output", "pulse", "--config", str(config),
                     env=env)
    sentence = ""
    try:
        while True:
            # training the word model after the takes prints its progress on stderr: allow it minutes
            learning = any("learning your word" in line for line in app.lines)
            line = app.wait_for("", timeout=900 if learning else 120)
            if line.startswith("read aloud: "):
                sentence = line.removeprefix("read aloud: ")
            elif line.startswith("listening: microphone check"):
                pulse_rig.play_into_mic(partner_says("hello, we are setting up"))
            elif line.startswith("listening: partner") and "take" in line:
                partner = line.split()[2].rstrip(",")
                pulse_rig.play_into_mic(np.concatenate([pad, next(takes[partner]), pad]))
            elif line.startswith("listening: partner"):
                pulse_rig.play_into_mic(partner_says(sentence))
            elif line.startswith(("saved:", "not saved")):
                break
        app.proc.wait(timeout=30)
    finally:
        stderr = app.stop()
    assert app.proc.returncode == 0, (app.lines, stderr)
    assert any(line.startswith("assistant: Partner two, please say the pause word") for line in app.lines)
    listener = load_config(config).listener
    assert listener.pause_words == ("alexa",)
    assert 0.15 <= listener.thresholds["alexa"] <= 0.9
    assert config.read_text().startswith("# ours\n")
    assert audio_files(data, private_tmp, cwd) | system_tmp_audio() <= before, "set-up left audio on disk"
    assert list(private_tmp.iterdir()) == [], "set-up left temporary files"
    # the learned ear was trained on the two voices and is cached, owner-only, as embeddings
    assert head_path("alexa", data, QUICK).is_file() and enrollment.path_for("alexa", data).is_file()
    # and `listen` with that config hears a third person say the word, through the rig
    app = AppProcess("listen", "--input", "pulse", "--output", "pulse", "--config", str(config), env=env)
    try:
        app.wait_for("listening for", timeout=120)
        # a few seconds of the room first, as a couple speaks some time after starting it: a word played at
        # once was missed in CI and here, and still is with the ear's front-end primed (which fixed the
        # same miss in files): left open in the issue note (the microphone's first second, or the keyword
        # evidence the fusion leans on, are the next suspects)
        time.sleep(3)
        third = real_takes(alexa, 60, 1)[0]
        pulse_rig.play_into_mic(np.concatenate([np.zeros(RATE, np.int16), third, np.zeros(RATE, np.int16)]))
        heard = app.wait_for("heard:", timeout=20)
    finally:
        stderr = app.stop()
    assert "alexa" in heard, stderr


# -- any number of partners, and the knock, from files -----------------------------------------------------

