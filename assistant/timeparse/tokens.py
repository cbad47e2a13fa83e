"""Words -> digit tokens: the first step of understanding a time, before the grammar reads it.

Receives typed or recognised words. Emits the words as heard and the tokens the grammar scans. Spellings are
evened out first (a.m., 7pm, 19h30, 1 1/2, 7-8 pm); then `text2num.alpha2digit` turns English number words into
digits ("twenty five" -> 25, "seven thirty" -> "7 30", "one hundred and twenty" -> 120); it already knows the
compound and "hundred" rules a hand-written table gets wrong, so the grammar only deals with digits.
"""

from __future__ import annotations

import re

from text_to_num import alpha2digit

from assistant.timeparse.words import NUMBER_WORDS, TENS_WORDS

__all__ = ["normalize"]

_SPOKEN_NUMBER = "|".join([*NUMBER_WORDS, *TENS_WORDS.values(), "oh"])
_SUBSTITUTIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), r) for p, r in (
    (r"\b(\d{4})-(\d{1,2})-(\d{1,2})(?:t(?=\d))?", r" \1.\2.\3 "),     # ISO date: one token, not a range
    (r"[\u2018\u2019\u02bc`]", "'"),
    (r"\bwe'd\b", " we would "),                                 # not "wed" (Wednesday) once ' goes
    (r"@", " at "),
    (r"&|\+", " and "),
    (r"\bo\s*'?\s*clock\b", " o'clock "),
    (r"(\d)\s+1\s*/\s*2\b", r"\1 and a half"),                  # 1 1/2 hours
    (r"\b1\s*/\s*2\b|\u00bd", " half "),
    (r"\bfirst thing\b", " morning "),
    (r"\b(\d{1,2})h(\d{2})\b", r"\1:\2"),                       # 19h30
    (r"(\d)\s*[-\u2013]\s*(\d)", r"\1 or \2"),                   # 7-8 pm: a range, two times
    (r"(?<![\w.])[-\u2212]\s*(?=\d)", " minus "),                   # -5 minutes
    (r"(\d)([a-z])", r"\1 \2"),                                  # 7pm, 20min
    (r"([a-z])(\d)", r"\1 \2"),                                  # at7
    (r"\b([ap])\s*\.\s*m\b\.?", r" \1m "),                       # a.m., p. m.
    (rf"\b(\d+|{_SPOKEN_NUMBER}|o'clock)\s+([ap])\s+m\b", r"\1 \2m"),  # 7 a m, seven thirty p m
    (r"(?<!\d)[.:]|[.:](?!\d)", " "),                            # keep 7:30 and 7.30 and 1.5
    (r"[^\w\s:.']", " "),
    (r"_", " "),
    (r"(?<!\w)'|'(?!\w)", " "),
))


def normalize(text: str) -> tuple[str, list[str]]:
    """Return (heard, tokens): heard keeps the words; tokens have number words turned into digits."""
    s = text.lower()
    for pattern, replacement in _SUBSTITUTIONS:
        s = pattern.sub(replacement, s)
    heard = re.sub(r"\b(\d{4})\.(\d{1,2})\.(\d{1,2})\b", r"\1-\2-\3", " ".join(s.split()))
    # alpha2digit reads "second" as an ordinal and the "o" of "o clock" as zero: protect them first.
    protected = re.sub(r"\bseconds?\b", lambda m: "secs" if m.group(0).endswith("s") else "sec",
                       " ".join(s.split()).replace("'", ""))
    try:
        digits = alpha2digit(protected, "en", threshold=0)
    except Exception:  # noqa: BLE001 - a converter failure must not crash the dialog; parse the words as they are
        digits = protected
    return heard, digits.split()
