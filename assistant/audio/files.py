"""Audio files as a source: WAV or FLAC of any rate and channel count, as 16 kHz mono int16 blocks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000
"""Hertz; every source delivers this rate."""
SAMPLES_PER_BLOCK = 480
"""Default block length: 30 ms at 16 kHz."""


class AudioFileError(ValueError):
    """An audio file is missing, unreadable or in a format we cannot decode; the message says what to do."""


def read_audio(path: str | Path) -> np.ndarray:
    """The whole file as 16 kHz mono int16 (channels averaged, resampled with soxr)."""
    import soundfile as sf

    path = Path(path)
    if not path.exists():
        raise AudioFileError(f"{path}: no such audio file; check the path")
    if path.is_dir():
        raise AudioFileError(f"{path}: is a folder; give a WAV or FLAC file")
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as e:
        raise AudioFileError(
            f"{path}: cannot decode audio ({str(e).splitlines()[0]}); give a WAV or FLAC file, "
            "or convert it with: sox IN.mp3 -r 16000 -c 1 OUT.wav") from e
    if data.size == 0:
        raise AudioFileError(f"{path}: the file holds no audio samples")
    mono = data.mean(axis=1)
    if rate != SAMPLE_RATE:
        import soxr

        mono = soxr.resample(mono, rate, SAMPLE_RATE, quality="HQ")
    return (np.clip(mono, -1.0, 1.0) * 32767.0).astype(np.int16)


class FileSource:
    """Receives a path. Emits fixed-size int16 blocks of the decoded file (the last one zero-padded)."""

    sample_rate: int = SAMPLE_RATE

    def __init__(self, path: str | Path, samples_per_block: int = SAMPLES_PER_BLOCK) -> None:
        self.path = Path(path)
        self.samples_per_block = samples_per_block
        self.audio = read_audio(self.path)  # decode up front so a bad file fails before any work

    @property
    def seconds(self) -> float:
        return len(self.audio) / SAMPLE_RATE

    def frames(self) -> Iterator[np.ndarray]:
        n = self.samples_per_block
        for start in range(0, len(self.audio), n):
            block = self.audio[start:start + n]
            if len(block) < n:
                block = np.pad(block, (0, n - len(block)))
            yield block

    def close(self) -> None:
        pass
