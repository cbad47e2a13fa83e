"""The small immutable facts and requests that really flow between stages, and nothing else.

Facts are nouns or past tense (`KeywordHeard`, `Spoken`); requests are imperatives (`Say`, `PlayCue`).
Every event carries `t_ms`, the audio-clock time at which it was emitted (milliseconds of audio since the
source started), never a wall-clock reading: wall-clock dates live only in the scheduler, the store and the
requests that are written to it (`ReminderDue`, `RecordDelivery`).

| event          | from                        | to                      |
|----------------|-----------------------------|-------------------------|
| KeywordHeard   | hearing/detector.py         | app (pause word)        |
| SignalHeard    | audio/knock.py              | app (pause signal)      |
| SpeakingStarted, Spoken, ExerciseDone | output/voice_output.py | app, setup (echo guard, dialog) |
| ReminderDue    | scheduler.py                | app (reads a deck)      |
| Say, ListenFor, StartExercise, ControlPacer | session/machine.py | app -> voice output, detectors |
| Say            | session/dialog.py           | app -> voice output     |
| PlayCue, Say, RecordDelivery | session/reconnect.py | app, cli -> voice output, store |
| Say, KeepCommitment, RecordCommitmentCheck | session/commitments.py | live/commitments.py -> voice, store |
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal


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
class SpeakingStarted:
    """The voice began saying a requested line (a typed session counts it as asked once shown). Followed by
    `Spoken` with the same text once it has been said to its end."""

    t_ms: int
    """Milliseconds of output audio (samples handed to the speaker) at which the line began."""
    text: str
    """What is being said."""


@dataclass(frozen=True, slots=True)
class Spoken:
    """The voice finished saying something (completion event, so the echo guard can lift)."""

    t_ms: int
    """Milliseconds of output audio (samples handed to the speaker) at which playback finished."""
    text: str
    """What was said."""


@dataclass(frozen=True, slots=True)
class ExerciseDone:
    """An exercise's timeline has played to its end (or was stopped and faded out)."""

    t_ms: int
    """Milliseconds of output audio (samples handed to the speaker) at which it ended."""


@dataclass(frozen=True, slots=True)
class ReminderDue:
    """A resume time (or a ritual) has come. The dialog follows with a chime, the reminder, then the deck.

    Emitted once per due time across all processes; `snooze` makes an agreement due again later.
    """

    agreement_id: int | None
    """The agreement's id (`assistant reminders cancel ID`); None for a ritual."""
    resume_at: datetime
    """When it was due (the snoozed time after a snooze), in the local zone it was agreed in."""
    heard: str
    """The phrase the time was agreed with, e.g. "at seven"; for a ritual its name, e.g. "daily check-in"."""
    late_by_seconds: float
    """Seconds between `resume_at` and the `now` it was found at (0 or a little more when on time)."""
    caught_up: bool
    """True when more than a minute late: it was missed while the assistant was not running."""
    deck: str = "reconnection"
    """The prompt deck to read: reconnection for an agreement, the ritual's deck otherwise."""
    ritual: str = ""
    """The ritual's name (daily_checkin, money_date); "" for an agreement."""
    t_ms: int = 0
    """Milliseconds of audio when emitted; 0, as the scheduler runs on wall-clock time."""


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


@dataclass(frozen=True, slots=True)
class StartExercise:
    """Request: build this exercise's timeline and play it; `ExerciseDone` follows when it ends."""

    kind: Literal["breathing", "grounding"]
    """Which kind of exercise."""
    name: str
    """Pattern or script name (exercises.PATTERNS / SCRIPTS, or a custom pattern from config)."""
    cycles: int = 0
    """Breathing cycles; 0 means use `minutes`."""
    minutes: float = 0.0
    """Breathing minutes when cycles is 0."""
    tempo_steps: int = 0
    """Slower (+) or faster (-) steps asked for before the exercise began."""
    t_ms: int = 0
    """Milliseconds on the session clock at which it was requested."""


@dataclass(frozen=True, slots=True)
class ControlPacer:
    """Request: pass a command to the running pacer; it applies at the next block of sound."""

    command: Literal["stop", "skip", "slower", "faster", "repeat"]
    """Pacer method name."""
    t_ms: int = 0
    """Milliseconds on the session clock at which it was requested."""


@dataclass(frozen=True, slots=True)
class RecordDelivery:
    """Request: remember in the store that a prompt was read (the couple moved on from it)."""

    deck: str
    """The deck's name, e.g. "reconnection"."""
    prompt_id: str
    """The prompt's stable id within its deck."""
    at: datetime
    """Wall-clock time (aware) at which it was read."""
    t_ms: int = 0
    """Milliseconds of audio when requested; 0, as a reading is timed on the wall clock."""


@dataclass(frozen=True, slots=True)
class KeepCommitment:
    """Request: store a commitment the couple said yes to (emitted only after the yes, so nothing is stored
    while it is being confirmed)."""

    text: str
    """In the partner's own words, as said or typed ("I'll tell you when I'm late"); never audio."""
    by: str | None = None
    """Whose it is (a name from commitments.partners), or None when not said."""
    t_ms: int = 0
    """Milliseconds of audio when requested; 0 when typed."""


@dataclass(frozen=True, slots=True)
class RecordCommitmentCheck:
    """Request: store how an open commitment went when it was brought back."""

    commitment_id: int
    outcome: Literal["kept", "not_yet", "changed", "dropped"]
    """kept: thanked and kept open; not_yet: kept open; changed: kept open in `text`; dropped: let go."""
    text: str | None = None
    """The new wording, for "changed"."""
    t_ms: int = 0
    """Milliseconds of audio when requested; 0 when typed."""


__all__ = [
    "ControlPacer",
    "ExerciseDone",
    "KeepCommitment",
    "KeywordHeard",
    "ListenFor",
    "PlayCue",
    "RecordCommitmentCheck",
    "RecordDelivery",
    "ReminderDue",
    "Say",
    "SignalHeard",
    "SpeakingStarted",
    "Spoken",
    "StartExercise",
]
