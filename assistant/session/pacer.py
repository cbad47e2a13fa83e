"""Cues placed on the audio clock: exercise -> timeline -> one float32 stream, rendered whole or in blocks.

Receives a Timeline (from `breathing_timeline` or `grounding_timeline`) and a Voice. Emits float32 mono audio
at `RATE` in which every cue starts on sample `round(t * RATE)`: the index is computed once from the cue's
`t`, and the cue's audio (a phase tone or a speech clip) is added there. Nothing is appended after anything
else, so a long spoken line can never push the rhythm.

Placement rules (decided here, relied on by tests):
- Phases follow each other with no gap; a phase's tone is the phase minus a 0.1 s silent tail.
- A spoken phase word or encouragement starts together with its phase and overlaps its tone; it is only
  scheduled when it ends before that tone ends (otherwise it is left out), so every phase onset follows
  silence. Longer lines (intro, closing, grounding steps) are steps of their own, with silence around them.
- Time is sample counts only: nothing waits on a wall clock. Live playback pulls fixed-size blocks from a
  `Pacer`, which produces exactly the samples `render()` produces, and applies stop, skip, slower, faster,
  repeat and say at the next block boundary by re-planning the rest of the timeline from the current sample.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

import numpy as np

from assistant.audio import tones
from assistant.session import exercises, wording
from assistant.session.exercises import BreathingPattern, GroundingScript, Phase
from assistant.speech.voice import Clip, Voice

RATE = tones.RATE
"""Hertz: the single output rate of tones, speech and the stream."""
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

    @property
    def seconds(self) -> float:
        return self.end_sample / self.rate

    def to_json(self) -> list[dict]:
        return [cue.to_json() for cue in self.cues]


def sample_of(t: float, rate: int = RATE) -> int:
    """The one conversion from cue time to sample index."""
    return round(t * rate)


def _t(sample: int, rate: int = RATE) -> float:
    return round(sample / rate, 6)  # round(_t(s) * rate) == s for any s below ~10 hours


def _resampled(clip: Clip, rate: int) -> np.ndarray:
    """Speech at the pacer's rate, band-limited by soxr (straight interpolation folds the voice's highs back
    down as a hiss); exactly round(len * rate / clip rate) samples, so the timeline's lengths hold."""
    if clip.sample_rate == rate or len(clip.samples) == 0:
        return clip.samples
    import soxr

    n = round(len(clip.samples) * rate / clip.sample_rate)
    out = soxr.resample(np.asarray(clip.samples, dtype=np.float32), clip.sample_rate, rate, quality="HQ")
    if len(out) < n:
        out = np.concatenate([out, np.zeros(n - len(out), dtype=np.float32)])
    return out[:n].astype(np.float32, copy=False)


def _speech(voice: Voice, text: str, rate: int) -> np.ndarray:
    return _resampled(voice.render(text), rate)


def _cut(audio: np.ndarray, at: int, rate: int) -> np.ndarray:
    """`audio` faded out over FADE_SECONDS from index `at` and silent after it."""
    if at >= len(audio):
        return audio
    fade = max(1, round(FADE_SECONDS * rate))
    tail = audio[at:at + fade]
    ramp = np.linspace(1.0, 0.0, fade + 2, dtype=np.float32)[1:len(tail) + 1]
    return np.concatenate([audio[:at], (tail * ramp).astype(np.float32)])


def cue_audio(cue: Cue, voice: Voice, rate: int = RATE) -> np.ndarray:
    """The samples a cue adds, starting at its own sample (tone or speech, cut short if `until` is set)."""
    if cue.kind == "phase":
        audio = tones.phase_tone(cue.phase, sample_of(cue.seconds, rate), rate)
    else:
        audio = _speech(voice, cue.text, rate)
    if cue.until is not None:
        audio = _cut(audio, sample_of(cue.until, rate) - sample_of(cue.t, rate), rate)
    return audio


def _step_samples(step: Step, voice: Voice, rate: int) -> int:
    if isinstance(step, PhaseStep):
        return sample_of(step.phase.seconds, rate)
    return len(_speech(voice, step.text, rate)) + sample_of(step.pause_seconds, rate)


def lay_out(steps: list[Step], start: int, voice: Voice, rate: int = RATE,
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
            cues.append(Cue(_t(at, rate), "say", text=step.text))
        else:
            plan.append((at, step))
            phase = step.phase
            cues.append(Cue(_t(at, rate), "phase", phase=phase.name, seconds=phase.seconds))
            tone = tones.tone_samples(sample_of(phase.seconds, rate), rate)
            if step.say and at >= speech_free_at and len(_speech(voice, step.say, rate)) < tone:
                cues.append(Cue(_t(at, rate), "say", text=step.say))
        at += _step_samples(step, voice, rate)
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


def _timeline(steps: list[Step], voice: Voice, rate: int) -> Timeline:
    plan, cues, end = lay_out(steps, 0, voice, rate)
    return Timeline(tuple(cues), end, tuple(plan), rate)


def breathing_timeline(pattern: BreathingPattern, voice: Voice, cycles: int | None = None,
                       minutes: float | None = None, spoken_cycles: int = SPOKEN_CYCLES,
                       encourage_every_seconds: float = ENCOURAGE_EVERY_SECONDS,
                       rate: int = RATE) -> Timeline:
    """Intro line, `cycles` (or `minutes` worth, or the pattern's default) of phases, closing line.

    The first `spoken_cycles` cycles name each phase aloud; later, about every `encourage_every_seconds`, one
    short encouragement is said at the start of an exhale; otherwise the tones alone keep the pace.
    """
    n = exercises.cycles_for(pattern, cycles, minutes)
    return _timeline(_breathing_steps(pattern, n, spoken_cycles, encourage_every_seconds), voice, rate)


def grounding_timeline(script: GroundingScript, voice: Voice, rate: int = RATE) -> Timeline:
    """Intro, each step's line followed by its quiet pause, closing line; each step skippable on its own."""
    steps: list[Step] = [LineStep(script.intro, GROUNDING_INTRO_PAUSE_SECONDS, group=0)]
    steps += [LineStep(s.line, s.pause_seconds, group=i + 1) for i, s in enumerate(script.steps)]
    steps.append(LineStep(script.closing, CLOSING_PAUSE_SECONDS, group=len(script.steps) + 1))
    return _timeline(steps, voice, rate)


def render(timeline: Timeline, voice: Voice) -> np.ndarray:
    """The whole timeline as one float32 buffer: each cue's audio added at round(t * rate), in cue order."""
    out = np.zeros(timeline.end_sample, dtype=np.float32)
    for cue in timeline.cues:
        start = sample_of(cue.t, timeline.rate)
        audio = cue_audio(cue, voice, timeline.rate)[: max(0, timeline.end_sample - start)]
        out[start:start + len(audio)] += audio
    return out


def write_timeline_json(timeline: Timeline, target: str | Path | IO[str]) -> None:
    """Write the DESIGN.md timeline contract: a JSON list of cue objects."""
    text = json.dumps(timeline.to_json(), indent=1) + "\n"
    if isinstance(target, (str, Path)):
        Path(target).write_text(text, encoding="utf-8")
    else:
        target.write(text)


def read_timeline_json(source: str | Path, rate: int = RATE) -> Timeline:
    """A timeline from its JSON (no plan: it plays and stops, but cannot be re-planned)."""
    cues = tuple(Cue.from_json(body) for body in json.loads(Path(source).read_text(encoding="utf-8")))
    end = max((sample_of(c.t, rate) + sample_of(c.seconds, rate) for c in cues), default=0)
    return Timeline(cues, end, (), rate)


@dataclass
class _Item:
    start: int
    cue: Cue
    audio: np.ndarray
    inserted: bool = False
    """Said on request (an acknowledgement), not part of the plan: skip/repeat leave it alone."""

    @property
    def end(self) -> int:
        return self.start + len(self.audio)


@dataclass(frozen=True)
class CueEvent:
    """A cue's sound started or ended inside the block just read (for the terminal view, printing words, and
    `Spoken` after an inserted line)."""

    kind: str
    """"start" or "end"."""
    cue: Cue
    sample: int


@dataclass
class Pacer:
    """Streams a timeline in blocks and takes commands between blocks.

    | call            | effect at the next block boundary                                              |
    |-----------------|--------------------------------------------------------------------------------|
    | read(frames)    | the next `frames` samples (fewer at the end, empty when done)                  |
    | say(text)       | speak text now (after any line still being said); later lines wait for it     |
    | stop()          | fade out everything within 30 ms and end                                       |
    | skip()          | cut the current step's group (all breathing, or one grounding step), go on     |
    | slower()/faster()| phases after the current one change tempo one step; grounding pauses stretch  |
    | repeat()        | a grounding line starts again; in breathing the last line is said again        |
    Commands return True when they changed anything. Thread-safe: commands may come from another thread.
    """

    timeline: Timeline
    voice: Voice
    position: int = 0
    """Samples produced so far."""
    _items: list[_Item] = field(default_factory=list, init=False, repr=False)
    _plan: list[tuple[int, Step]] = field(default_factory=list, init=False, repr=False)
    _end: int = field(default=0, init=False, repr=False)
    _events: list[CueEvent] = field(default_factory=list, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self.rate = self.timeline.rate
        self._items = [_Item(sample_of(c.t, self.rate), c, cue_audio(c, self.voice, self.rate))
                       for c in self.timeline.cues]
        self._plan = list(self.timeline.plan)
        self._end = self.timeline.end_sample

    # -- streaming -------------------------------------------------------------------------------------------
    @property
    def done(self) -> bool:
        return self.position >= self._end

    @property
    def end_sample(self) -> int:
        return self._end

    def read(self, frames: int) -> np.ndarray:
        """The next block of up to `frames` samples, mixed exactly as render() mixes the same cues."""
        with self._lock:
            start, stop = self.position, min(self.position + frames, self._end)
            out = np.zeros(max(0, stop - start), dtype=np.float32)
            for item in self._items:
                if item.start < stop and item.end > start:
                    a, b = max(start, item.start), min(stop, item.end)
                    out[a - start:b - start] += item.audio[a - item.start:b - item.start]
                if start <= item.start < stop:
                    self._events.append(CueEvent("start", item.cue, item.start))
                if start < item.end <= stop:
                    self._events.append(CueEvent("end", item.cue, item.end))
            self.position = stop
            return out

    def blocks(self, frames: int):
        """Yield blocks of `frames` samples until the timeline (as re-planned meanwhile) ends."""
        while not self.done:
            yield self.read(frames)

    def drain_events(self) -> list[CueEvent]:
        with self._lock:
            events, self._events = self._events, []
            return events

    def played_timeline(self) -> Timeline:
        """Everything played and still planned, as a timeline that render() turns into the same samples."""
        with self._lock:
            return Timeline(tuple(i.cue for i in self._items), self._end, tuple(self._plan), self.rate)

    def current_phase(self) -> tuple[Cue, float] | None:
        """The breathing phase sounding now and how far through it (0..1), for a terminal animation."""
        with self._lock:
            for item in reversed(self._items):
                if item.cue.kind == "phase" and item.start <= self.position:
                    length = sample_of(item.cue.seconds, self.rate)
                    if self.position < item.start + length:
                        return item.cue, (self.position - item.start) / length
                    return None
            return None

    # -- commands --------------------------------------------------------------------------------------------
    # Every command edits the plan from the current position on, then `_rebuild` lays out what is left:
    # sound already started stays (or is cut with a fade), requested lines not yet started are queued again
    # right after whatever is still being said, and later steps are laid out after them.

    def _current(self) -> int | None:
        """Index in the plan of the step whose span holds the current position."""
        for k in range(len(self._plan) - 1, -1, -1):
            if self._plan[k][0] <= self.position:
                nxt = self._plan[k + 1][0] if k + 1 < len(self._plan) else self._end
                return k if self.position < nxt else None
        return None

    def _cut(self, keep_inserted: bool) -> None:
        """Fade out sound under way (requested lines too, unless kept); drop planned sound not started."""
        kept = []
        for item in self._items:
            if item.start >= self.position:
                if item.inserted:
                    kept.append(item)  # requested and not started: `_rebuild` queues it again
                continue
            if item.end > self.position and not (keep_inserted and item.inserted):
                item = replace(item, cue=replace(item.cue, until=_t(self.position, self.rate)),
                               audio=_cut(item.audio, self.position - item.start, self.rate))
            kept.append(item)
        self._items = kept

    def _rebuild(self, steps: list[Step], start: int, extra_line: str = "") -> None:
        """Keep started sound, queue requested lines (and `extra_line`) after it, then lay out `steps`."""
        gap = sample_of(SPEECH_GAP_SECONDS, self.rate)
        started = [i for i in self._items if i.start < self.position]
        waiting = [i.cue.text for i in self._items if i.start >= self.position and i.inserted]
        waiting += [extra_line] if extra_line else []
        sounding = [i.end for i in started if i.cue.kind == "say" and i.end > self.position]
        at = max(sounding) + gap if sounding else self.position
        for text in waiting:
            audio = _speech(self.voice, text, self.rate)
            started.append(_Item(at, Cue(_t(at, self.rate), "say", text=text), audio, inserted=True))
            at += len(audio) + gap
        speech_free_at = at if (sounding or waiting) else self.position
        self._items = started
        self._plan = [(s, st) for s, st in self._plan if s < self.position]
        plan, cues, end = lay_out(steps, start, self.voice, self.rate, speech_free_at)
        self._plan += plan
        self._items += [_Item(sample_of(c.t, self.rate), c, cue_audio(c, self.voice, self.rate))
                        for c in cues]
        self._end = max([end, *(i.end for i in self._items)])

    def _future_steps(self) -> tuple[list[Step], int]:
        future = [(s, st) for s, st in self._plan if s >= self.position]
        return [st for _, st in future], (future[0][0] if future else self._end)

    def say(self, text: str) -> bool:
        """Speak `text` now, or right after the line being said; later lines wait for it, a phase word that
        would overlap it is left out, and the rhythm of the phases does not move."""
        with self._lock:
            steps, start = self._future_steps()
            self._rebuild(steps, start, extra_line=text)
            return True

    def stop(self) -> bool:
        """Fade out everything sounding within FADE_SECONDS and end (a line requested later still plays)."""
        with self._lock:
            self._cut(keep_inserted=False)
            self._items = [i for i in self._items if i.start < self.position]
            self._rebuild([], self.position)
            return True

    def skip(self) -> bool:
        """Cut the current step and the rest of its group; the next group follows any requested line."""
        with self._lock:
            k = self._current()
            if k is None:
                return False
            group = self._plan[k][1].group
            rest = [st for _, st in self._plan[k + 1:] if st.group != group]
            self._cut(keep_inserted=True)
            self._rebuild(rest, self.position + sample_of(SPEECH_GAP_SECONDS, self.rate))
            return True

    def repeat(self) -> bool:
        """A line step (grounding, intro) starts again, after any requested line. Breathing: the last line
        heard is said again, and the rhythm goes on."""
        with self._lock:
            k = self._current()
            if k is None:
                return False
            if isinstance(self._plan[k][1], LineStep):
                rest = [st for _, st in self._plan[k:]]
                self._cut(keep_inserted=True)
                self._rebuild(rest, self.position)
                return True
            said = [i for i in self._items
                    if i.cue.kind == "say" and not i.inserted and i.start < self.position]
            if not said:
                return False
            steps, start = self._future_steps()
            self._rebuild(steps, start, extra_line=said[-1].cue.text)
            return True

    def _retempo(self, direction: int) -> bool:
        with self._lock:
            steps, start = self._future_steps()
            changed = False
            new: list[Step] = []
            for st in steps:
                if isinstance(st, PhaseStep):
                    pattern = exercises.with_tempo(st.pattern, st.pattern.tempo_steps + direction)
                    changed |= pattern.phases != st.pattern.phases
                    new.append(replace(st, pattern=pattern))
                else:
                    new.append(st)
            if not any(isinstance(st, PhaseStep) for st in steps):  # grounding: stretch or shorten the quiet
                factor = exercises.TEMPO_STEP ** direction
                new = [replace(st, pause_seconds=max(3.0, round(st.pause_seconds * factor, 1)))
                       if isinstance(st, LineStep) and st.pause_seconds >= 3.0 else st for st in steps]
                changed = new != steps
            if changed:
                self._rebuild(new, start)
            return changed

    def slower(self) -> bool:
        """From the next phase on, one tempo step slower (the phase under way finishes as it began)."""
        return self._retempo(+1)

    def faster(self) -> bool:
        """From the next phase on, one tempo step quicker (never an exhale under 3 s)."""
        return self._retempo(-1)


__all__ = [
    "CLOSING_PAUSE_SECONDS",
    "ENCOURAGE_EVERY_SECONDS",
    "FADE_SECONDS",
    "GROUNDING_INTRO_PAUSE_SECONDS",
    "INTRO_PAUSE_SECONDS",
    "RATE",
    "SPEECH_GAP_SECONDS",
    "SPOKEN_CYCLES",
    "Cue",
    "CueEvent",
    "LineStep",
    "Pacer",
    "PhaseStep",
    "Step",
    "Timeline",
    "breathing_timeline",
    "cue_audio",
    "grounding_timeline",
    "lay_out",
    "read_timeline_json",
    "render",
    "sample_of",
    "write_timeline_json",
]
