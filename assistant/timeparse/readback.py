"""Read-back: an agreed time as the assistant says it aloud. Receives the time and `now`. Emits words.

Numbers are written as words so any TTS reads them the same way, and every sentence `describe` makes parses
back to the same time (tests/test_timeparse.py checks both ways round).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from assistant.timeparse.words import MONTH_NAMES, TENS_WORDS, WEEKDAY_NAMES, number_words

__all__ = ["describe"]

_RELATIVE_READBACK = timedelta(hours=2)
"""Closer than this, the read-back starts with how long until then ("in twenty minutes, at ...")."""


def _clock_words(hour: int, minute: int) -> str:
    if (hour, minute) == (12, 0):
        return "noon"
    if (hour, minute) == (0, 0):
        return "midnight"
    words = number_words(hour % 12 or 12)
    if minute:
        words += f" oh {number_words(minute)}" if minute < 10 else f" {number_words(minute)}"
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
        parts.append("an hour" if hours == 1 else f"{number_words(hours)} hours")
    if rest == 30 and hours:
        return f"{parts[0]} and a half"
    if rest or not hours:
        parts.append("one minute" if rest == 1 else f"{number_words(rest)} minutes")
    return " and ".join(parts)


def _ordinal_words(n: int) -> str:
    special = {1: "first", 2: "second", 3: "third", 5: "fifth", 8: "eighth", 9: "ninth", 12: "twelfth",
               20: "twentieth", 30: "thirtieth"}
    if n in special:
        return special[n]
    if n > 20 and n % 10:
        return f"{TENS_WORDS[n - n % 10]} {_ordinal_words(n % 10)}"
    return f"{number_words(n)}th"


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
    span = local.astimezone(UTC) - now.astimezone(UTC)
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
        label = WEEKDAY_NAMES[label_date.weekday()]
    else:
        label = (f"{WEEKDAY_NAMES[label_date.weekday()]} the {_ordinal_words(label_date.day)} of "
                 f"{MONTH_NAMES[label_date.month - 1]}")
    if hour == 0 and minute == 0:
        return f"{label} at midnight"
    return f"{label} at {clock}" + (f" {part}" if part else "")
