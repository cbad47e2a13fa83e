"""Spoken resume times: PocketSphinx restricted to a time language model, then the time parser.

Receives a recording of one phrase ("in twenty minutes", "friday morning"). Emits the words heard, for
`timeparse.parse_resume_time`. The language model is a small trigram model built from the parser's own
phrase list (pocketsphinx.lm.ArpaBoLM) plus the shapes of DESIGN.md's spoken time conventions, so
recognition can only produce words the parser understands, in orders people say them. The model and a
dictionary holding only its words are built once and cached in the user cache folder, keyed by a hash of
their text, so later starts load in well under a second instead of parsing the full CMU dictionary.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import tempfile
from datetime import UTC
from pathlib import Path

import numpy as np

from assistant.config import Config

_LOGGER = logging.getLogger(__name__)
_LEAD_INS = (
    "",
    "let's talk again",
    "let's talk",
    "how about",
    "maybe",
    "we can talk",
    "let's come back",
    "let's resume",
    "can we talk",
)
"""Words people put before a time; in the model so they land on themselves, not on time words."""


_REFUSED = (
    "yesterday",
    "yesterday at seven",
    "last night",
    "last friday",
    "an hour ago",
    "twenty minutes ago",
    "in five years",
    "in two months",
    "in a year",
    "in a few minutes",
    "in a while",
    "right now",
    "now",
)
"""Phrases the parser refuses: in the model so that they are heard as themselves and refused."""
_FILLERS = [
    "the",
    "a",
    "and",
    "i",
    "you",
    "we",
    "it",
    "that",
    "this",
    "is",
    "was",
    "not",
    "no",
    "yes",
    "okay",
    "so",
    "but",
    "well",
    "just",
    "really",
    "think",
    "know",
    "want",
    "need",
    "feel",
    "said",
    "say",
    "go",
    "going",
    "get",
    "got",
    "make",
    "made",
    "come",
    "came",
    "bread",
    "banana",
    "dinner",
    "work",
    "home",
    "kids",
    "money",
    "phone",
    "car",
    "house",
    "food",
    "coffee",
    "tea",
    "walk",
    "dog",
    "cat",
    "love",
    "sorry",
    "please",
    "thanks",
    "thank",
    "good",
    "bad",
    "right",
    "wrong",
    "always",
    "never",
    "again",
    "later",
    "maybe",
    "something",
    "nothing",
    "everything",
    "anything",
    "people",
    "time",
    "day",
    "week",
    "year",
    "month",
]
"""Ordinary words, each a sentence of its own: speech that holds no time lands on these, not on time words."""
_LEAD_SAMPLE = 12
"""Every n-th phrase gets each lead-in: enough for the trigrams around a lead-in, small enough to build fast."""

_DITHER = 30.0
"""Standard deviation (int16 units, about -60 dBFS) of the noise floor added before decoding."""
_NBEST = 1
"""How many of the decoder's hypotheses the parser may choose from (1: the best only). Measured on our own
214-clip set: 112 right with 1, 109 with 5, 107 with 10 or 30 (later hypotheses turn refusals into times)."""
_TUNING: dict[str, object] = {}
"""Decoder settings over PocketSphinx's defaults. Measured on our own set, none beat the defaults:
lw 4/8/10 gave 108/107/106 of 214 against 110 at 6.5; wip 0.2/2.0 gave 110/109 against 110 at 0.65."""


def _lm_text() -> str:
    from assistant.timeparse import time_grammar_phrases

    phrases = time_grammar_phrases() + (_extra_phrases() if _EXTRA else [])
    lines = list(phrases) + list(_REFUSED) + list(_FILLERS)
    for lead in _LEAD_INS:
        if lead:
            lines.append(lead)
            lines.extend(f"{lead} {p}" for p in phrases[::_LEAD_SAMPLE])
    return "\n".join(lines) + "\n"


_EXTRA = True
"""Add `_extra_phrases` to the model: on our own 214-clip set 112 right with them, 110 without."""


def _extra_phrases() -> list[str]:
    """Shapes of DESIGN.md's conventions the parser's phrase list leaves out: "next friday evening",
    "on sunday", "at seven tonight", "tomorrow morning at nine"."""
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    hours = [_HOURS[h] for h in range(12)]
    out = []
    for day in days:
        out += [f"next {day}", f"on {day}", f"next {day} morning", f"next {day} afternoon",
                f"next {day} evening", f"on {day} at {hours[6]}"]
    for hour in hours:
        out += [f"at {hour} tonight", f"at {hour} tomorrow", f"at {hour} thirty tonight", f"tonight at {hour}",
                f"tomorrow morning at {hour}"]
    return out


_HOURS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")


def _cmudict_path() -> Path:
    from pocketsphinx import get_model_path

    return Path(get_model_path()) / "en-us" / "cmudict-en-us.dict"


def _dictionary_text(words: set[str]) -> str:
    """The bundled CMU dictionary's entries (alternates too) for `words` only."""
    lines = []
    found = set()
    with open(_cmudict_path(), encoding="utf-8") as f:
        for line in f:
            head = line.split(" ", 1)[0]
            base = head.split("(", 1)[0]
            if base in words:
                lines.append(line.rstrip("\n"))
                found.add(base)
    missing = sorted(words - found)
    if missing:
        raise RuntimeError(f"time words missing from the CMU dictionary: {', '.join(missing)}")
    return "\n".join(lines) + "\n"


def _cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(os.environ.get("ASSISTANT_CACHE_DIR") or user_cache_dir("pause-assistant"))


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _model_files() -> tuple[Path, Path]:
    """(ARPA model, dictionary) for the time phrases: from the cache, or built and cached."""
    text = _lm_text()
    key = hashlib.sha256(text.encode()).hexdigest()[:16]
    folder = _cache_dir() / "time-lm"
    paths = folder / f"{key}.arpa", folder / f"{key}.dict"
    if all(path.exists() for path in paths):
        return paths
    import io

    from pocketsphinx.lm import ArpaBoLM

    lm = ArpaBoLM(text=text, add_start=True)
    lm.compute()
    arpa = io.StringIO()
    lm.write(arpa)
    texts = (arpa.getvalue(), _dictionary_text({w for line in text.splitlines() for w in line.split()}))
    try:
        for path, content in zip(paths, texts, strict=True):
            _write_atomic(path, content)
    except OSError as e:  # a read-only home: build in a temporary folder, every time
        _LOGGER.warning("cannot cache the time language model in %s (%s)", folder, e)
        folder = Path(tempfile.mkdtemp(prefix="pause-time-lm-"))
        paths = folder / "time.arpa", folder / "time.dict"
        for path, content in zip(paths, texts, strict=True):
            path.write_text(content, encoding="utf-8")
    return paths


@functools.lru_cache(maxsize=1)
def _time_decoder():
    """A decoder on the bundled en-us acoustic model with the time language model (built once)."""
    from pocketsphinx import Decoder

    arpa_path, dict_path = _model_files()
    return Decoder(lm=str(arpa_path), dict=str(dict_path), loglevel="FATAL", **_TUNING)


def _meant_refusals() -> frozenset[str]:
    from assistant import timeparse

    return frozenset({timeparse.PAST_REASON, timeparse._NOW_REASON, timeparse._VAGUE_REASON,
                      timeparse._TOO_FAR_REASON})


def _settles(words: str) -> bool:
    """Whether the parser gives these words a time, or refuses them for what they mean (past, too far,
    vague), rather than for holding no time or a garbled one."""
    from datetime import datetime

    from assistant.timeparse import NotUnderstood, parse_resume_time

    result = parse_resume_time(words, datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    return not isinstance(result, NotUnderstood) or result.reason in _meant_refusals()


def _has_digital_silence(audio: np.ndarray) -> bool:
    """Whether some 10 ms frame is (nearly) digital zero: a recording without any noise floor."""
    frames = audio[: len(audio) // 160 * 160].astype(np.float32).reshape(-1, 160)
    return len(frames) > 0 and float(np.sqrt((frames ** 2).mean(axis=1)).min()) < _DITHER / 10


def transcribe_time(audio: np.ndarray) -> str:
    """Words heard in 16 kHz int16 audio, restricted to the time language model.

    Of the decoder's best few hypotheses, the first the parser can settle wins (see `_settles`); when
    none can, the best one.
    """
    decoder = _time_decoder()
    audio = np.asarray(audio, dtype=np.int16)
    if _DITHER and _has_digital_silence(audio):
        # A noise floor: digital silence (clean synthetic speech, a gated stream) drives the log energies
        # of silent frames to extreme values, which skews batch CMN and the noise estimate; real rooms
        # never do. Clean espeak-ng phrases: 1 of 5 right without it, 5 of 5 with it.
        noise = np.random.default_rng(len(audio)).normal(0.0, _DITHER, len(audio))
        audio = np.clip(audio + noise, -32768, 32767).astype(np.int16)
    decoder.start_utt()
    decoder.process_raw(np.ascontiguousarray(audio, dtype=np.int16).tobytes(), full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    best = hyp.hypstr if hyp is not None else ""
    if _NBEST <= 1 or not best or _settles(best):
        return best
    try:
        for i, candidate in enumerate(decoder.nbest()):
            if i >= _NBEST or candidate is None:
                break
            words = " ".join(w for w in candidate.hypstr.split() if not w.startswith("<"))
            if words and _settles(words):
                return words
    except RuntimeError:  # no lattice (nothing heard)
        pass
    return best


def recognise_time_phrase(path: str | Path, config: Config) -> str:
    """The words of a recorded time phrase (a WAV or FLAC file)."""
    from assistant.audio.files import read_audio

    return transcribe_time(read_audio(path))
