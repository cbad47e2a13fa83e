"""The scheduler with a pinned `now`: due on time, caught up after downtime, snoozed, and rituals across DST."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.config import ConfigError, RemindersConfig, parse_config, parse_ritual_time
from assistant.events import ReminderDue
from assistant.scheduler import (
    Ritual,
    Scheduler,
    cut_short_agreements,
    due_agreements,
    reminder_for,
    rituals_from_config,
)
from assistant.store import Agreement, Store

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 20, 18, 30, tzinfo=LONDON)
CHECKIN = Ritual("daily_checkin", "daily_checkin", "daily check-in", 20, 0)
MONEY = Ritual("money_date", "money_date", "money date", 19, 0, weekday=6)


def london(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=LONDON, fold=fold)


@pytest.fixture
def store() -> Store:
    return Store(sqlite3.connect(":memory:"))


# --- the decisions, on plain rows (no store) ----------------------------------------------------------

def row(id_: int, resume_at: datetime, status: str = "pending", **fields) -> Agreement:
    """An agreement as the store would return it, made by hand."""
    return Agreement(id=id_, created_at=NOW, resume_at=resume_at, heard=f"agreement {id_}", status=status, **fields)


def test_due_agreements_are_the_waiting_ones_at_or_before_now_oldest_first() -> None:
    rows = [row(1, NOW + timedelta(seconds=1)),  # a second ahead: not yet
            row(2, NOW),  # exactly now: due
            row(3, NOW - timedelta(hours=2), status="fired"),  # already claimed
            row(4, NOW - timedelta(hours=3), status="cancelled"),
            row(5, NOW - timedelta(hours=1), status="snoozed", snoozed_until=NOW - timedelta(minutes=5)),
            row(6, NOW - timedelta(hours=4), status="snoozed", snoozed_until=NOW + timedelta(minutes=5)),
            row(7, NOW - timedelta(minutes=5))]  # same time as 5's snooze: the lower id first
    assert [a.id for a in due_agreements(rows, NOW)] == [5, 7, 2]
    assert due_agreements([], NOW) == []


def test_due_agreements_compare_instants_not_wall_clocks() -> None:
    # 01:30 BST then 01:10 GMT on the autumn change: the second wall clock reads earlier but is later
    first = london(2026, 10, 25, 1, 30)
    second = datetime(2026, 10, 25, 1, 10, tzinfo=UTC).astimezone(LONDON)
    rows = [row(1, second), row(2, first)]
    assert [a.id for a in due_agreements(rows, second)] == [2, 1]
    assert [a.id for a in due_agreements(rows, first)] == [2]


def test_a_reminder_says_how_late_it_is_and_whether_it_was_missed() -> None:
    agreement = row(9, NOW, status="snoozed", snoozed_until=NOW + timedelta(minutes=10))
    assert reminder_for(agreement, NOW + timedelta(minutes=10, seconds=30)) == ReminderDue(
        agreement_id=9, resume_at=NOW + timedelta(minutes=10), heard="agreement 9", late_by_seconds=30.0,
        caught_up=False)
    assert reminder_for(agreement, NOW + timedelta(minutes=12)).caught_up


def test_a_reading_cut_short_is_read_again_only_within_the_grace_time() -> None:
    grace = timedelta(hours=1)
    rows = [row(1, NOW, status="fired", fired_at=NOW - timedelta(minutes=59)),
            row(2, NOW, status="fired", fired_at=NOW - timedelta(minutes=61)),
            row(3, NOW, status="fired", fired_at=NOW - timedelta(minutes=1), read_at=NOW),  # heard to the end
            row(4, NOW, status="pending")]
    assert [a.id for a in cut_short_agreements(rows, NOW, grace)] == [1]


# --- agreements --------------------------------------------------------------------------------------

def test_an_agreement_is_due_within_a_second_of_its_time_and_not_before(store: Store) -> None:
    at = NOW + timedelta(minutes=20)
    agreement = store.add_agreement(at, "in twenty minutes", NOW)
    scheduler = Scheduler(store, zone=LONDON)
    assert scheduler.next_wakeup(NOW) == at
    assert scheduler.due(at - timedelta(milliseconds=1)) == []
    [due] = scheduler.due(at + timedelta(milliseconds=400))
    assert due == ReminderDue(agreement_id=agreement.id, resume_at=at, heard="in twenty minutes",
                              late_by_seconds=0.4, caught_up=False)
    assert (due.t_ms, due.deck, due.ritual) == (0, "reconnection", "")
    assert scheduler.due(at + timedelta(seconds=1)) == []
    assert scheduler.next_wakeup(at + timedelta(seconds=1)) is None


def test_reminders_missed_while_off_come_back_caught_up_once_and_oldest_first(store: Store) -> None:
    seven = london(2026, 11, 20, 19, 0)
    a = store.add_agreement(seven, "at seven", NOW)
    b = store.add_agreement(seven + timedelta(minutes=30), "half past seven", NOW)
    later = store.add_agreement(seven + timedelta(hours=3), "at ten", NOW)
    scheduler = Scheduler(store, zone=LONDON)
    back_on = london(2026, 11, 20, 21, 15)  # the assistant was off from 18:30 to 21:15
    assert scheduler.next_wakeup(back_on) == back_on
    due = scheduler.due(back_on)
    assert [(d.agreement_id, d.caught_up, d.late_by_seconds) for d in due] == [
        (a.id, True, 8100.0), (b.id, True, 6300.0)]
    assert due[0].resume_at.hour == 19 and due[0].resume_at.tzinfo == LONDON  # "you had agreed to talk at seven"
    assert scheduler.due(back_on) == []
    assert scheduler.next_wakeup(back_on) == later.resume_at


def test_a_minute_late_is_on_time_and_a_moment_more_is_caught_up(store: Store) -> None:
    at = NOW + timedelta(hours=1)
    first = store.add_agreement(at, "in an hour", NOW)
    second = store.add_agreement(at, "in an hour", NOW)
    scheduler = Scheduler(store, zone=LONDON)
    assert store.mark_fired(second.id, NOW)  # leave only one due
    [due] = scheduler.due(at + timedelta(seconds=60))
    assert (due.agreement_id, due.caught_up) == (first.id, False)
    third = store.add_agreement(at, "in an hour", NOW)
    [due] = scheduler.due(at + timedelta(seconds=60, milliseconds=1))
    assert (due.agreement_id, due.caught_up) == (third.id, True)


def test_cancelled_agreements_never_come_due(store: Store) -> None:
    a = store.add_agreement(NOW + timedelta(minutes=30), "in thirty minutes", NOW)
    store.cancel(a.id)
    scheduler = Scheduler(store, zone=LONDON)
    assert scheduler.due(NOW + timedelta(days=3)) == [] and scheduler.next_wakeup(NOW) is None


def test_snoozing_a_fired_reminder_brings_it_back_at_the_new_time(store: Store) -> None:
    at = NOW + timedelta(minutes=20)
    a = store.add_agreement(at, "in twenty minutes", NOW)
    scheduler = Scheduler(store, zone=LONDON)
    [due] = scheduler.due(at)
    heard_at = at + timedelta(seconds=30)  # "ten more minutes", said after the reminder
    new_time = scheduler.snooze(due.agreement_id, 10, heard_at)
    assert new_time == heard_at + timedelta(minutes=10)
    assert scheduler.next_wakeup(heard_at) == new_time
    assert scheduler.due(new_time - timedelta(seconds=1)) == []
    [again] = scheduler.due(new_time + timedelta(milliseconds=200))
    assert (again.agreement_id, again.resume_at, again.caught_up) == (a.id, new_time, False)
    assert store.get(a.id).resume_at == at  # what was agreed is kept for the history
    assert scheduler.due(new_time + timedelta(minutes=5)) == []


def test_snoozing_counts_real_minutes_across_a_dst_change(store: Store) -> None:
    before_change = london(2026, 3, 29, 0, 55)  # clocks jump from 01:00 GMT to 02:00 BST
    a = store.add_agreement(before_change, "at five to one", london(2026, 3, 28, 23, 0))
    new_time = Scheduler(store, zone=LONDON).snooze(a.id, 10, before_change)
    assert new_time.astimezone(UTC) - before_change.astimezone(UTC) == timedelta(minutes=10)
    assert (new_time.hour, new_time.minute) == (2, 5)


def test_snoozing_something_unknown_or_cancelled_says_so(store: Store) -> None:
    a = store.add_agreement(NOW + timedelta(hours=1), "in an hour", NOW)
    store.cancel(a.id)
    scheduler = Scheduler(store, (CHECKIN,), zone=LONDON)
    with pytest.raises(KeyError):
        scheduler.snooze(a.id, 10, NOW)
    with pytest.raises(KeyError):
        scheduler.snooze(404, 10, NOW)
    with pytest.raises(KeyError):
        scheduler.snooze("weekly_walk", 10, NOW)
    with pytest.raises(ValueError):
        scheduler.snooze(a.id, 0, NOW)


def test_now_must_carry_a_zone(store: Store) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Scheduler(store, zone=LONDON).due(datetime(2026, 11, 20, 18, 30))


@settings(max_examples=60, deadline=None)
@given(offsets=st.lists(st.integers(min_value=-7200, max_value=7200), min_size=1, max_size=8),
       steps=st.lists(st.integers(min_value=0, max_value=3000), min_size=1, max_size=12))
def test_every_agreement_comes_due_exactly_once_and_never_early(offsets: list[int], steps: list[int]) -> None:
    store = Store(sqlite3.connect(":memory:"))
    ids = {store.add_agreement(NOW + timedelta(seconds=s), "x", NOW).id: NOW + timedelta(seconds=s) for s in offsets}
    scheduler = Scheduler(store, zone=LONDON)
    seen: list[int] = []
    now = NOW - timedelta(hours=3)
    for step in [*steps, 20_000]:  # the last step passes every agreement
        now += timedelta(seconds=step)
        for due in scheduler.due(now):
            assert ids[due.agreement_id] <= now
            assert due.late_by_seconds == (now - ids[due.agreement_id]).total_seconds()
            seen.append(due.agreement_id)
    assert sorted(seen) == sorted(ids)


# --- rituals -----------------------------------------------------------------------------------------

def test_a_daily_checkin_stays_at_eight_in_the_evening_across_both_dst_changes(store: Store) -> None:
    scheduler = Scheduler(store, (CHECKIN,), zone=LONDON)
    spring = scheduler.next_occurrence(CHECKIN, london(2026, 3, 28, 20, 30))
    assert spring == london(2026, 3, 29, 20, 0) and spring.astimezone(UTC).hour == 19  # BST
    autumn = scheduler.next_occurrence(CHECKIN, london(2026, 10, 24, 20, 30))
    assert autumn == london(2026, 10, 25, 20, 0) and autumn.astimezone(UTC).hour == 20  # GMT
    assert autumn.astimezone(UTC) - london(2026, 10, 24, 20, 0).astimezone(UTC) == timedelta(hours=25)


def test_a_weekly_money_date_keeps_its_local_time_across_the_autumn_change(store: Store) -> None:
    scheduler = Scheduler(store, (MONEY,), zone=LONDON)
    first = scheduler.next_occurrence(MONEY, london(2026, 10, 19, 12, 0))
    second = scheduler.next_occurrence(MONEY, first)
    assert (first, second) == (london(2026, 10, 25, 19, 0), london(2026, 11, 1, 19, 0))
    assert first.weekday() == 6 and first.utcoffset() == timedelta(0)  # the change happened that morning
    assert scheduler.next_occurrence(MONEY, london(2026, 10, 18, 19, 0)) == london(2026, 10, 25, 19, 0)


def test_a_ritual_in_the_spring_gap_moves_forward_and_an_ambiguous_one_happens_once(store: Store) -> None:
    night = Ritual("night_note", "micro_moments", "night note", 1, 30)
    scheduler = Scheduler(store, (night,), zone=LONDON)
    gap = scheduler.next_occurrence(night, london(2026, 3, 29, 0, 0))
    assert gap.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 02:30 BST, as a stopped clock shows
    first = scheduler.next_occurrence(night, london(2026, 10, 25, 0, 0))
    assert first.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 01:30 BST, the first one
    after = scheduler.next_occurrence(night, first)
    assert after.astimezone(UTC) == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)  # not 01:30 GMT the same night


def test_a_ritual_fires_once_per_occurrence_and_leaves_no_future_rows(store: Store) -> None:
    scheduler = Scheduler(store, (CHECKIN, MONEY), zone=LONDON)
    start = london(2026, 10, 19, 12, 0)  # Monday; first sight only records where counting starts
    assert scheduler.due(start) == []
    assert scheduler.next_wakeup(start) == london(2026, 10, 19, 20, 0)
    fired = []
    now = start
    while now < london(2026, 11, 2, 12, 0):  # two weeks, one tick every ten minutes, over the DST change
        now += timedelta(minutes=10)
        fired += scheduler.due(now)
    assert [d.ritual for d in fired].count("daily_checkin") == 14
    assert [d.resume_at for d in fired if d.ritual == "money_date"] == [london(2026, 10, 25, 19, 0),
                                                                        london(2026, 11, 1, 19, 0)]
    assert all(d.agreement_id is None and not d.caught_up and d.deck == d.ritual for d in fired)
    assert {d.heard for d in fired} == {"daily check-in", "money date"}
    conn = store._conn
    assert conn.execute("SELECT count(*) FROM rituals").fetchone()[0] == 2
    assert conn.execute("SELECT count(*) FROM agreements").fetchone()[0] == 0


def test_a_ritual_missed_briefly_is_caught_up_but_one_missed_for_hours_is_skipped(store: Store) -> None:
    scheduler = Scheduler(store, (CHECKIN,), zone=LONDON, ritual_grace=timedelta(hours=1))
    scheduler.due(london(2026, 11, 20, 12, 0))
    [late] = scheduler.due(london(2026, 11, 20, 20, 40))  # off from noon to 20:40
    assert late.caught_up and late.late_by_seconds == 2400 and late.resume_at == london(2026, 11, 20, 20, 0)
    assert scheduler.due(london(2026, 11, 21, 23, 30)) == []  # 20:00 on the 21st missed by 3.5 hours: skipped
    assert scheduler.due(london(2026, 11, 21, 23, 40)) == []  # and not looked at again
    assert scheduler.next_wakeup(london(2026, 11, 21, 23, 40)) == london(2026, 11, 22, 20, 0)


def test_a_snoozed_ritual_comes_back_once_and_the_next_day_is_unchanged(store: Store) -> None:
    scheduler = Scheduler(store, (CHECKIN,), zone=LONDON)
    scheduler.due(london(2026, 11, 20, 12, 0))
    [due] = scheduler.due(london(2026, 11, 20, 20, 0, 1))
    new_time = scheduler.snooze(due.ritual, 15, london(2026, 11, 20, 20, 1))
    assert scheduler.next_wakeup(london(2026, 11, 20, 20, 2)) == new_time == london(2026, 11, 20, 20, 16)
    [again] = scheduler.due(new_time + timedelta(milliseconds=300))
    assert (again.ritual, again.caught_up, again.resume_at) == ("daily_checkin", False, new_time)
    assert scheduler.due(new_time + timedelta(minutes=1)) == []
    [tomorrow] = scheduler.due(london(2026, 11, 21, 20, 0))
    assert tomorrow.resume_at == london(2026, 11, 21, 20, 0)


def test_a_reading_cut_short_comes_back_within_the_grace_time_and_never_once_it_was_heard(store: Store) -> None:
    scheduler = Scheduler(store, (CHECKIN,), zone=LONDON, ritual_grace=timedelta(hours=1))
    at = london(2026, 11, 20, 19, 45)
    agreement = store.add_agreement(at, "at quarter to eight", NOW)
    scheduler.due(london(2026, 11, 20, 12, 0))  # first sight of the ritual
    [due] = scheduler.due(at)
    [checkin] = scheduler.due(london(2026, 11, 20, 20, 0))
    # a crash: neither reading finished; the listener is back ten minutes later
    back = london(2026, 11, 20, 20, 10)
    assert [(d.agreement_id, d.ritual) for d in scheduler.interrupted(back)] == [(agreement.id, ""),
                                                                                 (None, "daily_checkin")]
    assert scheduler.due(back) == []  # not handed out twice by `due`
    store.mark_read(due.agreement_id, back)
    store.ritual_reading(checkin.ritual, None)
    assert scheduler.interrupted(back) == []  # heard: never again


def test_a_reading_cut_short_longer_ago_than_the_grace_time_is_not_read_again(store: Store) -> None:
    scheduler = Scheduler(store, (CHECKIN,), zone=LONDON, ritual_grace=timedelta(hours=1))
    scheduler.due(london(2026, 11, 20, 12, 0))
    scheduler.due(london(2026, 11, 20, 20, 0))
    assert scheduler.interrupted(london(2026, 11, 20, 23, 0)) == []  # a check-in read out at 23:00 is noise


def test_next_wakeup_is_the_soonest_of_agreements_and_rituals(store: Store) -> None:
    scheduler = Scheduler(store, (CHECKIN,), zone=LONDON)
    assert Scheduler(store, zone=LONDON).next_wakeup(NOW) is None
    assert scheduler.next_wakeup(NOW) == NOW  # a ritual never seen: the next `due` records it
    scheduler.due(NOW)
    assert scheduler.next_wakeup(NOW) == london(2026, 11, 20, 20, 0)
    store.add_agreement(london(2026, 11, 20, 19, 15), "at quarter past seven", NOW)
    assert scheduler.next_wakeup(NOW) == london(2026, 11, 20, 19, 15)


def test_the_next_ritual_is_the_soonest_of_the_check_in_the_money_date_and_a_snooze(store: Store) -> None:
    assert Scheduler(store, zone=LONDON).next_ritual(NOW) is None
    scheduler = Scheduler(store, (CHECKIN, MONEY), zone=LONDON)
    assert scheduler.next_ritual(NOW) == (london(2026, 11, 20, 20, 0), CHECKIN)  # a Friday
    assert scheduler.next_ritual(london(2026, 11, 22, 18, 30)) == (london(2026, 11, 22, 19, 0), MONEY)  # Sunday
    snoozed = scheduler.snooze("money_date", 15, NOW)
    assert scheduler.next_ritual(NOW) == (snoozed, MONEY)


# --- config ------------------------------------------------------------------------------------------

def test_rituals_come_from_the_reminders_config_section(store: Store) -> None:
    config = parse_config('[reminders]\nsnooze_minutes = 15\ndaily_checkin = "20:30"\nmoney_date = "Sun 18:00"\n')
    assert config.reminders.snooze_minutes == 15
    assert rituals_from_config(config.reminders) == (
        Ritual("daily_checkin", "daily_checkin", "daily check-in", 20, 30),
        Ritual("money_date", "money_date", "money date", 18, 0, weekday=6))
    scheduler = Scheduler.from_config(store, config.reminders, zone=LONDON)
    assert scheduler.ritual_grace == timedelta(minutes=60)
    assert rituals_from_config(RemindersConfig()) == ()  # rituals are chosen, never imposed


@pytest.mark.parametrize(("toml", "message"), [
    ('daily_checkin = "8pm"', r'reminders\.daily_checkin: .*"20:30"'),
    ('daily_checkin = "25:00"', r"reminders\.daily_checkin: '25:00' is not a time"),
    ('daily_checkin = "monday 20:00"', r"reminders\.daily_checkin: .*write it like"),
    ('money_date = "19:00"', r"reminders\.money_date: .*with the weekday"),
    ('money_date = "someday 19:00"', r"reminders\.money_date: 'someday' is not a weekday"),
    ("snooze_minutes = 0", r"reminders\.snooze_minutes: .*1\.\.240"),
    ("ritual_grace_minutes = -1", r"reminders\.ritual_grace_minutes"),
    ("weekly = true", r"reminders\.weekly: unknown key"),
])
def test_a_wrong_reminders_value_names_the_key_and_the_fix(toml: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(f"[reminders]\n{toml}\n")


def test_ritual_times_parse_with_full_or_short_weekday_names() -> None:
    assert parse_ritual_time(" Wednesday 7:05 ", weekly=True) == (2, 7, 5)
    assert parse_ritual_time("thu 21:45", weekly=True) == (3, 21, 45)
    assert parse_ritual_time("", weekly=False) is None


