"""The words the time parser knows: numbers, units, days and parts of day, and the fillers it skips.

Shared by the grammar (phrase -> meaning), the read-back (`describe`) and the check that a recognised answer
says a time in time words only (assistant/hearing/answers.py), so they hear and say the same words.
"""

from __future__ import annotations

from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE
from dateutil.relativedelta import weekday as _Weekday

__all__ = [
    "AT_WORDS", "DAY_NAME_WORDS", "FILLERS", "HOUR_UNITS", "MERIDIEMS", "MINUTE_UNITS", "MONTH_NAMES",
    "MONTH_WORDS", "NOON_WORDS", "NUMBER_WORDS", "PARTS", "PAST_WORDS", "TENS_WORDS", "TODAY_WORDS",
    "TOMORROW_WORDS", "TONIGHT_WORDS", "TOO_FAR_UNITS", "TO_WORDS", "UNIT_DAYS", "UNIT_SECONDS", "VAGUE_WORDS",
    "WEEKDAYS", "WEEKDAY_NAMES", "number_words",
]

NUMBER_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
)
TENS_WORDS = {20: "twenty", 30: "thirty", 40: "forty", 50: "fifty", 60: "sixty", 70: "seventy",
              80: "eighty", 90: "ninety"}

WEEKDAYS: dict[str, _Weekday] = {
    "monday": MO, "mon": MO, "tuesday": TU, "tue": TU, "tues": TU, "wednesday": WE, "wed": WE,
    "thursday": TH, "thu": TH, "thur": TH, "thurs": TH, "friday": FR, "fri": FR, "saturday": SA, "sat": SA,
    "sunday": SU, "sun": SU,
}
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")
MONTH_WORDS = frozenset(m.lower() for m in MONTH_NAMES) | {"jan", "feb", "mar", "apr", "jun", "jul", "aug",
                                                           "sep", "sept", "oct", "nov", "dec"}

UNIT_SECONDS = {
    "second": 1, "seconds": 1, "sec": 1, "secs": 1,
    "minute": 60, "minutes": 60, "min": 60, "mins": 60, "m": 60,
    "hour": 3600, "hours": 3600, "hr": 3600, "hrs": 3600, "h": 3600,
}
UNIT_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "fortnight": 14}
HOUR_UNITS = frozenset({"hour", "hours", "hr", "hrs", "h"})
MINUTE_UNITS = frozenset({"minute", "minutes", "min", "mins", "m"})
MERIDIEMS = frozenset({"am", "pm"})
PAST_WORDS = ("past", "after")
TO_WORDS = ("to", "before", "till", "til", "until", "of")
AT_WORDS = frozenset({"at", "by", "around", "about", "until", "till", "til", "from", "before", "after", "than"})
VAGUE_WORDS = frozenset({"few", "several", "some"})
PARTS = {"morning": "morning", "mornings": "morning", "afternoon": "afternoon", "evening": "evening",
         "night": "night", "nite": "night"}
TODAY_WORDS = frozenset({"today", "todays"})
TONIGHT_WORDS = frozenset({"tonight", "tonite", "tonights"})
TOMORROW_WORDS = frozenset({"tomorrow", "tomorrows", "tmrw", "tmr", "tomoz"})
NOON_WORDS = frozenset({"noon", "midday", "lunch", "lunchtime"})
DAY_NAME_WORDS = frozenset(WEEKDAYS) | TOMORROW_WORDS | TODAY_WORDS

FILLERS = frozenset((
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

TOO_FAR_UNITS = frozenset({"month", "months", "year", "years", "decade", "decades"})
"""Units no resume time is counted in: "in five years" must not shrink to "in five" (minutes)."""


def number_words(n: int) -> str:
    """0..999 in words, as a speech engine or TTS writes them ("one hundred and twenty")."""
    if n < 20:
        return NUMBER_WORDS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return TENS_WORDS[tens * 10] + (f" {NUMBER_WORDS[ones]}" if ones else "")
    hundreds, rest = divmod(n, 100)
    return f"{NUMBER_WORDS[hundreds]} hundred" + (f" and {number_words(rest)}" if rest else "")
