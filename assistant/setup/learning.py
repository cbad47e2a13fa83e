"""The word learned from the couple's takes: the takes the ear can use, the head trained on them, and the
threshold its scores of them give.

Receives the word, the takes and ordinary sentences (16 kHz int16, in memory, from the microphone or from
files). Emits the trained head (cached in the data folder; the takes kept as embeddings only) and a
`Calibration` from `calibration.learned_threshold`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import numpy as np

from assistant.ear import enrollment
from assistant.ear.build import ProgressBar
from assistant.ear.fusion import FusedSpotter
from assistant.ear.take_quality import take_problem
from assistant.ear.training import default_recipe, find_head, head_path, train_head
from assistant.ear.word_head import HeadSpotter, WordHead
from assistant.hearing.recognizer import SAMPLE_RATE
from assistant.setup.calibration import Calibration, learned_threshold
from assistant.store import data_dir


def usable_takes(word: str, takes: list[np.ndarray], names: list[str], out: TextIO) -> list[np.ndarray]:
    """The takes the ear can learn from; each of the others named, with what is wrong with it, and skipped.
    Raises ValueError when none is left."""
    usable = []
    for k, (take, name) in enumerate(zip(takes, names, strict=True)):
        problem = take_problem(take, word)
        if problem is None:
            usable.append(take)
        else:
            print(f"skipped take {k + 1} ({name}): {problem}", file=out, flush=True)
    if not usable:
        raise ValueError(f'--takes: none of the {len(takes)} recordings holds the word said clearly: record '
                         f'"{word}" again, a second or two each, in your usual voice')
    return usable


def learn_word(word: str, takes: list[np.ndarray], sentences: list[np.ndarray], *,
               data_folder: Path | None = None, out: TextIO = sys.stderr, default: float = 0.5,
               check=None) -> Calibration | None:
    """Train the word's head (with the couple's takes and sentences, kept as embeddings only) and cache it.
    With takes, returns the threshold the trained head's scores of them give (`learned_threshold`: a take it
    still hears faintly never stops the word being saved); a word without takes whose head is already cached
    is not trained again."""
    folder = data_folder or data_dir()
    recipe = default_recipe()
    if not takes:
        if find_head(word, folder, recipe) is None:
            with ProgressBar(word, out) as bar:
                head = train_head(word, recipe=recipe, enrolled=enrollment.load(word, folder), progress=bar)
            head.save(head_path(word, folder, recipe))
        return None
    examples = enrollment.enroll(word, takes, sentences, folder, recipe.take_copies)
    with ProgressBar(word, out) as bar:
        head = train_head(word, recipe=recipe, enrolled=examples, progress=bar)
    head.save(head_path(word, folder, recipe))
    head = WordHead.load(head_path(word, folder, recipe))
    return learned_threshold(word, [head_score(head, t, check) for t in takes],
                             [head_score(head, s, check) for s in sentences], default)


def head_score(head, clip: np.ndarray, check=None) -> float:
    """The listener's best confidence for the word anywhere in a clip (head fused with keyword search, and the
    second stage's `check` when given), heard as the listener hears it, with quiet around it."""
    pad = np.zeros(SAMPLE_RATE // 2, np.int16)
    audio = np.concatenate([pad, np.asarray(clip, np.int16), pad, pad])
    spotter = FusedSpotter(HeadSpotter([head]), check=check)
    hits = []
    for i in range(0, len(audio), 1280):
        hits += spotter.accept(audio[i:i + 1280])
    hits += spotter.flush()
    return max((h.confidence for h in hits), default=0.0)


__all__ = [
    "head_score",
    "learn_word",
    "usable_takes",
]
