"""The learned ear's front-end: Google's `speech_embedding`, one 96-value embedding per 80 ms of audio.

Receives 16 kHz int16 audio in blocks of any length. Emits embeddings, one per complete 1280-sample step,
each summarising the 775 ms of audio that ends with its step. The two ONNX models (a mel filterbank and
the embedding network, Apache-2.0) ship in the `openwakeword` wheel; they are loaded from its folder and
run with onnxruntime, never downloaded.

Chunking never changes a result: step k is always computed from the same samples (the step plus the 480
samples before it, for the mel frames that straddle the boundary), and the stream is taken as preceded by
silence. `embed_clip` computes the same embeddings for a whole clip at once, for training.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000
STEP_SAMPLES = 1280
"""Audio per embedding: 80 ms."""
STEP_SECONDS = STEP_SAMPLES / SAMPLE_RATE
EMBEDDING_SIZE = 96
MEL_BINS = 32
MEL_PER_STEP = 8
"""Mel frames (10 ms hop, 32 ms window) per step."""
MEL_WINDOW = 76
"""Mel frames the embedding network reads: 775 ms."""
_MEL_CONTEXT = 480
"""Samples before a step that its first mel frames overlap (512-sample window, 160-sample hop)."""
_PRE_ROLL_STEPS = 10
"""Steps of silence the stream is taken to start with, so the first embeddings have a full mel window."""


class FrontEndError(RuntimeError):
    """The embedding models cannot be loaded; the message says how to install them."""


def model_folder() -> Path:
    """The folder of the `openwakeword` wheel's ONNX models (found without importing the package)."""
    spec = importlib.util.find_spec("openwakeword")
    if spec is None or not spec.submodule_search_locations:
        raise FrontEndError("the learned pause-word model needs the openwakeword package: "
                            "pip install 'openwakeword==0.4.0' (it carries the speech embedding model)")
    folder = Path(next(iter(spec.submodule_search_locations))) / "resources" / "models"
    for name in ("melspectrogram.onnx", "embedding_model.onnx"):
        if not (folder / name).is_file():
            raise FrontEndError(f"{folder / name} is missing: reinstall it with "
                                "pip install --force-reinstall 'openwakeword==0.4.0'")
    return folder


@cache
def _sessions(threads: int = 1):
    """The two ONNX sessions, loaded once per process (about 2.5 MB of weights)."""
    # deferred: onnxruntime, ~60-75 ms after numpy (-X importtime): only the learned ear's front-end needs it
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    folder = model_folder()
    mel = ort.InferenceSession(str(folder / "melspectrogram.onnx"), options, providers=["CPUExecutionProvider"])
    emb = ort.InferenceSession(str(folder / "embedding_model.onnx"), options, providers=["CPUExecutionProvider"])
    return mel, emb


def _mel(audio: np.ndarray, threads: int = 1) -> np.ndarray:
    """Mel frames (frames, 32) of float32 audio in int16 units, scaled as the embedding network expects."""
    mel, _ = _sessions(threads)
    spec = mel.run(None, {"input": audio.astype(np.float32)[None, :]})[0]
    return np.squeeze(spec, axis=(0, 1)) / 10.0 + 2.0


def _embed_windows(windows: np.ndarray, threads: int = 1) -> np.ndarray:
    """Embeddings (n, 96) of mel windows (n, 76, 32)."""
    _, emb = _sessions(threads)
    out = []
    for i in range(0, len(windows), 256):  # a whole clip: 16 % less CPU than batches of 16, the same numbers
        batch = windows[i:i + 256, :, :, None].astype(np.float32)
        out.append(emb.run(None, {"input_1": batch})[0].reshape(len(batch), EMBEDDING_SIZE))
    return np.concatenate(out) if out else np.zeros((0, EMBEDDING_SIZE), np.float32)


def _step_mels(audio: np.ndarray, context: np.ndarray, threads: int = 1) -> np.ndarray:
    """Mel frames (steps * 8, 32) of whole steps, each step computed on its own with the 480 samples
    before it. One step per call: the mel model floors its output relative to the loudest frame of the
    whole input, so a longer input would make a quiet step depend on its loud neighbours."""
    joined = np.concatenate([context, audio]).astype(np.float32)
    steps = len(audio) // STEP_SAMPLES
    frames = [_mel(joined[k * STEP_SAMPLES:(k + 1) * STEP_SAMPLES + _MEL_CONTEXT], threads) for k in range(steps)]
    return np.concatenate(frames) if frames else np.zeros((0, MEL_BINS), np.float32)


@cache
def _silence_mel() -> np.ndarray:
    """The last mel window of the silent pre-roll: what the streaming form holds at the start."""
    silence = np.zeros(_PRE_ROLL_STEPS * STEP_SAMPLES, np.float32)
    return _step_mels(silence, np.zeros(_MEL_CONTEXT, np.float32))[-MEL_WINDOW:]


def embed_clip(audio: np.ndarray, *, threads: int = 1) -> np.ndarray:
    """Embeddings (steps, 96) of a whole clip: row k ends at sample (k + 1) * 1280, exactly what
    `SpeechEmbedder` emits for the same audio fed in any chunks."""
    audio = np.asarray(audio)
    steps = len(audio) // STEP_SAMPLES
    if steps == 0:
        return np.zeros((0, EMBEDDING_SIZE), np.float32)
    mel = np.concatenate([_silence_mel(), _step_mels(audio[:steps * STEP_SAMPLES],
                                                     np.zeros(_MEL_CONTEXT, np.float32), threads)])
    ends = MEL_WINDOW + MEL_PER_STEP * np.arange(1, steps + 1)
    windows = np.stack([mel[e - MEL_WINDOW:e] for e in ends])
    return _embed_windows(windows, threads)


class SpeechEmbedder:
    """Streaming embeddings on the audio clock.

    | want                       | do                                                   |
    |----------------------------|------------------------------------------------------|
    | embeddings as audio comes  | `for e in fe.process(block): ...` (0 or more rows)   |
    | how far it has got         | `fe.steps` (embeddings emitted so far)               |
    | start again (new stream)   | `fe.reset()`                                         |
    """

    def __init__(self, threads: int = 1) -> None:
        self._threads = threads
        _sessions(threads)  # fail now, with the fix, rather than on the first block
        self.reset()

    def reset(self) -> None:
        self._pending = np.zeros(0, np.float32)
        self._context = np.zeros(_MEL_CONTEXT, np.float32)
        self._mel = _silence_mel()
        self.steps = 0

    def process(self, block: np.ndarray) -> np.ndarray:
        """Embeddings (n, 96) for the steps this block completes."""
        self._pending = np.concatenate([self._pending, np.asarray(block).astype(np.float32)])
        rows = []
        while len(self._pending) >= STEP_SAMPLES:
            step, self._pending = self._pending[:STEP_SAMPLES], self._pending[STEP_SAMPLES:]
            frames = _step_mels(step, self._context, self._threads)
            self._context = step[-_MEL_CONTEXT:]
            self._mel = np.concatenate([self._mel, frames])[-MEL_WINDOW:]
            rows.append(self._mel)
            self.steps += 1
        if not rows:
            return np.zeros((0, EMBEDDING_SIZE), np.float32)
        return _embed_windows(np.stack(rows), self._threads)
