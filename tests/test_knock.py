"""The knock signal on plain arrays: the agreed pattern of sharp sounds is heard once, at its place; one
knock, the wrong rhythm, a clatter, a soft tap and loud speech onsets are not; `detect` reports it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assistant.audio import knock_sounds
from assistant.audio.knock import KnockDetector, KnockPattern, pattern_from_takes
from assistant.config import ConfigError, parse_config

RATE = 16000


def room(seconds: float, seed: int = 0) -> np.ndarray:
    """Quiet room noise, about -50 dBFS."""
    return np.random.default_rng(seed).standard_normal(round(seconds * RATE)) * 100


def with_sounds(sounds: list[tuple[float, np.ndarray]], seconds: float = 4.0, peak: float = 0.5) -> np.ndarray:
    """Room noise with each (time, sound) added at `peak` of full scale."""
    audio = room(seconds)
    for at, sound in sounds:
        i = round(at * RATE)
        audio[i:i + len(sound)] += sound / np.max(np.abs(sound)) * peak * 32767
    return np.clip(np.round(audio), -32768, 32767).astype(np.int16)


def knocks(kind: str, times: list[float], seed: int = 1) -> list[tuple[float, np.ndarray]]:
    sound = knock_sounds.one(kind, np.random.default_rng(seed))
    return [(t, sound) for t in times]


def heard(audio: np.ndarray, pattern: KnockPattern | None = None, block: int = 1280) -> list:
    detector = KnockDetector(pattern)
    events = []
    for i in range(0, len(audio), block):
        events += detector.process(audio[i:i + block])
    return events + detector.flush()


def vowel(seconds: float, f0: float = 140.0) -> np.ndarray:
    """A voiced syllable: harmonics with formant-like weights, a 5 ms attack (a plosive start), held."""
    t = np.arange(round(seconds * RATE)) / RATE
    wave = sum(np.sin(2 * np.pi * f0 * k * t) / k * (3.0 if 4 <= k <= 6 else 1.0) for k in range(1, 30))
    attack = np.minimum(1.0, t / 0.005)
    return wave * attack * np.exp(-t / 0.6)


@pytest.mark.parametrize("kind", knock_sounds.KINDS)
def test_two_knocks_at_the_agreed_gap_are_heard_once_where_they_were(kind: str) -> None:
    audio = with_sounds(knocks(kind, [1.0, 1.3]))
    events = heard(audio)
    assert [(e.signal, round(e.start_ms / 1000, 1)) for e in events] == [("knock", 1.0)]
    assert 1300 <= events[0].end_ms <= 1500 and events[0].t_ms >= events[0].end_ms


def test_the_same_knocks_are_heard_alike_whatever_the_block_size() -> None:
    audio = with_sounds(knocks("clap", [1.0, 1.3]))
    starts = {tuple(e.start_ms for e in heard(audio, block=block)) for block in (77, 480, 1280, 16000)}
    assert len(starts) == 1 and len(next(iter(starts))) == 1


def test_a_knocked_pattern_in_a_reverberant_room_is_heard() -> None:
    rng = np.random.default_rng(3)
    sound = knock_sounds.pattern("resonance", (0.3,), rng, rt60_s=0.6, direct_to_reverb_db=3)
    assert len(heard(with_sounds([(1.0, sound)]))) == 1


def test_a_single_knock_is_not_the_signal() -> None:
    assert heard(with_sounds(knocks("resonance", [1.0]))) == []


@pytest.mark.parametrize("gap", [0.15, 0.6])
def test_two_knocks_at_the_wrong_gap_are_not_the_signal(gap: float) -> None:
    audio = with_sounds(knocks("burst", [1.0, 1.0 + gap]))
    assert heard(audio) == []
    detector = KnockDetector()  # both knocks are seen: only the rhythm is wrong
    detector.process(audio)
    detector.flush()
    assert len(detector.knocks) == 2


def test_a_clatter_of_four_knocks_is_not_a_two_knock_signal() -> None:
    assert heard(with_sounds(knocks("resonance", [1.0, 1.3, 1.6, 1.9]), seconds=5.0)) == []


def test_three_knocks_are_heard_when_the_couple_agreed_on_three() -> None:
    three = KnockPattern(gaps_s=(0.25, 0.25))
    audio = with_sounds(knocks("clap", [1.0, 1.25, 1.5]))
    assert len(heard(audio, three)) == 1
    assert heard(with_sounds(knocks("clap", [1.0, 1.25])), three) == []


def test_knocks_barely_above_the_room_are_refused_at_the_agreed_level() -> None:
    audio = with_sounds(knocks("resonance", [1.0, 1.3]), peak=0.004)  # ~ the room's own level
    assert heard(audio) == []


def test_loud_syllables_in_the_knock_rhythm_are_not_knocks() -> None:
    # "ba ... ba": two loud voiced syllables with sharp starts, 0.3 s apart, near full scale
    audio = with_sounds([(1.0, vowel(0.25)), (1.3, vowel(0.25))], peak=0.9)
    assert heard(audio) == []


def test_a_pattern_under_the_assistants_own_voice_is_not_heard() -> None:
    audio = with_sounds(knocks("clap", [1.0, 1.3]))
    detector = KnockDetector()
    detector.mute_for(2.0)  # the assistant speaks over the first two seconds
    assert detector.process(audio) + detector.flush() == []


def test_the_couples_takes_set_the_gap_tolerance_and_level() -> None:
    takes = []
    for k, gap in enumerate((0.42, 0.45, 0.48)):
        detector = KnockDetector(KnockPattern(level_db=0.0))
        detector.process(with_sounds(knocks("burst", [1.0, 1.0 + gap], seed=k)))
        detector.flush()
        takes.append(detector.knocks)
    pattern = pattern_from_takes(takes)
    assert pattern.gaps_s[0] == pytest.approx(0.45, abs=0.01)
    assert 0.25 <= pattern.tolerance <= 0.6 and 8.0 <= pattern.level_db <= 20.0
    assert len(heard(with_sounds(knocks("burst", [1.0, 1.46])), pattern)) == 1
    with pytest.raises(ValueError, match="do not agree"):
        pattern_from_takes([takes[0], takes[1][:1]])


def test_config_names_a_wrong_signal_and_a_wrong_knock_pattern() -> None:
    with pytest.raises(ConfigError, match=r"listener\.signals.*word, knock"):
        parse_config('[listener]\nsignals = ["whistle"]\n')
    with pytest.raises(ConfigError, match=r"listener\.knock_pattern"):
        parse_config("[listener]\nknock_pattern = [5.0]\n")
    listener = parse_config('[listener]\nsignals = ["word", "knock"]\nknock_pattern = [0.4, 0.4]\n').listener
    assert listener.knock().gaps_s == (0.4, 0.4)


def test_detect_reports_the_knock_as_a_pause_signal_json_line(tmp_path: Path) -> None:
    wav = tmp_path / "knocks.wav"
    sf.write(wav, with_sounds(knocks("resonance", [1.0, 1.3])), RATE)
    done = subprocess.run([sys.executable, "-m", "assistant", "detect", str(wav), "--signal", "knock", "--json"],
                          capture_output=True, text=True, timeout=120, env=os.environ.copy(), check=False)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines[0] == {"event": "pause_signal", "signal": "knock", "start": 1.0, "end": lines[0]["end"],
                        "detected_at": lines[0]["detected_at"]}
    assert 1.3 <= lines[0]["end"] <= lines[0]["detected_at"] <= 4.0
    assert lines[-1]["event"] == "summary" and len(lines) == 2
