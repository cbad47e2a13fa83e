"""The recognizer protocol: audio frames in, timed word hits out.

Receives 16 kHz mono int16 frames of any length. Emits `WordHit`s: a phrase from the active vocabulary,
where it lies in the audio (seconds since the recognizer's first sample) and a 0..1 confidence. Engines
keep their own audio clock (sample counts), so hits are placed correctly however the audio is chunked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

SAMPLE_RATE = 16000


@dataclass(frozen=True, slots=True)
class WordHit:
    """A phrase heard by an engine."""

    phrase: str
    """The vocabulary entry, exactly as it was given to the engine."""
    start_s: float
    """Seconds of audio at which the phrase began."""
    end_s: float
    """Seconds of audio at which the phrase ended."""
    emitted_s: float
    """Seconds of audio consumed when the engine reported it (end_s plus the engine's delay)."""
    confidence: float
    """0..1; how sure the engine is. Comparable across calls of one engine, not across engines."""


class Recognizer(Protocol):
    """An engine restricted to a small vocabulary of phrases."""

    vocabulary: tuple[str, ...]

    def accept(self, frame: np.ndarray) -> list[WordHit]:
        """Feed audio; return hits that became final with this frame."""
        ...

    def flush(self) -> list[WordHit]:
        """End of audio: return any hit still pending."""
        ...

    def skip(self, samples: int) -> list[WordHit]:
        """Advance the audio clock over `samples` the engine need not hear (silence); returns hits that
        the silence made final."""
        ...

    def reset(self) -> None:
        """Forget partial state (keep the clock)."""
        ...


class VocabularyError(ValueError):
    """A phrase cannot be recognised by this engine's model; the message offers a working alternative."""


class HitRecorder:
    """Wraps a recognizer and keeps every hit it reports, before any threshold: for calibration and
    benchmarks, which replay or score the hits themselves."""

    def __init__(self, inner: Recognizer) -> None:
        self.inner, self.vocabulary, self.hits = inner, inner.vocabulary, []

    def _keep(self, hits: list[WordHit]) -> list[WordHit]:
        self.hits += hits
        return hits

    def accept(self, frame) -> list[WordHit]:
        return self._keep(self.inner.accept(frame))

    def flush(self) -> list[WordHit]:
        return self._keep(self.inner.flush())

    def skip(self, samples: int) -> list[WordHit]:
        return self._keep(self.inner.skip(samples))

    def reset(self) -> None:
        self.inner.reset()
