"""Synthetic knocks and claps, for the knock detector's tests and benchmark (no recordings needed).

A knock on wood is a click that excites a few damped resonances; a knuckle on a door is more of a short
noise burst; a clap is a band-limited noise burst of a few milliseconds with a quick decay. Rooms add
reverberation (an exponentially decaying noise tail). Everything is float in -1..1 at 16 kHz.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import fftconvolve, lfilter

RATE = 16000
KINDS = ("resonance", "burst", "clap")


def _decay(n: int, tau_s: float) -> np.ndarray:
    return np.exp(-np.arange(n) / (tau_s * RATE))


def resonance_knock(rng: np.random.Generator, seconds: float = 0.15) -> np.ndarray:
    """A click exciting two or three damped resonances (150 Hz - 2.5 kHz, 8-40 ms decays): wood, a table."""
    n = round(seconds * RATE)
    t = np.arange(n) / RATE
    out = np.zeros(n)
    for _ in range(rng.integers(2, 4)):
        freq = float(np.exp(rng.uniform(np.log(150), np.log(2500))))
        out += rng.uniform(0.3, 1.0) * np.sin(2 * np.pi * freq * t + rng.uniform(0, 2 * np.pi)) \
            * _decay(n, rng.uniform(0.008, 0.04))
    click = rng.standard_normal(n) * _decay(n, 0.0008)
    out += 0.5 * click
    return out / np.max(np.abs(out))


def burst_knock(rng: np.random.Generator, seconds: float = 0.12) -> np.ndarray:
    """A short noise burst with a 3-20 ms decay, low-passed a little: a knuckle on a door."""
    n = round(seconds * RATE)
    noise = rng.standard_normal(n) * _decay(n, rng.uniform(0.003, 0.02))
    alpha = rng.uniform(0.0, 0.8)  # one-pole low-pass: darker or brighter
    out = lfilter([1 - alpha], [1, -alpha], noise)
    return out / np.max(np.abs(out))


def clap(rng: np.random.Generator, seconds: float = 0.12) -> np.ndarray:
    """A hand clap: a few noise micro-bursts within 10 ms, band-passed around 1-3 kHz, 8-25 ms decay."""
    n = round(seconds * RATE)
    env = np.zeros(n)
    for _ in range(rng.integers(1, 4)):
        at = int(rng.integers(0, round(0.01 * RATE)))
        env[at:] = np.maximum(env[at:], rng.uniform(0.5, 1.0) * _decay(n - at, rng.uniform(0.008, 0.025)))
    noise = rng.standard_normal(n)
    spectrum = np.fft.rfft(noise)
    freqs = np.fft.rfftfreq(n, 1 / RATE)
    centre = rng.uniform(1000, 3000)
    spectrum *= np.exp(-0.5 * (np.log(np.maximum(freqs, 1) / centre) / 0.6) ** 2)
    out = np.fft.irfft(spectrum, n) * env
    return out / np.max(np.abs(out))


def one(kind: str, rng: np.random.Generator) -> np.ndarray:
    """One sharp sound of `kind` (resonance, burst or clap), peak 1.0."""
    return {"resonance": resonance_knock, "burst": burst_knock, "clap": clap}[kind](rng)


def room(rng: np.random.Generator, rt60_s: float, direct_to_reverb_db: float = 3.0) -> np.ndarray:
    """A synthetic room impulse response: the direct sound, then decaying noise (-60 dB at `rt60_s`)."""
    n = max(1, round(rt60_s * RATE))
    tail = rng.standard_normal(n) * 10 ** (-3 * np.arange(n) / n)
    tail[: round(0.002 * RATE)] = 0.0  # the first reflections come a little after the direct sound
    tail *= 10 ** (-direct_to_reverb_db / 20) / max(np.sqrt(np.sum(tail ** 2)), 1e-9)
    tail[0] = 1.0
    return tail


def pattern(kind: str, gaps_s: tuple[float, ...], rng: np.random.Generator, *, rt60_s: float = 0.0,
            direct_to_reverb_db: float = 3.0, jitter: float = 0.0) -> np.ndarray:
    """Knocks of `kind` at the given gaps (each gap varied by up to +-`jitter` of itself), in a room."""
    times = [0.0]
    for gap in gaps_s:
        times.append(times[-1] + gap * (1 + rng.uniform(-jitter, jitter)))
    first = one(kind, rng)  # one hand on one surface: the knocks sound alike, a little softer or louder
    sounds = [first * rng.uniform(0.7, 1.0) for _ in times]
    out = np.zeros(round((times[-1] + 0.3) * RATE) + max(len(s) for s in sounds))
    for at, sound in zip(times, sounds, strict=True):
        start = round(at * RATE)
        out[start:start + len(sound)] += sound
    if rt60_s > 0:
        out = fftconvolve(out, room(rng, rt60_s, direct_to_reverb_db))[: len(out) + round(rt60_s * RATE)]
    return out / np.max(np.abs(out))


def peak_level(audio: np.ndarray, window_s: float = 0.01) -> float:
    """RMS of the loudest `window_s` of `audio` (the knock's level), in the audio's own units."""
    n = max(1, round(window_s * RATE))
    power = np.convolve(np.asarray(audio, np.float64) ** 2, np.ones(n) / n, mode="valid")
    return float(np.sqrt(power.max()))


def as_int16(audio: np.ndarray, peak: float) -> np.ndarray:
    """Float audio scaled so its largest sample is `peak` (of int16 full scale 32767), as int16."""
    return np.clip(np.round(audio / np.max(np.abs(audio)) * peak * 32767), -32768, 32767).astype(np.int16)


__all__ = ["KINDS", "RATE", "as_int16", "burst_knock", "clap", "one", "pattern", "peak_level", "resonance_knock",
           "room"]
