"""The pause-word detector: VAD gate -> recognizer -> threshold per word -> debounce.

Receives 16 kHz int16 frames of any length. Emits `KeywordHeard` for each verified pause word, stamped on
the audio clock (milliseconds of audio since the detector started).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from assistant.audio.vad import VadGate
from assistant.events import KeywordHeard
from assistant.hearing.recognizer import SAMPLE_RATE, Recognizer, WordHit


def threshold_for(sensitivity: float) -> float:
    """Confidence a hit needs at a given sensitivity: 0.5 -> 0.5, higher sensitivity -> lower bar."""
    return min(1.0, max(0.0, 1.0 - sensitivity))


class PauseWordDetector:
    """Hears the agreed pause words in a stream.

    | want                          | do                                                          |
    |-------------------------------|-------------------------------------------------------------|
    | detections as audio arrives   | `for e in det.process(frame): ...`                          |
    | end of a file                 | `det.flush()`                                               |
    | skip audio (own voice, mode)  | `det.mute_for(seconds)`; the clock keeps running            |
    """

    def __init__(self, recognizer: Recognizer, *, sensitivity: float = 0.5,
                 thresholds: Mapping[str, float] | None = None, debounce_seconds: float = 2.0,
                 gate: VadGate | None = None) -> None:
        self.recognizer = recognizer
        self.words: Sequence[str] = recognizer.vocabulary
        self._thresholds = {w: (thresholds or {}).get(w, threshold_for(sensitivity)) for w in self.words}
        self._debounce_s = debounce_seconds
        self._gate = gate
        self._last_end_s: dict[str, float] = {}
        self._samples = 0
        self._muted_until = 0  # sample count up to which audio is the assistant's own voice

    @property
    def audio_seconds(self) -> float:
        return self._samples / SAMPLE_RATE

    def mute_for(self, seconds: float) -> None:
        """Ignore the next `seconds` of audio (counted on the audio clock from what has been processed),
        so blocks captured while the assistant spoke are skipped even if they are processed later."""
        self.recognizer.reset()
        self._muted_until = max(self._muted_until, self._samples + round(seconds * SAMPLE_RATE))

    def process(self, frame: np.ndarray) -> list[KeywordHeard]:
        frame = np.asarray(frame, dtype=np.int16)
        self._samples += len(frame)
        if self._samples <= self._muted_until:
            self.recognizer.skip(len(frame))  # hits finishing under the assistant's own voice are dropped
            return []
        if self._gate is None:
            return self._verified(self.recognizer.accept(frame))
        hits: list[WordHit] = []
        out = self._gate.process(frame)
        for op in out.ops:
            if isinstance(op, int):
                hits.extend(self.recognizer.skip(op))
            else:
                hits.extend(self.recognizer.accept(op))
        if out.closed:
            hits.extend(self.recognizer.flush())
        return self._verified(hits)

    def flush(self) -> list[KeywordHeard]:
        return self._verified(self.recognizer.flush())

    def _verified(self, hits: list[WordHit]) -> list[KeywordHeard]:
        events = []
        for hit in sorted(hits, key=lambda h: h.end_s):
            if hit.phrase not in self._thresholds or hit.confidence < self._thresholds[hit.phrase]:
                continue
            last = self._last_end_s.get(hit.phrase)
            if last is not None and hit.start_s - last < self._debounce_s:
                continue
            self._last_end_s[hit.phrase] = hit.end_s
            events.append(KeywordHeard(
                t_ms=round(hit.emitted_s * 1000), word=hit.phrase, start_ms=round(hit.start_s * 1000),
                end_ms=round(hit.end_s * 1000), confidence=round(hit.confidence, 3)))
        return events
