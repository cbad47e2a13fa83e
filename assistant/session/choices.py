"""The times offered when agreeing when to resume: a flooded person should not have to compose a time.

Receives the wall-clock `now` and the agreement's minimum and maximum break. Emits up to four `Choice`s, soonest
first, each a phrase the time parser reads as exactly its instant: the minimum break (rounded up to five
minutes) or an hour, this evening, tomorrow morning (this morning in the small hours). None is sooner than the minimum break, none has passed,
none is further than the maximum. Pure: no clock of its own, no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from assistant.timeparse import NotUnderstood, parse_resume_time
from assistant.timeparse.words import number_words

EVENING = time(19, 0)
"""What "this evening" means to the parser (DESIGN.md's parts of the day)."""
MORNING = time(9, 0)
MAX_CHOICES = 4


@dataclass(frozen=True)
class Choice:
    """One offered time: how it is said (and heard), and the instant it stands for."""

    phrase: str
    resume_at: datetime


def _minutes_phrase(minutes: int) -> str:
    return "in an hour" if minutes == 60 else f"in {number_words(minutes)} minutes"


def offered_choices(now: datetime, min_break: timedelta = timedelta(minutes=20),
                    max_break: timedelta = timedelta(hours=48)) -> list[Choice]:
    """The offer for `now` (aware): soonest first, at most `MAX_CHOICES`."""
    phrases = []
    soonest = max(20, 5 * math.ceil(min_break.total_seconds() / 300))
    if soonest < 60:
        phrases.append(_minutes_phrase(soonest))
    if soonest <= 60:
        phrases.append("in an hour")
    evening = datetime.combine(now.date(), EVENING, now.tzinfo)
    if evening - now >= max(min_break, timedelta(minutes=90)):
        phrases.append("this evening")
    # in the small hours, the coming morning is "this morning" to the parser and to people
    phrases.append("this morning" if now.time() < time(5, 0) else "tomorrow morning")
    out = []
    for phrase in phrases:
        result = parse_resume_time(phrase, now, min_break=min_break, max_break=max_break)
        if isinstance(result, NotUnderstood) or result.warnings:
            continue  # too soon, too far or passed: never offered
        out.append(Choice(phrase, result.resume_at))
    return sorted(out, key=lambda c: c.resume_at)[:MAX_CHOICES]


def offer_words(choices: list[Choice]) -> str:
    """"in twenty minutes, in an hour, this evening, or tomorrow morning" (empty for no choices)."""
    phrases = [c.phrase for c in choices]
    if len(phrases) <= 1:
        return "".join(phrases)
    return ", ".join(phrases[:-1]) + ", or " + phrases[-1]
