"""Grammar: digit tokens -> meaning. Receives the tokens `tokens.normalize` made of typed or recognised words.
Emits Facts (no clock involved) or Problem: a left-to-right scan that only deals with digits and words.
"""

from __future__ import annotations

import re
from datetime import date

from assistant.timeparse.meaning import (
    DATE_REASON,
    MINUTES_PER_DAY,
    NOT_NOW_REASON,
    PAST_REASON,
    TOO_FAR_REASON,
    VAGUE_REASON,
    Clock,
    Day,
    Duration,
    Facts,
    Problem,
)
from assistant.timeparse.words import (
    AT_WORDS,
    DAY_NAME_WORDS,
    FILLERS,
    HOUR_UNITS,
    MERIDIEMS,
    MINUTE_UNITS,
    MONTH_WORDS,
    NOON_WORDS,
    PARTS,
    PAST_WORDS,
    TO_WORDS,
    TODAY_WORDS,
    TOMORROW_WORDS,
    TONIGHT_WORDS,
    TOO_FAR_UNITS,
    UNIT_DAYS,
    UNIT_SECONDS,
    VAGUE_WORDS,
    WEEKDAYS,
)

__all__ = ["Grammar", "read_facts"]

def _is_int(token: str) -> bool:
    return token.isdigit()


class Grammar:
    """Left-to-right scan of the digit tokens into facts; each `_match_*` returns the next index or None."""

    def __init__(self, tokens: list[str]) -> None:
        self.t = tokens
        self.facts = Facts(clocks=[], durations=[], days=[], parts=[], unknown=[])

    def tok(self, i: int) -> str:
        return self.t[i] if 0 <= i < len(self.t) else ""

    def run(self) -> Facts:
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
                if token not in FILLERS and token != "oclock":
                    self.facts.unknown.append(token)
                i += 1
        return self.facts

    # -- clocks said against an hour: "half past seven", "quarter to eight", "ten past six" --

    def _hour_target(self, i: int) -> tuple[Clock, int] | None:
        token = self.tok(i)
        if token in NOON_WORDS:
            return Clock(12, 0, fixed=True), i + 1
        if token == "midnight":
            return Clock(0, 0, fixed=True, end_of_day=True), i + 1
        if _is_int(token) and 1 <= int(token) <= 12:
            j = i + 1 + (self.tok(i + 1) == "oclock")
            meridiem = self.tok(j) if self.tok(j) in MERIDIEMS else None
            return Clock(int(token), 0, meridiem=meridiem), j + (meridiem is not None)
        return None

    def _match_relative_clock(self, i: int) -> int | None:
        j = i + (self.tok(i) == "a")
        token = self.tok(j)
        if token == "half" and self.tok(j + 1) in PAST_WORDS:
            minutes, k = 30, j + 2
        elif token == "half" and _is_int(self.tok(j + 1)):  # British "half seven" is 7:30
            minutes, k = 30, j + 1
        elif token == "quarter" and self.tok(j + 1) in PAST_WORDS + TO_WORDS:
            minutes, k = (15 if self.tok(j + 1) in PAST_WORDS else -15), j + 2
        elif _is_int(token) and 1 <= int(token) <= 59 and j == i:
            k = j + 1 + (self.tok(j + 1) in MINUTE_UNITS)
            if self.tok(k) not in PAST_WORDS + TO_WORDS:
                return None
            minutes, k = (int(token) if self.tok(k) in PAST_WORDS else -int(token)), k + 1
        else:
            return None
        target = self._hour_target(k)
        if target is None:
            return None
        clock, end = target
        total = clock.hour * 60 + minutes
        if clock.end_of_day:
            total = MINUTES_PER_DAY + minutes
        if total < 0:
            total += 12 * 60
        hour, minute = divmod(total, 60)
        if clock.end_of_day and minutes < 0:
            self.facts.clocks.append(Clock(hour, minute, fixed=True))
        elif clock.end_of_day:
            self.facts.clocks.append(Clock(0, minute, fixed=True, end_of_day=True))
        elif clock.fixed:
            self.facts.clocks.append(Clock(hour, minute, fixed=True))
        else:
            self.facts.clocks.append(Clock(hour if hour <= 12 else hour - 12, minute, meridiem=clock.meridiem))
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
            if self.tok(j) in UNIT_SECONDS or self.tok(j) in UNIT_DAYS:
                return 0.5, j + 1, self.tok(j)
            return None
        if token == "quarter" or (_is_int(token) and nxt == "quarters"):
            count = 1 if token == "quarter" else int(token)
            j = i + 1 + (token != "quarter")
            j += self.tok(j) == "of"
            j += self.tok(j) in ("a", "an")
            if self.tok(j) in HOUR_UNITS:
                return 0.25 * count, j + 1, self.tok(j)
            return None
        if token == "couple":
            return 2.0, i + 1 + (nxt == "of"), None
        if token in VAGUE_WORDS and (nxt in UNIT_SECONDS or nxt in UNIT_DAYS or nxt == "of"):
            raise Problem(VAGUE_REASON)
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

    def _duration_term(self, i: int) -> tuple[Duration, int] | None:
        amount = self._amount(i)
        if amount is None:
            return None
        value, j, unit = amount
        if unit is None:
            unit = self.tok(j)
            if unit not in UNIT_SECONDS and unit not in UNIT_DAYS:
                return None
            j += 1
        # "an hour and a half", "an hour and a quarter"
        fraction, j = self._and_fraction(j)
        value += fraction
        if unit in UNIT_DAYS:
            days = value * UNIT_DAYS[unit]
            if days == int(days):
                return Duration(days=int(days)), j
            return Duration(seconds=days * 86400), j
        return Duration(seconds=value * UNIT_SECONDS[unit]), j

    def _match_duration(self, i: int) -> int | None:
        # "in 1:30" is an hour and a half
        if self.tok(i) == "in" and re.fullmatch(r"\d{1,2}:\d{2}", self.tok(i + 1)):
            hours, minutes = map(int, self.tok(i + 1).split(":"))
            j = i + 2 + (self.tok(i + 2) in HOUR_UNITS)
            self.facts.durations.append(Duration(seconds=hours * 3600 + minutes * 60))
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
                total = Duration(total.seconds + more.seconds, total.days + more.days)
                continue
            # "two hours thirty": a bare number after hours is minutes
            if (_is_int(self.tok(k)) and self.tok(j - 1) in HOUR_UNITS and self.tok(k + 1) not in MERIDIEMS
                    and int(self.tok(k)) < 60):
                total = Duration(total.seconds + int(self.tok(k)) * 60, total.days)
                j = k + 1
                continue
            break
        self.facts.durations.append(total)
        return self._duration_tail(j)

    def _duration_tail(self, j: int) -> int:
        if self.tok(j) == "from" and self.tok(j + 1) == "now":
            return j + 2
        if self.tok(j) in ("ago", "earlier"):
            raise Problem(PAST_REASON)
        if self.tok(j) in ("later", "time", "hence"):
            return j + 1
        return j

    def _match_in_bare(self, i: int) -> int | None:
        """ "in five": minutes."""
        token = self.tok(i + 1)
        after = self.tok(i + 2)
        if (self.tok(i) == "in" and _is_int(token) and after not in MERIDIEMS and after != "oclock"
                and not _is_int(after) and after not in UNIT_SECONDS and after not in UNIT_DAYS
                and after not in ("and", "quarters", "quarter", "half", "st", "nd", "rd", "th")):
            self.facts.durations.append(Duration(seconds=int(token) * 60))
            return self._duration_tail(i + 2)
        return None

    # -- clock times: "at seven", "7:30 pm", "19:30", "seven oh five", "noon" --

    def _match_clock(self, i: int) -> int | None:
        token = self.tok(i)
        if _is_int(token) and self.tok(i + 1) in ("st", "nd", "rd", "th"):
            raise Problem(DATE_REASON)
        strong = self.tok(i - 1) in AT_WORDS
        if token in NOON_WORDS:
            self.facts.clocks.append(Clock(12, 0, fixed=True))
            return i + 1
        if token == "midnight":
            self.facts.clocks.append(Clock(0, 0, fixed=True, end_of_day=True))
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
            elif _is_int(nxt) and len(nxt) <= 2 and int(nxt) < 60 and self.tok(j + 1) not in UNIT_SECONDS:
                minute, j, strong = int(nxt), j + 1, True
            elif nxt == "noon" and hour == 12:
                self.facts.clocks.append(Clock(12, 0, fixed=True))
                return j + 1
            elif nxt == "midnight" and hour == 12:
                self.facts.clocks.append(Clock(0, 0, fixed=True, end_of_day=True))
                return j + 1
        if hour is None:
            return None
        if self.tok(j) == "oclock":
            j, strong = j + 1, True
        meridiem = None
        if self.tok(j) in MERIDIEMS:
            meridiem, j, strong = self.tok(j), j + 1, True
        if minute > 59:
            raise Problem(f"{token} is not a time of day")
        if meridiem is not None:
            if hour == 0 or hour > 23 or (hour > 12 and meridiem == "am"):
                raise Problem(f"{hour} {meridiem} is not a time of day")
            if hour > 12:
                meridiem, fixed = None, True
        elif hour == 24 and minute == 0:
            self.facts.clocks.append(Clock(0, 0, fixed=True, end_of_day=True, strong=strong))
            return j
        elif hour > 23:
            raise Problem(f"{hour} is not a time of day")
        elif hour == 0 or hour > 12:
            fixed = True
        self.facts.clocks.append(Clock(hour, minute, meridiem=meridiem, fixed=fixed, strong=strong))
        return j

    # -- days and parts of day --

    def _match_day(self, i: int) -> int | None:
        token = self.tok(i)
        iso = re.fullmatch(r"(\d{4})\.(\d{1,2})\.(\d{1,2})", token)
        if iso:
            try:
                self.facts.days.append(Day(on=date(*map(int, iso.groups()))))
            except ValueError:
                raise Problem(f"{token.replace('.', '-')} is not a date") from None
            return i + 1
        if token in TODAY_WORDS:
            self.facts.days.append(Day(0))
            return i + 1
        if token in TONIGHT_WORDS:
            self.facts.days.append(Day(0))
            self.facts.parts.append("night")
            return i + 1
        if token == "day" and self.tok(i + 1) == "after" and self.tok(i + 2) in TOMORROW_WORDS:
            self.facts.days.append(Day(2))
            return i + 3
        if token in TOMORROW_WORDS:
            self.facts.days.append(Day(1))
            return i + 1
        if token in ("yesterday", "yesterdays"):
            raise Problem(PAST_REASON)
        if token in WEEKDAYS or (token.endswith("s") and token[:-1] in WEEKDAYS and len(token) > 4):
            if self.tok(i - 1) == "last":
                raise Problem(PAST_REASON)
            self.facts.days.append(Day(weekday=WEEKDAYS[token if token in WEEKDAYS else token[:-1]]))
            return i + 1
        return None

    def _match_part(self, i: int) -> int | None:
        token = self.tok(i)
        part = PARTS.get(token)
        if part is None:
            # "tomorrow am", "friday pm": a meridiem with no clock after a day is a part of day
            if token in MERIDIEMS and self.facts.days and self.tok(i - 1) in DAY_NAME_WORDS:
                part = "morning" if token == "am" else "afternoon"
            else:
                return None
        if self.tok(i - 1) == "last":
            raise Problem(PAST_REASON)
        if self.tok(i - 1) == "this":
            self.facts.days.append(Day(0))
        self.facts.parts.append(part)
        return i + 1

    def _match_markers(self, i: int) -> int | None:
        token = self.tok(i)
        if token in ("same", "this") and self.tok(i + 1) == "time":
            self.facts.same_time = True
            return i + 2
        if token == "now" and "not" in self.t[max(0, i - 2):i]:  # "not now", "not right now"
            raise Problem(NOT_NOW_REASON)
        if token == "now" and self.tok(i - 1) != "from":
            self.facts.has_now = True
            return i + 1
        if token in ("ago",):
            raise Problem(PAST_REASON)
        if re.fullmatch(r"\d+", token) is None and re.fullmatch(r"\d+(st|nd|rd|th)", token):
            raise Problem(DATE_REASON)
        if token in ("st", "nd", "rd", "th") and _is_int(self.tok(i - 1)):
            raise Problem(DATE_REASON)
        if token in MONTH_WORDS and token not in ("may", "mar", "sat", "sun"):
            raise Problem(DATE_REASON)
        if token in VAGUE_WORDS:
            raise Problem(VAGUE_REASON)
        if token in ("minus", "negative"):
            raise Problem(PAST_REASON)
        return None




def read_facts(tokens: list[str]) -> Facts:
    """The facts in normalized tokens; Problem when they cannot give a time whatever the clock says."""
    if TOO_FAR_UNITS.intersection(tokens):
        raise Problem(TOO_FAR_REASON)
    return Grammar(tokens).run()
