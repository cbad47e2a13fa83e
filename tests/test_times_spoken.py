"""Spoken resume times through real PocketSphinx: espeak-ng renders the phrases, nothing is mocked."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import wave
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from assistant.audio.files import read_audio
from assistant.speech import times
from assistant.timeparse import NotUnderstood, parse_now, parse_resume_time

NOW = "2026-11-24T15:00:00+00:00"
SPOKEN = [
    ("in thirty minutes", "2026-11-24T15:30:00+00:00"),
    ("tomorrow evening", "2026-11-25T19:00:00+00:00"),
    ("at nine p m", "2026-11-24T21:00:00+00:00"),
    ("in two hours", "2026-11-24T17:00:00+00:00"),
    ("friday morning", "2026-11-27T09:00:00+00:00"),
]


def _render(text: str, path: Path) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    raw = path.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(raw), text], check=True, capture_output=True)
    audio = read_audio(raw)  # espeak-ng writes 22.05 kHz; this resamples to 16 kHz
    pad = np.zeros(8000, np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(np.concatenate([pad, audio, pad]).tobytes())
    return path


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cache")
    old = os.environ.get("ASSISTANT_CACHE_DIR")
    os.environ["ASSISTANT_CACHE_DIR"] = str(folder)
    times._time_decoder.cache_clear()
    yield folder
    times._time_decoder.cache_clear()
    if old is None:
        os.environ.pop("ASSISTANT_CACHE_DIR", None)
    else:
        os.environ["ASSISTANT_CACHE_DIR"] = old


def test_most_spoken_time_phrases_are_heard_as_the_right_instant(tmp_path, cache_dir):
    now = parse_now(NOW)
    right, heard = 0, []
    for i, (phrase, expected) in enumerate(SPOKEN):
        words = times.transcribe_time(read_audio(_render(phrase, tmp_path / f"t{i}.wav")))
        result = parse_resume_time(words, now)
        heard.append((phrase, words))
        right += not isinstance(result, NotUnderstood) and result.resume_at == datetime.fromisoformat(expected)
    assert right >= 4, heard


def test_speech_without_a_time_in_it_is_not_understood(tmp_path, cache_dir):
    words = times.transcribe_time(read_audio(_render("banana bread", tmp_path / "bread.wav")))
    assert isinstance(parse_resume_time(words, parse_now(NOW)), NotUnderstood), words


def test_the_time_model_and_its_small_dictionary_are_cached_for_later_starts(cache_dir):
    times._time_decoder()
    cached = sorted(p.suffix for p in (cache_dir / "time-lm").iterdir())
    assert cached == [".arpa", ".dict"]
    dictionary = next((cache_dir / "time-lm").glob("*.dict")).read_text()
    assert len(dictionary.splitlines()) < 1000  # only the model's words, not the 130,000-word CMU dictionary
    assert "tomorrow" in {line.split()[0] for line in dictionary.splitlines()}


def test_assistant_when_audio_prints_the_resume_time_event(tmp_path, cache_dir):
    wav = _render("in two hours", tmp_path / "two-hours.wav")
    done = subprocess.run([sys.executable, "-m", "assistant", "when", "--audio", str(wav), "--now", NOW, "--json"],
                          capture_output=True, text=True, check=False, timeout=60,
                          env={**os.environ, "ASSISTANT_CACHE_DIR": str(cache_dir)})
    event = json.loads(done.stdout.strip().splitlines()[-1])
    assert done.returncode == 0, done.stderr
    assert event["event"] == "resume_time"
    assert event["resume_at"] == "2026-11-24T17:00:00+00:00"
