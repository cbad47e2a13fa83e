"""Spoken or typed time phrase -> aware datetime. Receives a phrase and `now`. Emits ResumeTime or NotUnderstood.

Pure: no I/O, no clock reading; `now` is always passed in and must be timezone-aware (a `zoneinfo.ZoneInfo`
or a fixed offset such as `datetime.timezone.utc`). The result carries `now.tzinfo`.

Conventions (DESIGN.md "Spoken time conventions", made precise here):

=====================================  ==============================================================
phrase                                 meaning
=====================================  ==============================================================
"in twenty minutes", "20 min",         real elapsed time: exactly that many seconds later, even across
"an hour and a half from now"          a DST change ("in two hours" at 00:30 on spring-forward day in
                                       London is 03:30 BST, two real hours later)
"in two days", "in a week"             calendar days: the same wall-clock time that many days later
"at seven", "half past seven",         without a.m./p.m. and without a day: the soonest future instant
"quarter to eight", "seven thirty"     of 07:00/19:00 (today or tomorrow); never in the past
"at 7 pm", "19:30", "7.30pm"           the next such time (today if still ahead, else tomorrow)
"today", "tonight", "tomorrow",        the day; a weekday name (also "next friday", "this friday") is the
"the day after tomorrow", "friday"     next such day after today; "this evening" means today
"morning", "afternoon", "evening",     with no clock time: 09:00, 14:00, 19:00, 20:00 ("tonight",
"tonight", "noon", "midnight"          "tomorrow night"), 12:00, and the midnight at the END of the day
"tomorrow at seven" (a day, no         the day's time among a.m./p.m. that falls in 07:00-21:59: 1-6 are
a.m./p.m., no part of day)             p.m., 7-11 a.m., 12 is noon (and, today, only future ones count)
"at seven in the evening", "at 11      the part of day picks a.m./p.m.; "tonight at one" is 01:00 after
at night", "tonight at twelve"         midnight, "tonight at twelve" is the midnight ending today
"tomorrow", "friday" alone             09:00 that day (the morning); a bare "today" is NotUnderstood
=====================================  ==============================================================

More rules, each pinned by a test:
- A part of day said with a clock time picks the reading inside its window: morning 00:00-11:59, afternoon
  12:00-19:59, evening 16:00-24:00, night 17:00-04:59 of the next day.
- "midnight" is the end of the day named ("tomorrow at midnight" is 00:00 the day after); "12 am" and "00:00"
  are the start of it. With no day both are the next 00:00.
- "same time tomorrow", "this time on friday": now's clock time on that day.
- "in forty minutes, at three forty" (the read-back, repeated) is accepted when both name the same minute;
  a relative time with a different clock time, two days or two clock times are NotUnderstood.
- A bare number ("seven", "how about seven") is a clock time; with words the parser does not know around it
  ("I have 3 cats") it is NotUnderstood. Other unknown words are skipped ("at nine after breakfast").
- Vague amounts ("in a few minutes", "in a while"), spoken dates ("on the 27th"), "now" and "not now" are
  NotUnderstood. An ISO date ("2026-12-01", "2026-12-01 06:00", "2026-12-01T06:00") names that day.
- Units may be short: "hr", "hrs", "h", "min", "mins", "m", "sec", "secs".

Refusals are `NotUnderstood(heard, reason)` with a reason the dialog can read aloud: a time with an explicit
day that has already passed ("today at 7 am" at 10:00, "this morning", "yesterday", "an hour ago") has
`reason == PAST_REASON` ("that time has already passed"); there is one refusal type so that `assistant when`
prints `{"event": "not_understood", ...}` and exits 1 for all of them (`NotUnderstood.as_event()`).

Wall-clock times on DST-change days (ZoneInfo `now`):
- A nonexistent local time (spring-forward gap, e.g. 01:30 on 2026-03-29 in London) moves forward by the
  length of the gap (02:30 BST): the instant a clock that was not changed would show, the PEP 495
  `fold=0` reading, the same as `dateutil.tz.resolve_imaginary`.
- An ambiguous local time (fall-back, e.g. 01:30 on 2026-10-25 in London) is its first occurrence (BST), unless
  that one has already passed, then the second (GMT): the soonest future instant, as for "at seven".
- Comparisons and `minutes_from_now` are computed on UTC instants (Python compares same-tzinfo datetimes by
  wall time, which is wrong across a DST change).

Libraries: `text2num.alpha2digit` turns English number words into digits ("twenty five" -> 25, "seven thirty"
-> "7 30", "one hundred and twenty" -> 120); it already knows the compound and "hundred" rules that a
hand-written table gets wrong, so the grammar here only deals with digits. `dateutil.relativedelta` does
the calendar steps ("next friday after today" is `relativedelta(days=+1, weekday=FR)`, "in two days" is
`relativedelta(days=+2)` on the wall-clock time) without hand-written weekday or month-end arithmetic.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta
from dateutil.relativedelta import weekday as _Weekday
from text_to_num import alpha2digit

__all__ = [
    "PAST_REASON",
    "TIME_VOCABULARY",
    "NotUnderstood",
    "ResumeTime",
    "describe",
    "parse_now",
    "parse_resume_time",
    "time_grammar_phrases",
]

PAST_REASON = "that time has already passed"
_NO_TIME_REASON = "I didn't hear a time in that"
_CONFLICT_REASON = "I heard two different times"
_NOW_REASON = "that is right now; a break needs some time"
_VAGUE_REASON = "that is not a specific time"
_DATE_REASON = "I can take a day like today, tomorrow or Friday, or a date written 2026-12-01"
_NOT_NOW_REASON = "that says not now, not when"
_TODAY_REASON = "today, but at what time?"
_TOO_FAR_REASON = "that is too far ahead; choose a time within the next few days"
_TOO_FAR_UNITS = frozenset({"month", "months", "year", "years", "decade", "decades"})
"""Units no resume time is counted in: "in five years" must not shrink to "in five" (minutes)."""

_MINUTES_PER_DAY = 24 * 60
_NOON_MINUTES = 12 * 60
_DAYTIME_MINUTES = (7 * 60, 22 * 60)
"""A day named without a.m./p.m. or a part of day prefers a time in 07:00-21:59."""
_DEFAULT_DAY_MINUTES = 9 * 60
"""A day named alone ("tomorrow", "friday") means 09:00, as "morning" does."""

_PART_DEFAULT_MINUTES = {"morning": 9 * 60, "afternoon": 14 * 60, "evening": 19 * 60, "night": 20 * 60}
"""Parts of day with no clock time (DESIGN.md)."""
_PART_WINDOW_MINUTES = {
    "morning": (0, _NOON_MINUTES),
    "afternoon": (_NOON_MINUTES, 20 * 60),
    "evening": (16 * 60, _MINUTES_PER_DAY + 1),
    "night": (17 * 60, _MINUTES_PER_DAY + 5 * 60),
}
"""Minutes after the start of the day named, [start, end), in which a clock time said with the part falls."""

_UTC = UTC

# --- words ----------------------------------------------------------------------------------------------

_NUMBER_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
)
_TENS_WORDS = {20: "twenty", 30: "thirty", 40: "forty", 50: "fifty", 60: "sixty", 70: "seventy",
               80: "eighty", 90: "ninety"}

_WEEKDAYS: dict[str, _Weekday] = {
    "monday": MO, "mon": MO, "tuesday": TU, "tue": TU, "tues": TU, "wednesday": WE, "wed": WE,
    "thursday": TH, "thu": TH, "thur": TH, "thurs": TH, "friday": FR, "fri": FR, "saturday": SA, "sat": SA,
    "sunday": SU, "sun": SU,
}
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December")
_MONTH_WORDS = frozenset(m.lower() for m in _MONTH_NAMES) | {"jan", "feb", "mar", "apr", "jun", "jul", "aug",
                                                             "sep", "sept", "oct", "nov", "dec"}

_UNIT_SECONDS = {
    "second": 1, "seconds": 1, "sec": 1, "secs": 1,
    "minute": 60, "minutes": 60, "min": 60, "mins": 60, "m": 60,
    "hour": 3600, "hours": 3600, "hr": 3600, "hrs": 3600, "h": 3600,
}
_UNIT_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "fortnight": 14}
_HOUR_UNITS = frozenset({"hour", "hours", "hr", "hrs", "h"})
_MINUTE_UNITS = frozenset({"minute", "minutes", "min", "mins", "m"})
_MERIDIEMS = frozenset({"am", "pm"})
_PAST_WORDS = ("past", "after")
_TO_WORDS = ("to", "before", "till", "til", "until", "of")
_AT_WORDS = frozenset({"at", "by", "around", "about", "until", "till", "til", "from", "before", "after", "than"})
_VAGUE_WORDS = frozenset({"few", "several", "some"})
_PARTS = {"morning": "morning", "mornings": "morning", "afternoon": "afternoon", "evening": "evening",
          "night": "night", "nite": "night"}
_TODAY_WORDS = frozenset({"today", "todays"})
_TONIGHT_WORDS = frozenset({"tonight", "tonite", "tonights"})
_TOMORROW_WORDS = frozenset({"tomorrow", "tomorrows", "tmrw", "tmr", "tomoz"})
_NOON_WORDS = frozenset({"noon", "midday", "lunch", "lunchtime"})
_DAY_NAME_WORDS = frozenset(_WEEKDAYS) | _TOMORROW_WORDS | _TODAY_WORDS

_FILLERS = frozenset((
    "lets", "let", "us", "we", "well", "will", "shall", "should", "could", "can", "would", "talk",
    "talking", "speak", "chat", "discuss", "resume", "resuming", "come", "back", "again", "continue",
    "meet", "pick", "it", "up", "try", "do", "you", "want", "wanna", "to", "how", "hows", "about",
    "maybe", "perhaps", "probably", "i", "think", "like", "then", "so", "please", "ok", "okay", "say",
    "um", "uh", "er", "erm", "hmm", "yeah", "yes", "sure", "just", "go", "get", "together", "reconnect",
    "break", "pause", "take", "stop", "time", "later", "is", "be", "good", "fine", "works", "work",
    "sounds", "sound", "does", "that", "with", "what", "or", "and", "a", "an", "the", "of", "on", "this",
    "next", "coming", "in", "at", "by", "around", "until", "till", "til", "from", "ish", "roughly",
    "approximately", "sometime", "for", "me", "give", "reconvene", "regroup", "revisit", "circle",
    "touch", "check", "alright", "all", "right", "there", "were", "im", "id", "ready", "need", "our",
    "conversation", "discussion", "sharp", "latest", "earliest", "than", "no",
))
"""Words that carry no time information; they are skipped wherever the grammar does not use them."""

TIME_VOCABULARY: tuple[str, ...] = tuple(dict.fromkeys(
    [*_NUMBER_WORDS[1:], "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
     "hundred", "zero", "oh", "o'clock",
     "second", "seconds", "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks",
     "half", "quarter", "quarters", "couple",
     "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
     "today", "tonight", "tomorrow", "morning", "afternoon", "evening", "night", "noon", "midday", "midnight",
     "in", "at", "and", "a", "an", "the", "of", "past", "to", "after", "before", "from", "now", "later",
     "next", "this", "on", "p", "m", "am", "pm",
     "let's", "talk", "how", "about", "maybe", "we'll", "resume", "come", "back", "again", "say", "okay"]))
"""Every word the parser understands, in the spoken forms a speech engine produces ("a m", "o'clock"), so a
recognizer can restrict its grammar to it. Filler words it skips are included so they are not forced onto
time words."""


def _number_words(n: int) -> str:
    """0..999 in words, as a speech engine or TTS writes them ("one hundred and twenty")."""
    if n < 20:
        return _NUMBER_WORDS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS_WORDS[tens * 10] + (f" {_NUMBER_WORDS[ones]}" if ones else "")
    hundreds, rest = divmod(n, 100)
    return f"{_NUMBER_WORDS[hundreds]} hundred" + (f" and {_number_words(rest)}" if rest else "")


# --- results --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ResumeTime:
    """A phrase understood as the time to resume the conversation."""

    heard: str
    """The phrase, normalized: lower case, punctuation removed, single spaces, "a.m." written "am"."""
    resume_at: datetime
    """Aware datetime in the tzinfo of `now`."""
    warnings: tuple[str, ...]
    """Sentences the dialog reads out before asking to confirm (too soon, too far away)."""
    minutes_from_now: int
    """Real elapsed minutes from `now` to `resume_at`, rounded half up."""
    relative: bool = False
    """Said as a span of real time ("in 2 hrs", "in ninety minutes"): read back as a span too (`describe`)."""

    def as_event(self) -> dict[str, object]:
        """The `assistant when --json` object (DESIGN.md)."""
        return {"event": "resume_time", "heard": self.heard, "resume_at": self.resume_at.isoformat(),
                "minutes_from_now": self.minutes_from_now, "warnings": list(self.warnings)}


@dataclass(frozen=True, slots=True)
class NotUnderstood:
    """A phrase that gives no usable resume time: no time in it, two times, or a time already passed."""

    heard: str
    """The phrase, normalized as in ResumeTime.heard."""
    reason: str
    """Why, as words the dialog can say; PAST_REASON for a time that has already passed."""

    def as_event(self) -> dict[str, object]:
        """The `assistant when --json` object (DESIGN.md); the command exits 1 with it."""
        return {"event": "not_understood", "heard": self.heard, "reason": self.reason}


# --- normalization --------------------------------------------------------------------------------------

_SPOKEN_NUMBER = "|".join([*_NUMBER_WORDS, *_TENS_WORDS.values(), "oh"])
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


def _normalize(text: str) -> tuple[str, list[str]]:
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


# --- facts the grammar finds ----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Clock:
    hour: int
    """As said: 1..12 when ambiguous, 0..23 when fixed."""
    minute: int
    meridiem: str | None = None
    fixed: bool = False
    """24-hour form ("19:30", "07:00"), noon: no a.m./p.m. choice left."""
    end_of_day: bool = False
    """Said relative to "midnight": belongs to the midnight that ends the day named."""
    strong: bool = True
    """False for a bare number ("seven") with nothing marking it as a time."""

    def offsets(self) -> list[int]:
        """Candidate minutes after the start of the day named, before any part-of-day choice."""
        if self.end_of_day:
            return [_MINUTES_PER_DAY + self.hour * 60 + self.minute]
        if self.meridiem is not None:
            hour = self.hour if self.hour > 12 else self.hour % 12 + (12 if self.meridiem == "pm" else 0)
            return [hour * 60 + self.minute]
        if self.fixed:
            return [self.hour * 60 + self.minute]
        return [(self.hour % 12) * 60 + self.minute, (self.hour % 12 + 12) * 60 + self.minute]

    @property
    def ambiguous(self) -> bool:
        return len(self.offsets()) > 1

    def key(self) -> tuple[int, int, str | None, bool, bool]:
        return (self.hour, self.minute, self.meridiem, self.fixed, self.end_of_day)


@dataclass(frozen=True)
class _Duration:
    seconds: float = 0.0
    """Real elapsed seconds."""
    days: int = 0
    """Calendar days."""


@dataclass(frozen=True)
class _Day:
    offset: int = 0
    weekday: _Weekday | None = None
    on: date | None = None
    """A date written out (ISO 8601)."""

    def resolve(self, today: date) -> date:
        if self.on is not None:
            return self.on
        if self.weekday is not None:
            return today + relativedelta(days=+1, weekday=self.weekday)
        return today + relativedelta(days=+self.offset)


class _Problem(Exception):
    """The phrase cannot give a time; the message is the NotUnderstood reason."""


@dataclass
class _Facts:
    clocks: list[_Clock]
    durations: list[_Duration]
    days: list[_Day]
    parts: list[str]
    unknown: list[str]
    has_now: bool = False
    same_time: bool = False
    """ "same time tomorrow", "this time on friday": the clock time of now."""


def _is_int(token: str) -> bool:
    return token.isdigit()


class _Grammar:
    """Left-to-right scan of the digit tokens into facts; each `_match_*` returns the next index or None."""

    def __init__(self, tokens: list[str]) -> None:
        self.t = tokens
        self.facts = _Facts(clocks=[], durations=[], days=[], parts=[], unknown=[])

    def tok(self, i: int) -> str:
        return self.t[i] if 0 <= i < len(self.t) else ""

    def run(self) -> _Facts:
        i = 0
        matchers = (self._match_relative_clock, self._match_duration, self._match_in_bare, self._match_clock,
                    self._match_day, self._match_part, self._match_markers)
        while i < len(self.t):
            for matcher in matchers:
                j = matcher(i)
                if j is not None:
                    i = j
                    break
            else:
                token = self.t[i]
                if token not in _FILLERS and token != "oclock":
                    self.facts.unknown.append(token)
                i += 1
        return self.facts

    # -- clocks said against an hour: "half past seven", "quarter to eight", "ten past six" --

    def _hour_target(self, i: int) -> tuple[_Clock, int] | None:
        token = self.tok(i)
        if token in _NOON_WORDS:
            return _Clock(12, 0, fixed=True), i + 1
        if token == "midnight":
            return _Clock(0, 0, fixed=True, end_of_day=True), i + 1
        if _is_int(token) and 1 <= int(token) <= 12:
            j = i + 1 + (self.tok(i + 1) == "oclock")
            meridiem = self.tok(j) if self.tok(j) in _MERIDIEMS else None
            return _Clock(int(token), 0, meridiem=meridiem), j + (meridiem is not None)
        return None

    def _match_relative_clock(self, i: int) -> int | None:
        j = i + (self.tok(i) == "a")
        token = self.tok(j)
        if token == "half" and self.tok(j + 1) in _PAST_WORDS:
            minutes, k = 30, j + 2
        elif token == "half" and _is_int(self.tok(j + 1)):  # British "half seven" is 7:30
            minutes, k = 30, j + 1
        elif token == "quarter" and self.tok(j + 1) in _PAST_WORDS + _TO_WORDS:
            minutes, k = (15 if self.tok(j + 1) in _PAST_WORDS else -15), j + 2
        elif _is_int(token) and 1 <= int(token) <= 59 and j == i:
            k = j + 1 + (self.tok(j + 1) in _MINUTE_UNITS)
            if self.tok(k) not in _PAST_WORDS + _TO_WORDS:
                return None
            minutes, k = (int(token) if self.tok(k) in _PAST_WORDS else -int(token)), k + 1
        else:
            return None
        target = self._hour_target(k)
        if target is None:
            return None
        clock, end = target
        total = clock.hour * 60 + minutes
        if clock.end_of_day:
            total = _MINUTES_PER_DAY + minutes
        if total < 0:
            total += 12 * 60
        hour, minute = divmod(total, 60)
        if clock.end_of_day and minutes < 0:
            self.facts.clocks.append(_Clock(hour, minute, fixed=True))
        elif clock.end_of_day:
            self.facts.clocks.append(_Clock(0, minute, fixed=True, end_of_day=True))
        elif clock.fixed:
            self.facts.clocks.append(_Clock(hour, minute, fixed=True))
        else:
            self.facts.clocks.append(_Clock(hour if hour <= 12 else hour - 12, minute, meridiem=clock.meridiem))
        return end

    # -- durations: "in twenty minutes", "an hour and a half from now", "in two days" --

    def _amount(self, i: int) -> tuple[float, int, str | None] | None:
        """An amount and the index after it; the third value is a unit already eaten ("half an hour")."""
        token, nxt = self.tok(i), self.tok(i + 1)
        if token in ("a", "an"):
            if nxt in ("couple", "quarter", "half") or _is_int(nxt) or re.fullmatch(r"\d+\.\d+", nxt):
                return self._amount(i + 1)
            return 1.0, i + 1, None
        if token == "half":
            j = i + 1 + (nxt == "of")
            j += self.tok(j) in ("a", "an")
            if self.tok(j) in _UNIT_SECONDS or self.tok(j) in _UNIT_DAYS:
                return 0.5, j + 1, self.tok(j)
            return None
        if token == "quarter" or (_is_int(token) and nxt == "quarters"):
            count = 1 if token == "quarter" else int(token)
            j = i + 1 + (token != "quarter")
            j += self.tok(j) == "of"
            j += self.tok(j) in ("a", "an")
            if self.tok(j) in _HOUR_UNITS:
                return 0.25 * count, j + 1, self.tok(j)
            return None
        if token == "couple":
            return 2.0, i + 1 + (nxt == "of"), None
        if token in _VAGUE_WORDS and (nxt in _UNIT_SECONDS or nxt in _UNIT_DAYS or nxt == "of"):
            raise _Problem(_VAGUE_REASON)
        if _is_int(token) or re.fullmatch(r"\d+\.\d+", token):
            fraction, j = self._and_fraction(i + 1)
            return float(token) + fraction, j, None
        return None

    def _and_fraction(self, j: int) -> tuple[float, int]:
        """ "and a half", "and a quarter", "and three quarters" at j: (fraction, index after) or (0, j)."""
        if self.tok(j) != "and":
            return 0.0, j
        k = j + 1 + (self.tok(j + 1) == "a")
        if self.tok(k) == "half":
            return 0.5, k + 1
        if self.tok(k) == "quarter":
            return 0.25, k + 1
        if self.tok(k) == "3" and self.tok(k + 1) == "quarters":
            return 0.75, k + 2
        return 0.0, j

    def _duration_term(self, i: int) -> tuple[_Duration, int] | None:
        amount = self._amount(i)
        if amount is None:
            return None
        value, j, unit = amount
        if unit is None:
            unit = self.tok(j)
            if unit not in _UNIT_SECONDS and unit not in _UNIT_DAYS:
                return None
            j += 1
        # "an hour and a half", "an hour and a quarter"
        fraction, j = self._and_fraction(j)
        value += fraction
        if unit in _UNIT_DAYS:
            days = value * _UNIT_DAYS[unit]
            if days == int(days):
                return _Duration(days=int(days)), j
            return _Duration(seconds=days * 86400), j
        return _Duration(seconds=value * _UNIT_SECONDS[unit]), j

    def _match_duration(self, i: int) -> int | None:
        # "in 1:30" is an hour and a half
        if self.tok(i) == "in" and re.fullmatch(r"\d{1,2}:\d{2}", self.tok(i + 1)):
            hours, minutes = map(int, self.tok(i + 1).split(":"))
            j = i + 2 + (self.tok(i + 2) in _HOUR_UNITS)
            self.facts.durations.append(_Duration(seconds=hours * 3600 + minutes * 60))
            return self._duration_tail(j)
        term = self._duration_term(i)
        if term is None:
            return None
        total, j = term
        while True:
            k = j + (self.tok(j) == "and")
            nxt = self._duration_term(k)
            if nxt is not None:
                more, j = nxt
                total = _Duration(total.seconds + more.seconds, total.days + more.days)
                continue
            # "two hours thirty": a bare number after hours is minutes
            if (_is_int(self.tok(k)) and self.tok(j - 1) in _HOUR_UNITS and self.tok(k + 1) not in _MERIDIEMS
                    and int(self.tok(k)) < 60):
                total = _Duration(total.seconds + int(self.tok(k)) * 60, total.days)
                j = k + 1
                continue
            break
        self.facts.durations.append(total)
        return self._duration_tail(j)

    def _duration_tail(self, j: int) -> int:
        if self.tok(j) == "from" and self.tok(j + 1) == "now":
            return j + 2
        if self.tok(j) in ("ago", "earlier"):
            raise _Problem(PAST_REASON)
        if self.tok(j) in ("later", "time", "hence"):
            return j + 1
        return j

    def _match_in_bare(self, i: int) -> int | None:
        """ "in five": minutes."""
        token = self.tok(i + 1)
        after = self.tok(i + 2)
        if (self.tok(i) == "in" and _is_int(token) and after not in _MERIDIEMS and after != "oclock"
                and not _is_int(after) and after not in _UNIT_SECONDS and after not in _UNIT_DAYS
                and after not in ("and", "quarters", "quarter", "half", "st", "nd", "rd", "th")):
            self.facts.durations.append(_Duration(seconds=int(token) * 60))
            return self._duration_tail(i + 2)
        return None

    # -- clock times: "at seven", "7:30 pm", "19:30", "seven oh five", "noon" --

    def _match_clock(self, i: int) -> int | None:
        token = self.tok(i)
        if _is_int(token) and self.tok(i + 1) in ("st", "nd", "rd", "th"):
            raise _Problem(_DATE_REASON)
        strong = self.tok(i - 1) in _AT_WORDS
        if token in _NOON_WORDS:
            self.facts.clocks.append(_Clock(12, 0, fixed=True))
            return i + 1
        if token == "midnight":
            self.facts.clocks.append(_Clock(0, 0, fixed=True, end_of_day=True))
            return i + 1
        hour: int | None = None
        minute = 0
        fixed = False
        j = i
        m = re.fullmatch(r"(\d{1,2})[:.](\d{2})", token)
        if m:
            hour, minute, j, strong = int(m.group(1)), int(m.group(2)), i + 1, True
            fixed = m.group(1).startswith("0") and len(m.group(1)) == 2
        elif re.fullmatch(r"\d{3,4}", token):  # 730, 1930, 0700
            hour, minute, j = int(token[:-2]), int(token[-2:]), i + 1
            fixed = token.startswith("0") or self.tok(i + 1) == "hours"
            j += self.tok(j) == "hours"
        elif _is_int(token) and len(token) <= 2:
            hour, j = int(token), i + 1
            fixed = token.startswith("0") and len(token) == 2
            nxt = self.tok(j)
            if nxt in ("oh", "o") and _is_int(self.tok(j + 1)) and int(self.tok(j + 1)) < 10:
                minute, j, strong = int(self.tok(j + 1)), j + 2, True
            elif _is_int(nxt) and len(nxt) <= 2 and int(nxt) < 60 and self.tok(j + 1) not in _UNIT_SECONDS:
                minute, j, strong = int(nxt), j + 1, True
            elif nxt == "noon" and hour == 12:
                self.facts.clocks.append(_Clock(12, 0, fixed=True))
                return j + 1
            elif nxt == "midnight" and hour == 12:
                self.facts.clocks.append(_Clock(0, 0, fixed=True, end_of_day=True))
                return j + 1
        if hour is None:
            return None
        if self.tok(j) == "oclock":
            j, strong = j + 1, True
        meridiem = None
        if self.tok(j) in _MERIDIEMS:
            meridiem, j, strong = self.tok(j), j + 1, True
        if minute > 59:
            raise _Problem(f"{token} is not a time of day")
        if meridiem is not None:
            if hour == 0 or hour > 23 or (hour > 12 and meridiem == "am"):
                raise _Problem(f"{hour} {meridiem} is not a time of day")
            if hour > 12:
                meridiem, fixed = None, True
        elif hour == 24 and minute == 0:
            self.facts.clocks.append(_Clock(0, 0, fixed=True, end_of_day=True, strong=strong))
            return j
        elif hour > 23:
            raise _Problem(f"{hour} is not a time of day")
        elif hour == 0 or hour > 12:
            fixed = True
        self.facts.clocks.append(_Clock(hour, minute, meridiem=meridiem, fixed=fixed, strong=strong))
        return j

    # -- days and parts of day --

    def _match_day(self, i: int) -> int | None:
        token = self.tok(i)
        iso = re.fullmatch(r"(\d{4})\.(\d{1,2})\.(\d{1,2})", token)
        if iso:
            try:
                self.facts.days.append(_Day(on=date(*map(int, iso.groups()))))
            except ValueError:
                raise _Problem(f"{token.replace('.', '-')} is not a date") from None
            return i + 1
        if token in _TODAY_WORDS:
            self.facts.days.append(_Day(0))
            return i + 1
        if token in _TONIGHT_WORDS:
            self.facts.days.append(_Day(0))
            self.facts.parts.append("night")
            return i + 1
        if token == "day" and self.tok(i + 1) == "after" and self.tok(i + 2) in _TOMORROW_WORDS:
            self.facts.days.append(_Day(2))
            return i + 3
        if token in _TOMORROW_WORDS:
            self.facts.days.append(_Day(1))
            return i + 1
        if token in ("yesterday", "yesterdays"):
            raise _Problem(PAST_REASON)
        if token in _WEEKDAYS or (token.endswith("s") and token[:-1] in _WEEKDAYS and len(token) > 4):
            if self.tok(i - 1) == "last":
                raise _Problem(PAST_REASON)
            self.facts.days.append(_Day(weekday=_WEEKDAYS[token if token in _WEEKDAYS else token[:-1]]))
            return i + 1
        return None

    def _match_part(self, i: int) -> int | None:
        token = self.tok(i)
        part = _PARTS.get(token)
        if part is None:
            # "tomorrow am", "friday pm": a meridiem with no clock after a day is a part of day
            if token in _MERIDIEMS and self.facts.days and self.tok(i - 1) in _DAY_NAME_WORDS:
                part = "morning" if token == "am" else "afternoon"
            else:
                return None
        if self.tok(i - 1) == "last":
            raise _Problem(PAST_REASON)
        if self.tok(i - 1) == "this":
            self.facts.days.append(_Day(0))
        self.facts.parts.append(part)
        return i + 1

    def _match_markers(self, i: int) -> int | None:
        token = self.tok(i)
        if token in ("same", "this") and self.tok(i + 1) == "time":
            self.facts.same_time = True
            return i + 2
        if token == "now" and "not" in self.t[max(0, i - 2):i]:  # "not now", "not right now"
            raise _Problem(_NOT_NOW_REASON)
        if token == "now" and self.tok(i - 1) != "from":
            self.facts.has_now = True
            return i + 1
        if token in ("ago",):
            raise _Problem(PAST_REASON)
        if re.fullmatch(r"\d+", token) is None and re.fullmatch(r"\d+(st|nd|rd|th)", token):
            raise _Problem(_DATE_REASON)
        if token in ("st", "nd", "rd", "th") and _is_int(self.tok(i - 1)):
            raise _Problem(_DATE_REASON)
        if token in _MONTH_WORDS and token not in ("may", "mar", "sat", "sun"):
            raise _Problem(_DATE_REASON)
        if token in _VAGUE_WORDS:
            raise _Problem(_VAGUE_REASON)
        if token in ("minus", "negative"):
            raise _Problem(PAST_REASON)
        return None


# --- resolution -----------------------------------------------------------------------------------------

def _instants(naive: datetime, tz: tzinfo) -> list[datetime]:
    """UTC instants a local wall time names: one; two when ambiguous (fall-back); the gap one moved forward."""
    first = naive.replace(tzinfo=tz, fold=0).astimezone(_UTC)
    second = naive.replace(tzinfo=tz, fold=1).astimezone(_UTC)
    if first == second:
        return [first]
    round_trips = first.astimezone(tz).replace(tzinfo=None) == naive
    if round_trips:  # ambiguous: both are real readings of this wall time
        return sorted({first, second})
    return [max(first, second)]  # nonexistent: the pre-transition offset, i.e. forward by the gap


def _unique(items: list) -> list:
    return list(dict.fromkeys(items))


def _relative(duration: _Duration, now: datetime) -> datetime:
    """Calendar days on the wall clock, then real elapsed seconds."""
    tz = now.tzinfo
    assert tz is not None
    now_utc = now.astimezone(_UTC)
    start = now_utc
    if duration.days:
        instants = _instants(now.replace(tzinfo=None) + relativedelta(days=+duration.days), tz)
        start = min((u for u in instants if u > now_utc), default=instants[-1])
    result = start + timedelta(seconds=duration.seconds)
    if result <= now_utc:
        raise _Problem(_NOW_REASON)
    return result.astimezone(tz)


def _resolve(facts: _Facts, now: datetime) -> datetime:
    tz = now.tzinfo
    assert tz is not None
    now_utc = now.astimezone(_UTC)
    if facts.same_time:
        facts.clocks.append(_Clock(now.hour, now.minute, fixed=True))
    clocks = list({c.key(): c for c in facts.clocks}.values())
    days = _unique(facts.days)
    parts = _unique(facts.parts)
    durations = facts.durations
    if len(durations) > 1 or len(clocks) > 1 or len(days) > 1 or len(parts) > 1:
        raise _Problem(_CONFLICT_REASON)
    if durations:
        duration = durations[0]
        if not (duration.seconds or duration.days):
            raise _Problem(_NOW_REASON)
        if not (clocks or parts or days):
            return _relative(duration, now)
        if duration.seconds and clocks and not days:
            # "in twenty minutes, at three twenty": both must name the same minute
            # (on the relative time's day, or the day before for "twelve thirty at night")
            relative = _relative(duration, now)
            day = relative.date()
            for named in ([], [_Day(on=day)], [_Day(on=day - timedelta(days=1))]):
                try:
                    absolute = _resolve(_Facts(clocks=clocks, durations=[], days=named, parts=parts, unknown=[]),
                                        now)
                except _Problem:
                    continue
                if abs(relative.astimezone(_UTC) - absolute.astimezone(_UTC)) < timedelta(minutes=1):
                    return absolute
            raise _Problem(_CONFLICT_REASON)
        if duration.seconds or days:
            raise _Problem(_CONFLICT_REASON)
        days = [_Day(duration.days)]  # "in two days at nine"
    if not (clocks or days or parts):
        raise _Problem(_NOW_REASON if facts.has_now else _NO_TIME_REASON)
    if facts.unknown and ((clocks and not clocks[0].strong) or not (clocks or parts)):
        # "I have 3 cats", "tomorrow after work": the unknown words may be the time
        raise _Problem(_NO_TIME_REASON)

    part = parts[0] if parts else None
    clock = clocks[0] if clocks else None
    if clock is not None:
        offsets = clock.offsets()
        if part is not None:
            start, end = _PART_WINDOW_MINUTES[part]
            spread = _unique([o + shift for o in offsets for shift in (0, _MINUTES_PER_DAY)])
            offsets = sorted(o for o in spread if start <= o < end)
            if not offsets:
                raise _Problem(f"that time is not in the {part}")
            offsets = offsets[:1]
    elif part is not None:
        offsets = [_PART_DEFAULT_MINUTES[part]]
    elif days[0] == _Day(0):
        raise _Problem(_TODAY_REASON)
    else:
        offsets = [_DEFAULT_DAY_MINUTES]

    today = now.date()
    # with no day, yesterday too: "at twelve thirty at night" said at 00:10 is its night, 20 minutes away
    dates = [days[0].resolve(today)] if days else [today + timedelta(days=n) for n in range(-1, 3)]
    candidates: list[tuple[datetime, int]] = []
    for day in dates:
        midnight = datetime.combine(day, time())
        for offset in offsets:
            candidates += [(u, offset) for u in _instants(midnight + timedelta(minutes=offset), tz)]
    future = sorted(c for c in candidates if c[0] > now_utc)
    if not future:
        raise _Problem(PAST_REASON)
    if days and clock is not None and clock.ambiguous and part is None:
        preferred = [c for c in future if _DAYTIME_MINUTES[0] <= c[1] < _DAYTIME_MINUTES[1]]
        future = preferred or future
    return future[0][0].astimezone(tz)


def _span_amount(span: timedelta) -> tuple[int, str]:
    """(count, unit) for a configured break: (48, "hour") or (20, "minute")."""
    seconds = span.total_seconds()
    if seconds >= 3600 and seconds % 3600 == 0:
        return int(seconds // 3600), "hour"
    return round(seconds / 60), "minute"


def parse_resume_time(text: str, now: datetime, *, min_break: timedelta = timedelta(minutes=20),
                      max_break: timedelta = timedelta(hours=48)) -> ResumeTime | NotUnderstood:
    """Understand a spoken or typed resume time relative to `now` (timezone-aware).

    Returns ResumeTime (with warnings when sooner than `min_break` or later than `max_break`) or
    NotUnderstood with a reason; a time that has already passed is NotUnderstood with PAST_REASON.
    Raises ValueError when `now` is naive (a programming error, not a user's).
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware (a zoneinfo zone or a fixed offset)")
    heard, tokens = _normalize(text)
    if _TOO_FAR_UNITS.intersection(tokens):
        return NotUnderstood(heard=heard, reason=_TOO_FAR_REASON)
    try:
        facts = _Grammar(tokens).run()
        resume_at = _resolve(facts, now)
    except _Problem as problem:
        return NotUnderstood(heard=heard, reason=str(problem))
    span = resume_at.astimezone(_UTC) - now.astimezone(_UTC)
    warnings = []
    if span < min_break:
        count, unit = _span_amount(min_break)
        warnings.append(f"sooner than the {count}-{unit} break a flooded body needs")
    if span > max_break:
        count, unit = _span_amount(max_break)
        warnings.append(f"more than {count} {unit}{'' if count == 1 else 's'} away")
    relative = bool(facts.durations and facts.durations[0].seconds and not facts.days)
    return ResumeTime(heard=heard, resume_at=resume_at, warnings=tuple(warnings),
                      minutes_from_now=math.floor(span.total_seconds() / 60 + 0.5), relative=relative)


# --- reading a time back aloud --------------------------------------------------------------------------

_RELATIVE_READBACK = timedelta(hours=2)
"""Closer than this, the read-back starts with how long until then ("in twenty minutes, at ...")."""


def _clock_words(hour: int, minute: int) -> str:
    if (hour, minute) == (12, 0):
        return "noon"
    if (hour, minute) == (0, 0):
        return "midnight"
    words = _number_words(hour % 12 or 12)
    if minute:
        words += f" oh {_number_words(minute)}" if minute < 10 else f" {_number_words(minute)}"
    return words


def _part_words(hour: int, minute: int) -> str:
    if (hour, minute) in ((12, 0), (0, 0)):
        return ""
    if hour == 0 or hour >= 21:
        return "at night"
    if hour < 12:
        return "in the morning"
    if hour < 17:
        return "in the afternoon"
    return "in the evening"


def _span_words(minutes: int) -> str:
    if minutes < 1:
        return "less than a minute"
    if minutes == 30:
        return "half an hour"
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append("an hour" if hours == 1 else f"{_number_words(hours)} hours")
    if rest == 30 and hours:
        return f"{parts[0]} and a half"
    if rest or not hours:
        parts.append("one minute" if rest == 1 else f"{_number_words(rest)} minutes")
    return " and ".join(parts)


def _ordinal_words(n: int) -> str:
    special = {1: "first", 2: "second", 3: "third", 5: "fifth", 8: "eighth", 9: "ninth", 12: "twelfth",
               20: "twentieth", 30: "thirtieth"}
    if n in special:
        return special[n]
    if n > 20 and n % 10:
        return f"{_TENS_WORDS[n - n % 10]} {_ordinal_words(n % 10)}"
    return f"{_number_words(n)}th"


def describe(resume_at: datetime, now: datetime, *, relative: bool = False) -> str:
    """How the assistant reads a resume time back: "tomorrow at nine in the morning", "this evening at eight",
    "Friday at two in the afternoon", "in twenty minutes, at three forty in the afternoon".

    A time said as a span (`relative`, ResumeTime.relative) is read back as a span however long it is, so
    "in 2 hrs" and "in 90 minutes" sound alike; any time under two hours away is too.

    Numbers are written as words so any TTS reads them the same way; a time in the small hours belongs to the
    night before ("tonight at midnight", "tonight at twelve thirty"), as the parser reads them.
    """
    tz = now.tzinfo
    local = resume_at.astimezone(tz)
    hour, minute = local.hour, local.minute
    clock, part = _clock_words(hour, minute), _part_words(hour, minute)
    span = local.astimezone(_UTC) - now.astimezone(_UTC)
    if timedelta(0) <= span and (span < _RELATIVE_READBACK or relative):
        minutes = math.floor(span.total_seconds() / 60 + 0.5)
        return f"in {_span_words(minutes)}, at {clock}" + (f" {part}" if part else "")
    label_date = local.date() - timedelta(days=1) if hour == 0 else local.date()
    days_ahead = (label_date - now.date()).days
    if days_ahead == 0 and (hour >= 21 or hour == 0):
        label, part = "tonight", ""
    elif days_ahead == 0 and hour >= 17:
        label, part = "this evening", ""
    elif days_ahead == 0:
        label = "today"
    elif days_ahead == 1:
        label = "tomorrow"
    elif 1 < days_ahead < 7:
        label = _WEEKDAY_NAMES[label_date.weekday()]
    else:
        label = (f"{_WEEKDAY_NAMES[label_date.weekday()]} the {_ordinal_words(label_date.day)} of "
                 f"{_MONTH_NAMES[label_date.month - 1]}")
    if hour == 0 and minute == 0:
        return f"{label} at midnight"
    return f"{label} at {clock}" + (f" {part}" if part else "")


# --- grammar for a restricted recognizer ----------------------------------------------------------------

def time_grammar_phrases() -> list[str]:
    """Phrases a grammar-restricted recognizer (Vosk) can be given; each one parses, in TIME_VOCABULARY words.

    Not every phrase the parser understands (it takes any order and filler words), but the common shapes.
    """
    hours = [_number_words(h) for h in range(1, 13)]
    minutes = ["", "oh five", "ten", "fifteen", "twenty", "twenty five", "thirty", "thirty five", "forty",
               "forty five", "fifty", "fifty five"]
    phrases = [f"in {_number_words(n)} minutes" for n in range(2, 60)]
    phrases += ["in a minute", "in one minute", "in an hour", "in half an hour", "in an hour and a half",
                "in a quarter of an hour", "in a couple of hours", "in a day", "in two days",
                "the day after tomorrow", "noon", "midnight", "tonight", "this evening", "this afternoon",
                "tomorrow", "tomorrow at noon", "tonight at midnight"]
    phrases += [f"in {_number_words(n)} hours" for n in range(2, 13)]
    phrases += [f"{_number_words(n)} minutes from now" for n in (20, 30, 40, 45)]
    for hour in hours:
        phrases += [f"at {hour}", f"at {hour} o'clock", f"half past {hour}", f"quarter past {hour}",
                    f"quarter to {hour}", f"ten past {hour}", f"twenty to {hour}"]
        for minute in minutes:
            clock = f"{hour} {minute}".strip()
            phrases += [f"at {clock}", f"at {clock} a m", f"at {clock} p m"]
    days = ["today", "tomorrow", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
            "sunday"]
    for day in days:
        for part in ("morning", "afternoon", "evening", "night"):
            if day != "today":
                phrases.append(f"{day} {part}")
        for hour in hours:
            phrases += [f"{day} at {hour}", f"{day} at {hour} thirty", f"{day} at {hour} a m",
                        f"{day} at {hour} p m"]
    phrases += [f"at {_number_words(h)} in the morning" for h in range(1, 12)]
    phrases += [f"at {_number_words(h)} in the afternoon" for h in (12, 1, 2, 3, 4, 5, 6)]
    phrases += [f"at {_number_words(h)} in the evening" for h in range(4, 12)]
    phrases += [f"at {_number_words(h)} at night" for h in (8, 9, 10, 11, 12, 1, 2)]
    return _unique([p for p in phrases if p])


def parse_now(text: str) -> datetime:
    """An ISO 8601 instant with an offset, optionally followed by an RFC 9557 zone ("...+00:00[Europe/London]")
    so that day arithmetic follows that zone's DST rules. Raises ValueError with a readable reason."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    text = text.strip()
    zone = None
    if text.endswith("]") and "[" in text:
        text, name = text[:-1].split("[", 1)
        try:
            zone = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"unknown time zone {name!r}") from e
    try:
        now = datetime.fromisoformat(text)
    except ValueError as e:
        raise ValueError(f"{text!r} is not an ISO 8601 time such as 2026-11-27T09:00:00+00:00") from e
    if now.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset; add one, e.g. {text}+00:00")
    return now.astimezone(zone) if zone is not None else now
