"""What a time phrase means, before it meets a clock: the facts the grammar finds, and the refusal reasons.

The grammar (phrase -> Facts) and the resolution (Facts + now -> datetime) both speak this vocabulary, and
either raises Problem with a reason the dialog can read aloud.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from dateutil.relativedelta import weekday as _Weekday

__all__ = [
    "CONFLICT_REASON", "DATE_REASON", "MINUTES_PER_DAY", "NOT_NOW_REASON", "NOW_REASON", "NO_TIME_REASON",
    "PAST_REASON", "TODAY_REASON", "TOO_FAR_REASON", "VAGUE_REASON", "Clock", "Day", "Duration", "Facts",
    "Problem",
]

PAST_REASON = "that time has already passed"
NO_TIME_REASON = "I didn't hear a time in that"
CONFLICT_REASON = "I heard two different times"
NOW_REASON = "that is right now; a break needs some time"
VAGUE_REASON = "that is not a specific time"
DATE_REASON = "I can take a day like today, tomorrow or Friday, or a date written 2026-12-01"
NOT_NOW_REASON = "that says not now, not when"
TODAY_REASON = "today, but at what time?"
TOO_FAR_REASON = "that is too far ahead; choose a time within the next few days"

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class Clock:
    """A clock time as said ("half past seven", "19:30", "noon"), not yet placed on a day."""

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
            return [MINUTES_PER_DAY + self.hour * 60 + self.minute]
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
class Duration:
    """A span said ("in twenty minutes", "in two days")."""

    seconds: float = 0.0
    """Real elapsed seconds."""
    days: int = 0
    """Calendar days."""


@dataclass(frozen=True)
class Day:
    """A day said: an offset from today, a weekday, or a written date."""

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


class Problem(Exception):
    """The phrase cannot give a time; the message is the NotUnderstood reason."""


@dataclass
class Facts:
    """Everything the grammar found in one phrase; resolution decides what it adds up to."""

    clocks: list[Clock]
    durations: list[Duration]
    days: list[Day]
    parts: list[str]
    unknown: list[str]
    has_now: bool = False
    same_time: bool = False
    """ "same time tomorrow", "this time on friday": the clock time of now."""
