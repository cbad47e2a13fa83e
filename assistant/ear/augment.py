"""Rooms, noise and loudness for training clips: a clean rendering made to sound like a home.

Receives 16 kHz float32 audio. Emits the same audio in a synthetic room (an exponentially decaying noise
tail with a direct path, RT60 0.15-0.8 s, as rooms measure), under noise at a chosen signal-to-noise ratio,
at a random level. Pure numpy and scipy: no files, no downloads.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import fftconvolve

SAMPLE_RATE = 16000


def room_response(rng: np.random.Generator, rt60: float | None = None) -> np.ndarray:
    """A synthetic room impulse response: a direct path, sparse early reflections and a diffuse tail that
    falls 60 dB in `rt60` seconds."""
    rt60 = rt60 if rt60 is not None else float(rng.uniform(0.15, 0.8))
    n = int(SAMPLE_RATE * min(1.0, rt60 * 1.2))
    t = np.arange(n) / SAMPLE_RATE
    tail = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)
    onset = int(rng.uniform(0.002, 0.01) * SAMPLE_RATE)  # the tail starts after the direct sound
    tail[:onset] = 0.0
    rir = tail * float(rng.uniform(0.2, 0.6)) / (np.sqrt(np.sum(tail ** 2)) + 1e-9)
    for _ in range(int(rng.integers(3, 8))):  # early reflections off walls and table
        rir[int(rng.uniform(0.003, 0.03) * SAMPLE_RATE)] += float(rng.uniform(-0.5, 0.5))
    rir[0] = 1.0
    return (rir / np.max(np.abs(rir))).astype(np.float32)


def in_room(audio: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """`audio` as heard across a room, trimmed to its own length, with its level kept."""
    wet = fftconvolve(audio, room_response(rng))[:len(audio)]
    return (wet * (rms(audio) / (rms(wet) + 1e-9))).astype(np.float32)


def rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) if len(audio) else 0.0


def colored_noise(n: int, rng: np.random.Generator, exponent: float | None = None) -> np.ndarray:
    """Noise with a 1/f^exponent spectrum: 0 white, 1 pink (fans, rain), 2 brown (traffic, rumble)."""
    exponent = exponent if exponent is not None else float(rng.uniform(0.0, 2.0))
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(len(spectrum), dtype=np.float64)
    f[0] = 1.0
    noise = np.fft.irfft(spectrum / f ** (exponent / 2), n)
    return (noise / (rms(noise) + 1e-9)).astype(np.float32)


def mix_at_snr(speech: np.ndarray, noise: np.ndarray, snr_db: float, speech_rms: float | None = None) -> np.ndarray:
    """`speech` with `noise` (tiled or cut to its length) added `snr_db` below the speech's level."""
    if len(noise) < len(speech):
        noise = np.tile(noise, len(speech) // max(1, len(noise)) + 1)
    noise = noise[:len(speech)]
    level = speech_rms if speech_rms is not None else rms(speech)
    gain = level / (rms(noise) + 1e-9) / (10 ** (snr_db / 20))
    return (speech + noise * gain).astype(np.float32)


def random_level(audio: np.ndarray, rng: np.random.Generator, low_db: float = -35.0,
                 high_db: float = -12.0) -> np.ndarray:
    """`audio` scaled to an RMS between `low_db` and `high_db` dBFS (a voice near or far), clipped."""
    target = 10 ** (float(rng.uniform(low_db, high_db)) / 20)
    return np.clip(audio * (target / (rms(audio) + 1e-9)), -1.0, 1.0).astype(np.float32)


def babble(pool: list[np.ndarray], n: int, rng: np.random.Generator, talkers: int | None = None) -> np.ndarray:
    """Unit-RMS noise of `talkers` (2-5) people talking at once, each a loop of random clips from `pool`:
    the background that most fooled the first heads."""
    talkers = talkers if talkers is not None else int(rng.integers(2, 6))
    out = np.zeros(n, np.float32)
    for _ in range(talkers):
        picks = [pool[int(i)] for i in rng.integers(0, len(pool), 12)]
        talker = np.resize(np.concatenate([p / (rms(p) + 1e-9) for p in picks]), n)
        out += np.roll(talker, int(rng.integers(0, n))) * float(rng.uniform(0.5, 1.0))
    return (out / (rms(out) + 1e-9)).astype(np.float32)


def background(n: int, rng: np.random.Generator, pool: list[np.ndarray], babble_share: float = 0.5) -> np.ndarray:
    """Unit-RMS background: babble from `pool` with probability `babble_share`, else coloured noise or hum."""
    if pool and rng.random() < babble_share:
        return babble(pool, n, rng)
    if rng.random() < 0.15:
        t = np.arange(n) / SAMPLE_RATE
        base = float(rng.choice([50.0, 60.0]))
        hum = sum(np.sin(2 * np.pi * base * k * t + rng.uniform(0, 6)) / k for k in (1, 2, 3, 5))
        hum = hum + 0.3 * rng.standard_normal(n)
        return (hum / (rms(hum) + 1e-9)).astype(np.float32)
    return colored_noise(n, rng)
