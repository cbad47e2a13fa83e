"""The learned ear assembled: a head for every pause word, found in the cache or trained now.

Receives the pause words and the data folder. Emits a `HeadSpotter` ready to listen. A word with no
cached head (a new word, or a recipe that changed) is trained first, with a progress bar on stderr, so
`detect --json` output on stdout stays clean; the head is then cached (owner-only) for every later start.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Self, TextIO

from assistant.speech import enrollment
from assistant.speech.training import Recipe, default_recipe, find_head, head_path, train_head
from assistant.speech.word_head import HeadSpotter, WordHead


class ProgressBar:
    """A one-line progress bar (rich) on a stream, for training that takes minutes."""

    def __init__(self, word: str, out: TextIO = sys.stderr) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(TextColumn(f'learning "{word}": ' + "{task.description}"), BarColumn(),
                                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                                  console=Console(file=out), transient=False)
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
