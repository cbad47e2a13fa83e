"""Audio sinks: play clips on a speaker, or append them to a WAV file for tests and rendering."""

from __future__ import annotations

import functools
import logging
import threading
from pathlib import Path
from typing import Any, Protocol, Self

import numpy as np
import soundfile

from .devices import DeviceError, _sd, find_device

__all__ = ["AudioSink", "SpeakerSink", "WavSink"]

_LOGGER = logging.getLogger(__name__)

_POLL_SECONDS = 0.1
"""How often play() checks that the stream is still alive."""


class AudioSink(Protocol):
    """Receives clips. play() returns once the clip was heard, or early after stop()."""

    def play(self, samples: np.ndarray, sample_rate: int) -> None: ...

    def stop(self) -> None: ...


def _as_mono_float32(samples: np.ndarray) -> np.ndarray:
    """float32 in [-1, 1] from int16 or float, mixing (frames, channels) down to mono."""
    samples = np.asarray(samples)
    if samples.dtype == np.int16:
        samples = samples / 32768.0
    if samples.ndim == 2:
        samples = samples.mean(axis=1)
    return np.ascontiguousarray(samples, dtype=np.float32)


class _Playback:
    """One clip being fed to a stream, shared between play() and the PortAudio callback."""

    __slots__ = ("consumed", "position", "sample_rate", "samples", "stopped")

    def __init__(self, samples: np.ndarray, sample_rate: int) -> None:
        self.samples = samples
        self.sample_rate = sample_rate
        self.position = 0
        self.consumed = threading.Event()
        """Set by the callback when the last sample was handed over, or by stop()."""
        self.stopped = threading.Event()


class SpeakerSink:
    """Plays on a sound device through one output stream per sample rate, opened on first use.

    Streams keep running (writing silence when idle) until close(), because a new PulseAudio stream can
    start up to seconds late; switching rates (tones at 16 kHz, speech at 22.05 kHz) costs nothing after
    the first clip. Output only: a duplex stream on `pulse` underruns.
    """

    def __init__(self, device: str | int | None = None, latency: str | float = "low") -> None:
        self._sd = _sd()
        self._spec = device
        self._device = find_device(device, "output")
        self._latency = latency
        self._streams: dict[int, Any] = {}
        self._current: _Playback | None = None
        self._play_lock = threading.Lock()
        self.underflows = 0
        """Callbacks in which PortAudio ran out of output (counted, never printed from the callback)."""

    def _callback(self, sample_rate: int, outdata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        """Runs on PortAudio's thread: copy the next slice of the current clip, or silence."""
        if status.output_underflow:
            self.underflows += 1
        playback = self._current
        if playback is None or playback.sample_rate != sample_rate or playback.consumed.is_set():
            outdata.fill(0)
            return
        chunk = playback.samples[playback.position : playback.position + frames]
        outdata[: len(chunk), 0] = chunk
        outdata[len(chunk) :] = 0
        playback.position += len(chunk)
        if playback.position >= len(playback.samples):
            playback.consumed.set()

    def _stream_for(self, sample_rate: int) -> Any:
        stream = self._streams.get(sample_rate)
        if stream is None:
            sd = self._sd
            try:
                stream = sd.OutputStream(
                    samplerate=sample_rate,
                    channels=1,
                    dtype="float32",
                    device=self._device,
                    latency=self._latency,
                    callback=functools.partial(self._callback, sample_rate),
                )
                stream.start()
            except sd.PortAudioError as err:
                raise DeviceError(
                    f"cannot open speaker {self._spec!r} at {sample_rate} Hz ({err}): choose another with "
                    "`assistant devices` and set voice.output_device in config.toml"
                ) from err
            self._streams[sample_rate] = stream
            _LOGGER.debug("speaker %r open at %d Hz, latency %.3f s", self._spec, sample_rate, stream.latency)
        return stream

    def play(self, samples: np.ndarray, sample_rate: int) -> None:
        """Play a mono (or multi-channel, mixed down) clip; block until heard or stop() is called."""
        clip = _as_mono_float32(samples)
        with self._play_lock:
            stream = self._stream_for(sample_rate)
            playback = _Playback(clip, sample_rate)
            self._current = playback
            try:
                while not playback.consumed.wait(_POLL_SECONDS):
                    if not stream.active:
                        raise DeviceError(
                            "the speaker stream stopped (device unplugged?): reconnect it, or check "
                            "`assistant devices` and voice.output_device in config.toml"
                        )
                # The last samples are still in the device buffer: wait until they are heard.
                playback.stopped.wait(stream.latency)
            finally:
                self._current = None

    def stop(self) -> None:
        """Cut the current clip short (from any thread); play() returns within one callback period."""
        playback = self._current
        if playback is not None:
            playback.stopped.set()
            playback.consumed.set()

    def close(self) -> None:
        """Stop playing and close every stream."""
        self.stop()
        for stream in self._streams.values():
            stream.close(ignore_errors=True)
        self._streams.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class WavSink:
    """Appends every clip to one WAV file (created on the first play, overwriting), instead of a speaker.

    All clips must share one sample rate; the file is flushed after each clip so it can be read meanwhile.
    """

    def __init__(self, path: str | Path, subtype: str = "PCM_16") -> None:
        self.path = Path(path)
        self._subtype = subtype
        self._file: Any = None

    def play(self, samples: np.ndarray, sample_rate: int) -> None:
        """Append the clip; returns at once (nothing is heard, so there is nothing to wait for)."""
        if self._file is None:
            self._file = soundfile.SoundFile(
                self.path, "w", samplerate=sample_rate, channels=1, subtype=self._subtype
            )
        elif self._file.samplerate != sample_rate:
            raise ValueError(
                f"WavSink {self.path} is {self._file.samplerate} Hz; got a clip at {sample_rate} Hz: "
                "resample it first"
            )
        self._file.write(_as_mono_float32(samples))
        self._file.flush()

    def stop(self) -> None:
        """Nothing to interrupt: play() never blocks."""

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
