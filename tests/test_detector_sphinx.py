"""The PocketSphinx pause-word detector on real audio: the quick synthetic corpus, real recordings, a near miss.

Real PocketSphinx, no mocks. Floors are set below what `scripts/bench_detector.py` measures, so a test fails
on a regression, not on noise; the figures themselves live in the benchmark, not here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.audio.files import AudioFileError, read_audio
from assistant.audio.vad import VadGate
from assistant.hearing.detector import PauseWordDetector
from assistant.hearing.recognizer import SAMPLE_RATE
from assistant.hearing.sphinx_engine import SCORE_CENTER, SphinxSpotter, detection_confidence

REPO = Path(__file__).resolve().parent.parent
PREBUILT_QUICK = Path("/work/corpus-build/quick")
CACHED_QUICK = REPO / "build" / "corpus-quick"
EARLY_S, LATE_S = 0.3, 1.5      # score.py's window around a labelled word
HIGH_SENSITIVITY = 0.95         # the recall end of the trade-off
REAL_SAMPLE = 40                # real recordings per phrase
REAL_GAP_S = 1.0                # silence between recordings played in a row


@pytest.fixture(scope="session")
def quick_corpus(shared_dir: Path) -> dict:
    """The quick corpus: prebuilt on the development machine, else built once into build/ (CI)."""
    for folder in (PREBUILT_QUICK, CACHED_QUICK):
        if (folder / "manifest.json").is_file():
            break
    else:
        folder = CACHED_QUICK
        done = subprocess.run([sys.executable, str(shared_dir / "corpus" / "corpus.py"), "--out", str(folder),
                               "--quick"], capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, f"corpus.py --quick failed: {done.stderr[-800:]}"
    manifest = json.loads((folder / "manifest.json").read_text())
    return {"folder": folder, "streams": manifest["streams"]}


def detect(audio: np.ndarray, phrase: str, sensitivity: float) -> list:
    """What `assistant detect` reports for `audio`: VAD gate, spotter, threshold, debounce."""
    det = PauseWordDetector(SphinxSpotter([phrase]), sensitivity=sensitivity, gate=VadGate())
    events = []
    for i in range(0, len(audio), 480):
        events += det.process(audio[i:i + 480])
    return events + det.flush()


def score(events: list, labels: list[dict]) -> tuple[int, int]:
    """(labelled words heard, false alarms), by score.py's rule."""
    heard, false_alarms = set(), 0
    for e in events:
        end = e.end_ms / 1000
        near = [i for i, lab in enumerate(labels) if lab["start"] - EARLY_S <= end <= lab["end"] + LATE_S]
        if near:
            heard.add(near[0])
        else:
            false_alarms += 1
    return len(heard), false_alarms


@pytest.fixture(scope="session")
def quick_results(quick_corpus) -> dict[float, tuple[int, int, int]]:
    """(heard, labelled, false alarms) over the quick corpus at the default and at a high sensitivity."""
    out = {}
    streams = [(read_audio(quick_corpus["folder"] / s["wav"]), s) for s in quick_corpus["streams"]]
    for sensitivity in (0.5, HIGH_SENSITIVITY):
        heard = labelled = false_alarms = 0
        for audio, s in streams:
            h, fa = score(detect(audio, s["pause_word"], sensitivity), s["events"])
            heard, labelled, false_alarms = heard + h, labelled + len(s["events"]), false_alarms + fa
        out[sensitivity] = (heard, labelled, false_alarms)
    return out


def test_the_default_sensitivity_raises_at_most_one_false_alarm_on_the_quick_corpus(quick_results):
    assert quick_results[0.5][2] <= 1, quick_results


def test_high_sensitivity_hears_all_quick_corpus_pause_words_but_two_with_at_most_one_false_alarm(quick_results):
    heard, labelled, false_alarms = quick_results[HIGH_SENSITIVITY]
    assert heard >= labelled - 2 and false_alarms <= 1, quick_results


def test_higher_sensitivity_never_hears_fewer_pause_words(quick_results):
    assert quick_results[HIGH_SENSITIVITY][0] >= quick_results[0.5][0]


def test_a_near_miss_sentence_does_not_trigger(quick_corpus):
    s = next(s for s in quick_corpus["streams"] if s["pause_word"] == "yellow card")
    miss = next(m for m in s["near_misses"] if m["text"].startswith("the yellow car"))
    audio = read_audio(quick_corpus["folder"] / s["wav"])
    clip = audio[int((miss["start"] - 0.5) * SAMPLE_RATE):int((miss["end"] + 0.5) * SAMPLE_RATE)]
    assert detect(clip, "yellow card", 0.5) == []


def real_recordings(folder: Path) -> tuple[np.ndarray, list[dict]]:
    """Every n-th recording of a folder (REAL_SAMPLE of them), played in a row with silence between."""
    files = sorted((p for p in folder.iterdir() if p.suffix.lower() in (".flac", ".wav")),
                   key=lambda p: (len(p.stem), p.stem))
    gap = np.zeros(int(REAL_GAP_S * SAMPLE_RATE), dtype=np.int16)
    parts, labels, t = [gap], [], REAL_GAP_S
    for path in files[::max(1, len(files) // REAL_SAMPLE)][:REAL_SAMPLE]:
        try:
            clip = read_audio(path)
        except AudioFileError:  # a few files of the public set are damaged
            continue
        labels.append({"start": t, "end": t + len(clip) / SAMPLE_RATE})
        parts += [clip, gap]
        t += (len(clip) + len(gap)) / SAMPLE_RATE
    return np.concatenate(parts), labels


@pytest.mark.parametrize("folder, phrase", [("alexa", "alexa"), ("view_glass", "view glass")])
def test_real_voices_saying_the_phrase_are_heard_at_high_sensitivity(shared_dir, folder, phrase):
    where = shared_dir / "real-voices" / folder
    if not where.is_dir():
        pytest.skip(f"no real recordings at {where}")
    audio, labels = real_recordings(where)
    heard, _ = score(detect(audio, phrase, HIGH_SENSITIVITY), labels)
    assert heard >= 0.8 * len(labels), f"{heard}/{len(labels)}"


def test_confidence_is_one_half_at_the_calibrated_score_and_rises_with_it():
    frames = 40
    at_center = np.exp(SCORE_CENTER * frames / 1024)
    assert detection_confidence(at_center, frames) == pytest.approx(0.5, abs=1e-6)
    better, worse = np.exp((SCORE_CENTER + 1) * frames / 1024), np.exp((SCORE_CENTER - 1) * frames / 1024)
    assert detection_confidence(worse, frames) < 0.5 < detection_confidence(better, frames)
    assert detection_confidence(0.0, frames) == 0.0


