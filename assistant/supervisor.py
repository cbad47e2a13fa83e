"""Keeps the live listener running: through lost devices, and through an unhandled error in any stage.

Receives the listener loop (app.run_listener) and the live session; emits nothing of its
own but a few lines: a lost or returning microphone is said aloud and printed; a lost speaker is printed
(what the assistant says is printed anyway); an unhandled error is written with its traceback to the user
log folder, told in one line, and the listener starts again after a short wait with the session's state
(the machine, the exercise where it was, a pending dialog) kept. Ctrl-C still ends it at once.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from platformdirs import user_log_dir

from assistant.store.location import APP_NAME, folder_from

__all__ = [
    "LOG_NAME",
    "MIC_BACK",
    "MIC_LOST",
    "RESTART_SECONDS",
    "Supervisor",
    "announce_mic",
    "announce_speaker",
    "log_dir",
    "open_log",
]

_LOGGER = logging.getLogger(__name__)
_CRASHES = logging.getLogger("assistant.crash")
"""Tracebacks go to the log file only (not propagated): the terminal gets one line."""
_CRASHES.propagate = False

LOG_NAME = "assistant.log"
_LOG_BYTES = 1_000_000
"""One log file's size before it is rotated; three old ones are kept."""
_LOG_BACKUPS = 3
RESTART_SECONDS = (1.0, 2.0, 5.0, 10.0, 30.0)
"""Waits before the listener starts again after successive errors; the last repeats."""
_HEALTHY_SECONDS = 60.0
"""Running this long without an error starts the waits from the beginning again."""

MIC_LOST = "I can't hear the microphone; I'll keep listening for it."
MIC_BACK = "The microphone is back."


def log_dir() -> Path:
    """$ASSISTANT_LOG_DIR when set, else the platform's user log folder for the assistant."""
    return folder_from("ASSISTANT_LOG_DIR", user_log_dir)


class _PrivateRotatingHandler(logging.handlers.RotatingFileHandler):
    """Log files are created 0600: a traceback can carry what was heard."""

    def _open(self):
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(fd, 0o600)
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)


def open_log(folder: Path | None = None) -> Path | None:
    """Send warnings and crash tracebacks of the assistant to `folder/assistant.log` (0700 folder, 0600
    rotating files). Returns the file, or None when the folder cannot be written (said once on stderr)."""
    folder = folder or log_dir()
    path = folder / LOG_NAME
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if folder.name == APP_NAME or "ASSISTANT_LOG_DIR" in os.environ:
            folder.chmod(0o700)
        handler = _PrivateRotatingHandler(path, maxBytes=_LOG_BYTES, backupCount=_LOG_BACKUPS, encoding="utf-8")
    except OSError as e:
        print(f"assistant: cannot write the log in {folder} ({e.strerror or e}); errors go to stderr only. "
              "Fix: make it writable or set ASSISTANT_LOG_DIR", file=sys.stderr)
        return None
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for logger in (logging.getLogger("assistant"), _CRASHES):
        for old in [h for h in logger.handlers if isinstance(h, _PrivateRotatingHandler)]:
            logger.removeHandler(old)
            old.close()
        logger.addHandler(handler)
    _CRASHES.setLevel(logging.ERROR)
    return path


class Supervisor:
    """Runs a listener function again after an unhandled error, with growing waits.

    | want                         | do                                                               |
    |------------------------------|------------------------------------------------------------------|
    | run until it returns         | `Supervisor(out=sys.stdout, log_path=open_log()).run(listen)`    |
    | how often it started again   | `supervisor.restarts`                                            |
    """

    def __init__(self, *, out: TextIO = sys.stdout, log_path: Path | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> None:
        self.out = out
        self.log_path = log_path
        self.restarts = 0
        self._sleep = sleep
        self._clock = clock

    def run(self, listener: Callable[[], None]) -> None:
        """Call `listener` until it returns; KeyboardInterrupt and SystemExit pass straight through."""
        failures = 0
        while True:
            started = self._clock()
            try:
                listener()
                return
            except Exception as e:  # noqa: BLE001 - the point: no stage may end the listener silently
                if self._clock() - started >= _HEALTHY_SECONDS:
                    failures = 0
                wait = RESTART_SECONDS[min(failures, len(RESTART_SECONDS) - 1)]
                failures += 1
                self.restarts += 1
                _CRASHES.error("the listener stopped on an unhandled error; starting again in %g s", wait,
                               exc_info=True)
                where = f"; details in {self.log_path}" if self.log_path else ""
                what = " ".join(f"{type(e).__name__}: {e}".split())
                print(f"error: {what}{where}. Listening again in {wait:g} s.", file=self.out, flush=True)
                self._sleep(wait)


def announce_mic(live, out: TextIO) -> Callable[[str, str], None]:
    """Say and print once that the microphone is gone, and again when it is back."""

    def on_change(what: str, why: str) -> None:
        print(f"microphone: {what}" + (f" ({why})" if why else ""), file=out, flush=True)
        live.output.say(MIC_LOST if what == "lost" else MIC_BACK)

    return on_change


def announce_speaker(out: TextIO) -> Callable[[str, str], None]:
    """Print that the speaker is gone (the words are printed meanwhile), and when it is back."""

    def on_change(what: str, why: str) -> None:
        if what == "lost":
            print(f"speaker: lost ({why}); I'll print what I say until it is back", file=out, flush=True)
        else:
            print("speaker: back", file=out, flush=True)

    return on_change
