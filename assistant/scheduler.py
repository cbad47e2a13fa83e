"""What is due, and when to wake next. Receives a wall-clock `now` (aware) on every call. Emits ReminderDue.

Pure apart from the store handed in: it never reads the clock, so tests pin `now` and a live loop can sleep
exactly until `next_wakeup(now)` and fire within a second.

- An agreement is due at its agreed (or snoozed) time. Which ones are due is decided on the rows alone
  (`due_agreements`, pure); `due(now)` then claims each one through the store's conditional update, so it
  is returned once, by one caller, even when two processes ask at the same moment.
  One found more than a minute late was missed while the assistant was off: it comes back `caught_up`, so
  the dialog can say "you had agreed to talk at seven". Agreements always catch up: they are promises.
- Rituals (a daily check-in, a weekly money date) are rules, not rows: `dateutil.rrule` yields their wall-clock
  times in the local zone (so 20:00 stays 20:00 across DST changes) and the store keeps one row per ritual
  with the last occurrence handled. A ritual missed by more than its grace (default an hour) is skipped
  quietly: a check-in read out at midnight is noise, not care. The first time a ritual is seen, only
  occurrences after that moment count.
- Reading is at least once: a reminder handed out by `due` stays unread in the store until the app says its
  prompts were read (`Store.mark_read`, `Store.ritual_reading(name, None)`). One whose reading a crash cut
  short comes back from `interrupted(now)` when the listener returns within the grace time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from dateutil import tz as dateutil_tz
from dateutil.rrule import DAILY, WEEKLY, rrule

from assistant.config import RemindersConfig, parse_ritual_time
from assistant.events import ReminderDue
from assistant.store import Agreement, Store

__all__ = ["CAUGHT_UP_AFTER", "Ritual", "Scheduler", "cut_short_agreements", "due_agreements", "reminder_for",
           "rituals_from_config"]

CAUGHT_UP_AFTER = timedelta(minutes=1)
"""Later than this, a reminder was missed while the assistant was off, and the dialog says so."""
_WAITING = ("pending", "snoozed")
"""Agreement statuses still to be read out (store.STATUSES)."""



@dataclass(frozen=True, slots=True)
class Ritual:
    """A recurring reminder: every day, or one weekday a week, at a local wall-clock time."""

    name: str
    """Stable name, the key of its row in the store: daily_checkin, money_date."""
    deck: str
    """The prompt deck read when it comes."""
    spoken: str
    """How it is named aloud: "daily check-in"."""
    hour: int
    minute: int
    weekday: int | None = None
    """0 is Monday; None means every day."""


def rituals_from_config(config: RemindersConfig) -> tuple[Ritual, ...]:
    """The rituals switched on in [reminders] (config validation has already checked the times)."""
    rituals = []
    for name, deck, spoken, text, weekly in (
        ("daily_checkin", "daily_checkin", "daily check-in", config.daily_checkin, False),
        ("money_date", "money_date", "money date", config.money_date, True),
    ):
        parsed = parse_ritual_time(text, weekly=weekly)
        if parsed is not None:
            weekday, hour, minute = parsed
            rituals.append(Ritual(name, deck, spoken, hour, minute, weekday))
    return tuple(rituals)


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now


def _seconds_between(earlier: datetime, later: datetime) -> float:
    """Real elapsed seconds. Subtracting two datetimes of one zone subtracts wall clocks, wrong across DST."""
    return (later.astimezone(UTC) - earlier.astimezone(UTC)).total_seconds()


# --- the decisions, on rows alone (the Scheduler reads the rows and records the claims) ---------------------

def due_agreements(agreements: Iterable[Agreement], now: datetime) -> list[Agreement]:
    """The agreements due at `now`: pending or snoozed, their (snoozed) time at or before `now`; oldest first.

    Only decides; `Scheduler.due` claims each one in the store, so one caller of many reads it.
    """
    now_utc = _aware(now).astimezone(UTC)
    due = [a for a in agreements if a.status in _WAITING and a.due_at.astimezone(UTC) <= now_utc]
    return sorted(due, key=lambda a: (a.due_at.astimezone(UTC), a.id))


def cut_short_agreements(agreements: Iterable[Agreement], now: datetime, grace: timedelta) -> list[Agreement]:
    """Of agreements whose reading began but never finished, those begun within `grace` before `now`: the
    ones to read again after a crash. Order kept (the store gives them oldest first)."""
    return [a for a in agreements if a.status == "fired" and a.read_at is None and a.fired_at is not None
            and _seconds_between(a.fired_at, now) <= grace.total_seconds()]


def reminder_for(agreement: Agreement, now: datetime) -> ReminderDue:
    """The reminder an agreement read at `now` gives: how late, and whether it was missed while off."""
    late = _seconds_between(agreement.due_at, now)
    return ReminderDue(agreement_id=agreement.id, resume_at=agreement.due_at, heard=agreement.heard,
                       late_by_seconds=late, caught_up=late > CAUGHT_UP_AFTER.total_seconds())


class Scheduler:
    """Agreements from the store plus recurring rituals, evaluated at the `now` each call is given."""

    def __init__(self, store: Store, rituals: tuple[Ritual, ...] = (), *, zone: tzinfo | None = None,
                 ritual_grace: timedelta = timedelta(hours=1)) -> None:
        self.store = store
        self.rituals = rituals
        self.zone = zone if zone is not None else dateutil_tz.tzlocal()
        """The zone ritual times are read in; a zoneinfo zone keeps them on local time across DST changes."""
        self.ritual_grace = ritual_grace

    @classmethod
    def from_config(cls, store: Store, config: RemindersConfig, *, zone: tzinfo | None = None) -> Scheduler:
        return cls(store, rituals_from_config(config), zone=zone,
                   ritual_grace=timedelta(minutes=config.ritual_grace_minutes))

    # rituals

    def _occurrences(self, ritual: Ritual, around: datetime) -> list[datetime]:
        """The ritual's instants (UTC) from about eight days before `around` to eight days after.

        The rule runs on naive local wall-clock times (comparing aware times in one zone compares wall
        clocks, which is wrong across a DST change); each is then placed in the zone: a time in a
        spring-forward gap lands the gap's length later, an ambiguous one on its first occurrence.
        """
        local = around.astimezone(self.zone).replace(tzinfo=None)
        start = (local - timedelta(days=8)).replace(hour=0, minute=0, second=0, microsecond=0)
        rule = rrule(DAILY if ritual.weekday is None else WEEKLY, dtstart=start, byweekday=ritual.weekday,
                     byhour=ritual.hour, byminute=ritual.minute, bysecond=0)
        walls = rule.between(start, local + timedelta(days=8), inc=True)
        return sorted(wall.replace(tzinfo=self.zone).astimezone(UTC) for wall in walls)

    def last_occurrence(self, ritual: Ritual, now: datetime) -> datetime:
        """The ritual's latest time at or before `now` (UTC)."""
        now = _aware(now).astimezone(UTC)
        return [t for t in self._occurrences(ritual, now) if t <= now][-1]

    def next_occurrence(self, ritual: Ritual, now: datetime) -> datetime:
        """The ritual's first time strictly after `now`, in the scheduler's zone."""
        now = _aware(now).astimezone(UTC)
        return next(t for t in self._occurrences(ritual, now) if t > now).astimezone(self.zone)

    def next_ritual(self, now: datetime) -> tuple[datetime, Ritual] | None:
        """The soonest ritual after `now` and its time (a snoozed one at its snoozed time), in the scheduler's
        zone; None without rituals. Only reads: for saying what comes next when the listener closes."""
        return next(((at, ritual) for at, ritual, status in self.ritual_listing(now) if status != "cut_short"), None)

    def _ritual_due(self, ritual: Ritual, now: datetime) -> list[ReminderDue]:
        state = self.store.ritual_state(ritual.name)
        if state is None:  # first sight: start counting from now, not from occurrences long past
            self.store.claim_ritual(ritual.name, now)
            return []
        found = []
        occurrence = self.last_occurrence(ritual, now)
        # claimed even when too late to read, so a skipped occurrence is not looked at again
        if (occurrence > state[0] and self.store.claim_ritual(ritual.name, occurrence)
                and _seconds_between(occurrence, now) <= self.ritual_grace.total_seconds()):
            found.append(self._event(ritual, occurrence, now))
        if state[1] is not None and state[1] <= now:
            snoozed = self.store.claim_ritual_snooze(ritual.name, now)
            if snoozed is not None:
                found.append(self._event(ritual, snoozed, now))
        if found:
            self.store.ritual_reading(ritual.name, found[-1].resume_at)
        return found

    def _event(self, ritual: Ritual, at: datetime, now: datetime) -> ReminderDue:
        late = _seconds_between(at, now)
        return ReminderDue(agreement_id=None, resume_at=at.astimezone(self.zone), heard=ritual.spoken,
                           late_by_seconds=late, caught_up=late > CAUGHT_UP_AFTER.total_seconds(),
                           deck=ritual.deck, ritual=ritual.name)

    # the three questions a live loop asks

    def due(self, now: datetime) -> list[ReminderDue]:
        """Everything due at `now`, claimed for this caller (nobody else gets it), oldest first."""
        now = _aware(now)
        # decide on the rows, then claim each: only the caller whose claim wins reads it
        found = [reminder_for(agreement, now) for agreement in due_agreements(self.store.pending_agreements(), now)
                 if self.store.mark_fired(agreement.id, now)]
        for ritual in self.rituals:
            found.extend(self._ritual_due(ritual, now))
        return sorted(found, key=lambda r: r.resume_at.astimezone(UTC))

    def interrupted(self, now: datetime) -> list[ReminderDue]:
        """Readings a crash cut short (begun, never finished), still within the grace time: to read again.

        Only for the one listener (it holds the listener lock): a running listener's reading looks the same.
        """
        now = _aware(now)
        grace = self.ritual_grace.total_seconds()
        found = [reminder_for(agreement, now) for agreement in self.cut_short(now)]
        by_name = {ritual.name: ritual for ritual in self.rituals}
        for name, occurrence in self.store.unread_rituals():
            if name in by_name and _seconds_between(occurrence, now) <= grace:
                found.append(self._event(by_name[name], occurrence, now))
            else:
                self.store.ritual_reading(name, None)
        return sorted(found, key=lambda r: r.resume_at.astimezone(UTC))

    def ritual_listing(self, now: datetime) -> list[tuple[datetime, Ritual, str]]:
        """(time, ritual, status) of every ritual switched on, soonest first, for `assistant reminders`: its
        next regular time ("to_come"), a snooze still ahead ("snoozed"), and a reading a crash cut short that
        `interrupted` would read again ("cut_short"). Only reads."""
        now = _aware(now)
        rows = []
        by_name = {ritual.name: ritual for ritual in self.rituals}
        for ritual in self.rituals:
            rows.append((self.next_occurrence(ritual, now), ritual, "to_come"))
            state = self.store.ritual_state(ritual.name)
            if state is not None and state[1] is not None and state[1] > now:
                rows.append((state[1].astimezone(self.zone), ritual, "snoozed"))
        for name, occurrence in self.store.unread_rituals():
            if name in by_name and _seconds_between(occurrence, now) <= self.ritual_grace.total_seconds():
                rows.append((occurrence.astimezone(self.zone), by_name[name], "cut_short"))
        return sorted(rows, key=lambda row: row[0].astimezone(UTC))

    def cut_short(self, now: datetime) -> list[Agreement]:
        """Agreements whose reading a crash cut short that `interrupted` would still read again at `now`, oldest
        first. Only reads, so `assistant reminders` can list them without taking them from the listener."""
        return cut_short_agreements(self.store.unread_agreements(), _aware(now), self.ritual_grace)

    def next_wakeup(self, now: datetime) -> datetime | None:
        """When `due` next has something: `now` itself if something is due already; None when nothing is ahead.

        New agreements written by another process are not foreseen: a loop should also wake every minute.
        """
        now = _aware(now)
        times = [a.due_at for a in self.store.pending_agreements()[:1]]
        for ritual in self.rituals:
            state = self.store.ritual_state(ritual.name)
            if state is None:
                times.append(now)  # first sight is recorded by the next `due`
                continue
            last = self.last_occurrence(ritual, now)
            if last > state[0] and _seconds_between(last, now) <= self.ritual_grace.total_seconds():
                times.append(last)
            times.append(self.next_occurrence(ritual, now))
            if state[1] is not None:
                times.append(state[1])
        if not times:
            return None
        return max(min(t.astimezone(UTC) for t in times), now.astimezone(UTC)).astimezone(now.tzinfo)

    def snooze(self, target: int | str, minutes: float, now: datetime) -> datetime:
        """Put a reminder off by `minutes` from `now`: `target` is an agreement id or a ritual's name.

        Returns the new time; raises KeyError for an unknown or cancelled agreement or an unknown ritual.
        """
        if minutes <= 0:
            raise ValueError("snooze minutes must be more than zero")
        new_time = (_aware(now).astimezone(UTC) + timedelta(minutes=minutes)).astimezone(now.tzinfo)
        if isinstance(target, str):
            if target not in {r.name for r in self.rituals}:
                raise KeyError(f"no ritual named {target!r}")
            self.store.snooze_ritual(target, new_time, now)
        elif not self.store.snooze(target, new_time):
            raise KeyError(f"no agreement {target} to snooze (unknown or cancelled)")
        return new_time
