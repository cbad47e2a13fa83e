"""A microphone and a speaker that outlive their devices: unplugged, stalled, parked on a fallback, restarted.

Receives factories that open a MicSource / StreamPlayer. Emits, for the mic, one 16 kHz block after another
for as long as it runs: the device's blocks while it is there, silence for the wall time it is not, so the
listener's audio clock (exercises, timeouts, reminders) keeps counting through a gap. For the speaker,
nothing: while it is gone the voice output is pulled at the microphone's pace and dropped, so the pacer,
a pending line and the session move on as if heard; the words are printed anyway. Each reports
"lost" (with why) once per gap and "back" when the device works again, through `on_change`.

How a loss shows, as measured on PulseAudio 16 (tests/audio_rig.py):
- the source is removed: Pulse moves the stream to a fallback, here the speaker's monitor. No error, no
  gap; only RouteWatch (pactl) sees it. Its blocks are replaced by silence (never hear our own voice).
  When the source returns, Pulse moves the stream home (RouteWatch does it when Pulse does not).
- the source is suspended: callbacks stop, the stream stays "active": a stall, seen by the wall clock.
- the sound server dies: PortAudio stops the stream (inactive): reopen, with backoff, until it is back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from time import monotonic
from typing import Self

import numpy as np

from .devices import DeviceError, quiet_native_stderr
from .sources import SAMPLE_RATE, SAMPLES_PER_BLOCK

__all__ = ["RETRY_SECONDS", "STALL_SECONDS", "START_GRACE_SECONDS", "SteadyMic", "SteadySpeaker"]

_LOGGER = logging.getLogger(__name__)

STALL_SECONDS = 1.0
"""No audio from a running stream for this long (wall clock) counts as lost."""
START_GRACE_SECONDS = 3.0
"""A newly opened stream may start this late (PulseAudio: 0.2-2 s) before it counts as stalled."""
RETRY_SECONDS = (0.25, 0.5, 1.0)
"""Waits between attempts to reopen a lost device; the last repeats. Capped low: a returning device should
be heard within a couple of seconds, and a failed open costs a few milliseconds (what PortAudio prints about
it is silenced after the first failure)."""
_POLL_SECONDS = 0.05
"""How long one wait for a block lasts before the mic's health is looked at again."""


class _Backoff:
    def __init__(self) -> None:
        self.failures = 0
        self.next_at = 0.0

    def due(self, now: float) -> bool:
        return now >= self.next_at

    def failed(self, now: float) -> None:
        self.next_at = now + RETRY_SECONDS[min(self.failures, len(RETRY_SECONDS) - 1)]
        self.failures += 1

    def reset(self) -> None:
        self.failures, self.next_at = 0, 0.0


class SteadyMic:
    """Microphone blocks that never stop while the device comes and goes.

    | want                                | do                                                         |
    |-------------------------------------|------------------------------------------------------------|
    | steady blocks                       | `for block in SteadyMic(lambda: MicSource(dev)).blocks()`  |
    | start from a mic already open       | `SteadyMic(open_mic, mic=first)`                           |
    | hear about a loss and a return      | `on_change=lambda what, why: ...` ("lost"/"back")          |
    | a Pulse route watch (fallbacks)     | `watch=RouteWatch()` (started and closed here)             |
    | stop                                | `close()`, from any thread                                 |
    """

    def __init__(self, open_mic: Callable[[], object], *, mic: object | None = None, watch=None,
                 on_change: Callable[[str, str], None] | None = None,
                 clock: Callable[[], float] = monotonic) -> None:
        self._open = open_mic
        self._mic = mic
        self._watch = watch
        self._on_change = on_change or (lambda what, why: None)
        self._clock = clock
        self._backoff = _Backoff()
        self._opened_at = clock()
        self._closed = False
        self.lost: str | None = None
        """Why the microphone is not heard now, or None while it is."""
        self.gaps = 0
        """Losses so far."""
        self.silent_blocks = 0
        """Blocks of silence given in place of the device's audio."""
        if self._watch is not None:
            self._watch.start()

    def blocks(self) -> Iterator[np.ndarray]:
        """Yield 16 kHz int16 blocks until close(): real ones, or silence paced by the wall clock."""
        silence = np.zeros(SAMPLES_PER_BLOCK, dtype=np.int16)
        block_seconds = SAMPLES_PER_BLOCK / SAMPLE_RATE
        given_until = self._clock()  # wall time the audio given so far stands for
        while not self._closed:
            now = self._clock()
            if self._mic is None and self._backoff.due(now):
                self._reopen(now)
            block = self._read()
            now = self._clock()
            if block is not None:
                if self._watch is not None and self._watch.lost:
                    self._lose("the microphone was removed; the sound system put us on a fallback")
                    self.silent_blocks += 1
                    block = np.zeros_like(block)  # the fallback is a monitor: never hear our own voice
                elif self.lost is not None:
                    self._back()
                given_until = max(given_until, now - len(block) / SAMPLE_RATE) + len(block) / SAMPLE_RATE
                yield block
                continue
            if self._mic is not None and self._stalled(now):
                self._lose("the microphone stopped sending sound")
                self._drop_mic(now)
            if self.lost is None:
                continue  # a short wait: the device delivers in bursts
            while given_until + block_seconds <= now:  # keep the clock counting through the gap
                given_until += block_seconds
                self.silent_blocks += 1
                yield silence

    def _read(self) -> np.ndarray | None:
        if self._mic is None:
            if not self._closed:
                time.sleep(_POLL_SECONDS)
            return None
        try:
            return self._mic.read(timeout=_POLL_SECONDS)
        except DeviceError as e:
            self._lose(str(e).split(":")[0])
            self._drop_mic(self._clock())
            return None

    def _stalled(self, now: float) -> bool:
        grace = START_GRACE_SECONDS if now - self._opened_at < START_GRACE_SECONDS else STALL_SECONDS
        return self._mic.stalled_seconds > grace

    def _reopen(self, now: float) -> None:
        try:
            with quiet_native_stderr() if self._backoff.failures > 1 else nullcontext():
                self._mic = self._open()
        except DeviceError as e:
            self._backoff.failed(now)
            self._lose(str(e).split(":")[0])
            return
        self._opened_at = self._clock()
        _LOGGER.info("microphone reopened")
        if self._watch is not None:
            self._watch.check()

    def _drop_mic(self, now: float) -> None:
        mic, self._mic = self._mic, None
        if mic is not None:
            mic.close()
        self._backoff.failed(now)

    def _lose(self, why: str) -> None:
        if self.lost is None:
            self.lost = why
            self.gaps += 1
            _LOGGER.warning("microphone lost: %s", why)
            self._on_change("lost", why)

    def _back(self) -> None:
        why, self.lost = self.lost, None
        self._backoff.reset()
        _LOGGER.warning("microphone back (it was lost: %s)", why)
        self._on_change("back", "")

    def close(self) -> None:
        self._closed = True
        if self._watch is not None:
            self._watch.close()
        if self._mic is not None:
            self._mic.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SteadySpeaker:
    """Keeps the voice output moving whether or not a speaker plays it; reopens the speaker when it can.

    Call `keep_up(mic_samples)` once per microphone block. While the player works it does nothing but look
    at its health; while it does not, it pulls as many output samples as that block lasted and drops them.
    """

    def __init__(self, open_player: Callable[[], object], pull: Callable[[int], np.ndarray], rate: int, *,
                 player: object | None = None, on_change: Callable[[str, str], None] | None = None,
                 clock: Callable[[], float] = monotonic) -> None:
        self._open = open_player
        self._pull = pull
        self._rate = rate
        self.player = player
        self._on_change = on_change or (lambda what, why: None)
        self._clock = clock
        self._backoff = _Backoff()
        self._opened_at = clock()
        self._owed = 0.0
        self.lost: str | None = None
        """Why nothing is played now, or None while the speaker works."""

    def keep_up(self, mic_samples: int) -> None:
        now = self._clock()
        if self.player is not None:
            why = self._trouble(now)
            if why is None:
                if self.lost is not None and self.player.last_callback_at > self._opened_at:
                    self._back()  # the reopened stream is really playing
                return
            self._lose(why)
            self.player.close()
            self.player = None
            self._backoff.failed(now)
        self._owed += mic_samples * self._rate / SAMPLE_RATE
        if self._owed >= 1:
            self._pull(int(self._owed))  # heard by nobody: the pacer and the session move on
            self._owed -= int(self._owed)
        if self._backoff.due(now):
            try:
                with quiet_native_stderr() if self._backoff.failures > 1 else nullcontext():
                    self.player = self._open()
            except DeviceError as e:
                self._backoff.failed(now)
                self._lose(str(e).split(":")[0])
                return
            self._opened_at = self._clock()
            self._owed = 0.0

    def _back(self) -> None:
        why, self.lost = self.lost, None
        self._backoff.reset()
        _LOGGER.warning("speaker back (it was lost: %s)", why)
        self._on_change("back", "")

    def _trouble(self, now: float) -> str | None:
        if self.player.failed:
            return "the speaker stream stopped"
        grace = START_GRACE_SECONDS if now - self._opened_at < START_GRACE_SECONDS else STALL_SECONDS
        if self.player.stalled_seconds > grace:
            return "the speaker stopped taking sound"
        return None

    def _lose(self, why: str) -> None:
        if self.lost is None:
            self.lost = why
            _LOGGER.warning("speaker lost: %s", why)
            self._on_change("lost", why)

    def close(self) -> None:
        if self.player is not None:
            self.player.close()
            self.player = None
