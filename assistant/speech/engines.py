"""Engine choice: which recognizer to build for a vocabulary, and where its model lives."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.config import Config
from assistant.speech.recognizer import Recognizer

_LOGGER = logging.getLogger(__name__)
_REPO_MODELS = Path(__file__).resolve().parents[2] / "models"


class EngineError(RuntimeError):
    """The chosen engine cannot run here; the message says how to fix it."""


@dataclass(frozen=True)
class EngineChoice:
    """Which engine, with which model, and why (said aloud by `doctor`, logged by `listen`)."""

    name: str
    """"vosk" or "pocketsphinx"."""
    model: Path | None
    """Vosk model folder; None for PocketSphinx's bundled model."""
    reason: str
    """One line explaining the choice."""


def model_folders() -> list[Path]:
    """Places a Vosk model may be installed, most specific first."""
    places = []
    if os.environ.get("ASSISTANT_MODELS"):
        places.append(Path(os.environ["ASSISTANT_MODELS"]))
    places += [Path.cwd() / "models", _REPO_MODELS]
    try:
        from platformdirs import user_data_dir

        places.append(Path(user_data_dir("pause-assistant")) / "models")
    except ImportError:  # pragma: no cover
        pass
    return places


def find_vosk_model() -> Path | None:
    """The first vosk-model-* folder in the model places, or None."""
    for place in model_folders():
        if place.is_dir():
            for candidate in sorted(place.glob("vosk-model*")):
                if (candidate / "am").is_dir():
                    return candidate
    return None


def choose_engine(config: Config, engine: str | None = None, model: str | Path | None = None) -> EngineChoice:
    """Resolve `auto`, and check that the chosen engine's model exists."""
    engine = engine or config.listener.engine
    asked = "--model" if model else f"listener.model{f' in {config.path}' if config.path else ''}"
    model = model or config.listener.model or None
    if model is not None and config.path is not None and not Path(model).is_absolute():
        model = config.path.parent / model
    if model is not None and engine in ("auto", "vosk") and not Path(model).is_dir():
        # asked for and missing: falling back to PocketSphinx would hide the mistake
        clear = "leave --model out" if asked == "--model" else 'clear it (model = "")'
        raise EngineError(f"no Vosk model at {model} (asked for by {asked}): get one with "
                          f"`.venv/bin/python scripts/download_model.py` and point {asked.split(' ')[0]} at it, "
                          f"or {clear} to use PocketSphinx")
    if engine == "pocketsphinx":
        return EngineChoice("pocketsphinx", None, "PocketSphinx with its bundled US English model (chosen in config)")
    if engine == "vosk":
        path = Path(model) if model else find_vosk_model()
        if path is None or not path.is_dir():
            where = path or "models/"
            raise EngineError(f"no Vosk model at {where}: run `python scripts/download_model.py`, set "
                              'listener.model to a model folder, or use listener.engine = "pocketsphinx"')
        return EngineChoice("vosk", path, f"Vosk with the model in {path}")
    if engine != "auto":
        raise EngineError(f"unknown engine {engine!r}: use auto, vosk or pocketsphinx")
    path = Path(model) if model else find_vosk_model()
    if path is not None and path.is_dir():
        return EngineChoice("vosk", path, f"Vosk with the model in {path} (auto: a Vosk model is installed)")
    return EngineChoice("pocketsphinx", None,
                        "PocketSphinx with its bundled US English model (auto: no Vosk model installed; "
                        "`python scripts/download_model.py` fetches one)")


def build_recognizer(choice: EngineChoice, phrases: Sequence[str], *, sensitivity: float = 0.5,
                     pronunciations: Mapping[str, str] | None = None,
                     fillers: Sequence[str] = ()) -> Recognizer:
    """A recognizer for `phrases` on the chosen engine."""
    if choice.name == "vosk":
        from assistant.speech.vosk_engine import VoskSpotter

        return VoskSpotter(choice.model, phrases, fillers=list(fillers) or None)  # type: ignore[arg-type]
    from assistant.speech.sphinx_engine import SphinxSpotter

    return SphinxSpotter(phrases, sensitivity=sensitivity, pronunciations=pronunciations)


def build_detector(config: Config, words: Sequence[str] | None = None, *, engine: str | None = None,
                   model: str | Path | None = None, data_folder: Path | None = None,
                   detector: str | None = None):
    """The pause-word detector `listen` and `detect` share.

    learned (default): the speech-embedding front-end and a head per word (trained first if the word has
    none, with progress on stderr), fused with PocketSphinx keyword search (`fusion.py`); keyword: the
    engine's keyword search behind a VAD gate. Both with the
    configured thresholds and debounce. Returns (detector, engine choice); the choice also serves the
    command and time recognizers.
    """
    from assistant.audio.vad import VadGate
    from assistant.speech.detector import PauseWordDetector

    listener = config.listener
    choice = choose_engine(config, engine, model)
    phrases = list(words or listener.pause_words)
    if (detector or listener.detector) == "learned":
        from assistant.speech.ear import learned_spotter  # onnxruntime and the heads: only this detector
        from assistant.speech.fusion import FusedSpotter
        from assistant.store import data_dir

        check = None
        if listener.second_stage:
            from assistant.hearing.word_check import background_check  # Whisper: loaded in the background

            check = background_check(config.hearing.model)
        spotter = FusedSpotter(learned_spotter(phrases, data_folder or data_dir()),
                               pronunciations=listener.pronunciations, check=check)
        detector = PauseWordDetector(spotter, sensitivity=listener.sensitivity, thresholds=listener.thresholds,
                                     debounce_seconds=listener.debounce_seconds)
        return detector, choice
    recognizer = build_recognizer(choice, phrases, sensitivity=listener.sensitivity,
                                  pronunciations=listener.pronunciations, fillers=listener.filler_words)
    detector = PauseWordDetector(recognizer, sensitivity=listener.sensitivity, thresholds=listener.thresholds,
                                 debounce_seconds=listener.debounce_seconds, gate=VadGate())
    return detector, choice
