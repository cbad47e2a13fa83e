"""The pacer's plan: exercise -> timeline of cues on the sample clock, re-planned live by commands. No sound.

Receives a breathing pattern or grounding script and `speech_samples` (how many samples a line takes when the
voice says it: the voice's business, passed in). Emits a Timeline: cues, each starting on sample
`round(t * RATE)`, computed once from the cue's `t`. `live_plan.LivePlan` takes commands (say, stop, skip,
slower, faster, repeat) at a play position and emits where every sound now lies, which the mixer
(assistant/output/mixer.py) turns into one float32 stream. Nothing is appended after anything else, so a long
spoken line can never push the rhythm.

Placement rules (decided here, relied on by tests):
- Phases follow each other with no gap; a phase's tone is the phase minus a 0.1 s silent tail.
- A spoken phase word or encouragement starts together with its phase and overlaps its tone; it is only
  scheduled when it ends before that tone ends (otherwise it is left out), so every phase onset follows
  silence. Longer lines (intro, closing, grounding steps) are steps of their own, with silence around them.
- Time is sample counts only: nothing waits on a wall clock. Commands apply at the current play position by
  re-planning the rest of the timeline from there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assistant.session import exercises, wording
from assistant.session.exercises import BreathingPattern, GroundingScript, Phase

RATE = 22050
"""Hertz: the single output rate of tones, speech and the stream (pyttsx3/espeak-ng renders speech at 22050 Hz,
so speech needs no resampling and tones are made to match)."""
TONE_GAP_SECONDS = 0.1
"""Silence at the end of every phase tone, so the next phase's onset follows silence."""
MIN_TONE_SAMPLES = 64
"""Fewest samples a phase tone has, however short its phase."""
INTRO_PAUSE_SECONDS = 1.0
"""Quiet after the breathing intro before the first inhale."""
CLOSING_PAUSE_SECONDS = 0.5
GROUNDING_INTRO_PAUSE_SECONDS = 1.5
SPEECH_GAP_SECONDS = 0.3
"""Least quiet between two spoken lines that the pacer had to move apart."""
FADE_SECONDS = 0.03
"""Fade applied where stop/skip/repeat cuts sound off mid-cue (no click)."""
ENCOURAGE_EVERY_SECONDS = 60.0
SPOKEN_CYCLES = 2
"""Cycles whose phases are named aloud before the tones carry on alone."""

SpeechSamples = Callable[[str], int]
"""How many samples (at the plan's rate) a line takes when the voice says it."""


@dataclass(frozen=True)
class Cue:
    """A scheduled sound. JSON shape (DESIGN.md): {"t", "kind": "phase", "phase", "seconds"} or
    {"t", "kind": "say", "text"}; `until` appears only on cues cut short live (sound fades from then)."""

    t: float
    """Seconds from the start; the cue's first sample is round(t * RATE)."""
    kind: str
    """"phase" or "say"."""
    phase: str = ""
    seconds: float = 0.0
    """Length of the phase in seconds (phase cues)."""
    text: str = ""
    until: float | None = None
    """Seconds from the start at which the sound was cut (fading over FADE_SECONDS); None when never cut."""

    def to_json(self) -> dict:
        body: dict = {"t": self.t, "kind": self.kind}
        if self.kind == "phase":
            body.update(phase=self.phase, seconds=self.seconds)
        else:
            body["text"] = self.text
        if self.until is not None:
            body["until"] = self.until
        return body

    @staticmethod
    def from_json(body: dict) -> Cue:
        if body.get("kind") == "phase":
            return Cue(float(body["t"]), "phase", phase=body["phase"], seconds=float(body["seconds"]),
                       until=body.get("until"))
        return Cue(float(body["t"]), "say", text=body["text"], until=body.get("until"))


@dataclass(frozen=True)
class LineStep:
    """Say a line, then leave `pause_seconds` of quiet. Steps in one `group` are skipped together."""

    text: str
    pause_seconds: float
    group: int


@dataclass(frozen=True)
class PhaseStep:
    """One breathing phase (phase `index` of `pattern`), optionally with a short line said at its start."""

    pattern: BreathingPattern
    index: int
    group: int
    say: str = ""

    @property
    def phase(self) -> Phase:
        return self.pattern.phases[self.index]


Step = LineStep | PhaseStep


@dataclass(frozen=True)
class Timeline:
    """Cues in mixing order, the end in samples, and the plan (steps with start samples) for live re-plans."""

    cues: tuple[Cue, ...]
    end_sample: int
    plan: tuple[tuple[int, Step], ...] = ()
    rate: int = RATE
    """Hertz."""

    @property
    def seconds(self) -> float:
        return self.end_sample / self.rate

    def to_json(self) -> list[dict]:
        return [cue.to_json() for cue in self.cues]

    @staticmethod
    def from_json(cues: list[dict], rate: int = RATE) -> Timeline:
        """A timeline from its JSON cue list (no plan: it plays and stops, but cannot be re-planned)."""
        parsed = tuple(Cue.from_json(body) for body in cues)
        end = max((sample_of(c.t, rate) + sample_of(c.seconds, rate) for c in parsed), default=0)
        return Timeline(parsed, end, (), rate)


def sample_of(t: float, rate: int = RATE) -> int:
    """The one conversion from cue time to sample index."""
    return round(t * rate)


def time_of(sample: int, rate: int = RATE) -> float:
    return round(sample / rate, 6)  # round(_t(s) * rate) == s for any s below ~10 hours


def tone_samples(phase_samples: int, rate: int = RATE) -> int:
    """How many samples of a phase carry its tone: the phase minus the silent gap (at least a few samples)."""
    return max(MIN_TONE_SAMPLES, phase_samples - round(TONE_GAP_SECONDS * rate))


def cut_samples(samples: int, at: int, rate: int = RATE) -> int:
    """Length of a sound of `samples` cut at index `at`: it goes on for the FADE_SECONDS fade, then stops."""
    if at >= samples:
        return samples
    return at + min(max(1, round(FADE_SECONDS * rate)), samples - at)


def cue_samples(cue: Cue, speech_samples: SpeechSamples, rate: int = RATE) -> int:
    """How many samples a cue sounds for from its own sample (tone or speech, cut short if `until` is set)."""
    if cue.kind == "phase":
        samples = tone_samples(sample_of(cue.seconds, rate), rate)
    else:
        samples = speech_samples(cue.text)
    if cue.until is not None:
        samples = cut_samples(samples, sample_of(cue.until, rate) - sample_of(cue.t, rate), rate)
    return samples


def _step_samples(step: Step, speech_samples: SpeechSamples, rate: int) -> int:
    if isinstance(step, PhaseStep):
        return sample_of(step.phase.seconds, rate)
    return speech_samples(step.text) + sample_of(step.pause_seconds, rate)


def lay_out(steps: list[Step], start: int, speech_samples: SpeechSamples, rate: int = RATE,
            speech_free_at: int = 0) -> tuple[list[tuple[int, Step]], list[Cue], int]:
    """Place steps one after another from sample `start`.

    Line steps never start before `speech_free_at` (so they wait for a line being said); a phase's own short
    line is kept only if it fits inside the phase's tone and starts after `speech_free_at`.
    Returns (plan, cues, end sample).
    """
    plan: list[tuple[int, Step]] = []
    cues: list[Cue] = []
    at = start
    for step in steps:
        if isinstance(step, LineStep):
            at = max(at, speech_free_at)
            plan.append((at, step))
            cues.append(Cue(time_of(at, rate), "say", text=step.text))
        else:
            plan.append((at, step))
            phase = step.phase
            cues.append(Cue(time_of(at, rate), "phase", phase=phase.name, seconds=phase.seconds))
            tone = tone_samples(sample_of(phase.seconds, rate), rate)
            if step.say and at >= speech_free_at and speech_samples(step.say) < tone:
                cues.append(Cue(time_of(at, rate), "say", text=step.say))
        at += _step_samples(step, speech_samples, rate)
    return plan, cues, at


def _breathing_steps(pattern: BreathingPattern, cycles: int, spoken_cycles: int,
                     encourage_every_seconds: float) -> list[Step]:
    steps: list[Step] = [LineStep(wording.BREATHING_INTRO, INTRO_PAUSE_SECONDS, group=0)]
    every = 0
    if encourage_every_seconds > 0:
        every = max(1, round(encourage_every_seconds / pattern.cycle_seconds))
    said = 0
    for cycle in range(cycles):
        encourage = bool(every) and cycle >= spoken_cycles and cycle % every == 0 and cycle < cycles - 1
        for i, phase in enumerate(pattern.phases):
            say = wording.PHASE_WORDS[phase.name] if cycle < spoken_cycles else ""
            if encourage and phase.name == "exhale":
                say = wording.ENCOURAGEMENT[said % len(wording.ENCOURAGEMENT)]
                said += 1
                encourage = False
            steps.append(PhaseStep(pattern, i, group=1, say=say))
    steps.append(LineStep(wording.BREATHING_DONE, CLOSING_PAUSE_SECONDS, group=2))
    return steps


def _timeline(steps: list[Step], speech_samples: SpeechSamples, rate: int) -> Timeline:
    plan, cues, end = lay_out(steps, 0, speech_samples, rate)
    return Timeline(tuple(cues), end, tuple(plan), rate)


def breathing_timeline(pattern: BreathingPattern, speech_samples: SpeechSamples, cycles: int | None = None,
                       minutes: float | None = None, spoken_cycles: int = SPOKEN_CYCLES,
                       encourage_every_seconds: float = ENCOURAGE_EVERY_SECONDS,
                       rate: int = RATE) -> Timeline:
    """Intro line, `cycles` (or `minutes` worth, or the pattern's default) of phases, closing line.

    The first `spoken_cycles` cycles name each phase aloud; later, about every `encourage_every_seconds`, one
    short encouragement is said at the start of an exhale; otherwise the tones alone keep the pace.
    """
    n = exercises.cycles_for(pattern, cycles, minutes)
    return _timeline(_breathing_steps(pattern, n, spoken_cycles, encourage_every_seconds), speech_samples, rate)


def grounding_timeline(script: GroundingScript, speech_samples: SpeechSamples, rate: int = RATE) -> Timeline:
    """Intro, each step's line followed by its quiet pause, closing line; each step skippable on its own."""
    steps: list[Step] = [LineStep(script.intro, GROUNDING_INTRO_PAUSE_SECONDS, group=0)]
    steps += [LineStep(s.line, s.pause_seconds, group=i + 1) for i, s in enumerate(script.steps)]
    steps.append(LineStep(script.closing, CLOSING_PAUSE_SECONDS, group=len(script.steps) + 1))
    return _timeline(steps, speech_samples, rate)


def exercise_timeline(action, speech_samples: SpeechSamples, patterns: dict | None = None,
                      spoken_cycles: int = SPOKEN_CYCLES) -> Timeline:
    """The timeline a `StartExercise` action asks for: its grounding script, or its breathing pattern (from
    the built-in and `patterns` configured ones) at the tempo and length it names."""
    if action.kind == "grounding":
        return grounding_timeline(exercises.get_script(action.name), speech_samples)
    pattern = exercises.get_pattern(action.name, patterns or {})
    if action.tempo_steps:
        pattern = exercises.with_tempo(pattern, action.tempo_steps)
    return breathing_timeline(pattern, speech_samples, cycles=action.cycles or None,
                              minutes=None if action.cycles else (action.minutes or None),
                              spoken_cycles=spoken_cycles)


__all__ = [
    "CLOSING_PAUSE_SECONDS",
    "ENCOURAGE_EVERY_SECONDS",
    "FADE_SECONDS",
    "GROUNDING_INTRO_PAUSE_SECONDS",
    "INTRO_PAUSE_SECONDS",
    "MIN_TONE_SAMPLES",
    "RATE",
    "SPEECH_GAP_SECONDS",
    "SPOKEN_CYCLES",
    "TONE_GAP_SECONDS",
    "Cue",
    "LineStep",
    "PhaseStep",
    "SpeechSamples",
    "Step",
    "Timeline",
    "breathing_timeline",
    "cue_samples",
    "cut_samples",
    "exercise_timeline",
    "grounding_timeline",
    "lay_out",
    "sample_of",
    "time_of",
    "tone_samples",
]
