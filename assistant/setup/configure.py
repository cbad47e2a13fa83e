"""`assistant setup`: choose the pause word, learn it from the couple's voices (spoken, or from files),
add the knock, save.

Receives the command's options: the word (typed, or `--word`), recordings (`--takes`, `--sentences`,
`--knock-takes`) or the microphone. Emits an `Outcome`: the word and threshold saved to config.toml
(`config_edit`), or why nothing was saved. The word is typed, not spoken: the listener learns its sound from
the spelling, in many voices, and then from the couple's takes.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from assistant.audio.files import read_audio
from assistant.config import Config, load_config
from assistant.config_edit import check_writable, save_knock, save_pause_word, user_config_path
from assistant.hearing.detector import threshold_for
from assistant.hearing.engines import build_recognizer, choose_engine
from assistant.hearing.word_check import background_check
from assistant.setup.calibration import Calibration, calibrate, heard_summary
from assistant.setup.knock import knock_pattern_from, run_knock_spoken
from assistant.setup.learning import learn_word, usable_takes
from assistant.setup.spoken import check_partners, run_spoken

MAX_WORDS = 4
"""A pause word is a word or a short phrase."""


def normalise_word(text: str) -> str:
    """Lower case, single spaces; raises ValueError with the fix for an empty or too long phrase."""
    word = " ".join(text.lower().replace(",", " ").split()).strip(" .!?")
    if not word:
        raise ValueError("no pause word given: type a word or short phrase, e.g. timeout")
    if len(word.split()) > MAX_WORDS:
        raise ValueError(f'"{word}" is long for a pause word: use at most {MAX_WORDS} words, e.g. "time to breathe"')
    if not all(c.isalpha() or c in " '-" for c in word):
        raise ValueError(f'"{word}": use letters only (numbers as words, e.g. "code four")')
    return word


def check_word(word: str, choice, pronunciations: Mapping[str, str] | None = None) -> None:
    """Raise VocabularyError (with the listener's warning and a working alternative) if the model does not
    know the word, exactly as `listen` would."""
    build_recognizer(choice, [word], pronunciations=pronunciations)


@dataclass(frozen=True)
class Outcome:
    """What `configure` did: the word and threshold saved to `path`, or why nothing was saved."""

    word: str
    threshold: float
    path: Path
    saved: bool
    calibration: Calibration | None = None
    """None for the typed set-up (the default threshold, no takes)."""
    partners: int = 2
    knock: object | None = None
    """The knock pattern saved with it (`KnockPattern`), or None."""

    def summary(self) -> str:
        if not self.saved:
            advice = self.calibration.advice if self.calibration is not None else ""
            return f"not saved ({self.path} is unchanged): {advice}"
        how = f"from your {self.partners} voices" if self.calibration is not None and self.partners > 1 else \
            "from your voice" if self.calibration is not None else \
            "the default; `assistant setup` without --text sets it from your voices"
        lines = [f'saved: pause word "{self.word}", threshold {self.threshold:.3f} ({how}) -> {self.path}'] \
            if self.word else []
        if self.word and self.calibration is not None:
            lines.append(f"the word is {heard_summary(self.calibration)}")
        if self.knock is not None:
            gaps = ", ".join(f"{g:.2f}" for g in self.knock.gaps_s)
            lines.append(f"saved: knock signal, {len(self.knock.gaps_s) + 1} knocks {gaps} s apart "
                     f"(+-{self.knock.tolerance:.0%}), at least {self.knock.level_db:.0f} dB over the room -> {self.path}")
        return "\n".join(lines)


def ask_word(choice, pronunciations: Mapping[str, str], default: str, lines: TextIO, out: TextIO,
             tries: int = 3, check: bool = True) -> str:
    """The pause word typed at the terminal, checked against the model's vocabulary like `listen` does."""
    print("Type your pause word or short phrase. It is typed, not said: the listener learns its sound from "
          "the spelling, in many voices, and then from yours.", file=out, flush=True)
    problem = "no pause word typed: type one, or pass --word"
    for _ in range(tries):
        print(f"pause word [{default}]: ", end="", file=out, flush=True)
        line = lines.readline()
        if not line:
            break
        try:
            word = normalise_word(line) if line.strip() else default
            if check:  # the learned ear needs no dictionary; keyword search does
                check_word(word, choice, pronunciations)
            return word
        except ValueError as e:  # VocabularyError is one: its message offers a working alternative
            problem = str(e)
            print(f"warning: {problem}", file=out, flush=True)
    raise ValueError(problem)


def configure(config_arg: str | None, *, word: str | None = None, typed: bool = False,
              input_device: str | None = None, output_device: str | None = None,
              take_files: list[str] | None = None, sentence_files: list[str] | None = None, partners: int = 2,
              knock: bool = False, knock_files: list[str] | None = None,
              lines: TextIO = sys.stdin, out: TextIO = sys.stdout, progress_out: TextIO = sys.stderr) -> Outcome:
    """`assistant setup`: choose the word, learn it from the couple's voices (unless `typed`), save.

    The takes come from the microphone (the spoken set-up) or from files (`take_files`, `sentence_files`).
    With the learned detector the word's head is trained (with the takes, when there are any) and cached
    before the word is saved, so `listen` starts at once. Writes to `config_arg`, else the config file in
    use, else the user config file. Raises ConfigError, ConfigWriteError, EngineError, ModelError,
    DeviceError, SetupError or ValueError with the fix.
    """
    target = Path(config_arg) if config_arg else None
    if target is not None:
        check_writable(target)  # before anyone spends time on takes
    config = Config() if target is not None and not target.exists() else load_config(target)
    path = check_writable(target or config.path or user_config_path())
    choice = choose_engine(config)
    learned = config.listener.detector == "learned"
    pronunciations = config.listener.pronunciations
    check_partners(partners)
    takes = [read_audio(f) for f in take_files or []]  # AudioFileError (a ValueError) names a bad file
    sentences = [read_audio(f) for f in sentence_files or []]
    if sentences and not takes:
        raise ValueError("--sentences needs --takes: give the recordings of the word too")
    if takes and word is None:
        raise ValueError("--takes needs --word: say which word the recordings hold")
    if takes and len(takes) % partners:
        raise ValueError(f"--takes: {len(takes)} recordings do not share out among --partners {partners}; give the "
                         f"same number from each of you ({partners}, {2 * partners}, {3 * partners}, ...)")
    knock_pattern = None
    if knock_files:  # checked first: a knock that is not heard costs nobody the word's takes
        knock_pattern = knock_pattern_from([read_audio(f) for f in knock_files])
    elif knock:
        knock_pattern = knock_pattern_from(run_knock_spoken(config, input_device, output_device, out))
    if knock_pattern is not None and word is None and not takes and not typed:
        save_knock(path, knock_pattern.gaps_s, knock_pattern.tolerance, knock_pattern.level_db)
        return Outcome("", 0.0, path, True, partners=partners, knock=knock_pattern)
    if word is not None:
        word = normalise_word(word)
        if not learned:
            check_word(word, choice, pronunciations)
    elif takes:
        raise ValueError("--takes needs --word: say which word the recordings hold")
    else:
        word = ask_word(choice, pronunciations, config.listener.pause_words[0], lines, out, check=not learned)
    def saved(word: str, threshold: float, calibration: Calibration | None) -> Outcome:
        written = save_pause_word(path, word, threshold)
        if knock_pattern is not None:
            save_knock(path, knock_pattern.gaps_s, knock_pattern.tolerance, knock_pattern.level_db)
        return Outcome(word, threshold, written, True, calibration, partners, knock_pattern)

    if typed and not takes:
        threshold = threshold_for(config.listener.sensitivity)
        if learned:
            learn_word(word, [], [], out=progress_out)
        return saved(word, threshold, None)
    print(f'setting up "{word}" with the {"learned word model" if learned else choice.name}; it will be saved '
          f"to {path}", file=out, flush=True)
    if not takes:
        flow = run_spoken(config, word, choice, input_device, output_device, out, learned=learned,
                          partners=partners)
        result, takes, sentences = flow
    elif learned:
        takes = usable_takes(word, takes, take_files or [], out)
    if learned:
        check = None
        if config.listener.second_stage:  # scored as the listener will hear them: with the second stage
            check = background_check(config.hearing.model, [word])
        result = learn_word(word, takes, sentences, out=progress_out,
                            default=threshold_for(config.listener.sensitivity), check=check)
    elif take_files:
        result = calibrate(word, takes, sentences, choice=choice, pronunciations=pronunciations)
    if not result.separates:
        return Outcome(word, result.threshold, path, False, result, partners)
    return saved(word, result.threshold, result)


__all__ = [
    "MAX_WORDS",
    "Outcome",
    "ask_word",
    "check_word",
    "configure",
    "normalise_word",
]
