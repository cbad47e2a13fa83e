"""Audio sources: 16 kHz mono int16 blocks from a microphone or a file, behind one protocol."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator
from time import monotonic
from typing import Any, Protocol, Self

import numpy as np

from .alsa_quiet import quiet_alsa
from .devices import DeviceError, _sd, find_device

__all__ = ["SAMPLES_PER_BLOCK", "SAMPLE_RATE", "AudioSource", "MicSource"]

_LOGGER = logging.getLogger(__name__)

SAMPLE_RATE = 16000
"""Hertz; every source delivers this rate."""
SAMPLES_PER_BLOCK = 480
"""Default block length: 30 ms at 16 kHz."""


class AudioSource(Protocol):
    """Receives nothing. Emits int16 mono blocks of a fixed length per source, until closed or exhausted."""

    sample_rate: int
    """Hertz, always 16000."""

    def frames(self) -> Iterator[np.ndarray]: ...

    def close(self) -> None: ...


# ---------------------------------------------------------------------------------------------------------
# MicSource: a live microphone through sounddevice (PortAudio)
# ---------------------------------------------------------------------------------------------------------

_QUEUE_SECONDS = 10
"""Audio the queue holds for a slow consumer before blocks are dropped."""
_POLL_SECONDS = 0.1
"""How often frames() wakes up to notice close() or a dead stream."""


class MicSource:
    """Microphone blocks from a sounddevice InputStream; the stream runs from construction to close().

    | want                               | do                                                  |
    |------------------------------------|-----------------------------------------------------|
    | the default microphone             | `MicSource()`                                       |
    | a device by name or index          | `MicSource("pulse")`, `MicSource(3)`                |
    | know audio is flowing (0.2-2 s)    | `mic.wait_started(timeout=3)`                       |
    | silence while the voice speaks     | `mic.muted = True`: zeros keep the clock running    |
    | health                             | `mic.overflows`, `mic.dropped_blocks`               |
    """

    sample_rate: int = SAMPLE_RATE

    def __init__(self, device: str | int | None = None, samples_per_block: int = SAMPLES_PER_BLOCK) -> None:
        sd = _sd()
        index = find_device(device, "input")
        self.samples_per_block = samples_per_block
        self.muted = False
        """While True, frames() yields zeros in place of microphone audio (half-duplex soft mute)."""
        self.overflows = 0
        """Callbacks in which PortAudio reported lost input (counted, never printed from the callback)."""
        self.dropped_blocks = 0
        """Blocks thrown away because the consumer fell more than _QUEUE_SECONDS behind."""
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue(
            maxsize=_QUEUE_SECONDS * SAMPLE_RATE // samples_per_block
        )
        self._started = threading.Event()
        self._closed = False
        self.last_block_at = monotonic()
        """Monotonic time of the last callback (or of opening): a stream that stops calling back has stalled."""
        quiet_alsa()
        try:
            self._stream = sd.InputStream(
                samplerate=SAMPLE_RATE,
                channels=1,
                dtype="int16",
                blocksize=samples_per_block,
                device=index,
                callback=self._callback,
            )
            self._stream.start()
        except sd.PortAudioError as err:
            raise DeviceError(
                f"cannot open microphone {device!r} at {SAMPLE_RATE} Hz mono ({err}): choose another with "
                "`assistant devices` and set listener.input_device in config.toml"
            ) from err
        _LOGGER.debug("microphone %r open, %d samples per block", device, samples_per_block)

    def _callback(self, indata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        """Runs on PortAudio's thread: copy and enqueue only (an exception here would stop the stream)."""
        if status.input_overflow:
            self.overflows += 1
        try:
            self._queue.put_nowait(indata[:, 0].copy())
        except queue.Full:
            self.dropped_blocks += 1
        self.last_block_at = monotonic()
        self._started.set()

    def wait_started(self, timeout: float | None = None) -> bool:
        """Block until the first block arrived; True if it did within `timeout` seconds.

        A new PulseAudio stream can start 0.2-2 s late, and sound made before then is never captured.
        """
        return self._started.wait(timeout)

    def read(self, timeout: float = _POLL_SECONDS) -> np.ndarray | None:
        """The next block, or None if none came within `timeout` s (or after close()).

        Raises DeviceError when the stream has died underneath (PortAudio stopped it: device gone).
        """
        try:
            block = self._queue.get(timeout=timeout)
        except queue.Empty:
            if not self._closed and not self._stream.active:
                raise DeviceError(
                    "the microphone stream stopped (device unplugged?): reconnect it, or check "
                    "`assistant devices` and listener.input_device in config.toml"
                ) from None
            return None
        if block is None:  # None only wakes us up after close()
            return None
        return np.zeros_like(block) if self.muted else block

    @property
    def stalled_seconds(self) -> float:
        """Seconds since PortAudio last delivered a block (0 while blocks wait in the queue)."""
        return 0.0 if not self._queue.empty() else max(0.0, monotonic() - self.last_block_at)

    def frames(self) -> Iterator[np.ndarray]:
        """Yield blocks until close(); raise DeviceError if the stream dies underneath."""
        while not self._closed:
            block = self.read()
            if block is not None:
                yield block

    def close(self) -> None:
        """Stop the stream and end frames(); safe to call twice or from another thread."""
        if self._closed:
            return
        self._closed = True
        self._stream.close(ignore_errors=True)
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            pass  # frames() notices _closed on its next poll

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
