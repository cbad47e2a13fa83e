"""Soft numpy pacing tones and a chime, all at one output rate so the pacer can mix them with speech.

Why these shapes: a breath is easier to follow than a count, so the inhale tone glides up and the exhale
tone glides down over the whole phase; holds get a quiet steady hum so a partner knows the breath is held,
not lost.
Every tone starts with a raised-cosine fade whose first sample is ONSET_SAMPLE (1e-4, about -80 dBFS and
still 3 steps of a 16-bit WAV, never 0.0), so the tone's first sample is exactly the one it was scheduled
on; it ends with a fade and a short silent gap before the next phase: no clicks, and each onset follows
silence.

| name        | sound                                   | peak  |
|-------------|-----------------------------------------|-------|
| inhale      | glide 220 -> 330 Hz                     | 0.30  |
| sigh_inhale | short top-up glide 330 -> 392 Hz        | 0.30  |
| exhale      | glide 330 -> 220 Hz                     | 0.30  |
| hold        | steady 330 Hz hum                       | 0.08  |
| hold_out    | steady 220 Hz hum                       | 0.08  |
| chime       | soft bell, 660 Hz with two partials     | 0.30  |
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from assistant.session.pacer import RATE, tone_samples  # the plan decides rate and tone length; sound follows

PEAK = 0.3
"""Peak amplitude of glides and the chime (full scale is 1.0): quiet under speech, never harsh."""
HOLD_PEAK = 0.08
"""Peak amplitude of the hold hum: present but barely there."""
ONSET_SAMPLE = 1e-4
"""Value of every tone's first sample: inaudible, yet non-zero even after 16-bit quantisation (3.3 steps)."""
_FADE_IN_SECONDS = 0.25
_FADE_OUT_SECONDS = 0.5
_LOW_HZ, _MID_HZ, _HIGH_HZ = 220.0, 330.0, 392.0
_CHIME_HZ = 660.0
_CHIME_SECONDS = 1.6
_CHIME_DECAY_SECONDS = 0.45
_CHIME_ATTACK_SECONDS = 0.006

_PHASE_SOUND = {
    # phase name -> (start Hz, end Hz, peak)
    "inhale": (_LOW_HZ, _MID_HZ, PEAK),
    "sigh_inhale": (_MID_HZ, _HIGH_HZ, PEAK),
    "exhale": (_MID_HZ, _LOW_HZ, PEAK),
    "hold": (_MID_HZ, _MID_HZ, HOLD_PEAK),
    "hold_out": (_LOW_HZ, _LOW_HZ, HOLD_PEAK),
}


def _rise(n: int, floor: float) -> np.ndarray:
    """Raised cosine from `floor` (its first sample) up towards 1 over n samples."""
    k = np.arange(n, dtype=np.float64)
    return floor + (1.0 - floor) * (0.5 - 0.5 * np.cos(np.pi * k / n))


def envelope(n: int, fade_in: int, fade_out: int, floor: float = 1e-3) -> np.ndarray:
    """Gain for an n-sample sound: raised-cosine fade in from `floor`, flat, raised-cosine fade out to it."""
    fade_in = max(1, min(fade_in, n // 3))
    fade_out = max(1, min(fade_out, n // 3))
    env = np.ones(n, dtype=np.float64)
    env[:fade_in] = _rise(fade_in, floor)
    env[n - fade_out:] = _rise(fade_out, floor)[::-1]
    return env


def glide(n: int, start_hz: float, end_hz: float, peak: float = PEAK, rate: int = RATE) -> np.ndarray:
    """An n-sample sine whose pitch moves exponentially from start_hz to end_hz, faded at both ends.

    The sine starts at its crest (cosine) and the fade at ONSET_SAMPLE / peak, so sample 0 is exactly
    ONSET_SAMPLE (as float32): small, positive, known.
    """
    if n <= 0:
        return np.zeros(0, dtype=np.float32)
    position = np.arange(n, dtype=np.float64) / max(1, n - 1)
    hz = start_hz * (end_hz / start_hz) ** position
    phase = 2.0 * np.pi * np.concatenate(([0.0], np.cumsum(hz[:-1]))) / rate
    env = envelope(n, round(_FADE_IN_SECONDS * rate), round(_FADE_OUT_SECONDS * rate), ONSET_SAMPLE / peak)
    return (peak * env * np.cos(phase)).astype(np.float32)


@lru_cache(maxsize=256)
def _phase_tone_cached(phase: str, phase_samples: int, rate: int) -> np.ndarray:
    start_hz, end_hz, peak = _PHASE_SOUND[phase]
    tone = glide(tone_samples(phase_samples, rate), start_hz, end_hz, peak, rate)
    tone.setflags(write=False)
    return tone


def phase_tone(phase: str, phase_samples: int, rate: int = RATE) -> np.ndarray:
    """The (read-only, cached) tone for a breathing phase lasting phase_samples; shorter by the silent gap."""
    if phase not in _PHASE_SOUND:
        raise ValueError(f"no tone for phase {phase!r}; known phases are {', '.join(_PHASE_SOUND)}")
    return _phase_tone_cached(phase, phase_samples, rate)


def chime(rate: int = RATE) -> np.ndarray:
    """A gentle bell for reminders: a fast soft attack and a long exponential decay, peak PEAK."""
    n = round(_CHIME_SECONDS * rate)
    t = np.arange(n, dtype=np.float64) / rate
    partials = (1.0, 0.35, 0.12)  # fundamental, octave, twelfth: a round, un-metallic bell
    wave = sum(g * np.sin(2.0 * np.pi * _CHIME_HZ * (i + 1) * t) for i, g in enumerate(partials))
    wave *= np.exp(-t / _CHIME_DECAY_SECONDS)
    wave *= envelope(n, round(_CHIME_ATTACK_SECONDS * rate), round(0.2 * rate))
    return (PEAK * wave / np.max(np.abs(wave))).astype(np.float32)


__all__ = [
    "HOLD_PEAK", "ONSET_SAMPLE", "PEAK",
    "chime", "envelope", "glide", "phase_tone",
]
