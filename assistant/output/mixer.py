"""The pacer's sound: a planned timeline mixed into one float32 stream, rendered whole or read in blocks.

Receives a Timeline (assistant/session/pacer.py) and a Voice. Emits float32 mono audio at `RATE` in which every
cue's audio (a phase tone or a speech clip) is added at its sample `round(t * RATE)`, and `CueEvent`s as cues
start and end. `Pacer` streams in fixed-size blocks, producing exactly the samples `render()` produces, and
applies commands (stop, skip, slower, faster, repeat, say) at the next block boundary through the plan's
`LivePlan`; it only turns what the plan places into sound.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
import soxr

from assistant.audio import tones
from assistant.output.voice import Clip, Voice
from assistant.session.live_plan import LivePlan
from assistant.session.pacer import (
    FADE_SECONDS,
    RATE,
    Cue,
    SpeechSamples,
    Timeline,
    sample_of,
)


def _resampled_length(clip: Clip, rate: int) -> int:
    """Samples of `clip` at `rate`: what `_resampled` returns, without resampling."""
    if clip.sample_rate == rate or len(clip.samples) == 0:
        return len(clip.samples)
    return round(len(clip.samples) * rate / clip.sample_rate)


def _resampled(clip: Clip, rate: int) -> np.ndarray:
    """Speech at the pacer's rate, band-limited by soxr (straight interpolation folds the voice's highs back
    down as a hiss); exactly round(len * rate / clip rate) samples, so the timeline's lengths hold."""
    if clip.sample_rate == rate or len(clip.samples) == 0:
        return clip.samples
    n = _resampled_length(clip, rate)
    out = soxr.resample(np.asarray(clip.samples, dtype=np.float32), clip.sample_rate, rate, quality="HQ")
    if len(out) < n:
        out = np.concatenate([out, np.zeros(n - len(out), dtype=np.float32)])
    return out[:n].astype(np.float32, copy=False)


def speech_samples(voice: Voice, rate: int = RATE) -> SpeechSamples:
    """How long each line takes when `voice` says it, in samples at `rate`: what the plan needs of a voice."""
    return lambda text: _resampled_length(voice.render(text), rate)


def _speech(voice: Voice, text: str, rate: int) -> np.ndarray:
    return _resampled(voice.render(text), rate)


def _cut(audio: np.ndarray, at: int, rate: int) -> np.ndarray:
    """`audio` faded out over FADE_SECONDS from index `at` and silent after it (`cut_samples` long)."""
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


def render(timeline: Timeline, voice: Voice) -> np.ndarray:
    """The whole timeline as one float32 buffer: each cue's audio added at round(t * rate), in cue order."""
    out = np.zeros(timeline.end_sample, dtype=np.float32)
    for cue in timeline.cues:
        start = sample_of(cue.t, timeline.rate)
        audio = cue_audio(cue, voice, timeline.rate)[: max(0, timeline.end_sample - start)]
        out[start:start + len(audio)] += audio
    return out


@dataclass(frozen=True)
class CueEvent:
    """A cue's sound started or ended inside the block just read (for the terminal view, printing words, and
    `Spoken` after an inserted line)."""

    kind: str
    """"start" or "end"."""
    cue: Cue
    sample: int
    """Sample of the stream at which it started or ended."""


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

    def __init__(self, timeline: Timeline, voice: Voice) -> None:
        self.timeline = timeline
        self.voice = voice
        self.rate = timeline.rate
        self._lock = threading.Lock()
        self._events: list[CueEvent] = []
        self._speech: dict[str, np.ndarray] = {}
        """text -> its speech at the pacer's rate: each line synthesised once."""
        self._made: dict[tuple, tuple[Cue, np.ndarray]] = {}
        """(start, cue uncut, inserted) -> (the cue as last mixed, its audio): each sound made once."""
        self._sounds: list[np.ndarray] = []
        """The audio of each of the plan's placed cues, in the same order."""
        self._plan = LivePlan(timeline, lambda text: len(self._spoken(text)))
        self._make_audio()

    def _spoken(self, text: str) -> np.ndarray:
        if text not in self._speech:
            self._speech[text] = _speech(self.voice, text, self.rate)
        return self._speech[text]

    def _cue_audio(self, cue: Cue) -> np.ndarray:
        if cue.kind == "phase":
            return cue_audio(cue, self.voice, self.rate)
        audio = self._spoken(cue.text)
        if cue.until is not None:
            audio = _cut(audio, sample_of(cue.until, self.rate) - sample_of(cue.t, self.rate), self.rate)
        return audio

    def _make_audio(self) -> None:
        """Audio for every placed cue: kept when unchanged, faded from where the plan cut it."""
        made, sounds = {}, []
        for item in self._plan.items:
            key = (item.start, replace(item.cue, until=None), item.inserted)
            known = self._made.get(key)
            if known is None:
                sound = self._cue_audio(item.cue)
            elif known[0].until == item.cue.until:
                sound = known[1]
            else:  # cut (again) now: fade what was playing from the cut on
                sound = _cut(known[1], sample_of(item.cue.until, self.rate) - item.start, self.rate)
            made[key] = (item.cue, sound)
            sounds.append(sound)
        self._made, self._sounds = made, sounds

    def _command(self, name: str) -> bool:
        with self._lock:
            changed = getattr(self._plan, name)()
            if changed:
                self._make_audio()
            return changed

    # -- streaming -------------------------------------------------------------------------------------------
    @property
    def position(self) -> int:
        """Samples produced so far."""
        return self._plan.position

    @property
    def done(self) -> bool:
        return self._plan.done

    @property
    def end_sample(self) -> int:
        return self._plan.end

    def read(self, frames: int) -> np.ndarray:
        """The next block of up to `frames` samples, mixed exactly as render() mixes the same cues."""
        with self._lock:
            start, stop = self._plan.position, min(self._plan.position + frames, self._plan.end)
            out = np.zeros(max(0, stop - start), dtype=np.float32)
            for item, audio in zip(self._plan.items, self._sounds, strict=True):
                end = item.start + len(audio)
                if item.start < stop and end > start:
                    a, b = max(start, item.start), min(stop, end)
                    out[a - start:b - start] += audio[a - item.start:b - item.start]
                if start <= item.start < stop:
                    self._events.append(CueEvent("start", item.cue, item.start))
                if start < end <= stop:
                    self._events.append(CueEvent("end", item.cue, end))
            self._plan.position = stop
            return out

    def blocks(self, frames: int) -> Iterator[np.ndarray]:
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
            return self._plan.played_timeline()

    def current_phase(self) -> tuple[Cue, float] | None:
        """The breathing phase sounding now and how far through it (0..1), for a terminal animation."""
        with self._lock:
            return self._plan.current_phase()

    # -- commands (the plan decides; see assistant/session/live_plan.py) ---------------------------------
    def say(self, text: str) -> bool:
        """Speak `text` now, or right after the line being said; later lines wait for it, a phase word that
        would overlap it is left out, and the rhythm of the phases does not move."""
        with self._lock:
            self._plan.say(text)
            self._make_audio()
            return True

    def stop(self) -> bool:
        """Fade out everything sounding within FADE_SECONDS and end (a line requested later still plays)."""
        return self._command("stop")

    def skip(self) -> bool:
        """Cut the current step and the rest of its group; the next group follows any requested line."""
        return self._command("skip")

    def repeat(self) -> bool:
        """A line step starts again; in breathing the last line heard is said again."""
        return self._command("repeat")

    def slower(self) -> bool:
        """From the next phase on, one tempo step slower (the phase under way finishes as it began)."""
        return self._command("slower")

    def faster(self) -> bool:
        """From the next phase on, one tempo step quicker (never an exhale under 3 s)."""
        return self._command("faster")


__all__ = ["CueEvent", "Pacer", "cue_audio", "render", "speech_samples"]
