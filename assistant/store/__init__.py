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

Split by job: `queries` (the Store and its records) and `commitments` (promises kept after a yes, mixed into
the Store), apart from getting a usable database at all: `location`
(where), `opening` (file permissions, read-only fallback), `schema` (migrations) and `diagnosis` (SQLite
errors -> one line with the fix); `timecodes` writes times and zones.
"""

from __future__ import annotations

from assistant.store.commitments import CHECK_OUTCOMES, Commitment
from assistant.store.diagnosis import StoreError
from assistant.store.location import APP_NAME, DB_NAME, data_dir
from assistant.store.opening import open_store
from assistant.store.queries import OUTCOMES, STATUSES, Agreement, Store, WeekCounts
from assistant.store.schema import MIGRATIONS, migrate

__all__ = [
    "APP_NAME",
    "CHECK_OUTCOMES",
    "DB_NAME",
    "MIGRATIONS",
    "OUTCOMES",
    "STATUSES",
    "Agreement",
    "Commitment",
    "Store",
    "StoreError",
    "WeekCounts",
    "data_dir",
    "migrate",
    "open_store",
]
