"""The store's reads and writes over one SQLite connection, and the plain records they return."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Self

from assistant.store.commitments import CommitmentQueries
from assistant.store.diagnosis import StoreError, store_error
from assistant.store.schema import migrate
from assistant.store.timecodes import stamp as _ts
from assistant.store.timecodes import unstamp as _from_ts
from assistant.store.timecodes import zone_name as _zone_name
from assistant.store.timecodes import zone_named as _zone

__all__ = ["OUTCOMES", "STATUSES", "Agreement", "Store", "WeekCounts"]

STATUSES = ("pending", "fired", "cancelled", "snoozed")
"""An agreement's status; "snoozed" means due again at its snoozed_until time."""
OUTCOMES = ("completed", "stopped")
"""How a guided session ended: "stopped" when cut short, by a spoken stop or by closing the assistant."""


@dataclass(frozen=True, slots=True)
class Agreement:
    """A resume time the couple agreed on."""

    id: int
    """Stable id, never reused (also the id of `assistant reminders cancel ID`)."""
    created_at: datetime
    """When it was agreed (UTC)."""
    resume_at: datetime
    """The agreed time, in the zone it was agreed in."""
    heard: str
    """The phrase as it was heard, e.g. "friday morning"."""
    status: str
    """pending | fired | cancelled | snoozed (snoozed_until holds the new time)."""
    fired_at: datetime | None = None
    """When the reminder last began to be read out (UTC), or None."""
    snoozed_until: datetime | None = None
    """The new time after a snooze, in the agreed zone, or None."""
    read_at: datetime | None = None
    """When its prompts were read to the end or the couple said they were done (UTC): kept. None before."""

    @property
    def due_at(self) -> datetime:
        """When the reminder should sound: the snoozed time if there is one, else the agreed time."""
        return self.snoozed_until or self.resume_at


@dataclass(frozen=True, slots=True)
class WeekCounts:
    """What happened in one week (Monday to Sunday, local time), for `assistant history`."""

    week: date
    """The Monday that starts the week."""
    pauses: int = 0
    """Pause words heard."""
    sessions_completed: int = 0
    """Guided sessions that ran to their end."""
    sessions_stopped: int = 0
    """Guided sessions cut short: by a spoken stop, or by closing the assistant mid-session."""
    agreements_made: int = 0
    """Resume times agreed."""
    agreements_kept: int = 0
    """Agreements whose prompts were read (not cancelled), counted in the week they were read."""
    reconnections: int = 0
    """Days on which reconnection prompts were read."""
    prompts_read: int = 0
    """Prompts read aloud from any deck."""
    false_alarms: int = 0
    """Pauses cancelled as false alarms ("false alarm", or stop at once): the ear learns from each."""
    commitments_made: int = 0
    """Commitments kept after a yes to their read-back."""
    commitments_kept: int = 0
    """Times an open commitment was brought back and the couple said it was kept."""
    commitments_changed: int = 0
    """Times a commitment's wording was changed when it was brought back (or by `commitments change`)."""



# --- the store ---------------------------------------------------------------------------------------

_AGREEMENT_COLUMNS = "id, created_at, resume_at, zone, heard, status, fired_at, snoozed_until, read_at"


class Store(CommitmentQueries):
    """All reads and writes of the assistant's data, over one SQLite connection handed in.

    `Store(sqlite3.connect(":memory:"))` works for tests; `open_store()` is the real thing.
    """

    def __init__(self, conn: sqlite3.Connection, *, path: Path | None = None,
                 read_only_reason: str | None = None) -> None:
        self._conn = conn
        self.path = path
        self.read_only_reason = read_only_reason
        """None when writable; else why not and the fix, which every write raises as StoreError."""
        conn.isolation_level = None  # transactions are explicit: BEGIN IMMEDIATE ... COMMIT
        if read_only_reason is None:
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA secure_delete = ON")  # forgotten data is overwritten, not just unlinked
            migrate(conn)

    @property
    def read_only(self) -> bool:
        return self.read_only_reason is not None

    def schema_version(self) -> int:
        return self._read("PRAGMA user_version", (), "read the schema version")[0][0]

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # plumbing

    @contextmanager
    def _write(self, doing: str) -> Iterator[sqlite3.Connection]:
        if self.read_only_reason is not None:
            raise StoreError(f"could not {doing}: {self.read_only_reason}")
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise store_error(e, doing, self.path) from e
        try:
            yield self._conn
            self._conn.execute("COMMIT")
        except BaseException as e:
            if self._conn.in_transaction:
                try:
                    self._conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            if isinstance(e, sqlite3.Error):
                raise store_error(e, doing, self.path) from e
            raise

    def _read(self, sql: str, params: tuple, doing: str) -> list[tuple]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as e:
            raise store_error(e, doing, self.path) from e

    @staticmethod
    def _agreement(row: tuple) -> Agreement:
        id_, created, resume, zone_name, heard, status, fired, snoozed, read = row
        zone = _zone(zone_name)
        snoozed_at = _from_ts(snoozed)
        return Agreement(id=id_, created_at=_from_ts(created), resume_at=_from_ts(resume).astimezone(zone),
                         heard=heard, status=status, fired_at=_from_ts(fired),
                         snoozed_until=snoozed_at.astimezone(zone) if snoozed_at else None,
                         read_at=_from_ts(read))

    # agreements

    def add_agreement(self, resume_at: datetime, heard: str, now: datetime) -> Agreement:
        """Store a newly agreed resume time (aware datetime; its zone is kept) as pending."""
        with self._write("save the agreed time") as conn:
            cur = conn.execute(
                "INSERT INTO agreements (created_at, resume_at, zone, heard, status) VALUES (?, ?, ?, ?, 'pending')",
                (_ts(now), _ts(resume_at), _zone_name(resume_at), heard))
            row = conn.execute(f"SELECT {_AGREEMENT_COLUMNS} FROM agreements WHERE id = ?",
                               (cur.lastrowid,)).fetchone()
        return self._agreement(row)

    def get(self, agreement_id: int) -> Agreement | None:
        rows = self._read(f"SELECT {_AGREEMENT_COLUMNS} FROM agreements WHERE id = ?", (agreement_id,),
                          "read the agreement")
        return self._agreement(rows[0]) if rows else None

    def pending_agreements(self) -> list[Agreement]:
        """Agreements still to be read out (pending or snoozed), soonest first."""
        rows = self._read(f"SELECT {_AGREEMENT_COLUMNS} FROM agreements WHERE status IN ('pending', 'snoozed') "
                          "ORDER BY coalesce(snoozed_until, resume_at), id", (), "read the agreements")
        return [self._agreement(r) for r in rows]

    def due_agreements(self, now: datetime) -> list[Agreement]:
        """Pending or snoozed agreements whose time is at or before `now`, oldest first."""
        rows = self._read(f"SELECT {_AGREEMENT_COLUMNS} FROM agreements WHERE status IN ('pending', 'snoozed') "
                          "AND coalesce(snoozed_until, resume_at) <= ? ORDER BY coalesce(snoozed_until, resume_at), id",
                          (_ts(now),), "read the due agreements")
        return [self._agreement(r) for r in rows]

    def mark_fired(self, agreement_id: int, now: datetime) -> bool:
        """Claim an agreement for reading out. True for exactly one caller, whatever the number of processes."""
        with self._write("mark the reminder as read") as conn:
            cur = conn.execute("UPDATE agreements SET status = 'fired', fired_at = ? "
                               "WHERE id = ? AND status IN ('pending', 'snoozed')", (_ts(now), agreement_id))
        return cur.rowcount == 1

    def mark_read(self, agreement_id: int, now: datetime) -> bool:
        """Its prompts were read (or the couple said they were done): kept, never read again. True the first time."""
        with self._write("mark the reminder as read") as conn:
            cur = conn.execute("UPDATE agreements SET read_at = ? WHERE id = ? AND status = 'fired' AND read_at IS NULL",
                               (_ts(now), agreement_id))
        return cur.rowcount == 1

    def unread_agreements(self) -> list[Agreement]:
        """Agreements whose reading began but never finished (a crash, a power cut), oldest first."""
        rows = self._read(f"SELECT {_AGREEMENT_COLUMNS} FROM agreements WHERE status = 'fired' AND read_at IS NULL "
                          "ORDER BY fired_at, id", (), "read the agreements")
        return [self._agreement(r) for r in rows]

    def cancel(self, agreement_id: int) -> bool:
        """Cancel a pending or snoozed agreement, or one whose reading a crash cut short (it would be read
        again: `assistant reminders` lists it with its id). False when there is none such (unknown, read,
        cancelled)."""
        with self._write("cancel the agreement") as conn:
            cur = conn.execute("UPDATE agreements SET status = 'cancelled' WHERE id = ? AND (status IN "
                               "('pending', 'snoozed') OR (status = 'fired' AND read_at IS NULL))", (agreement_id,))
        return cur.rowcount == 1

    def snooze(self, agreement_id: int, new_time: datetime) -> bool:
        """Move a pending, snoozed or just-fired agreement to `new_time`; it will be due again then.

        The agreed `resume_at` stays as it was (history shows what was agreed). False when unknown or cancelled.
        """
        with self._write("snooze the reminder") as conn:
            cur = conn.execute("UPDATE agreements SET status = 'snoozed', snoozed_until = ? "
                               "WHERE id = ? AND status != 'cancelled'", (_ts(new_time), agreement_id))
        return cur.rowcount == 1

    # rituals (one row each: the last occurrence handled, and a snooze)

    def ritual_state(self, name: str) -> tuple[datetime, datetime | None] | None:
        """(last occurrence handled, snoozed until) for a ritual, or None when it has never been seen."""
        rows = self._read("SELECT last_at, snoozed_until FROM rituals WHERE name = ?", (name,), "read the rituals")
        return (_from_ts(rows[0][0]), _from_ts(rows[0][1])) if rows else None

    def claim_ritual(self, name: str, occurrence: datetime) -> bool:
        """Record `occurrence` as handled. True for exactly one caller, and only if it is newer than the last."""
        with self._write("record the ritual") as conn:
            cur = conn.execute("INSERT INTO rituals (name, last_at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE "
                               "SET last_at = excluded.last_at WHERE last_at < excluded.last_at",
                               (name, _ts(occurrence)))
        return cur.rowcount == 1

    def snooze_ritual(self, name: str, until: datetime, now: datetime) -> None:
        """Make a ritual due again at `until` (its regular times go on as before)."""
        with self._write("snooze the ritual") as conn:
            conn.execute("INSERT INTO rituals (name, last_at, snoozed_until) VALUES (?, ?, ?) "
                         "ON CONFLICT (name) DO UPDATE SET snoozed_until = excluded.snoozed_until",
                         (name, _ts(now), _ts(until)))

    def ritual_reading(self, name: str, occurrence: datetime | None) -> None:
        """Mark the ritual's occurrence as being read (None: its reading is over)."""
        with self._write("record the ritual") as conn:
            conn.execute("UPDATE rituals SET reading_at = ? WHERE name = ?",
                         (None if occurrence is None else _ts(occurrence), name))

    def unread_rituals(self) -> list[tuple[str, datetime]]:
        """(name, occurrence) of rituals whose reading began but never finished."""
        rows = self._read("SELECT name, reading_at FROM rituals WHERE reading_at IS NOT NULL", (), "read the rituals")
        return [(name, _from_ts(at)) for name, at in rows]

    def claim_ritual_snooze(self, name: str, now: datetime) -> datetime | None:
        """Take a ritual's snooze that has come due; returns its time for exactly one caller, else None."""
        with self._write("record the ritual") as conn:
            row = conn.execute("SELECT snoozed_until FROM rituals WHERE name = ? AND snoozed_until <= ?",
                               (name, _ts(now))).fetchone()
            if row is None:
                return None
            conn.execute("UPDATE rituals SET snoozed_until = NULL WHERE name = ?", (name,))
        return _from_ts(row[0])

    # sessions, pauses, prompts

    def record_pause(self, word: str, now: datetime) -> None:
        with self._write("record the pause") as conn:
            conn.execute("INSERT INTO pauses (at, word) VALUES (?, ?)", (_ts(now), word))

    def record_false_alarm(self, word: str, now: datetime) -> None:
        with self._write("record the false alarm") as conn:
            conn.execute("INSERT INTO false_alarms (at, word) VALUES (?, ?)", (_ts(now), word))

    def start_session(self, pause_word: str, now: datetime) -> int:
        with self._write("record the session") as conn:
            cur = conn.execute("INSERT INTO sessions (started_at, pause_word) VALUES (?, ?)",
                               (_ts(now), pause_word))
        return int(cur.lastrowid)

    def end_session(self, session_id: int, outcome: str, now: datetime) -> bool:
        """Close a session as "completed" or "stopped"; False if it was unknown or already ended."""
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}, not {outcome!r}")
        with self._write("record the end of the session") as conn:
            cur = conn.execute("UPDATE sessions SET ended_at = ?, outcome = ? WHERE id = ? AND ended_at IS NULL",
                               (_ts(now), outcome, session_id))
        return cur.rowcount == 1

    def close_unfinished_sessions(self, now: datetime) -> int:
        """Store as "stopped" the sessions a listener that died (a crash, SIGKILL, power loss) left open.
        Only for a listener holding the listener lock: a running listener's session looks the same."""
        with self._write("close the sessions left open") as conn:
            cur = conn.execute("UPDATE sessions SET ended_at = ?, outcome = 'stopped' WHERE ended_at IS NULL",
                               (_ts(now),))
        return cur.rowcount

    def record_delivery(self, deck: str, prompt_id: str, now: datetime) -> None:
        """Remember that a prompt was read aloud, so it does not come again before its deck is used up."""
        with self._write("remember the prompt") as conn:
            conn.execute("INSERT INTO deliveries (deck, prompt_id, at) VALUES (?, ?, ?)", (deck, prompt_id, _ts(now)))

    def delivered_ids(self, deck: str) -> list[str]:
        """Prompt ids read from `deck`, oldest first, repeats included (one entry per reading)."""
        rows = self._read("SELECT prompt_id FROM deliveries WHERE deck = ? ORDER BY id", (deck,), "read the prompts")
        return [r[0] for r in rows]

    # history and forgetting

    def weekly_counts(self, zone: tzinfo = UTC) -> list[WeekCounts]:
        """Counts per week (weeks start on Monday in `zone`), oldest first; weeks with nothing are left out."""
        weeks: dict[date, dict[str, int]] = {}
        reconnection_days: set[date] = set()

        def bump(text: str, key: str) -> date:
            day = datetime.fromisoformat(text).astimezone(zone).date()
            counts = weeks.setdefault(day - timedelta(days=day.weekday()), {})
            counts[key] = counts.get(key, 0) + 1
            return day

        for (at,) in self._read("SELECT at FROM pauses", (), "read the history"):
            bump(at, "pauses")
        for (at,) in self._read("SELECT at FROM false_alarms", (), "read the history"):
            bump(at, "false_alarms")
        for started, outcome in self._read("SELECT started_at, outcome FROM sessions WHERE outcome IS NOT NULL",
                                           (), "read the history"):
            bump(started, f"sessions_{outcome}")
        for created, read, status in self._read("SELECT created_at, read_at, status FROM agreements", (),
                                                "read the history"):
            bump(created, "agreements_made")
            if read is not None and status != "cancelled":
                bump(read, "agreements_kept")
        for at, deck in self._read("SELECT at, deck FROM deliveries", (), "read the history"):
            day = bump(at, "prompts_read")
            if deck == "reconnection" and day not in reconnection_days:
                reconnection_days.add(day)
                bump(at, "reconnections")
        self._commitment_counts(bump)
        return [WeekCounts(week=week, **counts) for week, counts in sorted(weeks.items())]

    def forget_everything(self) -> None:
        """Delete every stored row, then compact, so nothing of it stays in the file or its WAL.

        The WAL can only be emptied when no other connection is in the middle of a read. The checkpoint
        waits for that (busy_timeout) and then reports "busy" instead of failing, so the result is checked:
        otherwise the forgotten rows would quietly stay readable in the -wal file. Then StoreError says so;
        the rows are gone already, and running it again once the other copy is idle empties the WAL.
        """
        with self._write("forget the stored data") as conn:
            for table in ("agreements", "sessions", "pauses", "deliveries", "rituals", "false_alarms",
                          "commitment_checks", "commitments"):
                conn.execute(f"DELETE FROM {table}")
            conn.execute("DELETE FROM sqlite_sequence")
        try:
            self._conn.execute("VACUUM")
            busy = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        except sqlite3.Error as e:
            raise store_error(e, "compact the data after forgetting", self.path) from e
        if busy:
            wal = f"{self.path.name}-wal" if self.path else "the -wal file"
            raise StoreError(f"could not finish forgetting: the data is deleted, but another copy of the assistant "
                             f"is reading, so traces stay in {wal}. Fix: stop the other copy (`assistant listen`) "
                             "and run `assistant forget` again")
