"""The pause-word detector assembled, the one `listen` and `detect` share: a head for every pause word (found
in the cache or trained now) fused with keyword search and the second stage, or keyword search alone.

Receives the config (pause words, detector, thresholds) and the data folder. Emits a `PauseWordDetector`
ready to listen. A word with no cached head (a new word, or a recipe that changed) is trained first, with a
progress bar on stderr, so `detect --json` output on stdout stays clean; the head is then cached
(owner-only) for every later start.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Self, TextIO

from assistant.audio.vad import VadGate
from assistant.config import Config
from assistant.ear import enrollment
from assistant.ear.fusion import FusedSpotter
from assistant.ear.training import Recipe, default_recipe, find_head, head_path, train_head
from assistant.ear.word_head import HeadSpotter, WordHead
from assistant.hearing.detector import PauseWordDetector
from assistant.hearing.engines import build_recognizer, choose_engine
from assistant.store import data_dir


class ProgressBar:
    """A one-line progress bar (rich) on a stream, for training that takes minutes."""

    def __init__(self, word: str, out: TextIO = sys.stderr) -> None:
        # deferred: rich's progress bar, ~30-80 ms at start (-X importtime, after `listen`'s or `detect`'s
        # modules): only training a word draws it
        from rich import console, progress

        self._progress = progress.Progress(
            progress.TextColumn(f'learning "{word}": ' + "{task.description}"), progress.BarColumn(),
            progress.TextColumn("{task.completed}/{task.total}"), progress.TimeElapsedColumn(),
            console=console.Console(file=out), transient=False)
        self._task = None
        self._stage = ""

    def __enter__(self) -> Self:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self._stage:
            if self._task is not None:
                self._progress.update(self._task, completed=self._progress.tasks[self._task].total)
            self._task = self._progress.add_task(stage, total=total)
            self._stage = stage
        self._progress.update(self._task, completed=done, total=total)


def head_for(word: str, data_folder: Path, *, recipe: Recipe | None = None, out: TextIO = sys.stderr) -> WordHead:
    """The head for `word`: the couple's, else the shipped one, else trained now and cached."""
    recipe = recipe or default_recipe()
    found = find_head(word, data_folder, recipe)
    if found is not None:
        return WordHead.load(found)
    print(f'"{word}" has no word model yet: learning it now from the voices on this machine '
          "(a few minutes, once)", file=out, flush=True)
    with ProgressBar(word, out) as bar:
        head = train_head(word, recipe=recipe, enrolled=enrollment.load(word, data_folder), progress=bar)
    path = head.save(head_path(word, data_folder, recipe))
    print(f'learned "{word}" in {head.info.get("train_seconds", 0):.0f} s -> {path}', file=out, flush=True)
    return head


def learned_spotter(words: Sequence[str], data_folder: Path, *, recipe: Recipe | None = None,
                    out: TextIO = sys.stderr) -> HeadSpotter:
    return HeadSpotter([head_for(w, data_folder, recipe=recipe, out=out) for w in words])


def build_detector(config: Config, words: Sequence[str] | None = None, *, engine: str | None = None,
                   model: str | Path | None = None, data_folder: Path | None = None,
                   detector: str | None = None, warm_up: bool = True):
    """The pause-word detector `listen` and `detect` share.

    learned (default): the speech-embedding front-end and a head per word (trained first if the word has
    none, with progress on stderr), fused with PocketSphinx keyword search (`fusion`); keyword: the
    engine's keyword search behind a VAD gate. Both with the configured thresholds and debounce. `warm_up`
    runs the second stage once on each word in the background, so the first candidate live is checked as fast
    as any (a file's detection need not wait for that). Returns (detector, engine choice); the choice also
    serves the command and time recognizers.
    """
    listener = config.listener
    choice = choose_engine(config, engine, model)
    phrases = list(words or listener.pause_words)
    if (detector or listener.detector) == "learned":
        check = None
        if listener.second_stage:
            # deferred: Whisper, ~0.1-0.3 s at start for `detect` (-X importtime; `listen` has it already)
            from assistant.hearing.word_check import background_check

            check = background_check(config.hearing.model, phrases if warm_up else ())
        spotter = FusedSpotter(learned_spotter(phrases, data_folder or data_dir()),
                               pronunciations=listener.pronunciations, check=check)
        detector = PauseWordDetector(spotter, sensitivity=listener.sensitivity, thresholds=listener.thresholds,
                                     debounce_seconds=listener.debounce_seconds)
        return detector, choice
    recognizer = build_recognizer(choice, phrases, sensitivity=listener.sensitivity,
                                  pronunciations=listener.pronunciations, fillers=listener.filler_words)
    detector = PauseWordDetector(recognizer, sensitivity=listener.sensitivity, thresholds=listener.thresholds,
                                 debounce_seconds=listener.debounce_seconds, gate=VadGate())
    return detector, choice
