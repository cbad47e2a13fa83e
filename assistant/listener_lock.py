"""One listener per data folder.

Two listeners would both hear the pause word and talk over each other, and both fire each reminder; the
always-on service makes a second one easy to start by hand. The running listener holds an exclusive lock
on a file in the data folder for as long as it lives (the kernel releases it when the process dies, even
by SIGKILL); a second one is refused with the way to stop the first.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_NAME = "listener.lock"


class ListenerBusy(RuntimeError):
    """Another listener holds the data folder; the message says which process and how to stop it."""


def hold_listener_lock(folder: Path) -> int | None:
    """Take the data folder's listener lock and keep it until this process ends.

    Returns the open descriptor (keep it; closing it releases the lock), or None when the folder cannot be
    written (a read-only data folder: the listener still runs, without the guard). Raises ListenerBusy.
    """
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise ListenerBusy(
            f"another assistant is already listening with the data in {folder} (process {holder}): stop it "
            "first (Ctrl-C where it runs, or `systemctl --user stop pause-assistant` for the service)") from None
    try:  # the process id is only for the message a second listener gets
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
    except OSError:  # a full disk: the lock holds all the same
        pass
    return fd


__all__ = ["LOCK_NAME", "ListenerBusy", "hold_listener_lock"]
