"""What went wrong with the database, in one line with the fix: SQLite errors -> StoreError.

A full disk, a read-only or foreign folder, another copy busy, a damaged file: each gets words a person can
act on, never a bare SQLite error code.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from assistant.store.location import data_dir

__all__ = ["StoreError", "disk_full", "explain", "store_error"]


class StoreError(RuntimeError):
    """The store cannot do what was asked; the message is one line naming the problem and the fix."""



_FULL_BYTES = 64 * 1024
"""Free space below this means full for the store: one commit writes a few 4 KiB pages, and a new -shm 32 KiB."""


def disk_full(path: Path | None) -> bool:
    """True when the disk holding the data folder has (almost) no room left for us."""
    try:
        st = os.statvfs(path.parent if path is not None else data_dir())
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < _FULL_BYTES


def explain(error: sqlite3.Error, path: Path | None) -> str:
    """What went wrong and the fix, in words, from an SQLite error.

    A full disk does not always come back as SQLITE_FULL: a store opened on a disk that was already full (no
    room for its -shm file) fails with an I/O error. So an I/O or open error is checked against the free space.
    """
    name = getattr(error, "sqlite_errorname", "") or ""
    text = str(error)
    folder = str(path.parent) if path else "the data folder"
    if name == "SQLITE_FULL" or "disk is full" in text or (
            name.startswith(("SQLITE_IOERR", "SQLITE_CANTOPEN")) and disk_full(path)):
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


def store_error(error: sqlite3.Error, doing: str, path: Path | None) -> StoreError:
    return StoreError(f"could not {doing}: {explain(error, path)}")
