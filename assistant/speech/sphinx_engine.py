"""PocketSphinx keyword spotting with its bundled US English model: the zero-download engine.

Receives 16 kHz int16 frames. Emits WordHit for each configured phrase the keyword search finds.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
from collections.abc import Iterable, Mapping

import numpy as np

from assistant.speech.recognizer import SAMPLE_RATE, VocabularyError, WordHit

_LOGGER = logging.getLogger(__name__)
_FRAME_S = 0.01  # PocketSphinx frames are 10 ms


def _import_pocketsphinx():
    try:
        import pocketsphinx
    except ImportError as e:  # pragma: no cover - depends on the install
        raise VocabularyError("pocketsphinx is not installed: pip install pocketsphinx") from e
    return pocketsphinx


def new_decoder(**kwargs):
    """A PocketSphinx decoder on the bundled en-us model, quiet unless asked."""
    ps = _import_pocketsphinx()
    return ps.Decoder(loglevel="FATAL", **kwargs)


def pronounce(decoder, phrase: str, pronunciations: Mapping[str, str]) -> list[str]:
    """Phones for `phrase`, word by word, or raise VocabularyError with a working alternative.

    A word outside the dictionary may be given a pronunciation in config (listener.pronunciations), or
    split into dictionary words ("timeout" -> "time out").
    """
    phones: list[str] = []
    for word in phrase.lower().split():
        if word in pronunciations:
            phones.extend(pronunciations[word].split())
            continue
        found = decoder.lookup_word(word)
        if found:
            phones.extend(found.split())
            continue
        raise VocabularyError(unknown_word_advice(decoder, word))
    return phones


def unknown_word_advice(decoder, word: str) -> str:
    """Explain an out-of-vocabulary word and offer a split into known words, or a pronunciation."""
    for cut in range(2, len(word) - 1):
        left, right = word[:cut], word[cut:]
        if decoder.lookup_word(left) and decoder.lookup_word(right):
            return (f'"{word}" is not in the speech model\'s dictionary; say it as "{left} {right}" '
                    f'(pause_words = ["{left} {right}"]) or give its sounds in config.toml: '
                    f'[listener.pronunciations] {word} = "{decoder.lookup_word(left)} {decoder.lookup_word(right)}"')
    return (f'"{word}" is not in the speech model\'s dictionary; choose another word, or give its sounds in '
            f'config.toml, e.g. [listener.pronunciations] {word} = "T AY M AW T" (CMU phone set)')


def kws_threshold(phone_count: int, sensitivity: float) -> float:
    """Keyword-search threshold for a phrase: looser for longer phrases and for higher sensitivity.

    The search compares the phrase's path against a free phone loop; the gap grows with the number of
    phones, so a fixed threshold would favour short words. Exponent per phone, measured on the corpus.
    """
    per_phone = 2.0 + 3.0 * sensitivity  # decades of likelihood ratio allowed per phone
    return 10.0 ** (-per_phone * phone_count)


class SphinxSpotter:
    """Keyword search over a stream, one phrase list, with its own audio clock."""

    def __init__(self, phrases: Iterable[str], sensitivity: float = 0.5,
                 pronunciations: Mapping[str, str] | None = None) -> None:
        self.vocabulary = tuple(phrases)
        self._sensitivity = sensitivity
        probe = new_decoder()
        kws_lines = []
        self._extra_words: dict[str, str] = {}
        for phrase in self.vocabulary:
            phones = pronounce(probe, phrase, pronunciations or {})
            for word in phrase.lower().split():
                if not probe.lookup_word(word) and pronunciations and word in pronunciations:
                    self._extra_words[word] = pronunciations[word]
            kws_lines.append(f"{phrase.lower()} /{kws_threshold(len(phones), sensitivity):.0e}/")
        fd, self._kws_path = tempfile.mkstemp(prefix="pause-kws-", suffix=".txt")
        with os.fdopen(fd, "w") as f:
            f.write("\n".join(kws_lines) + "\n")
        self._decoder = new_decoder(kws=self._kws_path)
        for word, phones in self._extra_words.items():
            self._decoder.add_word(word, phones, True)
        os.unlink(self._kws_path)
        self._samples = 0          # audio clock: samples seen (including skipped)
        self._utt_start = 0        # sample at which the current utterance began
        self._in_utt = False

    def _start(self) -> None:
        if not self._in_utt:
            self._decoder.start_utt()
            self._utt_start = self._samples
            self._in_utt = True

    def accept(self, frame: np.ndarray) -> list[WordHit]:
        self._start()
        self._decoder.process_raw(np.ascontiguousarray(frame, dtype=np.int16).tobytes(), False, False)
        self._samples += len(frame)
        hyp = self._decoder.hyp()
        if hyp is None:
            return []
        hits = []
        for seg in self._decoder.seg():
            phrase = seg.word.strip()
            if not phrase or phrase.startswith("<"):
                continue
            start = self._utt_start / SAMPLE_RATE + seg.start_frame * _FRAME_S
            end = self._utt_start / SAMPLE_RATE + (seg.end_frame + 1) * _FRAME_S
            hits.append(WordHit(self._match(phrase), start, end, self._samples / SAMPLE_RATE,
                                confidence=0.5 + 0.5 * self._sensitivity))
        self.reset()
        return hits

    def _match(self, phrase: str) -> str:
        for p in self.vocabulary:
            if p.lower() == phrase:
                return p
        return phrase

    def flush(self) -> list[WordHit]:
        self.reset()
        return []

    def skip(self, samples: int) -> list[WordHit]:
        self.reset()
        self._samples += samples
        return []

    def reset(self) -> None:
        if self._in_utt:
            self._decoder.end_utt()
            self._in_utt = False


def phone_count(phrase: str) -> int:
    """Number of phones in a phrase from the bundled dictionary (0 when unknown)."""
    probe = new_decoder()
    try:
        return len(pronounce(probe, phrase, {}))
    except VocabularyError:
        return 0


__all__ = ["SphinxSpotter", "kws_threshold", "pronounce", "unknown_word_advice", "phone_count", "new_decoder"]
_ = math
