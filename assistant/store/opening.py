"""Opening the store: owner-only files, a fresh or migrated schema, and a read-only fallback.

A folder that turns read-only opens read-only: stored agreements still read, writes raise StoreError.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

from assistant.store.diagnosis import StoreError, explain
from assistant.store.location import APP_NAME, DB_NAME, data_dir
from assistant.store.queries import Store

__all__ = ["open_store"]


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
            cause = explain(e, path)
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
