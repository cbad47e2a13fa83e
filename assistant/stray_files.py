"""Files that dependencies write outside the assistant's own folders (`assistant doctor` reports them).

Private by design means nothing is written where the user does not look: the assistant keeps its data, cache
and logs in its own folders, but a library can write elsewhere on its own (onnxruntime 1.32 wrote telemetry
files under ~/.cache and a `.ses` file in the temporary folder until the package turned it off). The doctor
notes the time, runs its checks (which load every engine and model a session loads) with a temporary folder of
their own, then asks this module what appeared there and in the places such libraries write to.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

KNOWN_LEFTOVERS = (Path(".cache") / "Microsoft" / "DeveloperTools" / ".onnxruntime",)
"""Folders under the home folder that a dependency is known to have written to (onnxruntime's telemetry)."""


def watched_folders(home: Path) -> list[Path]:
    """Where libraries write on their own: the home folder's dot-folders for caches, settings and state."""
    return [home / ".cache", home / ".config", home / ".local"]


def files_written_since(since: float, home: Path | None = None, own: Iterable[Path] = ()) -> list[Path]:
    """Files changed at or after `since` (a `time.time()`) under the watched folders, leaving out the
    assistant's own folders (`own`)."""
    home = home or Path.home()
    mine = [p.resolve() for p in own]
    found: list[Path] = []
    for folder in watched_folders(home):
        for root, dirs, files in os.walk(folder):
            here = Path(root).resolve()
            if any(here == m or m in here.parents for m in mine):
                dirs.clear()
                continue
            found += [Path(root) / f for f in files if _changed_since(Path(root) / f, since)]
    return sorted(found)


@contextmanager
def private_temporary_folder() -> Iterator[Path]:
    """A temporary folder of its own for the code inside (TMPDIR and Python's `tempfile`, so C libraries and
    child processes use it too), removed afterwards; what is still in it at the end was left behind. The
    system's temporary folder cannot be watched: other programs write there all the time."""
    folder = Path(tempfile.mkdtemp(prefix="pause-doctor-"))
    saved_env, saved_tempdir = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"], tempfile.tempdir = str(folder), str(folder)
    try:
        yield folder
    finally:
        if saved_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved_env
        tempfile.tempdir = saved_tempdir
        shutil.rmtree(folder, ignore_errors=True)


def known_leftovers(home: Path | None = None) -> list[Path]:
    """Folders a dependency is known to have written before (by another program, or an older version)."""
    home = home or Path.home()
    return [home / p for p in KNOWN_LEFTOVERS if (home / p).exists()]


def _changed_since(path: Path, since: float) -> bool:
    try:
        return path.stat().st_mtime >= since
    except OSError:  # gone again, or not ours to read
        return False
