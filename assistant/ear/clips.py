"""Training clips: the word placed after speech or quiet, in a synthetic room, under noise, at a level; and
the windows of embeddings a head is trained on, labelled by where the word ends.

Receives rendered audio (float32 at the voices' rate) and a random generator. Emits clips and their windows
of 16 embeddings (`word_head.WINDOW_STEPS`), positives ending just after the word, negatives elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.ear import augment
from assistant.ear.embedding import STEP_SAMPLES, embed_clip
from assistant.ear.tts_voices import SAMPLE_RATE
from assistant.ear.word_head import WINDOW_STEPS, sequence_windows, silence_rows

CLIP_STEPS = 36
"""Training clips are 2.88 s: the word ends 2.0-2.4 s in, leaving room for every window that sees it."""
POSITIVE_AFTER_END_S = (0.0, 0.32)
"""Windows ending this long after the word's end are positives: the head fires as the word ends."""


def place(word: np.ndarray, rng: np.random.Generator, context: Sequence[np.ndarray],
          babble: Sequence[np.ndarray]) -> tuple[np.ndarray, float, float]:
    """A training clip holding `word`, its start and end in seconds: speech or quiet before it, a room,
    noise, a level. The word's end falls 2.0-2.4 s in."""
    n = CLIP_STEPS * STEP_SAMPLES
    word = word[: int(1.8 * SAMPLE_RATE)]
    end = int(rng.uniform(2.0, 2.4) * SAMPLE_RATE)
    start = end - len(word)
    clip = np.zeros(n, np.float32)
    clip[start:end] = word
    level = augment.rms(word)
    if context and rng.random() < 0.6:  # someone was talking just before
        before = context[int(rng.integers(len(context)))]
        gap = int(rng.uniform(0.05, 0.5) * SAMPLE_RATE)
        stop = max(0, start - gap)
        piece = before[-stop:] if stop else before[:0]
        piece = piece * (level / (augment.rms(piece) + 1e-9)) * float(rng.uniform(0.5, 1.2))
        clip[stop - len(piece):stop] += piece
    if rng.random() < 0.7:
        clip = augment.in_room(clip, rng)
    noise = augment.background(n, rng, list(babble), babble_share=0.4)
    clip = augment.mix_at_snr(clip, noise, float(rng.uniform(5, 20)), speech_rms=level)
    return augment.random_level(clip, rng), start / SAMPLE_RATE, end / SAMPLE_RATE


def noisy(audio: np.ndarray, rng: np.random.Generator, babble: Sequence[np.ndarray]) -> np.ndarray:
    """A negative clip: in a room (sometimes), under noise, at a level; padded to the clip length."""
    n = CLIP_STEPS * STEP_SAMPLES
    clip = np.zeros(n, np.float32)
    piece = audio[: n - int(0.3 * SAMPLE_RATE)]
    at = int(rng.integers(0, n - len(piece) + 1))
    clip[at:at + len(piece)] = piece
    if rng.random() < 0.6:
        clip = augment.in_room(clip, rng)
    noise = augment.background(n, rng, list(babble), babble_share=0.5)
    clip = augment.mix_at_snr(clip, noise, float(rng.uniform(5, 25)), speech_rms=augment.rms(piece))
    return augment.random_level(clip, rng)


def to_int16(clip: np.ndarray) -> np.ndarray:
    return (np.clip(clip, -1, 1) * 32767).astype(np.int16)


def word_windows(clip: np.ndarray, start_s: float, end_s: float) -> tuple[np.ndarray, np.ndarray]:
    """(positive windows, negative windows) of a clip holding the word: positives end just after the
    word; negatives end before its middle (a part of the word is not the word)."""
    emb = embed_clip(to_int16(clip), threads=2)
    padded = np.concatenate([silence_rows(), emb])
    ends_s = (np.arange(1, len(emb) + 1)) * STEP_SAMPLES / SAMPLE_RATE
    lo, hi = POSITIVE_AFTER_END_S
    pos = [k for k, t in enumerate(ends_s) if end_s + lo <= t <= end_s + hi]
    neg = [k for k, t in enumerate(ends_s) if t < start_s + 0.45 * (end_s - start_s)][-6:]

    def take(ks):
        return np.stack([padded[k + 1:k + 1 + WINDOW_STEPS] for k in ks]) if ks else \
            np.zeros((0, WINDOW_STEPS, emb.shape[1]), np.float32)
    return take(pos), take(neg)


def clip_windows(clip: np.ndarray, stride: int = 1) -> np.ndarray:
    """Every window of a clip that holds no pause word."""
    return sequence_windows(embed_clip(to_int16(clip), threads=2), stride)


# ---------------------------------------------------------------- training


__all__ = ["CLIP_STEPS", "POSITIVE_AFTER_END_S", "clip_windows", "noisy", "place", "to_int16", "word_windows"]
