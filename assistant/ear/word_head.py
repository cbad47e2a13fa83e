"""The learned ear's word head, and the spotter that runs it on a live stream.

A head is a small neural network (standardise, one hidden layer, a logistic output) over the last 16
speech embeddings (1.28 s). It is trained per pause word on this machine (`training.py`) and stored as a
plain `.npz` of arrays (no pickle), so loading one never runs code. Its `bar` is the probability that the
recipe's calibration put at sensitivity 0.5; confidences are expressed relative to it, so the detector's
thresholds mean the same for every head.

`HeadSpotter` receives 16 kHz int16 frames and emits a `WordHit` for every 80 ms step whose window scores
above a low floor; the detector keeps those above its threshold and merges repeats (debounce).
"""

from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from assistant.ear.embedding import EMBEDDING_SIZE, SAMPLE_RATE, STEP_SAMPLES, SpeechEmbedder, embed_clip
from assistant.hearing.recognizer import WordHit

WINDOW_STEPS = 16
"""Embeddings a head reads: 1.28 s."""
FLOOR_CONFIDENCE = 0.05
"""Steps scoring below this confidence are not reported at all (the detector's lowest useful bar)."""


class HeadError(ValueError):
    """A head file is missing or unreadable; the message says how to make a new one."""


@dataclass(frozen=True)
class WordHead:
    """A trained head for one word: weights, its calibration, and where it came from."""

    word: str
    recipe: str
    mean: np.ndarray
    scale: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    bar: float
    """Probability that counts as confidence 0.5 (the default sensitivity's threshold)."""
    word_seconds: float = 0.6
    """Typical length of the word in training, to place a detection's start."""
    lag_seconds: float = 0.16
    """How long after the word's end the head typically peaks."""
    info: dict = field(default_factory=dict)
    """Training facts for reports: clip counts, seconds taken, enrolled voices."""

    def probability(self, windows: np.ndarray) -> np.ndarray:
        """P(word) for windows of shape (n, 16, 96)."""
        logit = network_outputs(self, windows).reshape(-1)
        return 1.0 / (1.0 + np.exp(-np.clip(logit, -40, 40)))

    def confidence(self, probability: np.ndarray | float) -> np.ndarray:
        """0..1 confidence with 0.5 at the calibrated bar: a logistic shift of the head's log-odds."""
        p = np.clip(np.asarray(probability, dtype=np.float64), 1e-12, 1 - 1e-12)
        logit = np.log(p / (1 - p)) - math.log(self.bar / (1 - self.bar))
        return 1.0 / (1.0 + np.exp(-logit))

    def save(self, path: Path) -> Path:
        meta = {"word": self.word, "recipe": self.recipe, "bar": self.bar, "word_seconds": self.word_seconds,
                "lag_seconds": self.lag_seconds, "info": self.info}
        return save_network(path, self, meta, private=True)

    @classmethod
    def load(cls, path: Path) -> WordHead:
        try:
            arrays, meta = load_network(path)
        except (OSError, KeyError, ValueError) as e:
            raise HeadError(f"{path}: not a pause-word model ({e}); delete it and run `assistant setup`") from e
        if arrays["w1"].shape[0] != WINDOW_STEPS * EMBEDDING_SIZE:
            raise HeadError(f"{path}: made for another front-end; delete it and run `assistant setup`")
        return cls(word=meta["word"], recipe=meta["recipe"], bar=float(meta["bar"]),
                   word_seconds=float(meta.get("word_seconds", 0.6)),
                   lag_seconds=float(meta.get("lag_seconds", 0.16)), info=meta.get("info", {}), **arrays)


NETWORK_ARRAYS = ("mean", "scale", "w1", "b1", "w2", "b2")
"""A one-hidden-layer network as stored: input normalisation, then two layers (the word heads)."""


def network_outputs(network, windows: np.ndarray) -> np.ndarray:
    """The output layer's values (before the sigmoid or softmax) for windows of shape (n, 16, 96)."""
    x = (windows.reshape(len(windows), -1).astype(np.float32) - network.mean) / network.scale
    return np.maximum(x @ network.w1 + network.b1, 0.0) @ network.w2 + network.b2


def save_network(path: Path, network: object, meta: dict, *, private: bool = False) -> Path:
    """`network`'s `NETWORK_ARRAYS` and `meta` (JSON) in one npz, never pickled, written whole or not at all
    (a crash mid-write leaves the old file); `private`: readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {k: getattr(network, k) for k in NETWORK_ARRAYS}
    tmp = path.with_suffix(".tmp.npz")
    with open(tmp, "wb") as f:
        np.savez_compressed(f, **arrays, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
    if private:
        tmp.chmod(0o600)
    tmp.replace(path)
    return path


def load_network(path: Path) -> tuple[dict[str, np.ndarray], dict]:
    """(arrays as float32, meta) of a file `save_network` wrote; OSError, KeyError or ValueError otherwise."""
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(bytes(data["meta"]).decode())
        return {k: data[k].astype(np.float32) for k in NETWORK_ARRAYS}, meta


@cache
def silence_rows() -> np.ndarray:
    """The embeddings of silence that a stream starts with, so a word said at once is heard."""
    return embed_clip(np.zeros(WINDOW_STEPS * STEP_SAMPLES, np.int16))[1:]


PRIME_SECONDS = 2.0
"""Quiet room fed to the front-end before a stream starts (and after each reset): the heads learned words said
after speech or a room's noise, never after the front-end's start-up padding, and a word in a stream's first
second was missed: measured on 60 voices saying "timeout" 0-1 s after the start, 38-49 heard with the
padding, 58-60 after a primed front-end (3 s in: 59)."""
PRIME_LEVEL = 30.0
"""Standard deviation of the priming noise, int16 units (about -60 dBFS: a quiet room)."""


@cache
def _quiet_room() -> np.ndarray:
    return np.random.default_rng(7).normal(0.0, PRIME_LEVEL, int(PRIME_SECONDS * SAMPLE_RATE)).astype(np.int16)


class HeadSpotter:
    """A Recognizer over learned heads: one shared front-end, one head per pause word.

    | want                       | do                                                      |
    |----------------------------|---------------------------------------------------------|
    | hits as audio arrives      | `spotter.accept(frame)`                                 |
    | the assistant is speaking  | `spotter.skip(n)`: the clock moves, nothing is heard    |
    | every step's score (bench) | `spotter.trace` after `record_trace=True`               |
    """

    def __init__(self, heads: Sequence[WordHead], *, record_trace: bool = False,
                 floor: float = FLOOR_CONFIDENCE) -> None:
        self.heads = list(heads)
        self.vocabulary = tuple(h.word for h in self.heads)
        self._front = SpeechEmbedder()
        self._floor = floor
        self._samples = 0          # samples of audio seen, the clock of every hit
        self._origin = 0           # sample at which the front-end's current stream began
        self._primed = 0           # front-end steps of priming noise before the stream (not on the clock)
        self._stale = True         # a new stream starts with the next audio accepted (primed then, once)
        self._recent: deque[tuple[float, np.ndarray]] = deque(maxlen=40)  # (step time, window): 3.2 s
        self.trace: list[tuple[float, tuple[float, ...]]] | None = [] if record_trace else None

    def window_at(self, at: float) -> np.ndarray | None:
        """The 16 embeddings the heads read at the step ending at `at` seconds (recent steps only), so a
        near miss or a cancelled trigger can be kept as numbers, never as audio."""
        return next((w for t, w in reversed(self._recent) if abs(t - at) < 1e-6), None)

    def replace_head(self, head: WordHead) -> None:
        """Swap in a retrained head for the same word between two frames (learning in the home)."""
        self.heads = [head if h.word == head.word else h for h in self.heads]

    def accept(self, frame: np.ndarray) -> list[WordHit]:
        frame = np.asarray(frame, dtype=np.int16)
        if self._stale:
            self._origin = self._samples
            self._prime()
        self._samples += len(frame)
        rows = self._front.process(frame)
        if not len(rows):
            return []
        hits = []
        self._window = np.concatenate([self._window, rows])[-(WINDOW_STEPS + len(rows) - 1):]
        first_step = self._front.steps - self._primed - len(rows)
        windows = np.stack([self._window[i:i + WINDOW_STEPS] for i in range(len(rows))])
        for head in self.heads:
            confidence = head.confidence(head.probability(windows))
            for i, c in enumerate(confidence):
                at = (self._origin + (first_step + i + 1) * STEP_SAMPLES) / SAMPLE_RATE
                if head is self.heads[0]:
                    self._recent.append((at, windows[i]))
                if self.trace is not None and head is self.heads[0]:
                    self.trace.append((at, tuple(float(h.confidence(h.probability(windows[i:i + 1]))[0])
                                                 for h in self.heads)))
                if c >= self._floor:
                    end = max(0.0, at - head.lag_seconds)
                    hits.append(WordHit(head.word, max(0.0, end - head.word_seconds), end, at, float(c)))
        return hits

    def flush(self) -> list[WordHit]:
        return []

    def skip(self, samples: int) -> list[WordHit]:
        """Audio not to be heard (the assistant's own voice): the clock moves on; the stream restarts."""
        self._samples += samples
        self.reset()
        return []

    def reset(self) -> None:
        """A new stream from the next audio accepted. Lazy: the detectors reset their spotters on every block
        they skip while the assistant speaks, and priming each time cost 25 embedding steps per 30 ms block
        (the live loop fell behind and missed commands: the learning rig test)."""
        self._stale = True

    def _prime(self) -> None:
        """Start the front-end as if it had heard a quiet room for `PRIME_SECONDS` (see there)."""
        self._front.reset()
        rows = self._front.process(_quiet_room())
        self._window = np.concatenate([silence_rows(), rows])[-(WINDOW_STEPS - 1):]
        self._primed = self._front.steps
        self._stale = False


def sequence_windows(embeddings: np.ndarray, stride: int = 1) -> np.ndarray:
    """Every `stride`-th window of 16 consecutive embeddings of one sequence (silence before its start)."""
    padded = np.concatenate([silence_rows().astype(embeddings.dtype), embeddings])
    ends = np.arange(WINDOW_STEPS, len(padded) + 1, stride)
    if not len(ends):
        return np.zeros((0, WINDOW_STEPS, embeddings.shape[1]), embeddings.dtype)
    return np.stack([padded[e - WINDOW_STEPS:e] for e in ends])


