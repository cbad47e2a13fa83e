"""Resolution: meaning + now -> datetime. Receives Facts and an aware `now`. Emits the instant, or Problem.

Also the warnings a resolved time carries (too soon for a flooded body, too far away).

`dateutil.relativedelta` does the calendar steps ("next friday after today" is `relativedelta(days=+1,
weekday=FR)`, "in two days" is `relativedelta(days=+2)` on the wall-clock time) without hand-written weekday
or month-end arithmetic. Comparisons are made on UTC instants: Python compares same-tzinfo datetimes by wall
time, which is wrong across a DST change.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo

from dateutil.relativedelta import relativedelta

from assistant.timeparse.meaning import (
    CONFLICT_REASON,
    MINUTES_PER_DAY,
    NO_TIME_REASON,
    NOW_REASON,
    PAST_REASON,
    TODAY_REASON,
    Clock,
    Day,
    Duration,
    Facts,
    Problem,
)

__all__ = ["break_warnings", "resolve"]

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
    "evening": (16 * 60, MINUTES_PER_DAY + 1),
    "night": (17 * 60, MINUTES_PER_DAY + 5 * 60),
}
"""Minutes after the start of the day named, [start, end), in which a clock time said with the part falls."""


def _instants(naive: datetime, tz: tzinfo) -> list[datetime]:
    """UTC instants a local wall time names: one; two when ambiguous (fall-back); the gap one moved forward."""
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if first == second:
        return [first]
    round_trips = first.astimezone(tz).replace(tzinfo=None) == naive
    if round_trips:  # ambiguous: both are real readings of this wall time
        return sorted({first, second})
    return [max(first, second)]  # nonexistent: the pre-transition offset, i.e. forward by the gap


def _unique(items: list) -> list:
    return list(dict.fromkeys(items))


def _relative(duration: Duration, now: datetime) -> datetime:
    """Calendar days on the wall clock, then real elapsed seconds."""
    tz = now.tzinfo
    assert tz is not None
    now_utc = now.astimezone(UTC)
    start = now_utc
    if duration.days:
        instants = _instants(now.replace(tzinfo=None) + relativedelta(days=+duration.days), tz)
        start = min((u for u in instants if u > now_utc), default=instants[-1])
    result = start + timedelta(seconds=duration.seconds)
    if result <= now_utc:
        raise Problem(NOW_REASON)
    return result.astimezone(tz)


def resolve(facts: Facts, now: datetime) -> datetime:
    """The soonest future instant the facts name, in the tzinfo of `now`; Problem when there is none."""
    tz = now.tzinfo
    assert tz is not None
    now_utc = now.astimezone(UTC)
    if facts.same_time:
        facts.clocks.append(Clock(now.hour, now.minute, fixed=True))
    clocks = list({c.key(): c for c in facts.clocks}.values())
    days = _unique(facts.days)
    parts = _unique(facts.parts)
    durations = facts.durations
    if len(durations) > 1 or len(clocks) > 1 or len(days) > 1 or len(parts) > 1:
        raise Problem(CONFLICT_REASON)
    if durations:
        duration = durations[0]
        if not (duration.seconds or duration.days):
            raise Problem(NOW_REASON)
        if not (clocks or parts or days):
            return _relative(duration, now)
        if duration.seconds and clocks and not days:
            # "in twenty minutes, at three twenty": both must name the same minute
            # (on the relative time's day, or the day before for "twelve thirty at night")
            relative = _relative(duration, now)
            day = relative.date()
            for named in ([], [Day(on=day)], [Day(on=day - timedelta(days=1))]):
                try:
                    absolute = resolve(Facts(clocks=clocks, durations=[], days=named, parts=parts, unknown=[]),
                                        now)
                except Problem:
                    continue
                if abs(relative.astimezone(UTC) - absolute.astimezone(UTC)) < timedelta(minutes=1):
                    return absolute
            raise Problem(CONFLICT_REASON)
        if duration.seconds or days:
            raise Problem(CONFLICT_REASON)
        days = [Day(duration.days)]  # "in two days at nine"
    if not (clocks or days or parts):
        raise Problem(NOW_REASON if facts.has_now else NO_TIME_REASON)
    if facts.unknown and ((clocks and not clocks[0].strong) or not (clocks or parts)):
        # "I have 3 cats", "tomorrow after work": the unknown words may be the time
        raise Problem(NO_TIME_REASON)

    part = parts[0] if parts else None
    clock = clocks[0] if clocks else None
    if clock is not None:
        offsets = clock.offsets()
        if part is not None:
            start, end = _PART_WINDOW_MINUTES[part]
            spread = _unique([o + shift for o in offsets for shift in (0, MINUTES_PER_DAY)])
            offsets = sorted(o for o in spread if start <= o < end)
            if not offsets:
                raise Problem(f"that time is not in the {part}")
            offsets = offsets[:1]
    elif part is not None:
        offsets = [_PART_DEFAULT_MINUTES[part]]
    elif days[0] == Day(0):
        raise Problem(TODAY_REASON)
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
        raise Problem(PAST_REASON)
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




def break_warnings(span: timedelta, min_break: timedelta, max_break: timedelta) -> tuple[str, ...]:
    """Sentences read out before asking to confirm a time `span` away: sooner than the break, or too far."""
    warnings = []
    if span < min_break:
        count, unit = _span_amount(min_break)
        warnings.append(f"sooner than the {count}-{unit} break a flooded body needs")
    if span > max_break:
        count, unit = _span_amount(max_break)
        warnings.append(f"more than {count} {unit}{'' if count == 1 else 's'} away")
    return tuple(warnings)
