"""The store on real SQLite files: migrations, owner-only files, crashes, races, and clear errors."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from assistant.scheduler import Scheduler
from assistant.store import MIGRATIONS, Store, StoreError, migrate, open_store
from assistant.store.diagnosis import store_error

REPO = Path(__file__).resolve().parent.parent
LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 20, 18, 30, tzinfo=LONDON)
LATEST = len(MIGRATIONS)


def run_child(code: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run Python code in a fresh interpreter with the repository importable."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], check=False, capture_output=True,
                          text=True, env=env, timeout=timeout)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "pause.sqlite3"


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


# --- schema ------------------------------------------------------------------------------------------

def test_an_empty_file_is_migrated_to_the_latest_schema(db: Path) -> None:
    db.parent.mkdir()
    db.touch()
    with open_store(db) as store:
        assert store.schema_version() == LATEST
    assert {"agreements", "sessions", "pauses", "deliveries", "rituals"} <= tables(db)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_version_1_database_is_migrated_and_keeps_its_agreements(db: Path) -> None:
    db.parent.mkdir()
    conn = sqlite3.connect(db, isolation_level=None)
    assert migrate(conn, target=1) == 1
    conn.execute("INSERT INTO agreements (created_at, resume_at, zone, heard, status) VALUES "
                 "('2026-11-20T18:00:00.000000+00:00', '2026-11-20T19:00:00.000000+00:00', 'Europe/London', "
                 "'at seven', 'pending')")
    conn.close()
    assert "deliveries" not in tables(db)

    with open_store(db) as store:
        assert store.schema_version() == LATEST
        [agreement] = store.pending_agreements()
        assert (agreement.heard, agreement.resume_at.hour, agreement.status) == ("at seven", 19, "pending")
        store.record_delivery("reconnection", "settle-in", NOW)
        assert store.delivered_ids("reconnection") == ["settle-in"]


def test_a_version_3_database_counts_its_fired_agreements_as_read(db: Path) -> None:
    db.parent.mkdir()
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn, target=3)
    conn.execute("INSERT INTO agreements (created_at, resume_at, zone, heard, status, fired_at) VALUES "
                 "('2026-11-20T18:00:00.000000+00:00', '2026-11-20T19:00:00.000000+00:00', 'Europe/London', "
                 "'at seven', 'fired', '2026-11-20T19:00:01.000000+00:00')")
    conn.close()
    with open_store(db) as store:
        assert store.unread_agreements() == []
        assert store.get(1).read_at == datetime(2026, 11, 20, 19, 0, 1, tzinfo=UTC)


def test_an_agreement_is_kept_only_once_its_prompts_were_read_and_only_once() -> None:
    store = Store(sqlite3.connect(":memory:"))
    a = store.add_agreement(NOW + timedelta(hours=1), "in an hour", NOW)
    assert not store.mark_read(a.id, NOW)  # not begun: nothing to mark
    store.mark_fired(a.id, NOW + timedelta(hours=1))
    assert [u.id for u in store.unread_agreements()] == [a.id]  # begun, cut short: to read again
    assert store.mark_read(a.id, NOW + timedelta(hours=1, minutes=9))
    assert not store.mark_read(a.id, NOW + timedelta(hours=2))
    assert store.unread_agreements() == []


def test_opening_twice_applies_each_migration_once(db: Path) -> None:
    open_store(db).close()
    with open_store(db) as store:
        assert store.schema_version() == LATEST


def test_a_database_from_a_newer_version_is_refused_with_a_fix(db: Path) -> None:
    open_store(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    with pytest.raises(StoreError, match="newer Pause.*Fix: update"):
        open_store(db)


def test_a_file_that_is_not_a_database_gives_a_fix(db: Path) -> None:
    db.parent.mkdir()
    db.write_bytes(b"this is not sqlite at all, just some bytes " * 200)
    with pytest.raises(StoreError, match="Fix: move it aside") as info:
        store = open_store(db)
        store.add_agreement(NOW, "x", NOW)
    assert "\n" not in str(info.value)


def test_the_data_folder_comes_from_assistant_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "elsewhere"))
    with open_store() as store:
        assert store.path == tmp_path / "elsewhere" / "pause.sqlite3"
    assert store.path.is_file()


# --- permissions -------------------------------------------------------------------------------------

def test_files_are_owner_only_even_under_a_permissive_umask(db: Path) -> None:
    old = os.umask(0o000)
    try:
        store = open_store(db)
        store.add_agreement(NOW + timedelta(hours=1), "at seven thirty", NOW)
    finally:
        os.umask(old)
    try:
        assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
        for suffix in ("", "-wal", "-shm"):
            assert stat.S_IMODE(Path(f"{db}{suffix}").stat().st_mode) == 0o600, suffix
    finally:
        store.close()


def test_loose_files_from_before_are_tightened_in_the_assistants_own_folder(tmp_path: Path) -> None:
    db = tmp_path / "pause-assistant" / "pause.sqlite3"
    open_store(db).close()
    db.chmod(0o644)
    db.parent.chmod(0o755)
    with open_store(db):
        assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700


def test_an_existing_folder_the_user_chose_keeps_its_mode_but_the_files_are_owner_only(tmp_path: Path) -> None:
    chosen = tmp_path / "shared-notes"
    chosen.mkdir(mode=0o755)
    chosen.chmod(0o755)
    with open_store(chosen / "pause.sqlite3"):
        assert stat.S_IMODE((chosen / "pause.sqlite3").stat().st_mode) == 0o600
    assert stat.S_IMODE(chosen.stat().st_mode) == 0o755


def test_open_store_leaves_the_process_umask_as_it_was(db: Path) -> None:
    old = os.umask(0o022)
    try:
        open_store(db).close()
        assert os.umask(0o022) == 0o022
    finally:
        os.umask(old)


# --- agreements --------------------------------------------------------------------------------------

def test_an_agreement_reads_back_in_the_zone_it_was_agreed_in() -> None:
    store = Store(sqlite3.connect(":memory:"))
    resume = datetime(2026, 3, 29, 9, 0, tzinfo=LONDON)  # BST, agreed the day before in GMT
    added = store.add_agreement(resume, "tomorrow morning", datetime(2026, 3, 28, 21, 0, tzinfo=LONDON))
    [read] = store.pending_agreements()
    assert read == added
    assert read.resume_at == resume and read.resume_at.tzinfo == LONDON
    assert (read.resume_at.hour, read.resume_at.utcoffset()) == (9, timedelta(hours=1))
    assert read.created_at == datetime(2026, 3, 28, 21, 0, tzinfo=UTC)


def test_a_fixed_offset_zone_is_kept_as_an_offset() -> None:
    from datetime import timezone

    store = Store(sqlite3.connect(":memory:"))
    zone = timezone(timedelta(hours=-5))
    added = store.add_agreement(datetime(2026, 11, 20, 19, 0, tzinfo=zone), "at seven", NOW)
    assert added.resume_at.utcoffset() == timedelta(hours=-5) and added.resume_at.hour == 19


def test_naive_times_are_refused_and_nothing_is_written() -> None:
    store = Store(sqlite3.connect(":memory:"))
    with pytest.raises(ValueError, match="timezone-aware"):
        store.add_agreement(datetime(2026, 11, 20, 19, 0), "at seven", NOW)
    assert store.pending_agreements() == []


def test_cancel_and_snooze_follow_the_status_rules() -> None:
    store = Store(sqlite3.connect(":memory:"))
    a = store.add_agreement(NOW + timedelta(hours=1), "in an hour", NOW)
    b = store.add_agreement(NOW + timedelta(hours=2), "in two hours", NOW)
    assert store.cancel(a.id) and not store.cancel(a.id)
    assert not store.snooze(a.id, NOW + timedelta(hours=3))  # cancelled stays cancelled
    assert store.get(a.id).status == "cancelled"
    assert store.mark_fired(b.id, NOW + timedelta(hours=2))
    assert store.snooze(b.id, NOW + timedelta(hours=2, minutes=10))
    snoozed = store.get(b.id)
    assert snoozed.status == "snoozed" and snoozed.resume_at == b.resume_at
    assert snoozed.due_at == NOW + timedelta(hours=2, minutes=10)
    assert [x.id for x in store.pending_agreements()] == [b.id]
    assert not store.cancel(999) and not store.snooze(999, NOW) and store.get(999) is None


def test_a_reading_cut_short_can_be_cancelled_and_is_not_read_again_but_a_finished_one_cannot() -> None:
    """`assistant reminders` lists a reading a crash cut short with its id: `reminders cancel ID` must work."""
    store = Store(sqlite3.connect(":memory:"))
    cut = store.add_agreement(NOW, "now-ish", NOW)
    read = store.add_agreement(NOW, "at noon", NOW)
    for a in (cut, read):
        assert store.mark_fired(a.id, NOW)
    assert store.mark_read(read.id, NOW)
    assert [a.id for a in store.unread_agreements()] == [cut.id]
    assert store.cancel(cut.id) and store.unread_agreements() == []
    assert not store.cancel(read.id) and store.get(read.id).status == "fired"


def test_due_agreements_are_those_at_or_before_now() -> None:
    store = Store(sqlite3.connect(":memory:"))
    at = NOW + timedelta(minutes=30)
    store.add_agreement(at, "in thirty minutes", NOW)
    assert store.due_agreements(at - timedelta(microseconds=1)) == []
    assert len(store.due_agreements(at)) == 1


def test_mark_fired_is_idempotent() -> None:
    store = Store(sqlite3.connect(":memory:"))
    a = store.add_agreement(NOW, "now-ish", NOW)
    assert store.mark_fired(a.id, NOW) is True
    assert store.mark_fired(a.id, NOW) is False
    assert store.get(a.id).fired_at == NOW.astimezone(UTC)


# --- crashes and races -------------------------------------------------------------------------------

_WRITE_THEN_DIE = """
    import os, signal, sys
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo
    from assistant.store import open_store
    now = datetime.fromisoformat(sys.argv[2])
    store = open_store(sys.argv[1])
    a = store.add_agreement(now + timedelta(minutes=20), "in twenty minutes", now)
    print(a.id, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_an_agreement_survives_sigkill_right_after_commit_and_fires_exactly_once(db: Path) -> None:
    now = datetime(2026, 11, 20, 18, 30, tzinfo=LONDON)
    child = run_child(_WRITE_THEN_DIE, str(db), now.isoformat())
    assert child.returncode == -signal.SIGKILL, child.stderr
    agreement_id = int(child.stdout.split()[0])
    assert Path(f"{db}-wal").exists()  # killed before any clean close: the commit lives in the WAL

    with open_store(db) as store:
        [agreement] = store.pending_agreements()
        assert (agreement.id, agreement.heard) == (agreement_id, "in twenty minutes")
        assert agreement.resume_at == now + timedelta(minutes=20)
        scheduler = Scheduler(store, zone=LONDON)
        later = now + timedelta(hours=2)  # the assistant came back long after
        [due] = scheduler.due(later)
        assert due.agreement_id == agreement_id and due.caught_up
        assert scheduler.due(later) == []
    with open_store(db) as store:
        assert Scheduler(store, zone=LONDON).due(later + timedelta(minutes=1)) == []
        assert store.get(agreement_id).status == "fired"


_WRITE_LOOP = """
    import sys
    from datetime import datetime, timedelta
    from assistant.store import open_store
    now = datetime.fromisoformat(sys.argv[2])
    store = open_store(sys.argv[1])
    print("ready", flush=True)
    i = 0
    while True:
        i += 1
        a = store.add_agreement(now + timedelta(minutes=i), f"write {i}", now)
        print(a.id, i, flush=True)
"""


def test_killing_the_process_in_the_middle_of_a_write_loop_loses_no_committed_agreement(db: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(_WRITE_LOOP), str(db), NOW.isoformat()],
                             stdout=subprocess.PIPE, text=True, env=env)
    assert child.stdout.readline().strip() == "ready"
    reported = []
    for line in child.stdout:
        reported.append(tuple(int(x) for x in line.split()))
        if len(reported) == 40:
            break
    child.send_signal(signal.SIGKILL)
    rest = child.stdout.read()
    child.wait()
    reported += [tuple(int(x) for x in line.split()) for line in rest.splitlines() if len(line.split()) == 2]
    assert child.returncode == -signal.SIGKILL

    with open_store(db) as store:
        assert store._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {a.id: a for a in store.pending_agreements()}
        for agreement_id, i in reported:
            assert stored[agreement_id].heard == f"write {i}"
            assert stored[agreement_id].resume_at == NOW + timedelta(minutes=i)
        assert len(stored) - len(reported) in (0, 1)  # at most one committed but not yet reported


_RACE = """
    import sys, time
    from datetime import datetime
    from assistant.store import open_store
    store = open_store(sys.argv[1])
    start = float(sys.argv[2])
    while time.time() < start:
        pass
    now = datetime.fromisoformat(sys.argv[3])
    won = [a.id for a in store.due_agreements(now) if store.mark_fired(a.id, now)]
    print(" ".join(map(str, won)))
"""


def test_two_processes_racing_to_fire_get_each_agreement_exactly_once(db: Path) -> None:
    import time

    with open_store(db) as store:
        ids = {store.add_agreement(NOW - timedelta(minutes=i), f"agreement {i}", NOW).id for i in range(60)}
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    start = time.time() + 1.5  # both are running and past their imports by then
    racers = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(_RACE), str(db), str(start), NOW.isoformat()],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    outputs = [r.communicate(timeout=60) for r in racers]
    assert all(r.returncode == 0 for r in racers), outputs
    won = [set(map(int, out.split())) for out, _err in outputs]
    assert won[0].isdisjoint(won[1])
    assert won[0] | won[1] == ids


def test_two_connections_in_one_process_fire_an_agreement_once(db: Path) -> None:
    first, second = open_store(db), open_store(db)
    try:
        a = first.add_agreement(NOW, "at six thirty", NOW)
        results = [second.mark_fired(a.id, NOW), first.mark_fired(a.id, NOW)]
        assert results == [True, False]
    finally:
        first.close()
        second.close()


# --- read-only folder and full disk ------------------------------------------------------------------

@contextmanager
def read_only_folder(folder: Path):
    """Make `folder` refuse new files. root ignores permission bits, so it gets the immutable attribute."""
    if os.geteuid() != 0:
        folder.chmod(0o500)
        try:
            yield
        finally:
            folder.chmod(0o700)
        return
    done = subprocess.run(["chattr", "+i", str(folder)], check=False, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot make a folder read-only as root here: chattr said {done.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_a_read_only_data_folder_gives_a_fix_and_the_stored_agreements_still_read(db: Path) -> None:
    with open_store(db) as store:
        kept = store.add_agreement(NOW + timedelta(hours=1), "at seven thirty", NOW)
    with read_only_folder(db.parent):
        store = open_store(db)
        try:
            assert store.read_only
            assert [a.heard for a in store.pending_agreements()] == ["at seven thirty"]
            with pytest.raises(StoreError) as info:
                store.add_agreement(NOW + timedelta(hours=2), "at eight thirty", NOW)
            message = str(info.value)
            assert "\n" not in message
            assert "read-only" in message and "Fix:" in message and "ASSISTANT_DATA_DIR" in message
            with pytest.raises(StoreError, match="Fix:"):
                store.mark_fired(kept.id, NOW)
        finally:
            store.close()
    with open_store(db) as store:
        assert [(a.id, a.status) for a in store.pending_agreements()] == [(kept.id, "pending")]


def test_an_agreement_left_in_the_wal_by_a_crash_still_reads_from_a_read_only_folder(db: Path) -> None:
    child = run_child(_WRITE_THEN_DIE, str(db), NOW.isoformat())
    assert child.returncode == -signal.SIGKILL and Path(f"{db}-wal").stat().st_size > 0
    with read_only_folder(db.parent), open_store(db) as store:  # the -wal and -shm files exist already
        assert [a.heard for a in store.pending_agreements()] == ["in twenty minutes"]
    with open_store(db) as store:
        assert [a.heard for a in store.pending_agreements()] == ["in twenty minutes"]


def test_a_read_only_folder_with_nothing_stored_gives_a_fix(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o700)
    with read_only_folder(folder), pytest.raises(StoreError, match="Fix: .*writable") as info:
        open_store(folder / "pause.sqlite3")
    assert "\n" not in str(info.value)


_FILL_THE_DISK = """
    import os, resource, signal, sys
    from datetime import datetime, timedelta
    from assistant.store import open_store, StoreError
    now = datetime.fromisoformat(sys.argv[2])
    store = open_store(sys.argv[1])
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails instead of killing us
    size = max(os.path.getsize(sys.argv[1] + suffix) for suffix in ("", "-wal"))
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
    saved = 0
    try:
        for i in range(1000):
            store.add_agreement(now + timedelta(hours=3), "x" * 5000, now)
            saved += 1
    except StoreError as e:
        print(saved)
        print(e)
"""


def test_a_full_disk_gives_a_fix_and_loses_no_stored_agreement(db: Path) -> None:
    with open_store(db) as store:
        for i in range(5):
            store.add_agreement(NOW + timedelta(hours=i + 1), f"kept {i}", NOW)
    child = run_child(_FILL_THE_DISK, str(db), NOW.isoformat())
    assert child.returncode == 0, child.stderr
    saved, message = child.stdout.strip().split("\n")
    assert "free some disk space" in message and "saved before is kept" in message
    with open_store(db) as store:
        heard = [a.heard for a in sorted(store.pending_agreements(), key=lambda a: a.id)]
    assert heard == [f"kept {i}" for i in range(5)] + ["x" * 5000] * int(saved)


# --- sessions, history, forgetting -------------------------------------------------------------------

def test_sessions_pauses_and_deliveries_add_up_per_week() -> None:
    store = Store(sqlite3.connect(":memory:"))
    monday = datetime(2026, 11, 16, 20, 0, tzinfo=LONDON)
    store.record_pause("timeout", monday)
    session = store.start_session("timeout", monday)
    assert store.end_session(session, "completed", monday + timedelta(minutes=5))
    assert not store.end_session(session, "stopped", monday + timedelta(minutes=6))  # already ended
    stopped = store.start_session("timeout", monday + timedelta(days=1))
    store.end_session(stopped, "stopped", monday + timedelta(days=1, minutes=1))
    a = store.add_agreement(monday + timedelta(days=1), "tomorrow at eight", monday)
    store.mark_fired(a.id, monday + timedelta(days=1))
    store.mark_read(a.id, monday + timedelta(days=1, minutes=10))
    begun = store.add_agreement(monday + timedelta(days=1), "tomorrow at nine", monday)
    store.mark_fired(begun.id, monday + timedelta(days=1))  # its reading never finished: not kept
    cancelled = store.add_agreement(monday + timedelta(days=2), "wednesday", monday)
    store.cancel(cancelled.id)
    for prompt in ("settle-in", "what-it-meant"):
        store.record_delivery("reconnection", prompt, monday + timedelta(days=1))
    store.record_delivery("daily_checkin", "one-word", monday + timedelta(days=7))  # the next week
    with pytest.raises(ValueError):
        store.end_session(stopped, "abandoned", monday)

    first, second = store.weekly_counts(LONDON)
    assert first.week == date(2026, 11, 16) and second.week == date(2026, 11, 23)
    assert (first.pauses, first.sessions_completed, first.sessions_stopped) == (1, 1, 1)
    assert (first.agreements_made, first.agreements_kept, first.reconnections, first.prompts_read) == (3, 1, 1, 2)
    assert (second.prompts_read, second.reconnections, second.pauses) == (1, 0, 0)


def test_weeks_are_cut_at_local_midnight_on_monday() -> None:
    store = Store(sqlite3.connect(":memory:"))
    store.record_pause("timeout", datetime(2026, 11, 23, 0, 30, tzinfo=ZoneInfo("Europe/Berlin")))  # Sun 23:30 UTC
    assert [w.week for w in store.weekly_counts(ZoneInfo("Europe/Berlin"))] == [date(2026, 11, 23)]
    assert [w.week for w in store.weekly_counts(UTC)] == [date(2026, 11, 16)]


def test_forget_everything_leaves_no_trace_in_the_files(db: Path) -> None:
    marker = "zebra-marmalade-quartz"
    store = open_store(db)
    for i in range(20):
        store.add_agreement(NOW + timedelta(hours=1), f"{marker} {i}", NOW)
        store.record_pause(marker, NOW)
        store.record_delivery("reconnection", marker, NOW)
    store.forget_everything()
    assert store.pending_agreements() == [] and store.weekly_counts() == [] and store.delivered_ids("reconnection") == []
    fresh = store.add_agreement(NOW + timedelta(hours=1), "again", NOW)
    assert fresh.id == 1  # no count of the forgotten ones is kept either
    store.close()
    for suffix in ("", "-wal"):
        file = Path(f"{db}{suffix}")
        if file.exists():
            assert marker.encode() not in file.read_bytes(), suffix


def test_every_error_message_is_one_line_with_a_fix() -> None:
    errors = [sqlite3.OperationalError("database or disk is full"), sqlite3.OperationalError("readonly"),
              sqlite3.DatabaseError("file is not a database"), sqlite3.OperationalError("database is locked")]
    errors[0].sqlite_errorname = "SQLITE_FULL"
    errors[1].sqlite_errorname = "SQLITE_READONLY"
    errors[2].sqlite_errorname = "SQLITE_NOTADB"
    errors[3].sqlite_errorname = "SQLITE_BUSY"
    for error in errors:
        message = str(store_error(error, "save the agreed time", Path("/x/pause.sqlite3")))
        assert message.startswith("could not save the agreed time: ") and "Fix:" in message and "\n" not in message


