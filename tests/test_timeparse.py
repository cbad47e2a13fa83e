"""The time parser as a specification: phrase + now -> the resume time (DESIGN.md "Spoken time conventions")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from assistant.timeparse import (
    PAST_REASON,
    NotUnderstood,
    ResumeTime,
    describe,
    parse_resume_time,
)
from assistant.timeparse.words import number_words

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
MINUS_FIVE = timezone(timedelta(hours=-5))

REJECT = "REJECT"
"""Any NotUnderstood."""
PAST = "PAST"
"""NotUnderstood with PAST_REASON."""


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0, fold: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON, fold=fold)


def new_york(year: int, month: int, day: int, hour: int = 0, minute: int = 0, fold: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK, fold=fold)


# Tuesday 24 November 2026, 15:00 GMT: the DESIGN.md example ("friday morning" -> 2026-11-27T09:00+00:00).
NOW = london(2026, 11, 24, 15, 0)
EARLY = london(2026, 11, 24, 6, 30)
LATE = london(2026, 11, 24, 22, 10)


def nov(day: int, hour: int, minute: int = 0) -> datetime:
    return london(2026, 11, day, hour, minute)


RELATIVE = [
    ("in twenty minutes", NOW, nov(24, 15, 20)),
    ("In Twenty Minutes.", NOW, nov(24, 15, 20)),
    ("in 20 minutes", NOW, nov(24, 15, 20)),
    ("in 20 min", NOW, nov(24, 15, 20)),
    ("in 20 mins", NOW, nov(24, 15, 20)),
    ("in 20min", NOW, nov(24, 15, 20)),
    ("in 20m", NOW, nov(24, 15, 20)),
    ("in 20 minutes time", NOW, nov(24, 15, 20)),
    ("forty minutes from now", NOW, nov(24, 15, 40)),
    ("twenty minutes later", NOW, nov(24, 15, 20)),
    ("in twenty five minutes", NOW, nov(24, 15, 25)),
    ("in twenty-five minutes", NOW, nov(24, 15, 25)),
    ("in forty five minutes", NOW, nov(24, 15, 45)),
    ("in fifty nine minutes", NOW, nov(24, 15, 59)),
    ("in half an hour", NOW, nov(24, 15, 30)),
    ("half an hour from now", NOW, nov(24, 15, 30)),
    ("in half hour", NOW, nov(24, 15, 30)),
    ("in a quarter of an hour", NOW, nov(24, 15, 15)),
    ("in a quarter hour", NOW, nov(24, 15, 15)),
    ("in three quarters of an hour", NOW, nov(24, 15, 45)),
    ("in an hour", NOW, nov(24, 16, 0)),
    ("in one hour", NOW, nov(24, 16, 0)),
    ("in 1 hour", NOW, nov(24, 16, 0)),
    ("in 1 hr", NOW, nov(24, 16, 0)),
    ("in an hour and a half", NOW, nov(24, 16, 30)),
    ("an hour and a half from now", NOW, nov(24, 16, 30)),
    ("in one and a half hours", NOW, nov(24, 16, 30)),
    ("in 1.5 hours", NOW, nov(24, 16, 30)),
    ("in ninety minutes", NOW, nov(24, 16, 30)),
    ("in 90 minutes", NOW, nov(24, 16, 30)),
    ("in an hour and fifteen minutes", NOW, nov(24, 16, 15)),
    ("in 1 hour 15 minutes", NOW, nov(24, 16, 15)),
    ("in 1 hour and 15 minutes", NOW, nov(24, 16, 15)),
    ("in two hours and thirty minutes", NOW, nov(24, 17, 30)),
    ("in 2 hours 30", NOW, nov(24, 17, 30)),
    ("in two and a half hours", NOW, nov(24, 17, 30)),
    ("in 2h30", NOW, nov(24, 17, 30)),
    ("in a couple of hours", NOW, nov(24, 17, 0)),
    ("in 3 hrs", NOW, nov(24, 18, 0)),
    ("in 2 hrs", NOW, nov(24, 17, 0)),
    ("in 2hr", NOW, nov(24, 17, 0)),
    ("in 45 mins", NOW, nov(24, 15, 45)),
    ("2026-11-26 06:00", NOW, nov(26, 6, 0)),
    ("2026-11-26T18:30", NOW, nov(26, 18, 30)),
    ("2026-11-26", NOW, nov(26, 9, 0)),
    ("on 2026-11-26 at 7 pm", NOW, nov(26, 19, 0)),
    ("in 2h", NOW, nov(24, 17, 0)),
    ("in a hundred and twenty minutes", NOW, nov(24, 17, 0)),
    ("in one hundred minutes", NOW, nov(24, 16, 40)),
    ("in two days", NOW, nov(26, 15, 0)),
    ("in 2 days", NOW, nov(26, 15, 0)),
    ("in a day", NOW, nov(25, 15, 0)),
    ("in one day", NOW, nov(25, 15, 0)),
    ("in 24 hours", NOW, nov(25, 15, 0)),
    ("in a week", NOW, london(2026, 12, 1, 15, 0)),
    ("give us twenty minutes", NOW, nov(24, 15, 20)),
    ("let's take forty minutes", NOW, nov(24, 15, 40)),
    ("come back in five", NOW, nov(24, 15, 5)),
    ("we'll resume in forty minutes", NOW, nov(24, 15, 40)),
    ("um, maybe in like an hour?", NOW, nov(24, 16, 0)),
    ("in an hour and a quarter", NOW, nov(24, 16, 15)),
    ("in an hour and three quarters", NOW, nov(24, 16, 45)),
    ("in one and a quarter hours", NOW, nov(24, 16, 15)),
    ("in 1 1/2 hours", NOW, nov(24, 16, 30)),
    ("an hour twenty", NOW, nov(24, 16, 20)),
    ("in 2 hrs and 15 mins", NOW, nov(24, 17, 15)),
    ("in a fortnight", NOW, london(2026, 12, 8, 15, 0)),
    ("in forty minutes, at three forty", NOW, nov(24, 15, 40)),  # the read-back, repeated: they agree
    ("in an hour", LATE, nov(24, 23, 10)),
    ("in two hours", LATE, nov(25, 0, 10)),
]

CLOCK = [
    ("at seven", NOW, nov(24, 19, 0)),
    ("at 7", NOW, nov(24, 19, 0)),
    ("seven", NOW, nov(24, 19, 0)),
    ("at seven thirty", NOW, nov(24, 19, 30)),
    ("at 7 30", NOW, nov(24, 19, 30)),
    ("half past seven", NOW, nov(24, 19, 30)),
    ("half seven", NOW, nov(24, 19, 30)),
    ("quarter past seven", NOW, nov(24, 19, 15)),
    ("quarter to eight", NOW, nov(24, 19, 45)),
    ("a quarter to eight", NOW, nov(24, 19, 45)),
    ("ten past six", NOW, nov(24, 18, 10)),
    ("twenty to nine", NOW, nov(24, 20, 40)),
    ("five to eight", NOW, nov(24, 19, 55)),
    ("twenty five past seven", NOW, nov(24, 19, 25)),
    ("ten minutes past seven", NOW, nov(24, 19, 10)),
    ("seven oh five", NOW, nov(24, 19, 5)),
    ("at seven o'clock", NOW, nov(24, 19, 0)),
    ("at 7 o clock", NOW, nov(24, 19, 0)),
    ("at three", NOW, nov(25, 3, 0)),  # 15:00 is now, not ahead: the next three is at night
    ("at four", NOW, nov(24, 16, 0)),
    ("at two", NOW, nov(25, 2, 0)),
    ("at eleven", NOW, nov(24, 23, 0)),
    ("at twelve", NOW, nov(25, 0, 0)),
    ("at twelve thirty", NOW, nov(25, 0, 30)),
    ("at one", NOW, nov(25, 1, 0)),
    ("noon", NOW, nov(25, 12, 0)),
    ("at noon", NOW, nov(25, 12, 0)),
    ("midday", NOW, nov(25, 12, 0)),
    ("midnight", NOW, nov(25, 0, 0)),
    ("at midnight", NOW, nov(25, 0, 0)),
    ("quarter to midnight", NOW, nov(24, 23, 45)),
    ("at seven", EARLY, nov(24, 7, 0)),
    ("at six", EARLY, nov(24, 18, 0)),
    ("at twelve", EARLY, nov(24, 12, 0)),
    ("noon", EARLY, nov(24, 12, 0)),
    ("at seven", LATE, nov(25, 7, 0)),
    ("at 11", LATE, nov(24, 23, 0)),
    ("at ten", LATE, nov(25, 10, 0)),
    ("midnight", LATE, nov(25, 0, 0)),
    ("at half past twelve", LATE, nov(25, 0, 30)),
]

MERIDIEM_AND_DIGITS = [
    ("at 7 pm", NOW, nov(24, 19, 0)),
    ("7pm", NOW, nov(24, 19, 0)),
    ("7 p.m.", NOW, nov(24, 19, 0)),
    ("7 P.M.", NOW, nov(24, 19, 0)),
    ("seven p m", NOW, nov(24, 19, 0)),
    ("seven pm", NOW, nov(24, 19, 0)),
    ("7:30 pm", NOW, nov(24, 19, 30)),
    ("7.30pm", NOW, nov(24, 19, 30)),
    ("7:30pm", NOW, nov(24, 19, 30)),
    ("at 7 30 pm", NOW, nov(24, 19, 30)),
    ("seven thirty p m", NOW, nov(24, 19, 30)),
    ("at 10 am", NOW, nov(25, 10, 0)),
    ("at 9 a.m.", NOW, nov(25, 9, 0)),
    ("nine a m", NOW, nov(25, 9, 0)),
    ("at 4 pm", NOW, nov(24, 16, 0)),
    ("12 am", NOW, nov(25, 0, 0)),
    ("12 pm", NOW, nov(25, 12, 0)),
    ("12:30 am", NOW, nov(25, 0, 30)),
    ("19:30", NOW, nov(24, 19, 30)),
    ("at 1930", NOW, nov(24, 19, 30)),
    ("19h30", NOW, nov(24, 19, 30)),
    ("at 16:45", NOW, nov(24, 16, 45)),
    ("08:15", NOW, nov(25, 8, 15)),
    ("07:00", NOW, nov(25, 7, 0)),
    ("at 0:30", NOW, nov(25, 0, 30)),
    ("at nineteen thirty", NOW, nov(24, 19, 30)),
    ("at twenty one hundred", NOW, nov(24, 21, 0)),
    ("at 7:30 am", EARLY, nov(24, 7, 30)),
    ("0700", NOW, nov(25, 7, 0)),
    ("tomorrow at 0900", NOW, nov(25, 9, 0)),
    ("at 24:00", NOW, nov(25, 0, 0)),
    ("Friday, 9 a.m.", NOW, nov(27, 9, 0)),
]

DAYS = [
    ("tomorrow", NOW, nov(25, 9, 0)),
    ("tomorrow morning", NOW, nov(25, 9, 0)),
    ("tomorrow afternoon", NOW, nov(25, 14, 0)),
    ("tomorrow evening", NOW, nov(25, 19, 0)),
    ("tomorrow night", NOW, nov(25, 20, 0)),
    ("tonight", NOW, nov(24, 20, 0)),
    ("this evening", NOW, nov(24, 19, 0)),
    ("today at seven", NOW, nov(24, 19, 0)),
    ("the day after tomorrow", NOW, nov(26, 9, 0)),
    ("day after tomorrow at 10", NOW, nov(26, 10, 0)),
    ("friday", NOW, nov(27, 9, 0)),
    ("friday morning", NOW, nov(27, 9, 0)),
    ("on friday", NOW, nov(27, 9, 0)),
    ("next friday", NOW, nov(27, 9, 0)),
    ("this friday", NOW, nov(27, 9, 0)),
    ("tuesday", NOW, london(2026, 12, 1, 9, 0)),  # today is Tuesday: the next one
    ("next tuesday", NOW, london(2026, 12, 1, 9, 0)),
    ("wednesday evening", NOW, nov(25, 19, 0)),
    ("monday at 9", NOW, nov(30, 9, 0)),
    ("saturday at 10 am", NOW, nov(28, 10, 0)),
    ("sunday afternoon", NOW, nov(29, 14, 0)),
    ("thursday at half past six", NOW, nov(26, 18, 30)),
    ("tomorrow at seven", NOW, nov(25, 7, 0)),
    ("tomorrow at seven thirty", NOW, nov(25, 7, 30)),
    ("tomorrow at 3", NOW, nov(25, 15, 0)),
    ("tomorrow at twelve", NOW, nov(25, 12, 0)),
    ("tomorrow at noon", NOW, nov(25, 12, 0)),
    ("noon tomorrow", NOW, nov(25, 12, 0)),
    ("tomorrow at midnight", NOW, nov(26, 0, 0)),
    ("tomorrow evening at eight", NOW, nov(25, 20, 0)),
    ("at eight tomorrow evening", NOW, nov(25, 20, 0)),
    ("tomorrow at 8 pm", NOW, nov(25, 20, 0)),
    ("8pm tomorrow", NOW, nov(25, 20, 0)),
    ("tomorrow at 7 in the morning", NOW, nov(25, 7, 0)),
    ("at seven in the evening", NOW, nov(24, 19, 0)),
    ("at seven in the morning", NOW, nov(25, 7, 0)),
    ("at 2 in the afternoon", NOW, nov(25, 14, 0)),
    ("at 11 at night", NOW, nov(24, 23, 0)),
    ("in the evening", NOW, nov(24, 19, 0)),
    ("tonight at 9", NOW, nov(24, 21, 0)),
    ("tonight at nine thirty", NOW, nov(24, 21, 30)),
    ("tonight at 12", NOW, nov(25, 0, 0)),
    ("tonight at one", NOW, nov(25, 1, 0)),
    ("midnight tonight", NOW, nov(25, 0, 0)),
    ("friday at 9", NOW, nov(27, 9, 0)),
    ("friday at 6", NOW, nov(27, 18, 0)),
    ("friday evening at eight", NOW, nov(27, 20, 0)),
    ("friday night", NOW, nov(27, 20, 0)),
    ("in two days at nine", NOW, nov(26, 9, 0)),
    ("this evening at 7", NOW, nov(24, 19, 0)),
    ("this evening at eight thirty", NOW, nov(24, 20, 30)),
    ("tomorrow am", NOW, nov(25, 9, 0)),
    ("same time tomorrow", NOW, nov(25, 15, 0)),
    ("this time on friday", NOW, nov(27, 15, 0)),
    ("first thing tomorrow", NOW, nov(25, 9, 0)),
    ("tonight at 5", NOW, nov(24, 17, 0)),
    ("at 10 tomorrow night", NOW, nov(25, 22, 0)),
    ("at 7 on friday", NOW, nov(27, 7, 0)),
    ("quarter past noon", NOW, nov(25, 12, 15)),
    ("tomorrow at lunch", NOW, nov(25, 12, 0)),
    ("tomorrow 9", NOW, nov(25, 9, 0)),
    ("in two days' time", NOW, nov(26, 15, 0)),
    ("friday pm", NOW, nov(27, 14, 0)),
    ("this morning", EARLY, nov(24, 9, 0)),
    ("in the morning", EARLY, nov(24, 9, 0)),
    ("morning", EARLY, nov(24, 9, 0)),
    ("today at seven", EARLY, nov(24, 7, 0)),
    ("today at 3", EARLY, nov(24, 15, 0)),
    ("this afternoon", EARLY, nov(24, 14, 0)),
    ("tonight at eleven", LATE, nov(24, 23, 0)),
    ("in the evening", LATE, nov(25, 19, 0)),
    ("tomorrow", LATE, nov(25, 9, 0)),
    ("tonight at midnight", LATE, nov(25, 0, 0)),
    ("tomorrow at midnight", LATE, nov(26, 0, 0)),
]

FILLERS = [
    ("let's talk at seven", NOW, nov(24, 19, 0)),
    ("how about seven thirty", NOW, nov(24, 19, 30)),
    ("maybe tomorrow morning", NOW, nov(25, 9, 0)),
    ("can we come back at 8", NOW, nov(24, 20, 0)),
    ("Let's talk again tomorrow at 10 a.m., okay?", NOW, nov(25, 10, 0)),
    ("how about half past six", NOW, nov(24, 18, 30)),
    ("let's pick it up tonight", NOW, nov(24, 20, 0)),
    ("we'll resume at five past six", NOW, nov(24, 18, 5)),
    ("we'd say tomorrow at six", NOW, nov(25, 18, 0)),  # "we'd" is not "wed" (Wednesday)
    ("we’d talk at seven", NOW, nov(24, 19, 0)),
    ("Maybe... around 7pm?", NOW, nov(24, 19, 0)),
    ("let's say friday at nine thirty", NOW, nov(27, 9, 30)),
    ("let's reconvene 7", NOW, nov(24, 19, 0)),
    ("seven works for me", NOW, nov(24, 19, 0)),
    ("in an hour or so", NOW, nov(24, 16, 0)),
    ("we can talk at 9 tomorrow after breakfast", NOW, nov(25, 9, 0)),
    ("no later than 8", NOW, nov(24, 20, 0)),
    ("let's reconvene tomorrow", NOW, nov(25, 9, 0)),
]

# Month and year ends: calendar steps land on real dates.
JAN_31 = london(2026, 1, 31, 20, 0)  # Saturday
LEAP_FEB_28 = london(2028, 2, 28, 18, 0)
FEB_28 = london(2027, 2, 28, 18, 0)
NEW_YEARS_EVE = london(2026, 12, 31, 21, 0)  # Thursday
CALENDAR = [
    ("tomorrow at nine", JAN_31, london(2026, 2, 1, 9, 0)),
    ("in two days", JAN_31, london(2026, 2, 2, 20, 0)),
    ("the day after tomorrow", JAN_31, london(2026, 2, 2, 9, 0)),
    ("monday morning", JAN_31, london(2026, 2, 2, 9, 0)),
    ("tomorrow at nine", LEAP_FEB_28, london(2028, 2, 29, 9, 0)),
    ("the day after tomorrow", LEAP_FEB_28, london(2028, 3, 1, 9, 0)),
    ("tomorrow at nine", FEB_28, london(2027, 3, 1, 9, 0)),
    ("in a day", FEB_28, london(2027, 3, 1, 18, 0)),
    ("tomorrow morning", NEW_YEARS_EVE, london(2027, 1, 1, 9, 0)),
    ("at midnight", NEW_YEARS_EVE, london(2027, 1, 1, 0, 0)),
    ("in two hours", NEW_YEARS_EVE, london(2026, 12, 31, 23, 0)),
    ("in four hours", NEW_YEARS_EVE, london(2027, 1, 1, 1, 0)),
    ("in a day", NEW_YEARS_EVE, london(2027, 1, 1, 21, 0)),
    ("friday", NEW_YEARS_EVE, london(2027, 1, 1, 9, 0)),
]

# DST. London springs forward on 2026-03-29 at 01:00 GMT (to 02:00 BST) and falls back on 2026-10-25 at
# 02:00 BST (to 01:00 GMT); New York on 2026-03-08 at 02:00 EST and 2026-11-01 at 02:00 EDT.
SPRING_EVE = london(2026, 3, 28, 21, 0)
SPRING_EARLY = london(2026, 3, 29, 0, 30)
FALL_EVE = london(2026, 10, 24, 21, 0)
FALL_FIRST_PASS = london(2026, 10, 25, 1, 45)  # the first 01:45, BST
NY_SPRING = new_york(2026, 3, 8, 1, 30)
NY_FALL = new_york(2026, 11, 1, 0, 30)
DST = [
    ("tomorrow at nine", SPRING_EVE, london(2026, 3, 29, 9, 0)),  # 09:00 BST: 11 real hours
    ("in twelve hours", SPRING_EVE, london(2026, 3, 29, 10, 0)),  # real hours: 10:00 BST
    ("in a day", SPRING_EVE, london(2026, 3, 29, 21, 0)),  # calendar day: 23 real hours
    ("in 24 hours", SPRING_EVE, london(2026, 3, 29, 22, 0)),
    ("tomorrow at 1:30 am", SPRING_EVE, london(2026, 3, 29, 2, 30)),  # the gap moves forward
    ("at 1:30", SPRING_EVE, london(2026, 3, 29, 2, 30)),
    ("in two hours", SPRING_EARLY, london(2026, 3, 29, 3, 30)),
    ("in an hour", SPRING_EARLY, london(2026, 3, 29, 2, 30)),
    ("in 30 minutes", SPRING_EARLY, london(2026, 3, 29, 2, 0)),
    ("at three", SPRING_EARLY, london(2026, 3, 29, 3, 0)),
    ("tomorrow at nine", FALL_EVE, london(2026, 10, 25, 9, 0)),  # 09:00 GMT: 13 real hours
    ("in a day", FALL_EVE, london(2026, 10, 25, 21, 0)),  # 25 real hours
    ("in 24 hours", FALL_EVE, london(2026, 10, 25, 20, 0)),
    ("in twelve hours", FALL_EVE, london(2026, 10, 25, 8, 0)),
    ("at 1:30", FALL_EVE, london(2026, 10, 25, 1, 30, fold=0)),  # ambiguous: the first (BST)
    ("at 1:30", FALL_FIRST_PASS, london(2026, 10, 25, 1, 30, fold=1)),  # the first has passed: GMT
    ("in an hour", FALL_FIRST_PASS, london(2026, 10, 25, 1, 45, fold=1)),
    ("at two", FALL_FIRST_PASS, london(2026, 10, 25, 2, 0)),
    ("at 2:30", NY_SPRING, new_york(2026, 3, 8, 3, 30)),  # the gap moves forward
    ("in an hour", NY_SPRING, new_york(2026, 3, 8, 3, 30)),
    ("tomorrow at nine", NY_SPRING, new_york(2026, 3, 9, 9, 0)),
    ("at 1:30", NY_FALL, new_york(2026, 11, 1, 1, 30, fold=0)),
    ("in two hours", NY_FALL, new_york(2026, 11, 1, 1, 30, fold=1)),
    ("in a day", NY_FALL, new_york(2026, 11, 2, 0, 30)),
]

FIXED_NOW = datetime(2026, 11, 24, 15, 0, tzinfo=MINUS_FIVE)
FIXED_OFFSET = [
    ("at seven", FIXED_NOW, datetime(2026, 11, 24, 19, 0, tzinfo=MINUS_FIVE)),
    ("tomorrow morning", FIXED_NOW, datetime(2026, 11, 25, 9, 0, tzinfo=MINUS_FIVE)),
    ("in two hours", FIXED_NOW, datetime(2026, 11, 24, 17, 0, tzinfo=MINUS_FIVE)),
]

REFUSALS = [
    ("yesterday", NOW, PAST),
    ("yesterday at seven", NOW, PAST),
    ("an hour ago", NOW, PAST),
    ("twenty minutes ago", NOW, PAST),
    ("last friday", NOW, PAST),
    ("last night", NOW, PAST),
    ("today at 7 am", NOW, PAST),
    ("today at 2 pm", NOW, PAST),
    ("today at noon", NOW, PAST),
    ("this morning", NOW, PAST),
    ("this morning at 9", NOW, PAST),
    ("this afternoon", NOW, PAST),
    ("tonight", LATE, PAST),
    ("this evening", LATE, PAST),
    ("today", NOW, REJECT),
    ("purple monkey dishwasher", NOW, REJECT),
    ("in two months", NOW, REJECT),  # months and years are not resume times, and never shrink to minutes
    ("in a year", NOW, REJECT),
    ("", NOW, REJECT),
    ("   ", NOW, REJECT),
    ("banana", NOW, REJECT),
    ("I don't know", NOW, REJECT),
    ("later", NOW, REJECT),
    ("soon", NOW, REJECT),
    ("whenever", NOW, REJECT),
    ("in a while", NOW, REJECT),
    ("in a bit", NOW, REJECT),
    ("in a few minutes", NOW, REJECT),
    ("sometime next week", NOW, REJECT),
    ("now", NOW, REJECT),
    ("right now", NOW, REJECT),
    ("in zero minutes", NOW, REJECT),
    ("at seventy", NOW, REJECT),
    ("at 25:00", NOW, REJECT),
    ("at 7:75", NOW, REJECT),
    ("13 am", NOW, REJECT),
    ("at seven or eight", NOW, REJECT),
    ("7-8 pm", NOW, REJECT),
    ("tomorrow or friday", NOW, REJECT),
    ("in twenty minutes at seven", NOW, REJECT),
    ("on the 27th", NOW, REJECT),
    ("not now", NOW, REJECT),
    ("not right now", NOW, REJECT),
    ("2026-13-01", NOW, REJECT),
    ("2026-11-20 09:00", NOW, PAST),
    ("november 27", NOW, REJECT),
    ("at 7 am in the evening", NOW, REJECT),
    ("half past", NOW, REJECT),
    ("after dinner", NOW, REJECT),
    ("tomorrow after work", NOW, REJECT),
    ("later today", NOW, REJECT),
    ("in -5 minutes", NOW, REJECT),
    ("5 hours ago", NOW, PAST),
    ("between 7 and 8", NOW, REJECT),
    ("in 5-10 minutes", NOW, REJECT),
    ("in twenty minutes, at three forty", NOW, REJECT),  # 15:20 and 15:40 disagree
    ("I have 3 cats", NOW, REJECT),
]

TABLE = RELATIVE + CLOCK + MERIDIEM_AND_DIGITS + DAYS + FILLERS + CALENDAR + DST + FIXED_OFFSET + REFUSALS


def _case_id(case: tuple[str, datetime, object]) -> str:
    phrase, now, _ = case
    return f"{phrase!r}@{now.strftime('%a %d %b %H:%M')}"


def assert_same_instant(actual: datetime, expected: datetime) -> None:
    """Aware datetimes in one zone compare by wall time, folds ignored; compare instants and offsets."""
    assert actual.astimezone(UTC) == expected.astimezone(UTC), f"{actual.isoformat()} != {expected.isoformat()}"
    assert actual.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("case", TABLE, ids=[_case_id(c) for c in TABLE])
def test_each_phrase_in_the_table_gives_its_resume_time_or_refusal(case):
    phrase, now, expected = case
    result = parse_resume_time(phrase, now)
    if expected == REJECT:
        assert isinstance(result, NotUnderstood), result
    elif expected == PAST:
        assert isinstance(result, NotUnderstood), result
        assert result.reason == PAST_REASON
    else:
        assert isinstance(result, ResumeTime), result
        assert_same_instant(result.resume_at, expected)
        assert result.resume_at.tzinfo is now.tzinfo


def test_the_table_covers_every_convention_with_many_cases():
    assert len(TABLE) >= 250


# --- the result object ------------------------------------------------------------------------------------

def test_friday_morning_matches_the_design_example():
    result = parse_resume_time("Friday morning", NOW)
    assert isinstance(result, ResumeTime)
    assert result.heard == "friday morning"
    assert result.resume_at.isoformat() == "2026-11-27T09:00:00+00:00"
    assert result.minutes_from_now == 3960
    assert result.as_event() == {"event": "resume_time", "heard": "friday morning",
                                 "resume_at": "2026-11-27T09:00:00+00:00", "minutes_from_now": 3960,
                                 "warnings": ["more than 48 hours away"]}


def test_heard_is_lower_case_without_punctuation_and_with_am_pm_written_together():
    result = parse_resume_time("  Let's talk at 7.30 P.M.!  ", NOW)
    assert isinstance(result, ResumeTime)
    assert result.heard == "let's talk at 7.30 pm"


def test_a_refusal_becomes_the_not_understood_event():
    result = parse_resume_time("Today at 7 AM", NOW)
    assert result == NotUnderstood(heard="today at 7 am", reason=PAST_REASON)
    assert result.as_event() == {"event": "not_understood", "heard": "today at 7 am", "reason": PAST_REASON}


def test_minutes_from_now_rounds_half_a_minute_up():
    now = NOW.replace(second=30)
    result = parse_resume_time("at four", now)  # 59.5 minutes away
    assert isinstance(result, ResumeTime)
    assert result.minutes_from_now == 60


def test_minutes_from_now_counts_real_minutes_across_a_dst_change():
    result = parse_resume_time("tomorrow at nine", SPRING_EVE)
    assert isinstance(result, ResumeTime)
    assert result.minutes_from_now == 11 * 60


def test_a_naive_now_is_a_programming_error():
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_resume_time("at seven", datetime(2026, 11, 24, 15, 0))


# --- warnings at both bounds ------------------------------------------------------------------------------

TOO_SOON = "sooner than the 20-minute break a flooded body needs"
TOO_FAR = "more than 48 hours away"


@pytest.mark.parametrize(("phrase", "warnings"), [
    ("in nineteen minutes", (TOO_SOON,)),
    ("in 5 minutes", (TOO_SOON,)),
    ("at 3:10 pm", (TOO_SOON,)),
    ("in twenty minutes", ()),
    ("in an hour", ()),
    ("in 48 hours", ()),
    ("in two days", ()),
    ("in forty eight hours and one minute", (TOO_FAR,)),
    ("in three days", (TOO_FAR,)),
    ("friday morning", (TOO_FAR,)),
])
def test_warnings_mark_a_break_shorter_than_the_minimum_or_longer_than_the_maximum(phrase, warnings):
    result = parse_resume_time(phrase, NOW)
    assert isinstance(result, ResumeTime)
    assert result.warnings == warnings


def test_warnings_name_the_configured_bounds():
    soon = parse_resume_time("in 25 minutes", NOW, min_break=timedelta(minutes=30))
    far = parse_resume_time("in 25 hours", NOW, max_break=timedelta(hours=24))
    assert isinstance(soon, ResumeTime) and isinstance(far, ResumeTime)
    assert soon.warnings == ("sooner than the 30-minute break a flooded body needs",)
    assert far.warnings == ("more than 24 hours away",)


# --- reading back -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("resume_at", "spoken"), [
    (nov(24, 16, 30), "in an hour and a half, at four thirty in the afternoon"),
    (nov(24, 15, 20), "in twenty minutes, at three twenty in the afternoon"),
    (nov(24, 15, 30), "in half an hour, at three thirty in the afternoon"),
    (nov(24, 15, 40), "in forty minutes, at three forty in the afternoon"),
    (nov(24, 17, 5), "this evening at five oh five"),
    (nov(24, 19, 0), "this evening at seven"),
    (nov(24, 22, 0), "tonight at ten"),
    (nov(25, 0, 0), "tonight at midnight"),
    (nov(25, 0, 30), "tonight at twelve thirty"),
    (nov(25, 1, 0), "tomorrow at one in the morning"),
    (nov(25, 9, 0), "tomorrow at nine in the morning"),
    (nov(25, 12, 0), "tomorrow at noon"),
    (nov(25, 14, 45), "tomorrow at two forty five in the afternoon"),
    (nov(25, 22, 0), "tomorrow at ten at night"),
    (nov(27, 9, 0), "Friday at nine in the morning"),
    (nov(28, 0, 0), "Friday at midnight"),
    (london(2026, 12, 1, 9, 0), "Tuesday the first of December at nine in the morning"),
])
def test_describe_reads_a_resume_time_back_in_words(resume_at, spoken):
    assert describe(resume_at, NOW) == spoken


@pytest.mark.parametrize(("phrase", "spoken"), [
    ("in 2 hrs", "in two hours, at five in the evening"),
    ("in 2 hours", "in two hours, at five in the evening"),
    ("in 90 minutes", "in an hour and a half, at four thirty in the afternoon"),
    ("in 1.5 hrs", "in an hour and a half, at four thirty in the afternoon"),
    ("in 30 hours", "in thirty hours, at nine at night"),
    ("at five pm", "this evening at five"),
])
def test_a_span_is_read_back_as_a_span_however_long_and_a_clock_time_as_a_clock_time(phrase, spoken):
    result = parse_resume_time(phrase, NOW)
    assert describe(result.resume_at, NOW, relative=result.relative) == spoken
    again = parse_resume_time(spoken, NOW)  # what is read back is understood as the same time
    assert isinstance(again, ResumeTime) and again.resume_at == result.resume_at


def test_not_now_is_not_read_as_right_now():
    assert parse_resume_time("not now", NOW).reason != parse_resume_time("right now", NOW).reason


def test_describe_says_today_for_a_later_time_in_the_day():
    assert describe(nov(24, 16, 30), EARLY) == "today at four thirty in the afternoon"


# --- properties -------------------------------------------------------------------------------------------

ZONES = st.sampled_from([LONDON, NEW_YORK, UTC, MINUS_FIVE, ZoneInfo("Australia/Lord_Howe")])
NOWS = st.builds(
    lambda naive, zone, fold: naive.replace(tzinfo=zone, fold=fold),
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31)),
    ZONES, st.integers(0, 1))
ALWAYS_AHEAD = [
    "in twenty minutes", "in 2 hrs", "an hour and a half from now", "in two days", "in a week",
    "at seven", "half past seven", "quarter to eight", "seven thirty", "at 7 pm", "19:30", "7.30pm", "noon",
    "midnight", "at 1:30", "at seven in the evening", "at 11 at night", "tomorrow", "tomorrow at seven",
    "tomorrow morning", "the day after tomorrow", "friday", "next friday at 9 pm", "same time tomorrow",
]
"""Phrases that name no day that can pass: at any `now` each is a resume time."""
PHRASES = st.sampled_from(sorted({case[0] for case in TABLE} | set(ALWAYS_AHEAD)))


@settings(deadline=None)
@given(now=NOWS, minutes=st.integers(1, 600), form=st.sampled_from(["in {d} minutes", "in {w} minutes",
                                                                     "{w} minutes from now", "in {d} min"]))
def test_in_n_minutes_is_exactly_n_real_minutes_later(now, minutes, form):
    phrase = form.format(d=minutes, w=number_words(minutes))
    result = parse_resume_time(phrase, now)
    assert isinstance(result, ResumeTime), (phrase, result)
    assert result.resume_at.astimezone(UTC) - now.astimezone(UTC) == timedelta(minutes=minutes)
    assert result.minutes_from_now == minutes


@settings(max_examples=300, deadline=None)
@given(now=NOWS, phrase=PHRASES)
def test_a_resume_time_is_never_in_the_past_and_keeps_the_zone_of_now(now, phrase):
    result = parse_resume_time(phrase, now)
    if phrase in ALWAYS_AHEAD:  # so the test fails if the parser stops understanding anything
        assert isinstance(result, ResumeTime), (phrase, result)
    if isinstance(result, ResumeTime):
        assert result.resume_at.astimezone(UTC) > now.astimezone(UTC)
        assert result.resume_at.tzinfo is now.tzinfo
        assert result.minutes_from_now >= 0


@settings(max_examples=300, deadline=None)
@given(now=NOWS, minutes_ahead=st.integers(5, 5 * 24 * 60))
def test_what_describe_says_parses_back_to_the_same_time(now, minutes_ahead):
    tz = now.tzinfo
    target = (now.astimezone(UTC) + timedelta(minutes=minutes_ahead)).astimezone(tz)
    target = target.replace(minute=target.minute // 5 * 5, second=0, microsecond=0)
    target = target.astimezone(UTC).astimezone(tz)  # normalize the fold after replacing fields
    # a wall time that occurs twice reads back as its soonest occurrence: leave those out
    assume(target.replace(fold=0).utcoffset() == target.replace(fold=1).utcoffset())
    assume(target.astimezone(UTC) > now.astimezone(UTC))
    spoken = describe(target, now)
    result = parse_resume_time(spoken, now)
    assert isinstance(result, ResumeTime), (spoken, result)
    assert_same_instant(result.resume_at, target)
