"""Vosk (Kaldi) restricted to a grammar of the pause words plus filler words.

Receives 16 kHz int16 frames. Emits WordHit for each phrase of the vocabulary found in a final result.
A grammar of only the pause words would force every sound onto them, so the grammar also holds filler
words (the model's `[unk]` when it has one, and ordinary words of its vocabulary) that other speech can
land on; a phrase counts only when its own words win.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from assistant.hearing.recognizer import SAMPLE_RATE, VocabularyError, WordHit

_LOGGER = logging.getLogger(__name__)
_FILLER_COUNT = 400
"""Filler words drawn from the model's vocabulary: enough to absorb ordinary speech, few enough to stay fast."""

_models: dict[str, object] = {}


class ModelError(RuntimeError):
    """The Vosk model is missing or unreadable; the message says how to get one."""


def load_model(path: str | Path):
    """Load (once per process) the Vosk model in `path`."""
    path = Path(path)
    key = str(path.resolve())
    if key in _models:
        return _models[key]
    if not (path / "am").is_dir() and not (path / "final.mdl").exists():
        raise ModelError(f"{path}: no Vosk model there; run `python scripts/download_model.py`, "
                         'or set listener.engine = "pocketsphinx" in config.toml')
    vosk = _import_vosk()
    vosk.SetLogLevel(-1)
    try:
        model = vosk.Model(str(path))
    except Exception as e:  # vosk raises a bare Exception
        raise ModelError(f"{path}: Vosk could not load this model ({e}); download it again with "
                         "`python scripts/download_model.py`") from e
    _models[key] = model
    return model



def _import_vosk():
    try:
        # deferred: vosk, 88 ms at start after numpy (-X importtime): only the Vosk engine needs it, and
        # `listen`, `detect` and `setup` load this module for its ModelError
        import vosk
    except ImportError as e:  # pragma: no cover - depends on the install
        raise ModelError("vosk is not installed: pip install vosk") from e
    return vosk


def model_vocabulary(path: str | Path) -> set[str] | None:
    """Words the model knows (graph/words.txt), or None when the model does not list them."""
    words = Path(path) / "graph" / "words.txt"
    if not words.is_file():
        return None
    vocab = set()
    with words.open(encoding="utf-8") as f:
        for line in f:
            word = line.split(maxsplit=1)[0] if line.strip() else ""
            if word and not word.startswith(("<", "#")):
                vocab.add(word)
    return vocab


class VoskSpotter:
    """Grammar-restricted Vosk recognizer with its own audio clock."""

    def __init__(self, model_path: str | Path, phrases: Iterable[str], fillers: Sequence[str] | None = None,
                 seed: int = 0) -> None:
        vosk = _import_vosk()
        self.vocabulary = tuple(phrases)
        self._model = load_model(model_path)
        known = model_vocabulary(model_path)
        if known is not None:
            for phrase in self.vocabulary:
                missing = [w for w in phrase.lower().split() if w not in known]
                if missing:
                    raise VocabularyError(
                        f'"{" ".join(missing)}" is not in the Vosk model\'s vocabulary; choose another pause '
                        'word, or use listener.engine = "pocketsphinx" with a pronunciation')
        phrase_words = {w for p in self.vocabulary for w in p.lower().split()}
        if fillers is None:
            pool = sorted((known or set()) - phrase_words)
            fillers = random.Random(seed).sample(pool, min(_FILLER_COUNT, len(pool)))
        grammar = [p.lower() for p in self.vocabulary] + [f for f in fillers if f not in phrase_words]
        if known is None or "[unk]" in known:
            grammar.append("[unk]")
        self._recognizer = vosk.KaldiRecognizer(self._model, SAMPLE_RATE, json.dumps(grammar, ensure_ascii=False))
        self._recognizer.SetWords(True)
        self._samples = 0          # the audio clock, skipped samples included
        self._fed = 0              # samples actually given to Vosk (its own time base)
        self._dirty = False

    def accept(self, frame: np.ndarray) -> list[WordHit]:
        data = np.ascontiguousarray(frame, dtype=np.int16)
        self._samples += len(data)
        self._fed += len(data)
        self._dirty = True
        if self._recognizer.AcceptWaveform(data.tobytes()):
            return self._hits(self._recognizer.Result())
        return []

    def flush(self) -> list[WordHit]:
        if not self._dirty:
            return []
        self._dirty = False
        return self._hits(self._recognizer.FinalResult())

    def skip(self, samples: int) -> list[WordHit]:
        hits = self.flush()
        self._samples += samples
        return hits

    def reset(self) -> None:
        self._recognizer.Reset()
        self._dirty = False

    def _hits(self, result_json: str) -> list[WordHit]:
        words = json.loads(result_json).get("result", [])
        # Vosk times count only the samples it was fed; shift them onto the audio clock.
        shift = (self._samples - self._fed) / SAMPLE_RATE
        now = self._samples / SAMPLE_RATE
        hits = []
        for phrase in self.vocabulary:
            target = phrase.lower().split()
            for i in range(len(words) - len(target) + 1):
                run = words[i:i + len(target)]
                if [w["word"] for w in run] == target:
                    hits.append(WordHit(phrase, run[0]["start"] + shift, run[-1]["end"] + shift, now,
                                        confidence=min(float(w.get("conf", 1.0)) for w in run)))
        return hits
