"""Set-up's calibration on real speech: corpus voices and real recordings saying the word, ordinary sentences.

The threshold `calibrate` chooses is written to a config file and applied by the listener's own detector
(`build_detector`), which hears every take and none of the sentences; nothing is written to disk meanwhile.
Real PocketSphinx, real corpus voices (flite, piper), real recordings; no mocks.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from assistant.audio.files import AudioFileError, read_audio
from assistant.config import load_config
from assistant.config_edit import save_pause_word
from assistant.ear.build import build_detector
from assistant.hearing.engines import choose_engine
from assistant.hearing.recognizer import SAMPLE_RATE
from assistant.setup.calibration import MAX_THRESHOLD, MIN_GAP, MIN_THRESHOLD, calibrate, choose_threshold

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "build" / "setup-corpus"
GAP_S = 3.0        # between clips: the VAD gate closes (1.5 s) and the debounce (2 s) has passed
EARLY_S, LATE_S = 0.3, 1.5  # score.py's window: a detection ending this near a clip belongs to it
PARTNER_VOICES = ("flite:kal16@1.02", "piper:joe@0.99")
"""The two partners of the development corpus's stream 9, whose pause word is "banana"."""
TAKE_STYLES = ((1.0, 50), (0.9, 40), (1.1, 60))
"""(speaking rate factor, pitch) of each take: nobody says a word the same way three times."""
SENTENCE_VOICES = ("piper:joe@1.0", "flite:kal16@1.0")
"""Who reads the ordinary sentences next to the real recordings (which hold only the wake phrase)."""


@pytest.fixture(scope="module")
def corpus(shared_dir: Path):
    """The corpus's renderer (`speak`, cached in build/) and its lists."""
    sys.path.insert(0, str(shared_dir / "corpus"))
    import corpus as module  # type: ignore[import-not-found]

    return module, module.Lists.load(shared_dir / "corpus" / "lists")


def voice(corpus_module, spec: str, rate_factor: float = 1.0, pitch: int = 50):
    base, _, rate = spec.partition("@")
    parsed = corpus_module.Voice.parse(base)
    return corpus_module.Voice(parsed.engine, parsed.name, round(float(rate) * rate_factor, 2), pitch)


def say(corpus, spec: str, text: str, rate_factor: float = 1.0, pitch: int = 50) -> np.ndarray:
    module, _ = corpus
    audio = module.speak(voice(module, spec, rate_factor, pitch), text, CACHE)
    return (np.clip(audio, -1, 1) * 32767).astype(np.int16)


def takes_by(corpus, spec: str, word: str) -> list[np.ndarray]:
    return [say(corpus, spec, word, rate, pitch) for rate, pitch in TAKE_STYLES]


def sentences_by(corpus, spec: str, count: int = 3) -> list[np.ndarray]:
    _, lists = corpus
    return [say(corpus, spec, line) for line in lists.lines[3:3 + count]]


def real_takes(folder: Path, first: int, count: int = 3) -> list[np.ndarray]:
    """`count` recordings from index `first` of a folder (in numeric order), skipping undecodable ones."""
    files = sorted((p for p in folder.iterdir() if p.suffix in (".flac", ".wav")), key=lambda p: (len(p.stem), p.stem))
    clips = []
    for path in files[first:]:
        try:
            clips.append(read_audio(path))
        except AudioFileError:  # 14 alexa files of the public set are damaged
            continue
        if len(clips) == count:
            return clips
    raise AssertionError(f"fewer than {count} readable recordings from {first} in {folder}")


def listener_hears(config_path: Path, clips: list[np.ndarray]) -> list[bool]:
    """Which clips the listener built from `config_path` hears its pause word in.

    The clips are played in a row with silence between, twice: the listener has been on and heard the
    couple before (as it has in real use), and the second hearing is the one judged.
    """
    config = load_config(config_path)
    detector, _ = build_detector(config)
    gap = np.zeros(round(GAP_S * SAMPLE_RATE), np.int16)
    parts, spans, t = [gap], [], len(gap)
    for clip in clips:
        spans.append((t / SAMPLE_RATE, (t + len(clip)) / SAMPLE_RATE))
        parts += [clip, gap]
        t += len(clip) + len(gap)
    stream = np.concatenate(parts)
    ends: list[float] = []
    for hearing in range(2):
        ends = []
        for i in range(0, len(stream), 480):  # 30 ms blocks, as from the microphone
            ends += [e.end_ms / 1000 - hearing * len(stream) / SAMPLE_RATE for e in detector.process(stream[i:i + 480])]
    return [any(start - EARLY_S <= end <= stop + LATE_S for end in ends) for start, stop in spans]


def calibrated_config(tmp_path: Path, word: str, takes: list[np.ndarray], ordinary: list[np.ndarray]):
    config_path = tmp_path / "config.toml"
    config_path.write_text('[listener]\ndetector = "keyword"\nengine = "pocketsphinx"\n')
    result = calibrate(word, takes, ordinary, choice=choose_engine(load_config(config_path)))
    save_pause_word(config_path, word, result.threshold)
    return result, config_path


def files_in(*folders: Path) -> set[Path]:
    return {p for folder in folders for p in folder.rglob("*")}


def test_two_corpus_voices_get_a_threshold_that_hears_every_take_and_no_sentence(corpus, tmp_path, monkeypatch):
    takes = takes_by(corpus, PARTNER_VOICES[0], "banana") + takes_by(corpus, PARTNER_VOICES[1], "banana")
    ordinary = sentences_by(corpus, PARTNER_VOICES[0]) + sentences_by(corpus, PARTNER_VOICES[1])
    private_tmp, cwd = tmp_path / "tmp", tmp_path / "cwd"
    private_tmp.mkdir()
    cwd.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    monkeypatch.chdir(cwd)

    result, config_path = calibrated_config(tmp_path, "banana", takes, ordinary)

    assert result.separates and result.advice == "", result
    assert files_in(private_tmp, cwd) == set(), "calibration left files behind"
    heard = listener_hears(config_path, takes + ordinary)
    assert heard == [True] * len(takes) + [False] * len(ordinary), (result, heard)


@pytest.mark.parametrize("folder, word, first, second", [("alexa", "alexa", 0, 20),
                                                          ("view_glass", "view glass", 100, 120)])
def test_real_voices_get_a_threshold_that_hears_every_take_and_no_sentence(corpus, shared_dir, tmp_path,
                                                                           folder, word, first, second):
    where = shared_dir / "real-voices" / folder
    takes = real_takes(where, first) + real_takes(where, second)  # two people, three takes each
    ordinary = sentences_by(corpus, SENTENCE_VOICES[0], 2) + sentences_by(corpus, SENTENCE_VOICES[1], 2)

    result, config_path = calibrated_config(tmp_path, word, takes, ordinary)

    assert result.separates, result
    assert load_config(config_path).listener.thresholds == {word: result.threshold}
    heard = listener_hears(config_path, takes + ordinary)
    assert heard == [True] * len(takes) + [False] * len(ordinary), (result, heard)


def test_a_take_of_another_word_is_named_and_asked_for_again(corpus):
    takes = takes_by(corpus, PARTNER_VOICES[1], "banana")
    takes[1] = say(corpus, PARTNER_VOICES[1], "hello there")  # partner got the word wrong
    result = calibrate("banana", takes, sentences_by(corpus, PARTNER_VOICES[1], 2))
    assert not result.separates
    assert result.unheard_takes == (1,)
    assert "take 2" in result.advice and "say it again" in result.advice


def test_sentences_that_hold_the_word_make_it_too_close_to_ordinary_speech(corpus):
    takes = takes_by(corpus, PARTNER_VOICES[1], "banana")
    close = [say(corpus, PARTNER_VOICES[1], "Can you buy a banana on the way home?"),
             say(corpus, PARTNER_VOICES[1], "I left the banana bread in the car.")]
    result = calibrate("banana", takes, sentences_by(corpus, PARTNER_VOICES[1], 2) + close)
    assert not result.separates
    assert result.close_sentences
    assert "longer or more distinctive word" in result.advice


def test_the_threshold_lies_midway_between_weakest_take_and_strongest_sentence():
    result = choose_threshold("banana", [0.9, 0.7, 0.8], [0.1, 0.3])
    assert result.threshold == pytest.approx(0.5)  # (0.3 + 0.7) / 2
    assert result.separates and result.unheard_takes == () and result.close_sentences == ()


def test_a_faint_word_is_not_given_a_threshold_below_the_floor():
    result = choose_threshold("banana", [0.9, MIN_THRESHOLD / 2], [0.0])
    assert result.threshold == MIN_THRESHOLD
    assert not result.separates and result.unheard_takes == (1,)
    assert "take 2" in result.advice


def test_strong_sentences_keep_the_threshold_at_the_ceiling():
    result = choose_threshold("banana", [0.99, 0.99], [0.95])
    assert result.threshold == MAX_THRESHOLD
    assert not result.separates and result.close_sentences == (0,)


def test_takes_that_barely_beat_the_sentences_do_not_separate():
    result = choose_threshold("banana", [0.6, 0.62], [0.6 - MIN_GAP / 2])
    assert not result.separates
    assert "longer or more distinctive word" in result.advice


def test_calibration_without_takes_is_refused():
    with pytest.raises(ValueError, match="at least one take"):
        choose_threshold("banana", [], [0.1])
