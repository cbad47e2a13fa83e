"""Engine choice: which recognizer to build for a vocabulary, and where its model lives."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

from assistant.config import Config
from assistant.hearing.recognizer import Recognizer
from assistant.hearing.sphinx_engine import SphinxSpotter
from assistant.hearing.vosk_engine import VoskSpotter

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
    places.append(Path(user_data_dir("pause-assistant")) / "models")
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
        return VoskSpotter(choice.model, phrases, fillers=list(fillers) or None)  # type: ignore[arg-type]
    return SphinxSpotter(phrases, sensitivity=sensitivity, pronunciations=pronunciations)
