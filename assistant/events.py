"""The small immutable facts and requests that flow between stages.

Facts are nouns or past tense (`KeywordHeard`, `Spoken`); requests are imperatives (`Say`, `PlayCue`).
Every event carries `t_ms`, the audio-clock time at which it was emitted (milliseconds of audio since the
source started), never a wall-clock reading: wall-clock dates live only in the scheduler and the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    """The voice-activity gate opened. Followed by zero or more heard events, then SpeechStopped."""

    t_ms: int
    """Milliseconds of audio at which speech began."""


@dataclass(frozen=True, slots=True)
class SpeechStopped:
    """The voice-activity gate closed after enough silence."""

    t_ms: int
    """Milliseconds of audio at which the trailing silence ended."""


@dataclass(frozen=True, slots=True)
class KeywordHeard:
    """A pause word (or phrase) was heard and verified."""

    t_ms: int
    """Milliseconds of audio when the detection was emitted (the contract's `detected_at`)."""
    word: str
    """The configured pause word or phrase, as written in config."""
    start_ms: int
    """Milliseconds of audio at which the word began."""
    end_ms: int
    """Milliseconds of audio at which the word ended."""
    confidence: float
    """0..1; higher is surer. Compared with the sensitivity-derived threshold."""


@dataclass(frozen=True, slots=True)
class SignalHeard:
    """A pause signal without words was heard (an agreed knock or clap pattern); starts the same ritual as
    the pause word."""

    t_ms: int
    """Milliseconds of audio when the detection was emitted (the contract's `detected_at`)."""
    signal: str
    """Which signal: "knock" (a pattern of sharp sounds)."""
    start_ms: int
    """Milliseconds of audio at which the first sound of the pattern began."""
    end_ms: int
    """Milliseconds of audio at which the last sound of the pattern ended."""
    confidence: float = 1.0
    """0..1; the pattern matched (kept for the same shape as KeywordHeard)."""


@dataclass(frozen=True, slots=True)
class CommandHeard:
    """An in-session command (stop, skip, slower, faster, repeat, ...) was heard."""

    t_ms: int
    """Milliseconds of audio when the command was recognised."""
    command: str
    """Canonical command name, e.g. "stop"."""
    text: str = ""
    """The words actually recognised."""


@dataclass(frozen=True, slots=True)
class PhraseHeard:
    """A stretch of speech was recognised against an open or restricted vocabulary."""

    t_ms: int
    """Milliseconds of audio when the phrase ended."""
    text: str
    """Recognised words, lower case, single spaces."""
    confidence: float = 1.0
    """0..1."""


@dataclass(frozen=True, slots=True)
class NothingHeard:
    """Speech ended and nothing in the active vocabulary was recognised in it."""

    t_ms: int
    """Milliseconds of audio when the utterance ended."""


@dataclass(frozen=True, slots=True)
class Spoken:
    """The voice finished saying something (completion event, so the echo guard can lift)."""

    t_ms: int
    """Milliseconds of audio at which playback finished."""
    text: str
    """What was said."""


@dataclass(frozen=True, slots=True)
class Say:
    """Request: speak this text aloud (or print it when there is no voice)."""

    text: str
    """Words to speak."""
    t_ms: int = 0
    """Milliseconds on the session clock at which it was requested."""


@dataclass(frozen=True, slots=True)
class PlayCue:
    """Request: play a short non-speech cue (tone or chime)."""

    name: str
    """Cue name, e.g. "inhale", "exhale", "chime"."""
    seconds: float = 0.0
    """Length of the phase the cue introduces, in seconds."""
    t_ms: int = 0
    """Milliseconds on the session clock at which it was requested."""


@dataclass(frozen=True, slots=True)
class ListenFor:
    """Request: restrict recognition to this vocabulary (commands, yes/no, times)."""

    vocabulary: tuple[str, ...] = field(default_factory=tuple)
    """Phrases to listen for; empty means the pause word only."""
    t_ms: int = 0
    """Milliseconds on the session clock at which it was requested."""
