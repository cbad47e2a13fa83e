"""The database's tables, as ordered migration steps, and applying the missing ones."""

from __future__ import annotations

import sqlite3

from assistant.store.diagnosis import StoreError

__all__ = ["MIGRATIONS", "migrate"]

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
    # 5: commitments said aloud and kept after a yes (text only, never audio), and how each went when it was
    # brought back. A change of wording keeps the old words in its check, so the history can count it.
    (
        """CREATE TABLE commitments (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created_at TEXT NOT NULL,
            text TEXT NOT NULL CHECK (length(trim(text)) > 0),
            by TEXT,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dropped')),
            closed_at TEXT,
            last_checked_at TEXT)""",
        """CREATE TABLE commitment_checks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            commitment_id INTEGER NOT NULL REFERENCES commitments (id),
            at TEXT NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('kept', 'not_yet', 'changed', 'dropped')),
            old_text TEXT)""",
        "CREATE INDEX commitment_checks_by_commitment ON commitment_checks (commitment_id)",
    ),
)
"""Ordered schema steps; the database's PRAGMA user_version counts how many have been applied."""


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
