"""Set the pause word's threshold from the couple's own voices: takes of the word against ordinary speech.

Receives the chosen word, clips of each partner saying it ("takes") and clips of ordinary sentences (16 kHz
mono int16, in memory). Emits a `Calibration`: every clip's score and the threshold between the two groups,
or advice when no threshold separates them. Pure logic around the listener's own recognizer: no devices, no
files.

Each clip is scored exactly as the listener would hear it: the VAD gate, then the recognizer, and the best
confidence it gives the word (0 when it does not find it at all). Before scoring, the recognizer hears all
the clips once: PocketSphinx normalises each voice by its running cepstral mean, which a listener that has
been on for a while has adapted to the room and the voices; cold, the same take scores far lower (measured:
an espeak "timeout" 0.0 cold, 0.45 after three sentences).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.audio.vad import VadGate
from assistant.hearing.detector import PauseWordDetector
from assistant.hearing.engines import EngineChoice, build_recognizer
from assistant.hearing.recognizer import SAMPLE_RATE, HitRecorder

MIN_THRESHOLD = 0.15
"""Lowest threshold set-up will save. Below it ordinary talk raises false alarms often (on the development
corpus: 6 an hour at 0.5, 13.6 at 0.3), so a word heard only that faintly needs another take or word."""
MAX_THRESHOLD = 0.9
"""Highest threshold set-up will save: above it a tired or hoarse voice would be missed."""
MIN_GAP = 0.1
"""The weakest take must beat the strongest ordinary sentence by at least this much, so the threshold
midway between them keeps a margin on both sides for another day's voice."""
PAD_SECONDS = 0.3
"""Silence put around each clip, so the VAD gate opens before the speech and the utterance ends after it."""
SCORING_PASSES = 3
"""How many times each clip is scored, each time after different speech."""
_BLOCK = 480
"""Samples fed at a time: 30 ms, as the live loop does."""


@dataclass(frozen=True, slots=True)
class Calibration:
    """What set-up learned: the threshold for `word`, and the scores it was chosen from.

    | field             | meaning                                                              |
    |-------------------|----------------------------------------------------------------------|
    | `separates`       | every take scores at or above `threshold`, every sentence below it   |
    | `unheard_takes`   | indices of takes under the threshold: ask for them again             |
    | `close_sentences` | indices of ordinary sentences at or above it: the word is too common |
    | `advice`          | one line saying what to do when `separates` is False; "" otherwise   |
    """

    word: str
    threshold: float
    """0..1 confidence the detector needs for `word` (listener.thresholds[word])."""
    take_scores: tuple[float, ...]
    """Best 0..1 confidence of the word in each take, in the order given; 0 where it was not found."""
    ordinary_scores: tuple[float, ...]
    """Best 0..1 confidence of the word in each ordinary sentence; 0 where it was not found."""
    separates: bool
    unheard_takes: tuple[int, ...] = ()
    close_sentences: tuple[int, ...] = ()
    advice: str = ""


def choose_threshold(word: str, take_scores: Sequence[float], ordinary_scores: Sequence[float]) -> Calibration:
    """The threshold midway between the weakest take and the strongest ordinary sentence, kept within
    MIN_THRESHOLD..MAX_THRESHOLD, and whether it separates them with MIN_GAP to spare."""
    takes, ordinary = tuple(float(s) for s in take_scores), tuple(float(s) for s in ordinary_scores)
    if not takes:
        raise ValueError("calibration needs at least one take of the word")
    loudest_ordinary = max(ordinary, default=0.0)
    weakest_take = min(takes)
    threshold = round(min(MAX_THRESHOLD, max(MIN_THRESHOLD, (loudest_ordinary + weakest_take) / 2)), 3)
    unheard = tuple(i for i, s in enumerate(takes) if s < threshold)
    close = tuple(i for i, s in enumerate(ordinary) if s >= threshold)
    separates = not unheard and not close and weakest_take - loudest_ordinary >= MIN_GAP
    advice = ""
    if not separates:
        if close or not unheard:
            advice = (f'ordinary speech sounds too much like "{word}" to the speech model: choose a longer or '
                      'more distinctive word or phrase (two or three syllables, e.g. "pineapple" or '
                      '"time to breathe")')
        else:
            numbers = ", ".join(str(i + 1) for i in unheard)
            advice = (f'take{"s" if len(unheard) > 1 else ""} {numbers} of "{word}" {"were" if len(unheard) > 1 else "was"}'
                      " not heard clearly: say it again, a little slower and nearer the microphone")
    return Calibration(word, threshold, takes, ordinary, separates, unheard, close, advice)


def learned_threshold(word: str, take_scores: Sequence[float], ordinary_scores: Sequence[float],
                      default: float) -> Calibration:
    """The threshold for a word the ear was just trained on with these takes: the usual midpoint when the takes
    stand clear of the sentences; else the lowest threshold that keeps every sentence below it with MIN_GAP to
    spare, never above `default` (the calibrated bar) unless a sentence forces it. Takes under it are listed,
    never refused: the ear has learned from them all, and a voice it still hears faintly is no reason to save
    nothing. Only ordinary speech heard as the word at MAX_THRESHOLD leaves the word unsaved."""
    midpoint = choose_threshold(word, take_scores, ordinary_scores)
    if midpoint.separates:
        return midpoint
    takes, ordinary = midpoint.take_scores, midpoint.ordinary_scores
    loudest_ordinary = max(ordinary, default=0.0)
    threshold = round(min(MAX_THRESHOLD, max(MIN_THRESHOLD, min(default, loudest_ordinary + MIN_GAP),
                                             loudest_ordinary + MIN_GAP)), 3)
    unheard = tuple(i for i, s in enumerate(takes) if s < threshold)
    close = tuple(i for i, s in enumerate(ordinary) if s >= threshold)
    advice = midpoint.advice if close else ""
    return Calibration(word, threshold, takes, ordinary, not close, unheard, close, advice)


def heard_summary(result: Calibration) -> str:
    """One line: how well the word is now heard in the couple's own takes, and whether their talk stays clear."""
    heard = len(result.take_scores) - len(result.unheard_takes)
    line = f"heard in {heard} of your {len(result.take_scores)} takes at threshold {result.threshold:.3f}"
    if result.ordinary_scores:
        clear = len(result.ordinary_scores) - len(result.close_sentences)
        line += f"; {clear} of {len(result.ordinary_scores)} ordinary sentences stay below it"
    if result.unheard_takes and not result.close_sentences:
        line += "; more takes from the voices it hears faintly (`assistant setup` again) help it hear them"
    return line


class TakeScorer:
    """Scores clips for one word with the listener's gate and recognizer; keeps adapting to the voices it
    hears, as the live listener does. Raises VocabularyError (with a working alternative) for a word the
    model does not know, as the listener does."""

    def __init__(self, word: str, *, choice=None, pronunciations: Mapping[str, str] | None = None) -> None:
        choice = choice or EngineChoice("pocketsphinx", None, "calibration default")
        self.word = word
        self._recognizer = HitRecorder(build_recognizer(choice, [word], pronunciations=pronunciations))

    def score(self, clip: np.ndarray) -> float:
        """Best 0..1 confidence of the word anywhere in `clip` (16 kHz int16), 0 when it is not found."""
        pad = np.zeros(round(PAD_SECONDS * SAMPLE_RATE), dtype=np.int16)
        audio = np.concatenate([pad, np.asarray(clip, dtype=np.int16), pad])
        self._recognizer.hits = []
        # Threshold 0 and no debounce: every hit reaches us, through the same gate the listener uses.
        detector = PauseWordDetector(self._recognizer, thresholds={self.word: 0.0}, debounce_seconds=0.0,
                                     gate=VadGate())
        for start in range(0, len(audio), _BLOCK):
            detector.process(audio[start:start + _BLOCK])
        detector.flush()
        self._recognizer.reset()
        return max((h.confidence for h in self._recognizer.hits if h.phrase == self.word), default=0.0)

    def hear(self, clips: Sequence[np.ndarray]) -> None:
        """Let the recognizer adapt to these clips (their scores are thrown away)."""
        for clip in clips:
            self.score(clip)


def calibrate(word: str, takes: Sequence[np.ndarray], ordinary: Sequence[np.ndarray], *, choice=None,
              pronunciations: Mapping[str, str] | None = None, scorer: TakeScorer | None = None) -> Calibration:
    """Score every take and ordinary sentence (16 kHz mono int16 arrays) and choose the threshold.

    `choice` is an `engines.EngineChoice` (None: PocketSphinx's bundled model); `pronunciations` are
    listener.pronunciations. The recognizer first hears all clips once, then scores each; a `scorer` for
    the word that has already heard them (set-up's own) skips that first hearing. Raises VocabularyError
    for a word the model does not know, ValueError when there are no takes.
    """
    if not takes:
        raise ValueError("calibration needs at least one take of the word")
    clips = [*takes, *ordinary]
    if scorer is None:
        scorer = TakeScorer(word, choice=choice, pronunciations=pronunciations)
        scorer.hear(clips)
    # Each clip is scored several times, after different speech (forward, then backward, ...): the same
    # clip can score quite differently (measured: a real "view glass" 0.89, then 0.19 one pass later, when
    # the keyword search ends the word early). A take counts by its weakest score, a sentence by its
    # strongest.
    passes = []
    for n in range(SCORING_PASSES):
        order = list(range(len(clips)))[::-1 if n % 2 else 1]
        scored = {i: scorer.score(clips[i]) for i in order}
        passes.append([scored[i] for i in range(len(clips))])
    take_scores = [min(p[i] for p in passes) for i in range(len(takes))]
    ordinary_scores = [max(p[i] for p in passes) for i in range(len(takes), len(clips))]
    return choose_threshold(word, take_scores, ordinary_scores)

__all__ = ["MAX_THRESHOLD", "MIN_GAP", "MIN_THRESHOLD", "PAD_SECONDS", "SCORING_PASSES", "Calibration", "TakeScorer", "calibrate",
           "choose_threshold", "heard_summary", "learned_threshold"]
