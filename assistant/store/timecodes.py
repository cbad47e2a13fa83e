"""How times and zones are written in the store: UTC ISO 8601 of fixed width (text order is time order), and the
zone's name beside a time agreed in it, so it is read back in local time after a DST change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["stamp", "unstamp", "zone_name", "zone_named"]


def stamp(moment: datetime) -> str:
    """An aware time as the store writes it (UTC, microseconds: fixed width)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("times given to the store must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def unstamp(text: str | None) -> datetime | None:
    """A stored time back (UTC), None for NULL."""
    return None if text is None else datetime.fromisoformat(text)


def zone_name(moment: datetime) -> str:
    """The name of a time's zone ("Europe/London"), or its fixed offset ("+05:30")."""
    key = getattr(moment.tzinfo, "key", None)
    if key:
        return key
    offset = moment.utcoffset() or timedelta(0)
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def zone_named(name: str) -> tzinfo:
    """The zone a stored name stands for; UTC for one this machine does not know."""
    if name[:1] in "+-" and len(name) == 6:
        sign = 1 if name[0] == "+" else -1
        return timezone(sign * timedelta(hours=int(name[1:3]), minutes=int(name[4:6])))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC
