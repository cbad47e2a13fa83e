"""Whether a take of the pause word can teach the ear anything: speech of about a word's length, not clipped.

Receives one take (16 kHz int16) and the word. Emits None for a usable take, or one line naming what is wrong
with it (no speech, only noise, clipped, far longer than the word).

Why not ask today's model whether it hears the word: the voices the model hears worst are exactly the ones
whose takes it needs. Set-up once refused three of four real phrases this way ("take 1 was not heard
clearly: say it again"), from files no one could say again. So a take is judged by its sound alone, and every
usable take is trained on, however the untrained model scores it.
"""

from __future__ import annotations

import numpy as np
import webrtcvad

SAMPLE_RATE = 16000
_FRAME = 480
"""30 ms frames, as WebRTC VAD takes them."""
MIN_SPEECH_SECONDS = 0.15
"""Less voiced audio than this is no word at all."""
SPEECH_SECONDS_PER_WORD = 1.5
"""A word of the pause phrase said slowly; a take with more speech than this per word (and 2 s more) holds
other talk too."""
CLIPPED_FRACTION = 0.005
"""Share of samples at full scale above which a take is clipped (too loud, or too near the microphone)."""
SILENT_DBFS = -60.0
"""A take quieter than this (RMS) holds nothing: the microphone is off or muted."""


def voiced_seconds(clip: np.ndarray) -> float:
    """Seconds of the clip WebRTC VAD (its strictest mode: room noise is not speech) calls speech."""
    vad = webrtcvad.Vad(3)
    audio = np.asarray(clip, dtype=np.int16)
    frames = [audio[i:i + _FRAME] for i in range(0, len(audio) - _FRAME + 1, _FRAME)]
    return sum(vad.is_speech(f.tobytes(), SAMPLE_RATE) for f in frames) * _FRAME / SAMPLE_RATE


def level_dbfs(clip: np.ndarray) -> float:
    """RMS level of int16 audio in dB relative to full scale."""
    rms = float(np.sqrt(np.mean(np.asarray(clip, dtype=np.float64) ** 2))) if len(clip) else 0.0
    return 20 * np.log10(max(rms, 1e-3) / 32768)


def take_problem(clip: np.ndarray, word: str) -> str | None:
    """None when the take can be trained on; else what is wrong with it, in words for the couple."""
    audio = np.asarray(clip, dtype=np.int16)
    if len(audio) < _FRAME or level_dbfs(audio) < SILENT_DBFS:
        return "it is silent: check that the microphone is on and not muted"
    if np.mean(np.abs(audio.astype(np.int32)) >= 32000) > CLIPPED_FRACTION:
        return "it is clipped (too loud): sit a little further from the microphone or lower its input volume"
    speech = voiced_seconds(audio)
    if speech < MIN_SPEECH_SECONDS:
        return "it holds no speech, only noise"
    longest = 2.0 + SPEECH_SECONDS_PER_WORD * len(word.split())
    if speech > longest:
        return f"it holds {speech:.1f} s of speech, more than the word: say only the word"
    return None


__all__ = ["CLIPPED_FRACTION", "MIN_SPEECH_SECONDS", "SAMPLE_RATE", "SILENT_DBFS", "SPEECH_SECONDS_PER_WORD", "level_dbfs",
           "take_problem", "voiced_seconds"]
