"""PocketSphinx keyword spotting with its bundled US English model: the zero-download engine.

Receives 16 kHz int16 frames. Emits a WordHit for each detection of the keyword search, with a 0..1
confidence from its score per frame (see `detection_confidence`); the detector keeps those above its bar.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
from collections.abc import Iterable, Mapping

import numpy as np

try:
    import pocketsphinx
except ImportError:  # pragma: no cover - depends on the install; said when a decoder is asked for
    pocketsphinx = None

from assistant.hearing.phonemes import PhonemeError, cmu_phones
from assistant.hearing.recognizer import SAMPLE_RATE, VocabularyError, WordHit

_LOGGER = logging.getLogger(__name__)
_FRAME_S = 0.01  # PocketSphinx frames are 10 ms
_SEARCH = "pause-words"


def _import_pocketsphinx():
    if pocketsphinx is None:  # pragma: no cover - depends on the install
        raise VocabularyError("pocketsphinx is not installed: pip install pocketsphinx")
    return pocketsphinx


def new_decoder(**kwargs):
    """A PocketSphinx decoder on the bundled en-us model, quiet unless asked."""
    ps = _import_pocketsphinx()
    return ps.Decoder(loglevel="FATAL", **kwargs)


def pronounce(decoder, phrase: str, pronunciations: Mapping[str, str]) -> list[str]:
    """Phones for `phrase`, word by word, or raise VocabularyError with a working alternative.

    A word outside the dictionary takes its pronunciation from config (listener.pronunciations), else
    its sound from espeak-ng's letter-to-sound rules (`phonemes.cmu_phones`); only when espeak-ng cannot
    say it either is it refused, with a split into dictionary words or a pronunciation to write.
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
        try:
            sounds = cmu_phones(word)
        except PhonemeError as e:
            raise VocabularyError(unknown_word_advice(decoder, word)) from e
        _LOGGER.info('"%s" is not in the dictionary; listening for it as espeak-ng says it: %s', word,
                     " ".join(sounds))
        phones.extend(sounds)
    return phones


def unknown_word_advice(decoder, word: str) -> str:
    """Explain an out-of-vocabulary word and offer a split into known words, or a pronunciation."""
    for cut in range(2, len(word) - 1):
        left, right = word[:cut], word[cut:]
        if decoder.lookup_word(left) and decoder.lookup_word(right):
            return (f'"{word}" is not in the speech model\'s dictionary; say it as "{left} {right}" '
                    f'(pause_words = ["{left} {right}"]) or give its sounds in config.toml: '
                    f'[listener.pronunciations] {word} = "{decoder.lookup_word(left)} {decoder.lookup_word(right)}"')
    try:
        sounds = " ".join(cmu_phones(word))
    except PhonemeError:  # no espeak-ng to work the sounds out: say how to write them instead
        return (f'"{word}" is not in the speech model\'s dictionary; choose another word, or give its sounds in '
                f'config.toml as CMU phones, e.g. [listener.pronunciations] {word} = "Z AO R P" for "zorp" '
                "(install espeak-ng and this message spells them out)")
    return (f'"{word}" is not in the speech model\'s dictionary; choose another word, or give its sounds in '
            f'config.toml: [listener.pronunciations] {word} = "{sounds}" (CMU phone set)')


# Keyword search finds candidates; each is then scored on its own evidence. The search's threshold is
# loose on purpose (10^-6 per phone finds 95% of the development corpus's pause words, with several hundred
# candidates an hour); the confidence below decides which candidates are the pause word.
CANDIDATE_DECADES_PER_PHONE = 6.0
"""Keyword-search threshold exponent per phone of the phrase: 10 ** -(6 * phones)."""
SCORE_CENTER = -3.9
"""Per-frame detection score at which confidence is 0.5 (the default sensitivity's bar). Measured on the
development corpus through `assistant detect`: 53% of the pause words, 6 false alarms an hour."""
SCORE_SPREAD = 0.6
"""Per-frame score units per unit of log-odds: sensitivity 0.3 / 0.7 move the bar by about +/- 0.5."""
_LOG_UNITS = 1024.0
"""The binding hands back a detection's score as exp(score / 1024); multiplying its log by this restores
the decoder's own units, so the per-frame numbers above read as small numbers (-2 good, -6 poor)."""


def kws_threshold(phone_count: int) -> float:
    """Keyword-search threshold for a phrase: the search's score grows with the number of phones, so the
    candidate bar is set per phone."""
    return 10.0 ** (-CANDIDATE_DECADES_PER_PHONE * phone_count)


def detection_confidence(prob: float, frames: int) -> float:
    """0..1 confidence of a keyword-search detection: a logistic of its score per 10 ms frame.

    The raw score is the log-likelihood ratio of the phrase against the search's free phone loop, summed
    over the phrase; divided by its length it no longer favours short, fast words, which is what made a
    fixed threshold fail (on the development corpus: 80% of pause words at 60 false alarms an hour per
    frame, against 400 for the raw score).
    """
    if prob <= 0.0 or frames <= 0:
        return 0.0
    per_frame = _LOG_UNITS * math.log(prob) / frames
    z = (per_frame - SCORE_CENTER) / SCORE_SPREAD
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


class SphinxSpotter:
    """Keyword search over a stream, one phrase list, with its own audio clock.

    The search runs with a loose threshold and is not restarted after a detection (a restart in the middle
    of a word loses it); every new detection becomes a `WordHit` with its own confidence, and the detector
    keeps those above its bar. The utterance ends when the VAD gate closes (`skip`, `flush`).
    """

    def __init__(self, phrases: Iterable[str], sensitivity: float = 0.5,
                 pronunciations: Mapping[str, str] | None = None) -> None:
        self.vocabulary = tuple(phrases)
        self._sensitivity = sensitivity  # the detector applies it; kept for introspection
        # One decoder, without the large language model: loading only what keyword search needs keeps
        # start-up well under the 2 s budget.
        self._decoder = new_decoder(lm=None)
        kws_lines = []
        for phrase in self.vocabulary:
            phones = pronounce(self._decoder, phrase, pronunciations or {})
            for word in phrase.lower().split():
                if not self._decoder.lookup_word(word) and pronunciations and word in pronunciations:
                    self._decoder.add_word(word, pronunciations[word], True)
            kws_lines.append(f"{phrase.lower()} /{kws_threshold(len(phones)):.0e}/")
        fd, kws_path = tempfile.mkstemp(prefix="pause-kws-", suffix=".txt")
        try:
            with os.fdopen(fd, "w") as f:
                f.write("\n".join(kws_lines) + "\n")
            self._decoder.add_kws(_SEARCH, kws_path)
        finally:
            os.unlink(kws_path)
        self._decoder.activate_search(_SEARCH)
        self._samples = 0          # audio clock: samples seen (including skipped)
        self._utt_start = 0        # sample at which the current utterance began
        self._in_utt = False
        self._reported = 0         # detections of this utterance already turned into hits

    def _start(self) -> None:
        if not self._in_utt:
            self._decoder.start_utt()
            self._utt_start = self._samples
            self._in_utt = True
            self._reported = 0

    def accept(self, frame: np.ndarray) -> list[WordHit]:
        self._start()
        self._decoder.process_raw(np.ascontiguousarray(frame, dtype=np.int16).tobytes(), False, False)
        self._samples += len(frame)
        return self._fresh_hits()

    def _fresh_hits(self) -> list[WordHit]:
        """Hits for the detections of this utterance not reported yet."""
        if self._decoder.hyp() is None:
            return []
        segs = [s for s in self._decoder.seg() if s.word.strip() and not s.word.startswith("<")]
        fresh, self._reported = segs[self._reported:], len(segs)
        offset = self._utt_start / SAMPLE_RATE
        now = self._samples / SAMPLE_RATE
        return [WordHit(self._match(s.word.strip()), offset + s.start_frame * _FRAME_S,
                        offset + (s.end_frame + 1) * _FRAME_S, now,
                        confidence=detection_confidence(s.prob, s.end_frame - s.start_frame + 1))
                for s in fresh]

    def _match(self, phrase: str) -> str:
        for p in self.vocabulary:
            if p.lower() == phrase:
                return p
        return phrase

    def flush(self) -> list[WordHit]:
        return self._end_utt()

    def skip(self, samples: int) -> list[WordHit]:
        hits = self._end_utt()
        self._samples += samples
        return hits

    def reset(self) -> None:
        self._end_utt()

    def _end_utt(self) -> list[WordHit]:
        """End the utterance; detections the search was still holding back become hits."""
        if not self._in_utt:
            return []
        self._decoder.end_utt()
        self._in_utt = False
        return self._fresh_hits()


def phone_count(phrase: str) -> int:
    """Number of phones in a phrase from the bundled dictionary (0 when unknown)."""
    probe = new_decoder()
    try:
        return len(pronounce(probe, phrase, {}))
    except VocabularyError:
        return 0


__all__ = ["CANDIDATE_DECADES_PER_PHONE", "SCORE_CENTER", "SCORE_SPREAD", "SphinxSpotter", "detection_confidence",
           "kws_threshold", "new_decoder", "phone_count", "pronounce", "unknown_word_advice"]
