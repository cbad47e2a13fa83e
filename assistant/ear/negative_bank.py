"""The negative bank: what a new word's head learns not to answer to, built once and shipped.

Receives nothing but its path (`assistant/data/negative_bank.npz`, 8.8 MB; `scripts/build_negative_bank.py`
builds it again when the recipe changes). Emits sequences of embeddings of ordinary speech, real speech and
room noise (never audio), and evenly spread windows of them, leaving out any sentence that holds the couple's
word.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import time
from importlib import resources
from pathlib import Path

import numpy as np

from assistant.ear.word_head import HeadError, sequence_windows


def bank_path() -> Path:
    return Path(str(resources.files("assistant") / "data" / "negative_bank.npz"))


def building_marker(path: Path) -> Path:
    """Written by scripts/build_negative_bank.py while it builds `path`: the builder's process id."""
    return path.with_name(path.name + ".building")


def _wait_for_a_build(path: Path) -> None:
    """A bank still being built (set-up run beside the build script, or CI building it beside the tests):
    wait for it rather than refuse, while the builder lives."""
    marker, said = building_marker(path), False
    while not path.is_file():
        try:
            os.kill(int(marker.read_text().strip()), 0)
        except (OSError, ValueError):
            return  # no build running: the caller says how to build it
        if not said:
            print(f"waiting for the negative bank being built ({path})", file=sys.stderr, flush=True)
            said = True
        time.sleep(2)


def load_bank(path: Path | None = None, without: str = "") -> list[np.ndarray]:
    """Sequences of embeddings (each (n, 96) float32) of ordinary speech and noise, leaving out any whose
    text holds `without` (the couple's own word must not be taught as a negative)."""
    return [emb for _, emb in labelled_bank(path, without)]


def labelled_bank(path: Path | None = None, without: str = "") -> list[tuple[str, np.ndarray]]:
    """`load_bank` with each sequence's text (what was said, or where it came from: "real:ljspeech:...",
    "noise", "babble"), for measuring which kind of negative helps (`scripts/bench_negatives.py`)."""
    path = path or bank_path()
    _wait_for_a_build(path)
    if not path.is_file():
        raise HeadError(f"{path} is missing: the examples a new word model learns what not to answer to ship "
                        "with the package; reinstall it (`pip install -e .` in a clone), or build them with "
                        "`.venv/bin/python scripts/build_negative_bank.py` (about 7 minutes); the default word "
                        "needs none")
    with np.load(path, allow_pickle=False) as data:
        embeddings = (data["codes"].astype(np.float32) + 127) * data["step"] + data["lo"]
        starts = list(data["starts"]) + [len(embeddings)]
        texts = json.loads(bytes(data["texts"]).decode())
    return [(text, embeddings[a:b]) for (a, b), text in zip(itertools.pairwise(starts), texts)
            if not without or not says(text, without)]


def _words(text: str) -> str:
    return " " + " ".join("".join(c if c.isalnum() else " " for c in text.lower()).split()) + " "


def says(text: str, phrase: str) -> bool:
    """Whether `text` holds `phrase` as whole words, ignoring case and punctuation."""
    return _words(phrase) in _words(text)


def bank_windows(count: int, path: Path | None = None, without: str = "") -> np.ndarray:
    """About `count` windows of the bank, evenly spread: every k-th step of every sequence."""
    sequences = load_bank(path, without)
    stride = max(1, round(sum(len(seq) for seq in sequences) / count))
    parts = [sequence_windows(seq, stride) for seq in sequences]
    return np.concatenate([p for p in parts if len(p)]).astype(np.float16)


__all__ = ["bank_path", "bank_windows", "building_marker", "labelled_bank", "load_bank", "says"]
