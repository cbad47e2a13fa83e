"""Audio files as a source: WAV or FLAC of any rate and channel count, as 16 kHz mono int16 blocks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

SAMPLE_RATE = 16000
"""Hertz; every source delivers this rate."""
SAMPLES_PER_BLOCK = 480
"""Default block length: 30 ms at 16 kHz."""


class AudioFileError(ValueError):
    """An audio file is missing, unreadable or in a format we cannot decode; the message says what to do."""


def read_audio(path: str | Path) -> np.ndarray:
    """The whole file as 16 kHz mono int16 (channels averaged, resampled with soxr)."""
    path = Path(path)
    _open_info(path)
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as e:
        raise AudioFileError(f"{path}: cannot decode audio ({str(e).splitlines()[0]}); give a WAV or FLAC "
                             "file, or convert it with: sox IN.mp3 -r 16000 -c 1 OUT.wav") from e
    mono = data.mean(axis=1)
    if rate != SAMPLE_RATE:
        mono = soxr.resample(mono, rate, SAMPLE_RATE, quality="HQ")
    return _to_int16(mono)


class FileSource:
    """Receives a path. Emits fixed-size int16 blocks of the decoded file (the last one zero-padded).

    Streams: the file is read and resampled a chunk at a time, so an eight-hour recording costs the same
    memory as a short one. The header is checked on opening, so a file that is not audio fails before any
    work; a file that breaks part-way raises AudioFileError from `frames()`.
    """

    sample_rate: int = SAMPLE_RATE
    _CHUNK_FRAMES = 1 << 16
    """Frames read from the file at a time (about 4 s at 16 kHz)."""

    def __init__(self, path: str | Path, samples_per_block: int = SAMPLES_PER_BLOCK) -> None:
        self.path = Path(path)
        self.samples_per_block = samples_per_block
        info = _open_info(self.path)
        self._rate, self._frames = info.samplerate, info.frames

    @property
    def seconds(self) -> float:
        """Length of the file in seconds (from its header)."""
        return self._frames / self._rate

    def frames(self) -> Iterator[np.ndarray]:
        n = self.samples_per_block
        pending = np.zeros(0, dtype=np.int16)
        resampler = None
        if self._rate != SAMPLE_RATE:
            resampler = soxr.ResampleStream(self._rate, SAMPLE_RATE, 1, dtype="float32", quality="HQ")
        try:
            with sf.SoundFile(str(self.path)) as f:
                while True:
                    data = f.read(self._CHUNK_FRAMES, dtype="float32", always_2d=True)
                    last = len(data) < self._CHUNK_FRAMES
                    mono = data.mean(axis=1)
                    if resampler is not None:
                        mono = resampler.resample_chunk(mono, last=last)
                    pending = np.concatenate([pending, _to_int16(mono)])
                    usable = len(pending) - len(pending) % n
                    for start in range(0, usable, n):
                        yield pending[start:start + n]
                    pending = pending[usable:]
                    if last:
                        break
        except (sf.LibsndfileError, RuntimeError) as e:
            raise AudioFileError(f"{self.path}: the audio breaks off part-way ({str(e).splitlines()[0]}); "
                                 "re-export or convert it with: sox IN OUT.wav") from e
        if len(pending):
            yield np.pad(pending, (0, n - len(pending)))

    def close(self) -> None:
        pass


def _to_int16(mono: np.ndarray) -> np.ndarray:
    return (np.clip(mono, -1.0, 1.0) * 32767.0).astype(np.int16)


def _open_info(path: Path):
    """The file's header (rate, frame count), or an AudioFileError that says what to do."""
    if not path.exists():
        raise AudioFileError(f"{path}: no such audio file; check the path")
    if path.is_dir():
        raise AudioFileError(f"{path}: is a folder; give a WAV or FLAC file")
    if path.stat().st_size == 0:
        raise AudioFileError(f"{path}: the file is empty (0 bytes); give a WAV or FLAC recording")
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, TypeError) as e:
        raise AudioFileError(
            f"{path}: cannot decode audio ({str(e).splitlines()[0]}); give a WAV or FLAC file, "
            "or convert it with: sox IN.mp3 -r 16000 -c 1 OUT.wav") from e
    if info.frames <= 0:
        raise AudioFileError(f"{path}: the file holds no audio samples")
    return info
