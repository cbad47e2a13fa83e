"""Forgetting on a real SQLite store in $ASSISTANT_DATA_DIR: nothing of the old rows may stay in the files."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from assistant.store import DB_NAME, StoreError, open_store

MARKER = "zebra marmalade quartz"
"""A heard phrase no table, index or page header could contain by chance."""

# Four weeks, the third one quiet: (Monday, counts). Each week's rows are stored on its Wednesday (UTC noon
# onwards), so the local zone of the machine cannot move them into another week.
WEEKS = [
    (date(2026, 10, 5), {"pauses": 6, "sessions_completed": 4, "sessions_stopped": 1, "agreements_made": 3,
                         "agreements_kept": 2, "reconnections": 1, "prompts_read": 3}),
    (date(2026, 10, 12), {"pauses": 3, "sessions_completed": 3, "sessions_stopped": 0, "agreements_made": 2,
                          "agreements_kept": 2, "reconnections": 2, "prompts_read": 4}),
    (date(2026, 10, 19), {}),
    (date(2026, 10, 26), {"pauses": 1, "sessions_completed": 1, "sessions_stopped": 0, "agreements_made": 1,
                          "agreements_kept": 1, "reconnections": 1, "prompts_read": 2}),
]
FIELDS = ["pauses", "sessions_completed", "sessions_stopped", "agreements_made", "agreements_kept",
          "reconnections", "prompts_read"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"ASSISTANT_DATA_DIR": str(tmp_path / "data"), "TZ": "UTC"}


def db_path(env: dict[str, str]) -> Path:
    return Path(env["ASSISTANT_DATA_DIR"]) / DB_NAME


def store_weeks(env: dict[str, str], weeks=WEEKS, heard: str = "in twenty minutes") -> None:
    """Write rows that add up to the given counts, the way the live loop and the scheduler write them."""
    with open_store(db_path(env)) as store:
        for monday, counts in weeks:
            wednesday = datetime(monday.year, monday.month, monday.day, 12, tzinfo=UTC) + timedelta(days=2)
            for i in range(counts.get("pauses", 0)):
                store.record_pause("timeout", wednesday + timedelta(minutes=i))
            for outcome in ("completed", "stopped"):
                for i in range(counts.get(f"sessions_{outcome}", 0)):
                    started = wednesday + timedelta(hours=1, minutes=i)
                    store.end_session(store.start_session("timeout", started), outcome, started + timedelta(minutes=5))
            store.start_session("timeout", wednesday)  # never ended (a crash): not counted either way
            for i in range(counts.get("agreements_made", 0)):
                agreement = store.add_agreement(wednesday + timedelta(hours=3), heard, wednesday)
                if i < counts["agreements_kept"]:
                    store.mark_fired(agreement.id, wednesday + timedelta(hours=3))
            days = counts.get("reconnections", 0)
            for i in range(counts.get("prompts_read", 0)):  # spread over `days` days of the week
                store.record_delivery("reconnection", f"prompt-{i}", wednesday + timedelta(days=i % days, hours=4))



# --- forgetting --------------------------------------------------------------------------------------

def traces(env: dict[str, str]) -> dict[str, bool]:
    """Whether the heard phrase is in the raw bytes of the database file and of its WAL."""
    found = {}
    for suffix in ("", "-wal"):
        file = Path(f"{db_path(env)}{suffix}")
        found[suffix or "db"] = file.exists() and MARKER.encode() in file.read_bytes()
    return found



def test_forgetting_while_another_copy_is_mid_read_says_so_and_a_second_try_clears_the_wal(env) -> None:
    store_weeks(env, heard=MARKER)
    reader = sqlite3.connect(db_path(env), isolation_level=None)
    store = open_store(db_path(env))
    try:
        store._conn.execute("PRAGMA busy_timeout = 200")  # give up waiting for the reader sooner than 10 s
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM agreements").fetchone()[0] == 6  # holds its snapshot
        with pytest.raises(StoreError) as info:
            store.forget_everything()
        message = str(info.value)
        assert "\n" not in message and "Fix:" in message and "assistant forget" in message
        assert store.pending_agreements() == [] and any(traces(env).values())  # rows gone, traces left: said so
        reader.execute("COMMIT")
        store.forget_everything()
        assert traces(env) == {"db": False, "-wal": False}
    finally:
        reader.close()
        store.close()
