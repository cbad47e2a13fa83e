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

The work is split by job: `grammar` (phrase -> meaning, the Facts of `meaning`), `resolution` (meaning + now ->
datetime, and the warnings), `readback` (`describe`: a time -> the words said aloud), over the vocabulary in
`words`. This module chains them and holds the result types.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assistant.timeparse import meaning, words
from assistant.timeparse.grammar import read_facts
from assistant.timeparse.meaning import PAST_REASON, Problem
from assistant.timeparse.readback import describe
from assistant.timeparse.resolution import break_warnings, resolve
from assistant.timeparse.tokens import normalize

__all__ = [
    "PAST_REASON",
    "NotUnderstood",
    "ResumeTime",
    "describe",
    "parse_now",
    "parse_resume_time",
]

_TOMORROW_WORDS = words.TOMORROW_WORDS
_NOON_WORDS = words.NOON_WORDS
_HOUR_UNITS = words.HOUR_UNITS
_MINUTE_UNITS = words.MINUTE_UNITS
_NOW_REASON = meaning.NOW_REASON
_VAGUE_REASON = meaning.VAGUE_REASON
_TOO_FAR_REASON = meaning.TOO_FAR_REASON

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


# --- the parser -------------------------------------------------------------------------------------------

def parse_resume_time(text: str, now: datetime, *, min_break: timedelta = timedelta(minutes=20),
                      max_break: timedelta = timedelta(hours=48)) -> ResumeTime | NotUnderstood:
    """Understand a spoken or typed resume time relative to `now` (timezone-aware).

    Returns ResumeTime (with warnings when sooner than `min_break` or later than `max_break`) or
    NotUnderstood with a reason; a time that has already passed is NotUnderstood with PAST_REASON.
    Raises ValueError when `now` is naive (a programming error, not a user's).
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware (a zoneinfo zone or a fixed offset)")
    heard, tokens = normalize(text)
    try:
        facts = read_facts(tokens)
        resume_at = resolve(facts, now)
    except Problem as problem:
        return NotUnderstood(heard=heard, reason=str(problem))
    span = resume_at.astimezone(UTC) - now.astimezone(UTC)
    relative = bool(facts.durations and facts.durations[0].seconds and not facts.days)
    return ResumeTime(heard=heard, resume_at=resume_at, warnings=break_warnings(span, min_break, max_break),
                      minutes_from_now=math.floor(span.total_seconds() / 60 + 0.5), relative=relative)


def parse_now(text: str) -> datetime:
    """An ISO 8601 instant with an offset, optionally followed by an RFC 9557 zone ("...+00:00[Europe/London]")
    so that day arithmetic follows that zone's DST rules. Raises ValueError with a readable reason."""
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
