"""A key press as a pause signal: space, in the terminal where `assistant listen` runs.

Receives key presses from a terminal (switched to cbreak mode, so a key arrives without Enter, and restored
on close). Emits a call of `on_key("key")` for each space; other keys are ignored. Runs in a thread of its
own; the live loop takes the request up through `LiveSession.request_pause`.
"""

from __future__ import annotations

import contextlib
import os
import select
import termios
import threading
import tty
from collections.abc import Callable

PAUSE_KEY = b" "


class KeyWatch:
    """Watches a terminal's input for the pause key.

    | want              | do                                                            |
    |-------------------|---------------------------------------------------------------|
    | start             | `watch = KeyWatch(sys.stdin.fileno(), on_key).start()`        |
    | stop, restore tty | `watch.close()`                                               |
    """

    def __init__(self, fd: int, on_key: Callable[[str], object]) -> None:
        self.fd = fd
        self.on_key = on_key
        self._saved = termios.tcgetattr(fd)
        self._stop_r, self._stop_w = os.pipe()
        self._thread = threading.Thread(target=self._watch, name="pause-key", daemon=True)

    def start(self) -> KeyWatch:
        tty.setcbreak(self.fd)  # keys arrive one by one, still echoed off and Ctrl-C still works
        self._thread.start()
        return self

    def _watch(self) -> None:
        while True:
            ready, _, _ = select.select([self.fd, self._stop_r], [], [])
            if self._stop_r in ready:
                return
            try:
                data = os.read(self.fd, 32)
            except OSError:
                return
            if not data:
                return
            for _ in range(data.count(PAUSE_KEY)):
                self.on_key("key")

    def close(self) -> None:
        os.write(self._stop_w, b"x")
        if self._thread.is_alive():
            self._thread.join(timeout=2)
        with contextlib.suppress(termios.error):
            termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)
        os.close(self._stop_r)
        os.close(self._stop_w)


__all__ = ["PAUSE_KEY", "KeyWatch"]
