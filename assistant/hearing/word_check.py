"""The pause word's second stage: Whisper's opinion of a candidate, as the word against the words it sounds like.

Receives the pause word and the last seconds of audio up to a candidate the learned ear found (16 kHz). Emits a
margin in log-probability: how much better Whisper finds the pause word explains the candidate's stretch than
the best of its near misses (dictionary words a phone or two away, its own parts: "time", "out", "timer",
"tryout" for "timeout"). Each phrase is scored inside the words Whisper heard before it (`framings`), so
"okay, so timeout" is weighed as "okay, so timeout" against "okay, so tryout", not as a bare word against audio
that holds more.

Why a closed set and not the transcript: free transcription writes a clearly said "timeout" as "time up",
"Tim out" or "time now" in a third of synthetic clips; the word's score against its near misses separates it
from them (measured in `scripts/bench_ear.py --second-stage`).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from assistant.hearing.answers import plain_words
from assistant.hearing.near_misses import close_words, dictionary, parts_of
from assistant.hearing.whisper import SAMPLE_RATE, RecogniserError, WhisperRecogniser, shared_recogniser

NEAR_MISSES = 10
"""Dictionary words close to the pause word scored against it (with its parts)."""
WINDOW_SECONDS = 8.0
"""Whisper hears the candidate's stretch in an 8 s window, not its usual 30 s: the check takes 0.43 s instead of
1.02 s (median, busy 2-core machine), its margins correlate 0.98 with the full window's, and it keeps as many
words and turns down as many near misses (63 synthetic candidates)."""
LEADS = 2
"""The word is at the end of the stretch, written as one word or a few: it is framed after the transcript
with its last 1..LEADS words taken away (and alone)."""
LEAD_WORDS = 5
"""At most this many of the transcript's words are said before the word: 2 s hold about five, and Whisper
can write a noisy stretch as one phrase over and over, which made checks of 1.3-4.2 s (a 4-minute stream of
talk, 12 checks)."""
MAX_TOKENS = 24
"""The check's transcript stops here: a 2 s stretch holds about a dozen tokens."""


@dataclass(frozen=True)
class CheckResult:
    """Whisper's opinion of one candidate."""

    margin: float
    """Best log-probability of the pause word minus that of its best near miss (> 0: the word wins)."""
    transcript: str
    seconds: float
    """How long the check took."""


def _squash(text: str) -> str:
    return plain_words(text).replace(" ", "").replace("'", "")


@cache
def written_forms(word: str) -> tuple[str, ...]:
    """How Whisper may write the pause word: as typed, as a sentence, and a one-word word split into two
    dictionary words ("time out") when it can be."""
    forms = [word, f"{word[0].upper()}{word[1:]}."]
    if " " not in word:
        known = dictionary()
        forms += [f"{word[:k]} {word[k:]}" for k in range(2, len(word) - 1) if word[:k] in known and word[k:] in known][:2]
    return tuple(dict.fromkeys(forms))


@cache
def near_misses(word: str) -> tuple[str, ...]:
    """What the word is weighed against: its parts and the closest dictionary words, none that contains it."""
    target = _squash(word)
    out = [w for w in [*parts_of(word), *close_words(word, NEAR_MISSES)] if target not in _squash(w)]
    return tuple(dict.fromkeys(out))


def framings(transcript: str, leads: int = LEADS) -> list[str]:
    """The words to say a phrase after: nothing, and the transcript without its last 1..`leads` words."""
    written = transcript.strip().rstrip(".?!").split()
    return list(dict.fromkeys(["", *(" ".join(written[:len(written) - k][-LEAD_WORDS:]) for k in range(1, leads + 1)
                                     if len(written) > k)]))


def _framed(lead: str, phrase: str) -> str:
    return f"{lead} {phrase}" if lead else phrase


class WordCheck:
    """Whisper's check of pause-word candidates; one for all the pause words, sharing the answers' recogniser."""

    def __init__(self, recogniser: WhisperRecogniser, window_seconds: float = WINDOW_SECONDS) -> None:
        self.recogniser = recogniser
        self.window_seconds = window_seconds

    def check(self, word: str, audio: np.ndarray) -> CheckResult:
        """The margin of `word` over its near misses in `audio` (the candidate's stretch, ending just after it)."""
        began = time.monotonic()
        words, misses = written_forms(word), near_misses(word)
        target = _squash(word)
        asked: list[str] = []

        def phrases(transcript: str) -> list[str]:
            asked.extend(dict.fromkeys(_framed(lead, p) for lead in framings(transcript) for p in (*words, *misses)))
            return asked

        transcript, scores = self.recogniser.hear(audio, phrases, window_seconds=self.window_seconds,
                                                  max_tokens=MAX_TOKENS)
        scored = dict(zip(asked, scores, strict=False))  # the last score is the transcript's own: not a phrase
        said = [s for text, s in scored.items() if target in _squash(text)]
        other = [s for text, s in scored.items() if target not in _squash(text)]
        margin = max(said, default=-np.inf) - max(other, default=-np.inf)
        return CheckResult(float(margin), transcript.text, time.monotonic() - began)

    def margin(self, word: str, audio: np.ndarray) -> float:
        return self.check(word, audio).margin


WARM_UP_SECONDS = 2.3
"""Length of the quiet stretch the warm-up checks: about what a real check hears (2 s before the word's end and
the fraction of a second after it)."""


def warm_up(check: WordCheck, words: Sequence[str]) -> None:
    """Pay, once and ahead, what the first check of each word would: its near misses (a search of the whole
    dictionary, 1.4 s), and Whisper's first encoding (0.07 s more than later ones). Measured on the audio rig:
    the first "alexa" after `listen` started was checked in 1.1-1.3 s, against 0.15 s for any later one."""
    quiet = np.random.default_rng(0).normal(0, 30, round(WARM_UP_SECONDS * SAMPLE_RATE)).astype(np.int16)
    for word in words:
        check.check(word, quiet)


class ListenerCheck:
    """The listener's check: (word, audio) -> margin, with the recogniser of the answers (the same instance).
    None (no opinion: the first stage decides alone) while it cannot be loaded, said once on stderr with the fix."""

    def __init__(self, model_dir: str | None = None, words: Sequence[str] = ()) -> None:
        self.model_dir = model_dir or None
        self._failed = False
        self.warmed = threading.Event()
        """Set once the recogniser is loaded and `words` warmed up (or loading failed): checks are at full speed."""
        # Not a daemon: CTranslate2's own threads must not be running when the interpreter exits (a `detect` of a
        # short file that ended mid-warm-up aborted: "terminate called without an active exception"); an exit
        # waits for it, a few seconds at most.
        threading.Thread(target=self._warm_up, args=(tuple(words),), name="word-check-warm-up", daemon=False).start()

    def _warm_up(self, words: tuple[str, ...]) -> None:
        try:
            warm_up(WordCheck(shared_recogniser(self.model_dir)), words)
        except RecogniserError:
            pass  # said, with its fix, by the first check
        finally:
            self.warmed.set()

    def __call__(self, word: str, audio: np.ndarray) -> float | None:
        if self._failed:
            return None
        try:
            return WordCheck(shared_recogniser(self.model_dir)).margin(word, audio)
        except RecogniserError as e:
            self._failed = True
            print(f"warning: the pause word's second stage is off: {e}", file=sys.stderr, flush=True)
            return None


def background_check(model_dir: str | None = None, words: Sequence[str] = ()) -> ListenerCheck:
    """The listener's check, loaded in the background now and warmed up on `words` (the pause words), so the
    first real candidate is checked as fast as any other."""
    return ListenerCheck(model_dir, words)


__all__ = [
    "LEADS",
    "LEAD_WORDS",
    "MAX_TOKENS",
    "NEAR_MISSES",
    "WARM_UP_SECONDS",
    "WINDOW_SECONDS",
    "CheckResult",
    "ListenerCheck",
    "WordCheck",
    "background_check",
    "framings",
    "near_misses",
    "warm_up",
    "written_forms",
]
