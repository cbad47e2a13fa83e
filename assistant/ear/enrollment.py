"""The couple's own voices, kept only as speech embeddings (never audio), so a head can be retrained.

Receives the takes and sentences of `assistant setup` (16 kHz int16, in memory). Emits, and stores in the
data folder (owner-only, one file per word), their augmented embedding windows: positives from the takes,
negatives from the sentences. The audio itself is dropped when set-up ends. `assistant forget` deletes the
folder with everything else.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.ear.training import EXAMPLES_FOLDER, Examples, cache_folder, take_examples

FOLDER = "enrollment"


def path_for(word: str, data_folder: Path) -> Path:
    digest = hashlib.sha1(word.encode()).hexdigest()[:12]
    return data_folder / FOLDER / f"{digest}.npz"


def enroll(word: str, takes: Sequence[np.ndarray], sentences: Sequence[np.ndarray], data_folder: Path,
           copies: int) -> Examples:
    """Augment and embed the couple's takes and sentences, store the embeddings, return them."""
    examples = take_examples(takes, sentences, copies)
    save(word, examples, data_folder)
    return examples


def save(word: str, examples: Examples, data_folder: Path) -> Path:
    path = path_for(word, data_folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    windows, labels = examples.arrays()
    tmp = path.with_suffix(".tmp.npz")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        np.savez_compressed(f, windows=windows.astype(np.float16), labels=labels,
                            word=np.frombuffer(word.encode(), dtype=np.uint8))
    tmp.replace(path)
    return path


def load(word: str, data_folder: Path) -> Examples | None:
    """The stored examples for `word`, or None when the couple have not enrolled it."""
    path = path_for(word, data_folder)
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as data:
        examples = Examples()
        examples.windows.append(data["windows"])
        examples.labels.append(data["labels"])
    return examples


def forget(data_folder: Path, cache: Path | None = None) -> int:
    """Delete every enrolled voice, every head trained here (they may hold the couple's voices), what the ear
    learned at home and the rendered examples of the words in the cache folder (they say which word was
    chosen), each file overwritten with zeros first. Returns how many files were deleted."""
    count = 0
    folders = [data_folder / sub for sub in (FOLDER, "heads", "learned")]
    for folder in [*folders, (cache or cache_folder()) / EXAMPLES_FOLDER]:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*"), reverse=True):
            if path.is_file():
                size = path.stat().st_size
                with open(path, "r+b") as f:
                    f.write(b"\0" * size)
                    f.flush()
                    os.fsync(f.fileno())
                path.unlink()
                count += 1
            elif path.is_dir():
                path.rmdir()
        folder.rmdir()
    return count
