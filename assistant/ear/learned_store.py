"""What the ear has learned in the couple's home: hard negatives, kept as numbers, never as sound.

Receives embedding windows (16 x 96 speech embeddings, 1.28 s: short numeric fingerprints from which
speech cannot be played back) of moments the listener nearly took for the pause word, and of triggers the
couple cancelled. Emits them to retraining (`adaptation.py`). One file per pause word in the data folder's
`learned/`, owner-only, written atomically; bounded at `MAX_WINDOWS` (about 18 MB), the oldest near misses
giving way first, since a cancelled trigger is the surest lesson. `assistant forget` deletes the folder.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.ear.embedding import EMBEDDING_SIZE
from assistant.ear.word_head import WINDOW_STEPS

NEAR_MISS = "near_miss"
CANCELLED = "cancelled"
KINDS = (NEAR_MISS, CANCELLED)
MAX_WINDOWS = 6000
"""A window is 16 x 96 float16 values, 3 KB: the store stays under 20 MB on disk."""


def store_path(data_folder: Path, word: str) -> Path:
    digest = hashlib.sha1(word.encode()).hexdigest()[:8]
    slug = "".join(c if c.isalnum() else "-" for c in word)[:24]
    return data_folder / "learned" / f"{slug}-{digest}.npz"


@dataclass
class LearnedStore:
    """The hard negatives learned for one word, oldest first."""

    path: Path
    word: str
    rows: list[np.ndarray] = field(default_factory=list)
    """One (16, 96) float16 window per moment kept."""
    kinds: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    """Wall-clock seconds (epoch) at which each was kept: for the weekly counts of `history`."""
    added_total: int = 0
    """Every window ever added, evicted or not: retraining compares it with the head's own count."""
    limit: int = MAX_WINDOWS

    @classmethod
    def open(cls, data_folder: Path, word: str, limit: int = MAX_WINDOWS) -> LearnedStore:
        """The word's store, or an empty one. An unreadable file is set aside (never fatal: listening goes on)."""
        path = store_path(data_folder, word)
        store = cls(path=path, word=word, limit=limit)
        if not path.is_file():
            return store
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(bytes(data["meta"]).decode())
                windows = data["windows"].astype(np.float16)
            store.kinds, store.times = list(meta["kinds"]), [float(t) for t in meta["times"]]
            store.added_total = int(meta["added_total"])
            if len(store.kinds) != len(windows) or windows.shape[1:] != (WINDOW_STEPS, EMBEDDING_SIZE):
                raise ValueError("lengths disagree")
            store.rows = list(windows)
        except (OSError, KeyError, ValueError) as e:
            path.replace(path.with_suffix(".unreadable"))
            print(f"{path}: unreadable ({e}); set aside, learning starts again", flush=True)
            return cls(path=path, word=word, limit=limit)
        return store

    def __len__(self) -> int:
        return len(self.kinds)

    @property
    def windows(self) -> np.ndarray:
        """(n, 16, 96) float16, oldest first."""
        if not self.rows:
            return np.zeros((0, WINDOW_STEPS, EMBEDDING_SIZE), np.float16)
        return np.stack(self.rows)

    def add(self, window: np.ndarray, kind: str, when: float) -> None:
        if kind not in KINDS:
            raise ValueError(f"kind {kind!r}: one of {KINDS}")
        self.rows.append(np.asarray(window, np.float16).reshape(WINDOW_STEPS, EMBEDDING_SIZE))
        self.kinds.append(kind)
        self.times.append(float(when))
        self.added_total += 1
        while len(self.kinds) > self.limit:
            self._evict()

    def _evict(self) -> None:
        victim = next((i for i, k in enumerate(self.kinds) if k == NEAR_MISS), 0)
        del self.rows[victim], self.kinds[victim], self.times[victim]

    def counts(self) -> dict[str, int]:
        return {kind: self.kinds.count(kind) for kind in KINDS}

    def save(self) -> Path:
        """Atomically, owner-only (folder 0700, file 0600): a crash mid-write keeps the previous store."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(self.path.parent, 0o700)
        meta = {"word": self.word, "kinds": self.kinds, "times": self.times, "added_total": self.added_total}
        tmp = self.path.with_suffix(".tmp.npz")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            np.savez_compressed(f, windows=self.windows,
                                meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(self.path)
        return self.path


def _metas(folder: Path, skip: tuple[str, ...]) -> list[tuple[Path, dict]]:
    """(path, meta) of every readable .npz in `folder` whose name ends with none of `skip`."""
    out = []
    for path in sorted(folder.glob("*.npz")):
        if path.name.endswith(skip):
            continue
        try:
            with np.load(path, allow_pickle=False) as data:
                out.append((path, json.loads(bytes(data["meta"]).decode())))
        except (OSError, KeyError, ValueError):
            continue
    return out


def learned_summary(data_folder: Path) -> list[dict]:
    """Per stored word: windows kept by kind and bytes on disk (for `doctor`)."""
    out = []
    for path, meta in _metas(data_folder / "learned", (".tmp.npz",)):
        kinds = meta.get("kinds", [])
        out.append({"word": meta.get("word", path.stem), "bytes": path.stat().st_size,
                    **{kind: kinds.count(kind) for kind in KINDS}})
    return out


def retrained_models(data_folder: Path) -> list[dict]:
    """Per head retrained at home: the word, when (epoch seconds) and on how many learned moments (`history`)."""
    out = []
    for _, meta in _metas(data_folder / "heads", (".examples.npz", ".tmp.npz")):
        info = meta.get("info", {})
        if "retrained_at" in info:
            out.append({"word": meta.get("word", ""), "retrained_at": float(info["retrained_at"]),
                        "learned_moments": int(info.get("learned_windows", 0))})
    return out
