"""Live playback of a block source (the Pacer) through one continuous output stream.

Receives a callable that returns the next float32 block (empty when done). Emits sound on the speaker
with no gaps between blocks: a producer thread keeps a small bounded queue filled, and the PortAudio
callback only copies from it (sounddevice examples/play_long_file.py), so cue timing is the pacer's sample
count, never a sleep.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from time import monotonic
from typing import Any

import numpy as np

from assistant.audio.alsa_quiet import quiet_alsa
from assistant.audio.devices import DeviceError, _sd, find_device

_LOGGER = logging.getLogger(__name__)
BLOCK_SAMPLES = 1024
"""Samples per block: 46 ms at 22.05 kHz, small enough that commands land within one block or two."""
QUEUE_BLOCKS = 8
"""Blocks queued ahead of the callback while something sounds: about 0.37 s, enough to ride out a busy
moment of the machine (the producer is a Python thread) without a gap in a line or a shift of the pacing."""
IDLE_BLOCKS = 1
"""Blocks queued ahead while the source is idle (silence): the first sound after it, the acknowledgement of the
pause word, waits behind at most 0.05 s of silence instead of 0.37 s. A gap in silence cannot be heard."""


class StreamPlayer:
    """Plays `next_block(frames)` until it returns an empty block, or until stop()."""

    def __init__(self, next_block: Callable[[int], np.ndarray], sample_rate: int,
                 device: str | int | None = None, latency: str | float = "high",
                 idle: Callable[[], bool] | None = None) -> None:
        sd = _sd()
        self._next_block = next_block
        self._idle = idle
        """True while the source has nothing to sound: then only `IDLE_BLOCKS` of its silence are queued."""
        self._block_seconds = BLOCK_SAMPLES / sample_rate
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=QUEUE_BLOCKS)
        self._finished = threading.Event()
        self._stopping = threading.Event()
        self._started = False
        self._drained = False
        """True once the source ended and the stream stopped itself (not a failure)."""
        self.underflows = 0
        self.last_callback_at = monotonic()
        """Monotonic time of PortAudio's last callback (or of opening): a stream that stops asking has stalled."""
        self._pending = np.zeros(0, dtype=np.float32)
        quiet_alsa()
        try:
            self._stream = sd.OutputStream(samplerate=sample_rate, channels=1, dtype="float32",
                                           blocksize=BLOCK_SAMPLES, device=find_device(device, "output"),
                                           latency=latency, callback=self._callback,
                                           finished_callback=self._finished.set)
        except sd.PortAudioError as e:
            raise DeviceError(f"cannot open the speaker ({e}): pick one with `assistant devices` and set "
                              "voice.output_device in config.toml") from e
        self._producer = threading.Thread(target=self._produce, daemon=True)

    def start(self) -> StreamPlayer:
        self._prefill()
        self._stream.start()
        self._started = True
        self._producer.start()
        return self

    @property
    def queued_blocks(self) -> int:
        """Blocks waiting for the callback: how far ahead of the speaker the source is pulled."""
        return self._queue.qsize()

    def _prefill(self) -> None:
        for _ in range(IDLE_BLOCKS if self._idle is not None and self._idle() else QUEUE_BLOCKS):
            block = self._next_block(BLOCK_SAMPLES)
            self._queue.put(block if len(block) else None)
            if not len(block):
                break

    def _produce(self) -> None:
        """Pull blocks from the source; put() blocks while the queue is full, pacing us on the audio clock."""
        while not self._stopping.is_set():
            while self._idle is not None and self._queue.qsize() >= IDLE_BLOCKS and self._idle():
                if self._stopping.wait(self._block_seconds / 4):
                    return
            block = self._next_block(BLOCK_SAMPLES)
            if not len(block):
                self._queue.put(None)
                return
            while not self._stopping.is_set():
                try:
                    self._queue.put(block, timeout=0.1)
                    break
                except queue.Full:
                    continue

    def _callback(self, outdata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        """PortAudio's thread: copy queued samples out; no waiting, no allocation beyond slicing."""
        sd = _sd()
        self.last_callback_at = monotonic()
        if status.output_underflow:
            self.underflows += 1
        filled = 0
        while filled < frames:
            if not len(self._pending):
                try:
                    block = self._queue.get_nowait()
                except queue.Empty:
                    outdata[filled:, 0] = 0.0  # underrun: silence rather than a stall
                    return
                if block is None:
                    outdata[filled:, 0] = 0.0
                    self._drained = True
                    raise sd.CallbackStop
                self._pending = block
            take = min(frames - filled, len(self._pending))
            outdata[filled:filled + take, 0] = self._pending[:take]
            self._pending = self._pending[take:]
            filled += take

    def wait(self, timeout: float | None = None) -> bool:
        """Block until everything has played (True) or `timeout` seconds passed (False)."""
        return self._finished.wait(timeout)

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    @property
    def failed(self) -> bool:
        """True when the stream died underneath (device gone, sound server restarted) before its end."""
        return self._started and not self._stopping.is_set() and not self._drained and not self._stream.active

    @property
    def stalled_seconds(self) -> float:
        """Seconds since PortAudio last asked for samples."""
        return max(0.0, monotonic() - self.last_callback_at)

    def stop(self) -> None:
        """Stop at once (the source's own stop() fades; this cuts the stream)."""
        self._stopping.set()
        self._stream.abort(ignore_errors=True)
        self._stream.close(ignore_errors=True)
        self._finished.set()

    def close(self) -> None:
        """Close the stream and end the producer, so nothing else pulls from the source afterwards."""
        self._stopping.set()
        self._stream.close(ignore_errors=True)
        if self._producer.is_alive():
            self._producer.join(timeout=1.0)
