"""Run `assistant ...` as a real child process and read its output lines as they come (for rig tests)."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time


class AppProcess:
    """A running `python -m assistant ARGS` whose stdout lines are collected by a reader thread."""

    def __init__(self, *args: str, env: dict[str, str] | None = None, stdin: int | None = None) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        # PYTHONFAULTHANDLER: if the app ever hangs on Ctrl-C, stop() aborts it and every thread's stack
        # lands in stderr, so a failing test shows where it hung.
        full_env = {**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "assistant", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, stdin=stdin, text=True, env=full_env)
        self._stderr: list[str] = []
        self._stderr_reader = threading.Thread(target=self._read_stderr, daemon=True)
        threading.Thread(target=self._read, daemon=True).start()
        self._stderr_reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))

    def _read_stderr(self) -> None:
        """Drain stderr as it comes: under load ALSA prints an underrun line for every hiccup, and a full
        pipe would block the app inside write(), where not even Ctrl-C reaches it."""
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._stderr.append(line)

    def wait_for(self, text: str | tuple[str, ...], timeout: float) -> str:
        """The first new line containing `text` (or any of several); AssertionError (with all output) after
        `timeout` s."""
        texts = (text,) if isinstance(text, str) else text
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.1)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            self.lines.append(line)
            if any(t in line for t in texts):
                return line
        raise AssertionError(f"no line with {text!r} within {timeout} s; stdout: {self.lines}; "
                             f"stderr: {self.stop()}")

    def stop(self) -> str:
        """Interrupt (Ctrl-C), wait, and return stderr."""
        if self.proc.poll() is None:
            self.proc.send_signal(2)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.send_signal(6)  # SIGABRT: the fault handler prints every thread's stack
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        self._stderr_reader.join(timeout=5)
        return "".join(self._stderr)
