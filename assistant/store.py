"""Durable memory: the agreed resume times, sessions, pauses, which prompts were read, when rituals last ran.

Receives writes from the dialog and the scheduler. Emits nothing; returns plain frozen records.

Why these choices:
- SQLite in WAL mode: a reader (`assistant reminders`) never blocks the live loop's writes, and a crash
  mid-write leaves the last committed state intact (the WAL is replayed or ignored at the next open).
- `synchronous=FULL`: in WAL mode NORMAL survives a killed process but can lose the last commits on power
  loss. An agreement is a promise said aloud; one fsync per write (a few a day) is a price worth paying.
- Every write is one `BEGIN IMMEDIATE ... COMMIT` transaction; firing is a conditional UPDATE whose rowcount
  says who won, so two processes racing on one agreement fire it exactly once.
- Owner-only files (0700 folder, 0600 database, -wal and -shm): these are a couple's private moments.
- Times are stored as UTC ISO 8601 (fixed width, so text order is time order) plus the zone name the time
  was agreed in, so a reminder is read back in local time even after a DST change.
- Failures become `StoreError` with one line that says what happened and the fix. A folder that turns
  read-only opens read-only: stored agreements still read, writes raise StoreError.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "APP_NAME",
    "DB_NAME",
    "MIGRATIONS",
    "OUTCOMES",
    "STATUSES",
    "Agreement",
    "Store",
    "StoreError",
    "WeekCounts",
    "data_dir",
    "migrate",
    "open_store",
]

DB_NAME = "pause.sqlite3"
APP_NAME = "pause-assistant"
STATUSES = ("pending", "fired", "cancelled", "snoozed")
"""An agreement's status; "snoozed" means due again at its snoozed_until time."""
OUTCOMES = ("completed", "stopped")
"""How a guided session ended: "stopped" when cut short, by a spoken stop or by closing the assistant."""

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: agreements, sessions and pauses (the listener and the agreeing dialog).
    (
        """CREATE TABLE agreements (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created_at TEXT NOT NULL,
            resume_at TEXT NOT NULL,
            zone TEXT NOT NULL,
            heard TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'fired', 'cancelled', 'snoozed')),
            fired_at TEXT,
            snoozed_until TEXT)""",
        """CREATE TABLE sessions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            pause_word TEXT NOT NULL,
            outcome TEXT CHECK (outcome IN ('completed', 'stopped')))""",
        "CREATE TABLE pauses (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, word TEXT NOT NULL)",
    ),
    # 2: reconnection prompts read aloud, and the last run of each recurring ritual (one row per ritual,
    # never future rows).
    (
        """CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            deck TEXT NOT NULL,
            prompt_id TEXT NOT NULL,
            at TEXT NOT NULL)""",
        "CREATE INDEX deliveries_by_deck ON deliveries (deck, id)",
        "CREATE TABLE rituals (name TEXT PRIMARY KEY, last_at TEXT NOT NULL, snoozed_until TEXT)",
    ),
    # 3: pauses the couple cancelled as false alarms (the ear learns from them).
    (
        "CREATE TABLE false_alarms (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, word TEXT NOT NULL)",
    ),
    # 4: reading at least once. An agreement is kept when its prompts were read (read_at), not when its
    # reminder began ("fired"); a ritual being read keeps its occurrence in reading_at until it is done, so a
    # reading cut short by a crash is read again. Agreements fired before this step count as read.
    (
        "ALTER TABLE agreements ADD COLUMN read_at TEXT",
        "UPDATE agreements SET read_at = fired_at WHERE status = 'fired'",
        "ALTER TABLE rituals ADD COLUMN reading_at TEXT",
    ),
)
"""Ordered schema steps; the database's PRAGMA user_version counts how many have been applied."""


class StoreError(RuntimeError):
    """The store cannot do what was asked; the message is one line naming the problem and the fix."""


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


def data_dir() -> Path:
    """$ASSISTANT_DATA_DIR when set, else the platform's user data folder for the assistant."""
    env = os.environ.get("ASSISTANT_DATA_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME))


# --- time and zone encoding --------------------------------------------------------------------------

def _ts(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("times given to the store must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _from_ts(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _zone_name(moment: datetime) -> str:
    key = getattr(moment.tzinfo, "key", None)
    if key:
        return key
    offset = moment.utcoffset() or timedelta(0)
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _zone(name: str) -> tzinfo:
    if name[:1] in "+-" and len(name) == 6:
        sign = 1 if name[0] == "+" else -1
        return timezone(sign * timedelta(hours=int(name[1:3]), minutes=int(name[4:6])))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


# --- errors ------------------------------------------------------------------------------------------

_FULL_BYTES = 64 * 1024
"""Free space below this means full for the store: one commit writes a few 4 KiB pages, and a new -shm 32 KiB."""


def _disk_full(path: Path | None) -> bool:
    """True when the disk holding the data folder has (almost) no room left for us."""
    try:
        st = os.statvfs(path.parent if path is not None else data_dir())
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < _FULL_BYTES


def _cause(error: sqlite3.Error, path: Path | None) -> str:
    """What went wrong and the fix, in words, from an SQLite error.

    A full disk does not always come back as SQLITE_FULL: a store opened on a disk that was already full (no
    room for its -shm file) fails with an I/O error. So an I/O or open error is checked against the free space.
    """
    name = getattr(error, "sqlite_errorname", "") or ""
    text = str(error)
    folder = str(path.parent) if path else "the data folder"
    if name == "SQLITE_FULL" or "disk is full" in text or (
            name.startswith(("SQLITE_IOERR", "SQLITE_CANTOPEN")) and _disk_full(path)):
        return (f"the disk holding {folder} is full. Fix: free some disk space and try again; "
                "everything saved before is kept")
    if name.startswith("SQLITE_IOERR_WRITE"):
        return (f"the disk holding {folder} refused the write (full or failing). Fix: free some disk space "
                "and try again; everything saved before is kept")
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")) or "readonly" in text:
        return (f"{folder} is read-only or not yours. Fix: make it writable (chmod u+rwx {folder}) "
                "or set ASSISTANT_DATA_DIR to a writable folder")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return "another copy of the assistant is busy with the data. Fix: wait a moment and try again"
    if name in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
        return (f"{path or 'the database'} is damaged or not a Pause database. "
                "Fix: move it aside; the assistant then starts a new one")
    if name.startswith("SQLITE_IOERR"):
        return f"the disk holding {folder} reported an error ({text}). Fix: check the disk and free some space"
    return f"{text}. Fix: run `assistant doctor`"


def _store_error(error: sqlite3.Error, doing: str, path: Path | None) -> StoreError:
    return StoreError(f"could not {doing}: {_cause(error, path)}")


# --- schema ------------------------------------------------------------------------------------------

def migrate(conn: sqlite3.Connection, target: int | None = None) -> int:
    """Apply the missing migrations up to `target` (default: all), each in its own transaction.

    Safe when two processes open the store at once: the version is re-read inside the write lock.
    Returns the schema version reached. Raises StoreError for a database made by a newer version.
    """
    target = len(MIGRATIONS) if target is None else target
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise StoreError(f"the data was written by a newer Pause (schema {version}, this one knows "
                                 f"{len(MIGRATIONS)}). Fix: update the assistant")
            if version >= target:
                conn.execute("COMMIT")
                return version
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


# --- opening -----------------------------------------------------------------------------------------

def _tighten(path: Path) -> None:
    """0600 on the database and its -wal and -shm files (they hold the same data)."""
    for suffix in ("", "-wal", "-shm"):
        file = Path(f"{path}{suffix}")
        try:
            if stat.S_IMODE(file.stat().st_mode) != 0o600:
                file.chmod(0o600)
        except FileNotFoundError:
            pass


def _private_folder(folder: Path) -> None:
    """Create the folder 0700; tighten it if it is the assistant's own (not a shared folder it was pointed at)."""
    created = not folder.exists()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    own = created or folder.name == APP_NAME
    if own and not folder.stat().st_mode & stat.S_ISVTX and stat.S_IMODE(folder.stat().st_mode) != 0o700:
        folder.chmod(0o700)


def open_store(path: Path | str | None = None) -> Store:
    """Open (creating and migrating as needed) the store at `path`, default `data_dir()/pause.sqlite3`.

    Files are created under umask 077 (process-wide for that moment), so they are owner-only from the start.
    When the folder or file cannot be written but a database exists, it opens read-only: agreements read,
    writes raise StoreError; `Store.read_only_reason` says why. Raises StoreError when nothing can be opened.
    """
    path = Path(path) if path is not None else data_dir() / DB_NAME
    old_umask = os.umask(0o077)
    conn = None
    try:
        _private_folder(path.parent)
        conn = sqlite3.connect(path, isolation_level=None, timeout=10.0)
        store = Store(conn, path=path)
    except BaseException as e:
        if conn is not None:
            conn.close()
        if not isinstance(e, (sqlite3.Error, OSError)):
            raise
        if isinstance(e, OSError):
            cause = (f"{path.parent} cannot be written ({e.strerror or e}). Fix: make it writable "
                     f"(chmod u+rwx {path.parent}) or set ASSISTANT_DATA_DIR to a writable folder")
        else:
            cause = _cause(e, path)
        if path.is_file():
            return _open_read_only(path, cause)
        raise StoreError(f"could not open {path}: {cause}") from e
    finally:
        os.umask(old_umask)
    _tighten(path)
    return store


def _open_read_only(path: Path, cause: str) -> Store:
    """Read-only fallback. `immutable=1` is needed when the -shm file cannot be created (read-only folder)."""
    uri = path.resolve().as_uri()
    for flags in ("?mode=ro", "?mode=ro&immutable=1"):
        conn = sqlite3.connect(uri + flags, uri=True, isolation_level=None, timeout=10.0)
        try:
            conn.execute("SELECT count(*) FROM agreements").fetchone()
            return Store(conn, path=path, read_only_reason=cause)
        except sqlite3.Error:
            conn.close()
    raise StoreError(f"could not open {path}: {cause}")


# --- the store ---------------------------------------------------------------------------------------

_AGREEMENT_COLUMNS = "id, created_at, resume_at, zone, heard, status, fired_at, snoozed_until, read_at"


class Store:
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
            raise _store_error(e, doing, self.path) from e
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
                raise _store_error(e, doing, self.path) from e
            raise

    def _read(self, sql: str, params: tuple, doing: str) -> list[tuple]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as e:
            raise _store_error(e, doing, self.path) from e

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
        """Cancel a pending or snoozed agreement. False when there is none such (unknown, fired, cancelled)."""
        with self._write("cancel the agreement") as conn:
            cur = conn.execute("UPDATE agreements SET status = 'cancelled' "
                               "WHERE id = ? AND status IN ('pending', 'snoozed')", (agreement_id,))
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
        return [WeekCounts(week=week, **counts) for week, counts in sorted(weeks.items())]

    def forget_everything(self) -> None:
        """Delete every stored row, then compact, so nothing of it stays in the file or its WAL.

        The WAL can only be emptied when no other connection is in the middle of a read. The checkpoint
        waits for that (busy_timeout) and then reports "busy" instead of failing, so the result is checked:
        otherwise the forgotten rows would quietly stay readable in the -wal file. Then StoreError says so;
        the rows are gone already, and running it again once the other copy is idle empties the WAL.
        """
        with self._write("forget the stored data") as conn:
            for table in ("agreements", "sessions", "pauses", "deliveries", "rituals", "false_alarms"):
                conn.execute(f"DELETE FROM {table}")
            conn.execute("DELETE FROM sqlite_sequence")
        try:
            self._conn.execute("VACUUM")
            busy = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        except sqlite3.Error as e:
            raise _store_error(e, "compact the data after forgetting", self.path) from e
        if busy:
            wal = f"{self.path.name}-wal" if self.path else "the -wal file"
            raise StoreError(f"could not finish forgetting: the data is deleted, but another copy of the assistant "
                             f"is reading, so traces stay in {wal}. Fix: stop the other copy (`assistant listen`) "
                             "and run `assistant forget` again")
