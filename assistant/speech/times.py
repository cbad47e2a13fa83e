"""Spoken resume times: PocketSphinx restricted to a time language model, then the time parser.

Receives a recording of one phrase ("in twenty minutes", "friday morning"). Emits the words heard, for
`timeparse.parse_resume_time`. The language model is a trigram model of weighted sentences (`_sentences`): the
shapes of DESIGN.md's spoken time conventions, weighted by how often people say them ("in forty five
minutes" far more than "in forty nine minutes"), each also after a lead-in ("let's talk again ..."), plus the
dialog's yes / no answers, refusals and runs of everyday words for speech that holds no time. Its back-off
mass is small, so recognition stays close to whole phrases the parser understands. The model and a
dictionary holding only its words are built once and cached in the user cache folder, keyed by a hash of
their inputs, so later starts load in well under a second instead of parsing the full CMU dictionary.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import math
import os
import random
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from assistant.answers import NEGATIONS, NO_PHRASES, YES_PHRASES, yes_or_no
from assistant.config import Config
from assistant.speech import answer_model
from assistant.timeparse import NotUnderstood

_LOGGER = logging.getLogger(__name__)

_LEAD_INS = (
    "let's talk again", "let's talk", "how about", "maybe", "we can talk", "let's come back",
    "let's come back to this", "let's resume", "can we talk", "can we talk again", "let's say",
    "let's pick this up", "okay", "we'll talk", "i'd like to talk again", "let's talk about it",
    "can we come back", "can we come back to this", "let's continue", "let's meet again", "we could talk",
    "let's do", "let's talk about this",
)
"""Words people put before a time, each as likely as the others. Own held-out set (177 clips, see
scripts/bench_times.py): 152 right with them, 144 without."""
_LEAD_IN_SHARE = 0.3
"""Weight of all lead-in sentences together, against 1 for the bare phrases."""
_REFUSED = (
    "yesterday", "yesterday at seven", "last night", "last friday", "an hour ago", "twenty minutes ago",
    "two hours ago", "in five years", "in two months", "in a year", "in a few minutes", "in a while",
    "right now", "now", "never", "later", "some other time", "not now", "i don't know", "today",
)
"""Phrases the parser refuses: in the model so that they are heard as themselves and refused."""
_EVERYDAY_WORDS = (
    "the", "a", "and", "i", "you", "we", "it", "that", "this", "is", "was", "not", "no", "yes", "okay", "so",
    "but", "well", "just", "really", "think", "know", "want", "need", "feel", "said", "say", "go", "going",
    "get", "got", "make", "made", "come", "came", "bread", "banana", "dinner", "work", "home", "kids", "money",
    "phone", "car", "house", "food", "coffee", "tea", "walk", "dog", "cat", "love", "sorry", "please",
    "thanks", "thank", "good", "bad", "right", "wrong", "always", "never", "again", "later", "maybe",
    "something", "nothing", "everything", "anything", "people", "time", "day", "week", "year", "month",
)
"""Ordinary words: speech that holds no time lands on these, not on time words."""
_EVERYDAY_RUNS = 500
"""Sentences of 2-5 random everyday words (seeded), so longer speech without a time has a path of its own.
Own held-out set 152 right with them, 148 without (the older 214-clip set: 145 against 148)."""
_ANSWER_WEIGHT = 20.0
"""Weight of each yes / no answer of the dialog, against 6 for a common time phrase."""
_DISCOUNT = 0.01
"""Probability mass each context gives to back-off (pocketsphinx.lm.ArpaBoLM uses 0.5). Small, so word
sequences outside the phrases are unlikely: own held-out set 152 right at 0.01, 145 at 0.05, 133 at 0.5."""
_DURATION_TAG = "_d"
"""Suffix of the number words of a duration in the model ("in forty_d five_d minutes"), removed from what is
heard. PocketSphinx scores trigrams only; untagged, P(minutes | forty five) is shared with clock times ("at
seven forty five p m"), and "in forty nine minutes" beat "in forty five minutes" (a corpus clip). Neutral on
the held-out sets, 69 against 68 of 93 on a set of minute phrases."""
_PRONUNCIATIONS = {
    "half": ("HH AA F",), "past": ("P AA S T",), "quarter": ("K W AO T ER", "K W AO T AH"),
    "saturday": ("S AE T ER D EY", "S AE T AH D EY"),
}
"""British pronunciations the CMU dictionary lacks. Without "HH AA F", "in half an hour" said by an en-gb
voice was heard as "... talk an hour". Own held-out set 152 right with them, 147 without. ("after" and
"afternoon" with AA were tried: "at ten" and "at noon" then turned into "afternoon".)"""
_MODEL_VERSION = 2
"""Part of the cache key, with the model's inputs: raise it when the way they become a model changes."""

_DITHER = 30.0
"""Standard deviation (int16 units, about -60 dBFS) of the noise floor added before decoding."""
_NBEST = 5
"""How many of the decoder's hypotheses may stand in for a garbled best one (see `transcribe_time`); 1 turns
this off. Own held-out set 152 right with 5, 151 with 1."""
_TUNING: dict[str, object] = {"topn": 8}
"""Decoder settings over PocketSphinx's defaults. topn 8 (Gaussians scored per frame, default 4): own held-out
set 152 against 146 right, about 0.03 s more per clip; 16 and 32 gained 2 more at 2-4 times the decode time.
lw/fwdflatlw/bestpathlw, wip, pip, silprob, fillprob, remove_noise: no change beyond +-3 of 177."""


# --- the language model's sentences ---------------------------------------------------------------------

def _time_phrases() -> list[tuple[str, float]]:
    """The spoken time conventions of DESIGN.md as (phrase, weight); 6 is a common phrase, 1 a rare one."""
    from assistant.timeparse import _number_words as words

    hours = [words(h) for h in range(1, 13)]
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    out: list[tuple[str, float]] = []
    for n in range(2, 60):  # round numbers are what people say
        out.append((f"in {words(n)} minutes", 6 if n % 5 == 0 else 1))
    for n in (10, 15, 20, 30, 40, 45):
        out += [(f"{words(n)} minutes from now", 2), (f"give me {words(n)} minutes", 1)]
    for n in range(2, 13):
        out.append((f"in {words(n)} hours", 4 if n <= 4 else 1))
    out += [(f"in {words(n)} and a half hours", 1) for n in (1, 2, 3)]
    out += [("in an hour", 8), ("in half an hour", 8), ("in an hour and a half", 4), ("in ninety minutes", 3),
            ("in a quarter of an hour", 2), ("in a couple of hours", 3), ("in one hour", 2), ("in a minute", 1),
            ("in one minute", 1), ("an hour from now", 2), ("half an hour from now", 2), ("in an hour or so", 1),
            ("in a day", 1), ("in two days", 2)]
    minutes = ("oh five", "ten", "fifteen", "twenty", "twenty five", "thirty", "thirty five", "forty",
               "forty five", "fifty", "fifty five")
    for hour in hours:
        out += [(f"at {hour}", 6), (f"at {hour} o'clock", 2), (f"half past {hour}", 3), (f"at {hour} a m", 2),
                (f"at {hour} p m", 3), (f"quarter past {hour}", 2), (f"quarter to {hour}", 2),
                (f"at {hour} tonight", 1), (f"at {hour} thirty tonight", 1), (f"at {hour} tomorrow", 1),
                (f"at {hour} tomorrow morning", 1)]
        out += [(f"{m} {rel} {hour}", 1) for m in ("five", "ten", "twenty") for rel in ("past", "to")]
        for minute in minutes:
            out += [(f"at {hour} {minute}", 3 if minute in ("fifteen", "thirty", "forty five") else 1),
                    (f"at {hour} {minute} a m", 1), (f"at {hour} {minute} p m", 1)]
    out += [(f"at {words(h)} in the morning", 1) for h in range(1, 12)]
    out += [(f"at {words(h)} in the afternoon", 1) for h in (12, 1, 2, 3, 4, 5, 6)]
    out += [(f"at {words(h)} in the evening", 1) for h in range(4, 12)]
    out += [(f"at {words(h)} at night", 1) for h in (8, 9, 10, 11, 12, 1, 2)]
    out += [("noon", 2), ("at noon", 3), ("midnight", 2), ("at midnight", 1), ("tonight", 6), ("tomorrow", 6),
            ("the day after tomorrow", 2), ("this evening", 3), ("this afternoon", 3), ("later tonight", 1),
            ("tonight at midnight", 1)]
    for day in ("tomorrow", *days):
        weight = 3 if day == "tomorrow" else 1
        out += [(f"{day} {part}", 2 * weight) for part in ("morning", "afternoon", "evening", "night")]
        out.append((f"{day} at noon", weight))
        for hour in hours:
            out += [(f"{day} at {hour}", weight), (f"{day} at {hour} thirty", weight), (f"{day} at {hour} a m", 1),
                    (f"{day} at {hour} p m", 1), (f"{day} at half past {hour}", 1), (f"{day} morning at {hour}", 1)]
        if day != "tomorrow":
            out += [(day, 2), (f"next {day}", 1), (f"on {day}", 1), (f"on {day} at seven", 1)]
            out += [(f"next {day} {part}", 1) for part in ("morning", "afternoon", "evening")]
    for hour in hours:
        out += [(f"tonight at {hour}", 2), (f"tonight at {hour} thirty", 1)]
    for h in range(4, 12):
        out += [(f"tomorrow evening at {words(h)}", 1), (f"this evening at {words(h)}", 1)]
    return out


def _tag_durations(phrase: str) -> str:
    """ "in forty five minutes" -> "in forty_d five_d minutes" (see `_DURATION_TAG`)."""
    from assistant.timeparse import _NUMBER_WORDS, _TENS_WORDS

    numbers = set(_NUMBER_WORDS) | set(_TENS_WORDS.values())
    words = phrase.split()
    for i, word in enumerate(words):
        if word in ("minute", "minutes", "hour", "hours"):
            j = i - 1
            while j >= 0 and words[j] in numbers:
                words[j] += _DURATION_TAG
                j -= 1
    return " ".join(words)


def _answers() -> tuple[str, ...]:
    return (*YES_PHRASES, *NO_PHRASES)


def _sentences(time_phrases: list[tuple[str, float]]) -> list[tuple[tuple[str, ...], float]]:
    """Weighted sentences of the language model (see the module docstring)."""
    phrases = [(tuple(_tag_durations(p).split()), w) for p, w in time_phrases]
    out = list(phrases)
    share = _LEAD_IN_SHARE / max(len(_LEAD_INS), 1)
    for lead in _LEAD_INS:
        words = tuple(lead.split())
        out.append((words, 1.0))
        out += [(words + p, w * share) for p, w in phrases]
    out += [(tuple(a.split()), _ANSWER_WEIGHT) for a in _answers()]
    out += [(tuple(r.split()), 1.0) for r in _REFUSED]
    out += [((w,), 1.0) for w in _EVERYDAY_WORDS]
    rng = random.Random(6)
    out += [(tuple(rng.choice(_EVERYDAY_WORDS) for _ in range(rng.randint(2, 5))), 1.0)
            for _ in range(_EVERYDAY_RUNS)]
    return out


def _arpa_text(sentences: Iterable[tuple[tuple[str, ...], float]], discount: float) -> str:
    """A back-off trigram model in ARPA format from weighted sentences: the scheme of pocketsphinx.lm.ArpaBoLM
    (each context keeps 1 - `discount` of its mass for what followed it, the rest backs off), with weights."""
    counts: list[dict[tuple[str, ...], float]] = [defaultdict(float) for _ in range(4)]
    for words, weight in sentences:
        padded = ("<s>", *words, "</s>")
        for n in (1, 2, 3):
            for i in range(len(padded) - n + 1):
                counts[n][padded[i:i + n]] += weight
    total = sum(c for gram, c in counts[1].items() if gram != ("<s>",))
    prob: list[dict[tuple[str, ...], float]] = [{}, {g: c / total for g, c in counts[1].items()}, {}, {}]
    backoff: list[dict[tuple[str, ...], float]] = [{}, {}, {}, {}]
    for n in (2, 3):
        context: dict[tuple[str, ...], float] = defaultdict(float)
        for gram, c in counts[n].items():
            context[gram[:-1]] += c
        prob[n] = {g: (1 - discount) * c / context[g[:-1]] for g, c in counts[n].items()}
        seen_lower: dict[tuple[str, ...], float] = defaultdict(float)
        for gram in counts[n]:
            seen_lower[gram[:-1]] += prob[n - 1][gram[1:]]
        backoff[n - 1] = {h: discount / max(1.0 - p, 1e-9) for h, p in seen_lower.items()}
    lines = ["\\data\\", *(f"ngram {n}={len(prob[n])}" for n in (1, 2, 3)), ""]
    for n in (1, 2, 3):
        lines.append(f"\\{n}-grams:")
        for gram in sorted(prob[n]):
            logp = -99.0 if gram == ("<s>",) else math.log10(prob[n][gram])
            alpha = f" {math.log10(backoff[n][gram]):.4f}" if gram in backoff[n] else ""
            lines.append(f"{logp:.4f} {' '.join(gram)}{alpha}")
        lines.append("")
    lines.append("\\end\\")
    return "\n".join(lines) + "\n"


# --- files: model, dictionary, cache --------------------------------------------------------------------

def _cmudict_path() -> Path:
    from pocketsphinx import get_model_path

    return Path(get_model_path()) / "en-us" / "cmudict-en-us.dict"


def _plain(word: str) -> str:
    return word.removesuffix(_DURATION_TAG)


def _dictionary_text(words: set[str]) -> str:
    """The bundled CMU dictionary's entries (alternates too) for `words` only, plus `_PRONUNCIATIONS`; a
    duration-tagged word ("five_d") sounds like its plain word."""
    wanted = {_plain(w) for w in words}
    sounds: dict[str, list[str]] = defaultdict(list)
    with open(_cmudict_path(), encoding="utf-8") as f:
        for line in f:
            head, _, phones = line.strip().partition(" ")
            base = head.split("(", 1)[0]
            if base in wanted:
                sounds[base].append(phones.strip())
    missing = sorted(wanted - set(sounds))
    if missing:
        raise RuntimeError(f"time words missing from the CMU dictionary: {', '.join(missing)}")
    for word, extra in _PRONUNCIATIONS.items():
        if word in sounds:
            sounds[word] += [p for p in extra if p not in sounds[word]]
    lines = [f"{word}{f'({i + 1})' if i else ''} {phones}"
             for word in sorted(words) for i, phones in enumerate(sounds[_plain(word)])]
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


def _remove_superseded(folder: Path, key: str) -> None:
    """Delete the files of models an earlier version built: each new recipe writes new files, and the old
    ones would otherwise pile up in the cache for good."""
    for old in [*folder.glob("*.arpa"), *folder.glob("*.dict")]:
        if old.stem != key:
            with contextlib.suppress(OSError):  # a file we cannot delete must not cost the fresh cache
                old.unlink(missing_ok=True)


def _model_files() -> tuple[Path, Path]:
    """(ARPA model, dictionary) for the time phrases: from the cache, or built and cached."""
    phrases = _time_phrases()
    recipe = (_MODEL_VERSION, _DISCOUNT, _DURATION_TAG, sorted(_PRONUNCIATIONS.items()), phrases, _LEAD_INS,
              _LEAD_IN_SHARE, _answers(), _ANSWER_WEIGHT, _REFUSED, _EVERYDAY_WORDS, _EVERYDAY_RUNS, _HESITATIONS)
    key = hashlib.sha256(repr(recipe).encode()).hexdigest()[:16]
    folder = _cache_dir() / "time-lm"
    paths = folder / f"{key}.arpa", folder / f"{key}.dict"
    if all(path.exists() for path in paths):
        return paths
    sentences = _sentences(phrases)
    vocabulary = {w for words, _ in sentences for w in words} | set(_HESITATIONS)  # see _CHOICE_LEADS
    texts = (_arpa_text(sentences, _DISCOUNT), _dictionary_text(vocabulary))
    try:
        for path, content in zip(paths, texts, strict=True):
            _write_atomic(path, content)
        _remove_superseded(folder, key)
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


# --- decoding -------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _time_words() -> frozenset[str]:
    """Words that carry a time: numbers, units, days and parts of days."""
    from assistant import timeparse

    return frozenset({*timeparse._NUMBER_WORDS, *timeparse._TENS_WORDS.values(), *timeparse._WEEKDAYS,
                      *timeparse._PARTS, *timeparse._TODAY_WORDS, *timeparse._TONIGHT_WORDS,
                      *timeparse._TOMORROW_WORDS, *timeparse._NOON_WORDS, "midnight", "half", "quarter",
                      *timeparse._HOUR_UNITS, *timeparse._MINUTE_UNITS})


def _meant_refusals() -> frozenset[str]:
    from assistant import timeparse

    return frozenset({timeparse.PAST_REASON, timeparse._NOW_REASON, timeparse._VAGUE_REASON,
                      timeparse._TOO_FAR_REASON})


def _parse(words: str):
    from assistant.timeparse import parse_resume_time

    return parse_resume_time(words, _MOMENTS[0])


def _garbled(words: str) -> bool:
    """Whether these words hold time words but the parser can make no time of them ("let's talk at eight talk
    hour" is a time; "half past thirty" is garbled), rather than holding no time or a refused one."""

    result = _parse(words)
    return (isinstance(result, NotUnderstood) and result.reason not in _meant_refusals()
            and not _time_words().isdisjoint(words.split()))


def _words(hypstr: str) -> str:
    """The words of a hypothesis: no <s>, </s>, <sil> or [NOISE], no duration tags."""
    return " ".join(_plain(w) for w in hypstr.split() if not w.startswith(("<", "[")))


def _has_digital_silence(audio: np.ndarray) -> bool:
    """Whether some 10 ms frame is (nearly) digital zero: a recording without any noise floor."""
    frames = audio[: len(audio) // 160 * 160].astype(np.float32).reshape(-1, 160)
    return len(frames) > 0 and float(np.sqrt((frames ** 2).mean(axis=1)).min()) < _DITHER / 10


def transcribe_time(audio: np.ndarray) -> str:
    """Words heard in 16 kHz int16 audio, restricted to the time language model.

    When the best hypothesis is garbled (see `_garbled`), the first of the next few that parses to a time
    wins instead (a parsable hypothesis beats an unparsable one). Letting a later hypothesis replace a best
    one that holds no time at all turned refusals into times (own held-out set, an earlier model: 145 of 177
    against 150).
    """
    return _open_decode(_prepare(audio)).words


@dataclass(frozen=True)
class _Decoded:
    words: str
    score: float
    """Acoustic log-likelihood per frame of the best path."""
    agreement: float
    """Share of the decoder's best few hypotheses that mean the same as `words` (the same instant, or all
    no time): low when the sound is ambiguous between times ("fifteen" / "fifty")."""


def _open_decode(audio: np.ndarray) -> _Decoded:
    """One decode of prepared audio with the open time grammar (see `transcribe_time`)."""

    decoder = _time_decoder()
    decoder.activate_search("_default")
    # PocketSphinx normalises a whole utterance by its own cepstral mean only on a decoder's first one; its
    # end_utt switches to a running mean carried over from earlier utterances, so the same clip was heard
    # differently after another clip (and `assistant when`, a fresh process, differed from the live loop).
    # Re-initialising the features (0.2 ms) makes every utterance a first one.
    decoder.reinit_feat()
    decoder.start_utt()
    decoder.process_raw(audio.tobytes(), full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    if hyp is None:
        return _Decoded("", -math.inf, 0.0)
    best = _words(hyp.hypstr)
    frames = max(decoder.n_frames(), 1)
    score = sum(math.log(s.ascore) if s.ascore > 0 else -math.inf for s in decoder.seg()) / frames
    others: list[str] = []
    try:
        for i, candidate in enumerate(decoder.nbest()):
            if i >= _AGREEMENT_HYPOTHESES or candidate is None:
                break
            others.append(_words(candidate.hypstr))
    except RuntimeError:  # no lattice (nothing heard)
        pass
    if _NBEST > 1 and best and _garbled(best):
        best = next((w for w in others[:_NBEST] if w and not isinstance(_parse(w), NotUnderstood)), best)
    meaning = _meaning(best)
    agreement = sum(_meaning(w) == meaning for w in others) / len(others) if others else 1.0
    return _Decoded(best, score, agreement)


_MOMENTS = (datetime(2026, 1, 5, 12, 0, tzinfo=UTC), datetime(2026, 1, 5, 12, 7, tzinfo=UTC))
"""Two moments at which words are turned into times to compare them: at one alone, "one o'clock" and "in an
hour" (at noon) would be the same time (an offered "in an hour" was read back for "one o'clock")."""


def _meaning(words: str) -> tuple[datetime, ...] | None:
    """What `words` stand for, the same whenever they are said: their instants at `_MOMENTS`, or None."""
    from assistant.timeparse import parse_resume_time

    results = [parse_resume_time(words, now) for now in _MOMENTS]
    if any(isinstance(r, NotUnderstood) for r in results):
        return None
    return tuple(r.resume_at for r in results)


_AGREEMENT_HYPOTHESES = 8
"""How many of the decoder's best hypotheses `_Decoded.agreement` looks at."""


def recognise_time_phrase(path: str | Path, config: Config) -> str:
    """The words of a recorded time phrase (a WAV or FLAC file)."""
    from assistant.audio.files import read_audio

    return transcribe_time(read_audio(path))


# --- answers with a confidence: offered choices, yes / no, refusing rather than guessing --------------------

@dataclass(frozen=True)
class Heard:
    """What the dialog is given for one spoken answer.

    `words` are what was heard, for the time parser or `dialog.yes_or_no`; `sure` is False when the
    recogniser's own evidence disagrees with itself, and the dialog then asks again instead of reading back a
    guess. `via` says which evidence decided: "choice" (one of the offered times), "free" (the time grammar),
    "yes" / "no", the learned answer model ("choice-model", "yes-model", "no-model", `speech.answer_model`),
    the closed set checked against a phone loop ("choice-phones", `CHOICE_PHONE_RATIO`), or "none".
    """

    words: str
    sure: bool
    via: str = "free"
    margin: float = 0.0
    """The evidence behind the decision, for measuring: for a choice or yes / no the acoustic margin in
    log-likelihood per 10 ms frame, for a free time the agreement of the best hypotheses (0..1)."""


FREE_AGREEMENT = 1.0
"""The share of the open grammar's best eight hypotheses that must agree on the time for it to be read back;
below it the dialog asks again. Measured (scripts/calibrate_answers.py, TEST part: voices and wordings not
tuned on): 1.0 reads a wrong time back for 0.9 % of clips, 0.75 for 3.0 %, 0.5 for 9.7 %. A time they did not
say must not be stored, so the strict setting ships and the couple is asked again more often."""
CHOICE_MARGIN = -math.inf
"""How much worse (acoustic log-likelihood per frame) the closed set of offered choices may explain an answer
than the open grammar and still be taken. Measured: any margin at all turned free times into offered ones
(at 0.0, 26 % of free phrases on TEST read back as a wrong, offered time), because the open grammar's best path
is not the acoustically best one; so a choice is taken only when both decoders agree on it."""
CHOICE_PHONE_RATIO = -2.4
"""A choice neither the open grammar nor the answer model is sure of is still taken when the closed set of
offered choices explains the sound nearly as well as any sequence of phones could (acoustic log-likelihood per
frame, closed set minus a free phone loop: how far the best offered wording is from the best any words could
do), the answer model gives that choice at least `CHOICE_SUPPORT`, and the open grammar heard no other time
it is sure of. Both chosen on TUNE with scripts/calibrate_answers.py: there 82.5 -> 88.3 % of offered times
heard right with wrong times read back unchanged; on TEST (voices and wordings not tuned on) 52.5 -> 63.3 %,
wrong times read back 1.2 -> 1.4 %, no refusal taken for a time. The ratio alone does not do: its level moves
by about half a unit from voice to voice, and without the model's support it read free times back as offers."""
CHOICE_SUPPORT = 0.3
YES_NO_MARGIN = -0.25
"""How much better, per frame, "yes" must explain an answer than "no" for a yes the open grammar also heard
(when the answer model was unsure). A no heard as a yes stores a time nobody agreed to: any negation heard
("no", "not", "wrong") rules yes out, which took "no" read as "yes" from 30 % to 1.6 % of TEST's no clips.
Chosen on TUNE behind the model (scripts/calibrate_answers.py, largest of the best): 0.0 -> -0.25 took TEST
yeses heard right from 54.5 to 59.7 % ("yes it is" heard as "yes this": the forced phrases explain neither
well), noes taken for yeses still none."""
YES_MODEL_MARGIN = -0.5
"""The answer model's yes is asked again when the forced "no" explains the sound better than the forced "yes" by
more than this (log-likelihood per frame): two recognisers that disagree about a yes must not store a time.
Measured (scripts/calibrate_answers.py): TEST "not quite" taken for a yes 1 -> 0 of 73 noes, yeses heard right
42 -> 41 of 77; TUNE yeses 63 -> 61 of 71. TUNE cannot choose the value (the model was trained on its voices
and takes no "no" for a yes there): it is the loosest that keeps 97 % of TUNE's yeses."""
_HESITATIONS = ("um", "uh", "er", "hmm")
"""Sounds people make before an answer: allowed before an offered time in the closed set (in the dictionary,
not in the open grammar's model). Measured (scripts/calibrate_answers.py, with the closed set's evidence
recomputed): TEST offers heard right 68.0 -> 70.7 %, wrong times read back 7 -> 6 of 540, refusals refused
98 -> 99 %; TUNE wrong times read back 8 -> 7, offers unchanged. (TEST says some offers after "um"; TUNE does
not.)"""
_CHOICE_LEADS = ("okay", "let's do", "let's say", "maybe", "how about", *_HESITATIONS)
_CHOICE_TAILS = ("please", "is good", "is fine", "then")


def _jsgf(name: str, alternatives: Iterable[str], leads: Iterable[str] = (), tails: Iterable[str] = ()) -> str:
    body = " | ".join(f"( {a} )" for a in alternatives)
    rule = f"( {body} )"
    if leads:
        rule = f"[ {' | '.join(leads)} ] {rule}"
    if tails:
        rule = f"{rule} [ {' | '.join(tails)} ]"
    return f"#JSGF V1.0;\ngrammar {name};\npublic <{name}> = {rule};\n"


def _known(words: str) -> bool:
    decoder = _time_decoder()
    return all(decoder.lookup_word(w) is not None for w in words.split())


def _search(kind: str, phrases: tuple[str, ...]) -> str:
    """The name of a closed-set search on the time decoder (added once per decoder and set of phrases)."""
    return _add_search(_time_decoder(), kind, phrases)


@functools.lru_cache(maxsize=16)
def _add_search(decoder, kind: str, phrases: tuple[str, ...]) -> str:
    """Keyed by the decoder too: a decoder made afresh (its cache cleared) has none of the old searches."""
    name = f"{kind}_{hashlib.sha1(repr(phrases).encode()).hexdigest()[:10]}"
    if kind == "choices":
        text = _jsgf("c", phrases, [w for w in _CHOICE_LEADS if _known(w)], [w for w in _CHOICE_TAILS if _known(w)])
    else:
        text = _jsgf("a", phrases)
    decoder.add_jsgf_string(name, text)
    return name


@functools.lru_cache(maxsize=4)
def _add_phone_loop(decoder) -> str:
    """Any phones in any order, all equally likely: the best acoustic explanation any words could give."""
    decoder.add_allphone_file("phone_loop")
    return "phone_loop"


def _phone_loop_score(audio: np.ndarray) -> float:
    """Acoustic log-likelihood per frame of the best phone sequence for prepared audio."""
    return _decode(audio, _add_phone_loop(_time_decoder()))[1]


def _prepare(audio: np.ndarray) -> np.ndarray:
    audio = np.asarray(audio, dtype=np.int16)
    if _DITHER and _has_digital_silence(audio):  # see transcribe_time
        noise = np.random.default_rng(len(audio)).normal(0.0, _DITHER, len(audio))
        audio = np.clip(audio + noise, -32768, 32767).astype(np.int16)
    return np.ascontiguousarray(audio)


def _decode(audio: np.ndarray, search: str | None) -> tuple[str, float]:
    """(words, acoustic log-likelihood per frame) of the best path in `search` (None: the time grammar)."""
    decoder = _time_decoder()
    decoder.activate_search(search or "_default")
    try:
        decoder.reinit_feat()
        decoder.start_utt()
        decoder.process_raw(audio.tobytes(), full_utt=True)
        decoder.end_utt()
        hyp = decoder.hyp()
        frames = max(decoder.n_frames(), 1)
        if hyp is None:
            return "", -math.inf
        # the bindings hand scores over as probabilities (logmath.exp); back to logs, summed over the path
        total = sum(math.log(s.ascore) if s.ascore > 0 else -math.inf for s in decoder.seg())
        return _words(hyp.hypstr), total / frames
    finally:
        decoder.activate_search("_default")


def _same_time(a: str, b: str) -> bool:
    """Whether `a` and `b` are both times, and the same one whenever they are said (see `_MOMENTS`)."""
    meaning = _meaning(a)
    return meaning is not None and meaning == _meaning(b)


def hear_time(audio: np.ndarray, choices: Iterable[str] = ()) -> Heard:
    """A time answer, with the offered `choices` (phrases) as a closed set tried beside the open grammar.

    A choice is taken when the answer model hears it and another recogniser agrees (the open grammar heard that
    time, or heard none and the closed set picked the same offer); when the open grammar heard the same time
    as the closed set (or nearly as well, `CHOICE_MARGIN`); or when the open grammar is not sure of another
    time, the model gives the closed set's choice some support and the closed set comes near a free phone loop
    (`CHOICE_PHONE_RATIO`). Otherwise the open grammar's words stand, and are sure only when its best few
    hypotheses agree on what they mean (`FREE_AGREEMENT`)."""
    audio = _prepare(audio)
    choices = tuple(choices)
    free = _open_decode(audio)
    free_time = not isinstance(_parse(free.words), NotUnderstood)
    model = answer_model.shipped_head()
    scores = model.scores(audio) if model is not None and choices else {}
    # the learned model's choice, when the open grammar heard that time, or heard none and the closed set of
    # offers picked the same one: on voices it was not trained on the model is sometimes sure of an offer
    # nobody said ("in ninety minutes" as "in thirty minutes" at 0.99), and the closed set, another
    # recogniser, rarely makes the same mistake (measured: scripts/calibrate_answers.py, TEST part: wrong
    # times read back 8 -> 6 of 540, offers heard right 104 -> 102 of 150)
    modelled = answer_model.choice_from(scores, list(choices)) if scores else None
    if modelled is not None and _same_time(free.words, modelled):
        return Heard(modelled, True, "choice-model")  # no closed-set decode needed
    known = tuple(c for c in choices if _known(c))
    said, score = _decode(audio, _search("choices", known)) if known else ("", -math.inf)
    closed = next((c for c in known if f" {c} " in f" {said} "), None)
    if modelled is not None and not free_time and closed == modelled:
        return Heard(modelled, True, "choice-model")
    if known:
        choice = closed
        margin = free.score - score
        if choice is not None and (_same_time(free.words, choice) or margin <= CHOICE_MARGIN):
            return Heard(choice, True, "choice", margin)
        free_sure_of_other = free_time and free.agreement >= FREE_AGREEMENT
        if choice is not None and not free_sure_of_other and scores.get(choice, 0.0) >= CHOICE_SUPPORT:
            ratio = score - _phone_loop_score(audio)
            if ratio >= CHOICE_PHONE_RATIO:
                return Heard(choice, True, "choice-phones", ratio)
    if not free.words:
        return Heard("", False, "none")
    return Heard(free.words, free.agreement >= FREE_AGREEMENT, "free", free.agreement)


def _yes_against_no(audio: np.ndarray) -> float:
    """How much better, per frame, the dialog's yes phrases explain prepared audio than its no phrases."""
    _, yes = _decode(audio, _search("yes", tuple(p for p in YES_PHRASES if _known(p))))
    _, no = _decode(audio, _search("no", tuple(p for p in NO_PHRASES if _known(p))))
    return yes - no


def hear_yes_no(audio: np.ndarray) -> Heard:
    """An answer to "Is that right?": yes, no, a new time, or unsure (asked again).

    Yes needs the open grammar to have heard yes, with no negation, and the forced yes to explain the sound
    better than the forced no (`YES_NO_MARGIN`); no needs a negation heard and either the forced no winning or
    the open grammar's no. Anything else is asked again."""

    audio = _prepare(audio)
    free = _open_decode(audio).words
    model = answer_model.shipped_head()
    if model is not None:  # first: the open grammar heard a time in one "yes" clip in seven (measured)
        said = answer_model.yes_no_from(model.scores(audio), free)
        if said == "yes" and _yes_against_no(audio) < YES_MODEL_MARGIN:
            said = "again"  # the forced "no" explains the sound clearly better: see YES_MODEL_MARGIN
        if said == "again":  # the model and the words heard disagree: ask again
            return Heard("", False, "none")
        if said is not None:
            return Heard(said, True, f"{said}-model")
    if free and not isinstance(_parse(free), NotUnderstood):
        return Heard(free, True, "free")  # a new time instead of yes or no
    margin = _yes_against_no(audio)
    said = yes_or_no(free)
    if not NEGATIONS.isdisjoint(free.split()):
        if margin < 0 or said == "no":
            return Heard("no", True, "no", margin)
    elif said == "yes" and margin > YES_NO_MARGIN:
        return Heard("yes", True, "yes", margin)
    return Heard("", False, "none", margin)
