"""The pacer's plan as it plays: a timeline re-planned live by commands. No sound.

Receives a `Timeline` (`pacer`), the play position (samples produced so far) and commands: say, stop, skip,
slower, faster, repeat. Emits where every sound now lies (`Placed`), which the mixer
(assistant/output/mixer.py) turns into one float32 stream. Nothing is appended after anything else, so a long
spoken line can never push the rhythm.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from assistant.session import exercises
from assistant.session.pacer import (
    SPEECH_GAP_SECONDS,
    Cue,
    LineStep,
    PhaseStep,
    SpeechSamples,
    Step,
    Timeline,
    cue_samples,
    cut_samples,
    lay_out,
    sample_of,
    time_of,
)


@dataclass(frozen=True)
class Placed:
    """A cue placed on the play clock, with how long it sounds."""

    start: int
    """Sample at which its sound starts."""
    cue: Cue
    samples: int
    """Samples it sounds for (less than in full when cut)."""
    inserted: bool = False
    """Said on request (an acknowledgement), not part of the plan: skip/repeat leave it alone."""

    @property
    def end(self) -> int:
        return self.start + self.samples


class LivePlan:
    """A timeline being played: where every sound lies, re-planned by commands from `position` on.

    The player moves `position` (samples produced so far); commands return True when they changed anything.
    Not thread-safe: the mixer that owns it holds the lock.
    """

    def __init__(self, timeline: Timeline, speech_samples: SpeechSamples) -> None:
        self.rate = timeline.rate
        self.speech_samples = speech_samples
        self.position = 0
        """Samples produced so far."""
        self.items = [Placed(sample_of(c.t, self.rate), c, cue_samples(c, speech_samples, self.rate))
                      for c in timeline.cues]
        self.plan = list(timeline.plan)
        self.end = timeline.end_sample
        """Sample at which everything planned has sounded."""

    @property
    def done(self) -> bool:
        return self.position >= self.end

    def played_timeline(self) -> Timeline:
        """Everything played and still planned, as a timeline that renders into the same samples."""
        return Timeline(tuple(i.cue for i in self.items), self.end, tuple(self.plan), self.rate)

    def current_phase(self) -> tuple[Cue, float] | None:
        """The breathing phase sounding now and how far through it (0..1), for a terminal animation."""
        for item in reversed(self.items):
            if item.cue.kind == "phase" and item.start <= self.position:
                length = sample_of(item.cue.seconds, self.rate)
                if self.position < item.start + length:
                    return item.cue, (self.position - item.start) / length
                return None
        return None

    # Every command edits the plan from the current position on, then `_rebuild` lays out what is left:
    # sound already started stays (or is cut with a fade), requested lines not yet started are queued again
    # right after whatever is still being said, and later steps are laid out after them.

    def _current(self) -> int | None:
        """Index in the plan of the step whose span holds the current position."""
        for k in range(len(self.plan) - 1, -1, -1):
            if self.plan[k][0] <= self.position:
                nxt = self.plan[k + 1][0] if k + 1 < len(self.plan) else self.end
                return k if self.position < nxt else None
        return None

    def _cut(self, keep_inserted: bool) -> None:
        """Fade out sound under way (requested lines too, unless kept); drop planned sound not started."""
        kept = []
        for item in self.items:
            if item.start >= self.position:
                if item.inserted:
                    kept.append(item)  # requested and not started: `_rebuild` queues it again
                continue
            if item.end > self.position and not (keep_inserted and item.inserted):
                item = replace(item, cue=replace(item.cue, until=time_of(self.position, self.rate)),
                               samples=cut_samples(item.samples, self.position - item.start, self.rate))
            kept.append(item)
        self.items = kept

    def _rebuild(self, steps: list[Step], start: int, extra_line: str = "") -> None:
        """Keep started sound, queue requested lines (and `extra_line`) after it, then lay out `steps`."""
        gap = sample_of(SPEECH_GAP_SECONDS, self.rate)
        started = [i for i in self.items if i.start < self.position]
        waiting = [i.cue.text for i in self.items if i.start >= self.position and i.inserted]
        waiting += [extra_line] if extra_line else []
        sounding = [i.end for i in started if i.cue.kind == "say" and i.end > self.position]
        at = max(sounding) + gap if sounding else self.position
        for text in waiting:
            samples = self.speech_samples(text)
            started.append(Placed(at, Cue(time_of(at, self.rate), "say", text=text), samples, inserted=True))
            at += samples + gap
        speech_free_at = at if (sounding or waiting) else self.position
        self.items = started
        self.plan = [(s, st) for s, st in self.plan if s < self.position]
        plan, cues, end = lay_out(steps, start, self.speech_samples, self.rate, speech_free_at)
        self.plan += plan
        self.items += [Placed(sample_of(c.t, self.rate), c, cue_samples(c, self.speech_samples, self.rate))
                       for c in cues]
        self.end = max([end, *(i.end for i in self.items)])

    def _future_steps(self) -> tuple[list[Step], int]:
        future = [(s, st) for s, st in self.plan if s >= self.position]
        return [st for _, st in future], (future[0][0] if future else self.end)

    def say(self, text: str) -> bool:
        """Speak `text` now, or right after the line being said; later lines wait for it, a phase word that
        would overlap it is left out, and the rhythm of the phases does not move."""
        steps, start = self._future_steps()
        self._rebuild(steps, start, extra_line=text)
        return True

    def stop(self) -> bool:
        """Fade out everything sounding within FADE_SECONDS and end (a line requested later still plays)."""
        self._cut(keep_inserted=False)
        self.items = [i for i in self.items if i.start < self.position]
        self._rebuild([], self.position)
        return True

    def skip(self) -> bool:
        """Cut the current step and the rest of its group; the next group follows any requested line."""
        k = self._current()
        if k is None:
            return False
        group = self.plan[k][1].group
        rest = [st for _, st in self.plan[k + 1:] if st.group != group]
        self._cut(keep_inserted=True)
        self._rebuild(rest, self.position + sample_of(SPEECH_GAP_SECONDS, self.rate))
        return True

    def repeat(self) -> bool:
        """A line step (grounding, intro) starts again, after any requested line. Breathing: the last line
        heard is said again, and the rhythm goes on."""
        k = self._current()
        if k is None:
            return False
        if isinstance(self.plan[k][1], LineStep):
            rest = [st for _, st in self.plan[k:]]
            self._cut(keep_inserted=True)
            self._rebuild(rest, self.position)
            return True
        said = [i for i in self.items if i.cue.kind == "say" and not i.inserted and i.start < self.position]
        if not said:
            return False
        steps, start = self._future_steps()
        self._rebuild(steps, start, extra_line=said[-1].cue.text)
        return True

    def _retempo(self, direction: int) -> bool:
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


__all__ = ["LivePlan", "Placed"]
