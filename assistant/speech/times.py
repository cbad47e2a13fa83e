"""Spoken resume times: PocketSphinx restricted to a time language model, then the time parser.

Receives a recording of one phrase ("in twenty minutes", "friday morning"). Emits the words heard, for
`timeparse.parse_resume_time`. The language model is a small trigram model built at start-up from the
parser's own phrase list (pocketsphinx.lm.ArpaBoLM), so recognition can only produce words the parser
understands, in orders people say them.
"""

from __future__ import annotations

import functools
import io
import logging
import os
import tempfile
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


def _lm_text() -> str:
    from assistant.timeparse import time_grammar_phrases

    phrases = time_grammar_phrases()
    lines = list(phrases) + list(_REFUSED) + list(_FILLERS)
    for lead in _LEAD_INS:
        if lead:
            lines.append(lead)
            lines.extend(f"{lead} {p}" for p in phrases[::_LEAD_SAMPLE])
    return "\n".join(lines) + "\n"


@functools.lru_cache(maxsize=1)
def _time_decoder():
    """A decoder on the bundled en-us acoustic model with the time language model (built once)."""
    from pocketsphinx import Decoder
    from pocketsphinx.lm import ArpaBoLM

    lm = ArpaBoLM(text=_lm_text(), add_start=True)
    lm.compute()
    arpa = io.StringIO()
    lm.write(arpa)
    fd, path = tempfile.mkstemp(prefix="pause-time-lm-", suffix=".arpa")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(arpa.getvalue())
        decoder = Decoder(lm=path, loglevel="FATAL")
    finally:
        os.unlink(path)
    return decoder


def transcribe_time(audio: np.ndarray) -> str:
    """Words heard in 16 kHz int16 audio, restricted to the time language model."""
    decoder = _time_decoder()
    decoder.start_utt()
    decoder.process_raw(np.ascontiguousarray(audio, dtype=np.int16).tobytes(), full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return hyp.hypstr if hyp is not None else ""


def recognise_time_phrase(path: str | Path, config: Config) -> str:
    """The words of a recorded time phrase (a WAV or FLAC file)."""
    from assistant.audio.files import read_audio

    return transcribe_time(read_audio(path))
