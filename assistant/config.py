"""config.toml -> frozen dataclasses; every error names the file, the key and the fix."""

from __future__ import annotations

import dataclasses
import math
import os
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_config_dir

from assistant.session import exercises

ENGINES = ("auto", "vosk", "pocketsphinx")
DETECTORS = ("learned", "keyword")
SIGNALS = ("word", "knock")
DEFAULT_CONFIG_NAME = "config.toml"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
"""Weekday names a weekly ritual may be set on (or their first three letters or more)."""
_RITUAL_TIME = re.compile(r"^(?:(?P<day>[a-z]+)\s+)?(?P<hour>\d{1,2}):(?P<minute>\d{2})$")


class ConfigError(ValueError):
    """A config value is wrong; the message names the dotted key and how to fix it."""


@dataclass(frozen=True)
class ListenerConfig:
    """How the pause word is heard."""

    pause_words: tuple[str, ...] = ("timeout",)
    """The agreed pause words or short phrases; either partner may say any of them."""
    detector: str = "learned"
    """learned: a small model of the pause word, trained on this machine from many voices (and the couple's
    own, at set-up), over a pretrained speech front-end. keyword: the speech engine's keyword search alone."""
    engine: str = "auto"
    """auto | vosk | pocketsphinx. auto picks Vosk when a Vosk model is installed, else PocketSphinx."""
    model: str = ""
    """Folder of a Vosk model; empty means the first vosk-model-* folder in models/."""
    sensitivity: float = 0.5
    """0..1: higher hears more (fewer misses, more false alarms)."""
    thresholds: dict[str, float] = field(default_factory=dict)
    """Per-word confidence thresholds from `assistant setup` (word -> 0..1); override sensitivity."""
    pronunciations: dict[str, str] = field(default_factory=dict)
    """Sounds of words the model does not know (word -> CMU phones, e.g. zorp = "Z AO R P")."""
    filler_words: tuple[str, ...] = ()
    """Vosk only: ordinary words other speech can land on, for a model that ships no word list."""
    debounce_seconds: float = 2.0
    """A second detection of the same word within this many seconds is ignored."""
    second_stage: bool = True
    """Learned detector: every candidate the word model proposes is checked by the speech recogniser (Whisper,
    on the last two seconds of sound, in memory) before a pause starts."""
    learn: bool = True
    """Learned detector: keep near misses and cancelled triggers as short numeric fingerprints of sound
    (never audio) and retrain the word model on them in the background; false keeps nothing."""
    input_device: str = ""
    """Microphone name or index as `assistant devices` lists it; empty is the system default."""
    signals: tuple[str, ...] = ("word",)
    """What starts the pause: "word" (a pause word) and/or "knock" (an agreed pattern of knocks or claps)."""
    knock_pattern: tuple[float, ...] = (0.3,)
    """Seconds between successive knocks: [0.3] is two knocks 0.3 s apart, [0.3, 0.3] three."""
    knock_tolerance: float = 0.35
    """How far each gap may stray from the agreed one, as a fraction of it."""
    knock_level_db: float = 10.0
    """dB each knock must stand above the room's recent background (set-up sets it from your own knocks)."""
    knock_sensitivity: float = 0.5
    """0..1: higher hears softer or more muffled knocks, with more false alarms."""

    def __post_init__(self) -> None:
        if not self.signals or any(s not in SIGNALS for s in self.signals):
            raise ConfigError(f"listener.signals: {list(self.signals)!r} is not a list of signals; use one or both "
                              f'of {", ".join(SIGNALS)}, e.g. signals = ["word", "knock"]')
        if not self.knock_pattern or not all(0.1 <= g <= 2.0 for g in self.knock_pattern):
            raise ConfigError(f"listener.knock_pattern: {list(self.knock_pattern)!r} must be one or more gaps of "
                              "0.1..2 seconds between knocks, e.g. [0.3] for two knocks")
        if not 0.05 <= self.knock_tolerance <= 0.6:
            raise ConfigError(f"listener.knock_tolerance: {self.knock_tolerance} is outside 0.05..0.6; 0.35 is the default")
        if not 0.0 <= self.knock_sensitivity <= 1.0:
            raise ConfigError(f"listener.knock_sensitivity: {self.knock_sensitivity} is outside 0..1; 0.5 is the default")
        if not 0.0 <= self.knock_level_db <= 40.0:
            raise ConfigError(f"listener.knock_level_db: {self.knock_level_db} is outside 0..40; 10 is the default")
        if not self.pause_words or not all(isinstance(w, str) and w.strip() for w in self.pause_words):
            raise ConfigError('listener.pause_words: give at least one word, e.g. pause_words = ["timeout"]')
        if self.detector not in DETECTORS:
            raise ConfigError(f"listener.detector: {self.detector!r} is not a detector; use one of "
                              f"{', '.join(DETECTORS)} (learned is the default)")
        if self.engine not in ENGINES:
            raise ConfigError(f"listener.engine: {self.engine!r} is not an engine; use one of {', '.join(ENGINES)}")
        if not 0.0 <= self.sensitivity <= 1.0:
            raise ConfigError(f"listener.sensitivity: {self.sensitivity} is outside 0..1; 0.5 is the default")
        for word, value in self.thresholds.items():
            if not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise ConfigError(f"listener.thresholds.{word}: {value!r} must be a number in 0..1")
        if self.debounce_seconds < 0:
            raise ConfigError("listener.debounce_seconds: must be zero or more seconds")

    def knock(self):
        """The knock signal these keys describe (a `KnockPattern`); ValueError for a value out of range."""
        # deferred: numpy, ~0.1-0.2 s, measured with -X importtime: `--help` and `when` load config, not numpy
        from assistant.audio.knock import KnockPattern

        return KnockPattern(self.knock_pattern, self.knock_tolerance, self.knock_level_db, self.knock_sensitivity)


@dataclass(frozen=True)
class VoiceConfig:
    """How the assistant speaks."""

    enabled: bool = True
    """false prints what would be said instead of speaking it."""
    rate_wpm: int = 150
    """Speaking rate in words per minute; slow and calm is the point."""
    voice: str = ""
    """A pyttsx3/espeak-ng voice id or name; empty is the default voice."""
    volume: float = 0.9
    """0..1 playback volume of speech and tones."""
    output_device: str = ""
    """Speaker name or index as `assistant devices` lists it; empty is the system default."""

    def __post_init__(self) -> None:
        if not 60 <= self.rate_wpm <= 400:
            raise ConfigError(f"voice.rate_wpm: {self.rate_wpm} is outside 60..400; 150 is the default")
        if not 0.0 <= self.volume <= 1.0:
            raise ConfigError(f"voice.volume: {self.volume} is outside 0..1")


@dataclass(frozen=True)
class HearingConfig:
    """How what is said after the pause word is heard (answers, times, commands)."""

    model: str = ""
    """Folder of a CTranslate2 Whisper model (e.g. base.en from `scripts/download_model.py --whisper base.en`);
    empty is the tiny.en model that ships with the package."""

    def __post_init__(self) -> None:
        if self.model and not (Path(self.model).expanduser() / "model.bin").is_file():
            raise ConfigError(f"hearing.model: {self.model} holds no CTranslate2 Whisper model (model.bin); "
                              "fetch one with `python scripts/download_model.py --whisper base.en`, or leave it "
                              'empty ("") for the shipped tiny.en')


@dataclass(frozen=True)
class AgreementConfig:
    """Bounds on the agreed resume time."""

    min_break_minutes: float = 20
    """Sooner than this gets a warning: a flooded body needs about twenty minutes to settle."""
    max_break_hours: float = 48
    """Later than this gets a warning: a long gap can feel like the talk was dropped."""

    def __post_init__(self) -> None:
        if self.min_break_minutes < 0:
            raise ConfigError("agreement.min_break_minutes: must be zero or more")
        if self.max_break_hours <= 0 or self.max_break_hours * 60 < self.min_break_minutes:
            raise ConfigError("agreement.max_break_hours: must be more than agreement.min_break_minutes")


@dataclass(frozen=True)
class SessionConfig:
    """The guided session after the pause word: which breathing pattern, how long, which grounding script.

    Custom patterns go in their own tables and can then be chosen by name:
    [session.patterns.slow]
    phases = [["inhale", 4], ["hold", 2], ["exhale", 7]]   # phase names: inhale, sigh_inhale, hold, exhale, hold_out
    cycles = 8                                              # optional: cycles when neither cycles nor minutes is set
    description = "A slow one"                              # optional
    """

    pattern: str = "extended_exhale"
    """Breathing pattern: extended_exhale (4 in / 6 out, the gentle default), coherent, box, 4-7-8,
    cyclic_sighing, or the name of a custom pattern under [session.patterns]."""
    minutes: float = 2.0
    """How long to breathe, in minutes (used when cycles is 0)."""
    cycles: int = 0
    """How many breathing cycles; 0 means use minutes."""
    spoken_cycles: int = 2
    """How many cycles have each phase named aloud before the tones carry on alone."""
    grounding: str = "senses"
    """Grounding script after breathing: senses (5-4-3-2-1), movement, temperature, weighted; "" skips it."""
    patterns: dict[str, dict] = field(default_factory=dict)
    """Custom breathing patterns: name -> {phases = [[phase, seconds], ...], cycles, description}."""

    def __post_init__(self) -> None:
        if not 0 < self.minutes <= 60:
            raise ConfigError(f"session.minutes: {self.minutes} is outside 0..60; 2 is the default")
        if not 0 <= self.cycles <= 500:
            raise ConfigError(f"session.cycles: {self.cycles} is outside 0..500; 0 means use session.minutes")
        if not 0 <= self.spoken_cycles <= 100:
            raise ConfigError(f"session.spoken_cycles: {self.spoken_cycles} is outside 0..100; 2 is the default")
        try:
            custom = exercises.parse_patterns(self.patterns, "session.patterns")
        except exercises.PatternError as e:
            raise ConfigError(str(e)) from None
        known = [*exercises.PATTERNS, *custom]
        pattern = exercises.find_name(self.pattern, known)
        if pattern is None:
            raise ConfigError(f"session.pattern: {self.pattern!r} is not a pattern; use one of {', '.join(known)}"
                              " or add it under [session.patterns]")
        # "extended exhale" or "extended-exhale" is the pattern extended_exhale: keep the name it is listed by
        object.__setattr__(self, "pattern", pattern)
        if self.grounding:
            script = exercises.find_name(self.grounding, exercises.SCRIPTS)
            if script is None:
                raise ConfigError(f"session.grounding: {self.grounding!r} is not a grounding script; use one of "
                                  f"{', '.join(exercises.SCRIPTS)}, or \"\" to skip grounding")
            object.__setattr__(self, "grounding", script)


def parse_ritual_time(text: str, *, weekly: bool) -> tuple[int | None, int, int] | None:
    """ "20:30" -> (None, 20, 30); "sunday 19:00" -> (6, 19, 0); "" -> None. Raises ValueError with the fix."""
    text = text.strip().lower()
    if not text:
        return None
    example = '"sunday 19:00"' if weekly else '"20:30"'
    match = _RITUAL_TIME.match(text)
    if not match or int(match["hour"]) > 23 or int(match["minute"]) > 59:
        raise ValueError(f"{text!r} is not a time; write it like {example} (24-hour clock), or \"\" for none")
    day = match["day"]
    if weekly != (day is not None):
        raise ValueError(f"{text!r}: write it like {example}" + (" (with the weekday)" if weekly else ""))
    weekday = None
    if day is not None:
        found = [i for i, name in enumerate(WEEKDAYS) if name.startswith(day) and len(day) >= 3]
        if not found:
            raise ValueError(f"{day!r} is not a weekday; use one of {', '.join(WEEKDAYS)}")
        weekday = found[0]
    return weekday, int(match["hour"]), int(match["minute"])


@dataclass(frozen=True)
class RemindersConfig:
    """Snoozing and the recurring rituals; times are local wall-clock times on a 24-hour clock."""

    snooze_minutes: float = 10
    """How long "snooze" (or "not yet") puts a reminder off when no number of minutes is heard."""
    daily_checkin: str = ""
    """A daily check-in at "HH:MM", e.g. "20:30"; "" means none."""
    money_date: str = ""
    """A weekly money date at "weekday HH:MM", e.g. "sunday 19:00"; "" means none."""
    ritual_grace_minutes: float = 60
    """A ritual missed by more than this while the assistant was off is skipped, not read out late."""

    def __post_init__(self) -> None:
        if not 1 <= self.snooze_minutes <= 240:
            raise ConfigError(f"reminders.snooze_minutes: {self.snooze_minutes} is outside 1..240; 10 is the default")
        if not 0 <= self.ritual_grace_minutes <= 24 * 60:
            raise ConfigError(f"reminders.ritual_grace_minutes: {self.ritual_grace_minutes} is outside 0..1440; "
                              "60 is the default")
        for key, weekly in (("daily_checkin", False), ("money_date", True)):
            try:
                parse_ritual_time(getattr(self, key), weekly=weekly)
            except ValueError as e:
                raise ConfigError(f"reminders.{key}: {e}") from None


@dataclass(frozen=True)
class CommitmentsConfig:
    """Commitments said aloud, kept after a yes and brought back at the check-in."""

    partners: tuple[str, ...] = ()
    """Your first names, e.g. ["Sam", "Alex"]: a new commitment then asks whose it is (skippable)."""

    def __post_init__(self) -> None:
        if any(not name.strip() for name in self.partners) or len(set(self.partners)) != len(self.partners):
            raise ConfigError(f"commitments.partners: {list(self.partners)} must be different, non-empty names")


@dataclass(frozen=True)
class Config:
    """The whole configuration, mirroring the tables of config.toml."""

    listener: ListenerConfig = field(default_factory=ListenerConfig)
    voice: VoiceConfig = field(default_factory=VoiceConfig)
    hearing: HearingConfig = field(default_factory=HearingConfig)
    agreement: AgreementConfig = field(default_factory=AgreementConfig)
    session: SessionConfig = field(default_factory=SessionConfig)
    reminders: RemindersConfig = field(default_factory=RemindersConfig)
    commitments: CommitmentsConfig = field(default_factory=CommitmentsConfig)
    path: Path | None = None
    """The file this was read from, if any (model paths are relative to its folder)."""


def _coerce(value: object, hint: object, key: str, default: object = None) -> object:
    origin = typing.get_origin(hint)
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{key}: expected a number, got {value!r}")
        if not math.isfinite(value):  # TOML has nan and inf; every check after this would let them through
            example = f"the default is {default:g}" if isinstance(default, (int, float)) else "e.g. 0.5"
            raise ConfigError(f"{key}: {value} is not a usable number; write an ordinary number ({example})")
        return float(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key}: expected a whole number, got {value!r}")
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key}: expected true or false, got {value!r}")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f'{key}: expected text in quotes, got {value!r}')
        return value
    if origin is tuple:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise ConfigError(f'{key}: expected a list such as ["a", "b"], got {value!r}')
        (item_hint, _ellipsis) = typing.get_args(hint)
        return tuple(_coerce(v, item_hint, f"{key}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{key}: expected a table, got {value!r}")
        _, val_hint = typing.get_args(hint)
        return {k: _coerce(v, val_hint, f"{key}.{k}") for k, v in value.items()}
    if origin in (types.UnionType, typing.Union):
        return value
    return value


def _build(cls: type, table: dict, prefix: str) -> object:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name != "path"}
    known = set(fields)
    for key in table:
        if key not in known:
            where = f"{prefix}.{key}" if prefix else key
            raise ConfigError(f"{where}: unknown key; known keys here are {', '.join(sorted(known))}")
    kwargs = {}
    for name in known:
        if name not in table:
            continue
        key = f"{prefix}.{name}" if prefix else name
        hint = hints[name]
        if dataclasses.is_dataclass(hint):
            if not isinstance(table[name], dict):
                raise ConfigError(f"{key}: expected a table [{key}]")
            kwargs[name] = _build(hint, table[name], key)
        else:
            default = fields[name].default
            kwargs[name] = _coerce(table[name], hint, key, None if default is dataclasses.MISSING else default)
    return cls(**kwargs)


def parse_config(text: str, path: Path | None = None) -> Config:
    """Parse TOML text into a Config, or raise ConfigError naming the key."""
    where = str(path) if path else "config"
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{where}: not valid TOML ({e}); fix the line it names") from e
    config = _build(Config, table, "")
    return dataclasses.replace(config, path=path)  # type: ignore[type-var]


def default_config_path() -> Path | None:
    """$ASSISTANT_CONFIG, else ./config.toml, else the user config folder's config.toml, else None."""
    env = os.environ.get("ASSISTANT_CONFIG")
    if env:
        return Path(env)
    here = Path.cwd() / DEFAULT_CONFIG_NAME
    if here.is_file():
        return here
    user = Path(user_config_dir("pause-assistant")) / DEFAULT_CONFIG_NAME
    return user if user.is_file() else None


def load_config(path: Path | str | None = None) -> Config:
    """Load config from `path` (or the default place); defaults when there is no file at all."""
    if path is None:
        path = default_config_path()
        if path is None:
            return Config()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise ConfigError(f"{path}: no such config file; pass --config with an existing file") from e
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read config ({e})") from e
    try:
        return parse_config(text, path)
    except ConfigError as e:
        if str(e).startswith(f"{path}:"):
            raise
        raise ConfigError(f"{path}: {e}") from None  # which file, as well as which key
