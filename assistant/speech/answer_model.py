"""Short answers heard by the learned front-end: yes, no, and the times the assistant offers.

Receives the recording of one answer (int16, 16 kHz). Emits which of a few known answers it was, with a
probability, or "other". One small network over the same speech embeddings as the pause word (16 steps,
1.28 s), trained on this machine's offline voices the way the pause word is (`scripts/train_answer_model.py`)
and shipped: a closed set of short phrases is what a keyword recogniser hears worst and a learned model best.
Every window of the answer is scored; the answer is the class whose best window is most probable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from assistant.speech.embedding import embed_clip
from assistant.speech.tts_voices import SAMPLE_RATE
from assistant.speech.word_head import WINDOW_STEPS, HeadError, silence_rows

OTHER = "other"
YES_VARIANTS = ("yes", "yeah", "yep", "yes please", "that's right", "correct", "okay", "sounds good")
NO_VARIANTS = ("no", "nope", "no thanks", "not right", "that's wrong", "wrong", "no that's not it", "not now")
CHOICE_PHRASES = ("in twenty minutes", "in thirty minutes", "in an hour", "this evening", "tomorrow morning",
                  "this morning")
"""The offered times the model knows (`session.choices` offers these for the default and common breaks); an
offer outside them is heard by the keyword recogniser alone."""
CLASSES = (OTHER, "yes", "no") + CHOICE_PHRASES
MODEL_VERSION = "answers-1"
CHOICE_BAR = 0.5
"""An offered time is taken when its class is the most probable of all and at least this probable."""
YES_BAR = 0.5
NO_BAR = 0.5
NEGATIONS = frozenset({"no", "not", "nope", "wrong", "isn't", "don't", "nothing", "never"})
"""Words that rule out a yes when the keyword recogniser heard any of them."""
TAIL_S = 0.4
"""Quiet added after an answer, so the windows that end just after it (where the model fires) exist."""


@dataclass(frozen=True)
class AnswerHead:
    """A softmax network over embedding windows; `classes[0]` is "other"."""

    classes: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    info: dict = field(default_factory=dict)

    def probabilities(self, windows: np.ndarray) -> np.ndarray:
        """(n, classes) probabilities for windows of shape (n, 16, 96)."""
        x = (windows.reshape(len(windows), -1).astype(np.float32) - self.mean) / self.scale
        logits = np.maximum(x @ self.w1 + self.b1, 0.0) @ self.w2 + self.b2
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)

    def scores(self, audio: np.ndarray) -> dict[str, float]:
        """Each class's best window probability over one answer (int16 or float in -1..1)."""
        audio = np.asarray(audio)
        if audio.dtype != np.int16:
            audio = (np.clip(audio, -1, 1) * 32767).astype(np.int16)
        audio = np.concatenate([audio, np.zeros(int(TAIL_S * SAMPLE_RATE), np.int16)])
        emb = embed_clip(audio)
        padded = np.concatenate([silence_rows().astype(np.float32), emb])
        windows = np.stack([padded[e - WINDOW_STEPS:e] for e in range(WINDOW_STEPS, len(padded) + 1)])
        best = self.probabilities(windows).max(axis=0)
        return {c: float(p) for c, p in zip(self.classes, best)}

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {"classes": list(self.classes), "version": MODEL_VERSION, "info": self.info}
        tmp = path.with_suffix(".tmp.npz")
        with open(tmp, "wb") as f:
            np.savez_compressed(f, mean=self.mean, scale=self.scale, w1=self.w1, b1=self.b1, w2=self.w2,
                                b2=self.b2, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: Path) -> AnswerHead:
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(bytes(data["meta"]).decode())
                arrays = {k: data[k].astype(np.float32) for k in ("mean", "scale", "w1", "b1", "w2", "b2")}
        except (OSError, KeyError, ValueError) as e:
            raise HeadError(f"{path}: not an answer model ({e}); reinstall the assistant") from e
        return cls(classes=tuple(meta["classes"]), info=meta.get("info", {}), **arrays)


def shipped_path() -> Path:
    return Path(str(resources.files("assistant") / "data" / "heads" / f"{MODEL_VERSION}.npz"))


@cache
def shipped_head() -> AnswerHead | None:
    """The shipped answer model, or None where it is missing (answers are then heard by keywords alone)."""
    path = shipped_path()
    return AnswerHead.load(path) if path.is_file() else None


def choice_from(scores: dict[str, float], offered: list[str], bar: float = CHOICE_BAR) -> str | None:
    """The offered time the model heard, or None: its class must beat every other class, "other" and the
    times not offered included, and reach `bar`."""
    best = max(scores, key=scores.get)
    return best if best in offered and scores[best] >= bar else None


def yes_no_from(scores: dict[str, float], keywords_heard: str, yes_bar: float = YES_BAR,
                no_bar: float = NO_BAR) -> str | None:
    """"yes", "no" or None (unsure) from the model's scores, with what the keyword recogniser heard as a veto:
    a yes is never taken when it heard a negation. A no taken for a yes is the costly mistake; a yes taken for
    a no only asks for a time again."""
    best = max(scores, key=scores.get)
    if best == "no" and scores["no"] >= no_bar:
        return "no"
    if best == "yes" and scores["yes"] >= yes_bar and NEGATIONS.isdisjoint(keywords_heard.split()):
        return "yes"
    return None


def class_of(phrase: str) -> str | None:
    """The model's class for a phrase the dialog may hear (an offered time or a yes/no), or None."""
    phrase = " ".join(phrase.lower().split())
    if phrase in CHOICE_PHRASES:
        return phrase
    if phrase in YES_VARIANTS:
        return "yes"
    if phrase in NO_VARIANTS:
        return "no"
    return None


__all__ = [
    "CHOICE_BAR",
    "CHOICE_PHRASES",
    "CLASSES",
    "MODEL_VERSION",
    "NEGATIONS",
    "NO_BAR",
    "NO_VARIANTS",
    "OTHER",
    "TAIL_S",
    "YES_BAR",
    "YES_VARIANTS",
    "AnswerHead",
    "choice_from",
    "class_of",
    "shipped_head",
    "shipped_path",
    "yes_no_from",
]
