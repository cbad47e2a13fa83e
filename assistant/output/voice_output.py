"""The assistant's one continuous voice: whatever is sounding (a line, an exercise) comes from here.

Receives requests (say a line, start an exercise's timeline, a pacer command). Emits audio blocks on demand
(`read`, called by the StreamPlayer's producer) and, through `drain`, the facts the session needs (events.py):
`SpeakingStarted` and `Spoken` as a requested line begins and is heard out, `ExerciseDone` when a timeline
ends, each stamped with the output's own clock (samples handed to the player).
When nothing is sounding it yields silence, so the output stream never has to be reopened (a new stream can
start late) and the first word of an acknowledgement starts within one block.
"""

from __future__ import annotations

import threading

import numpy as np

from assistant.audio import tones
from assistant.events import ExerciseDone, SpeakingStarted, Spoken
from assistant.output.mixer import Pacer, speech_samples
from assistant.output.voice import Clip, Voice
from assistant.session.pacer import RATE, Timeline

OutputFact = SpeakingStarted | Spoken | ExerciseDone
"""What `VoiceOutput.drain` hands the session."""

CUE_PREFIX = "\u266a "
"""A "line" starting with this is a named sound (e.g. the chime), queued like speech so what follows waits."""


class _CueAwareVoice:
    """The assistant's voice, plus named sounds rendered from tones, so cues queue like lines."""

    def __init__(self, voice: Voice) -> None:
        self.voice = voice

    def render(self, text: str) -> Clip:
        if text.startswith(CUE_PREFIX):
            return Clip(tones.chime(), tones.RATE)
        return self.voice.render(text)


class VoiceOutput:
    """Holds the current Pacer; thread-safe between the player's producer thread and the main loop."""

    def __init__(self, voice: Voice, rate: int = RATE) -> None:
        self.voice = _CueAwareVoice(voice)
        self.rate = rate
        self._pacer: Pacer | None = None
        self._exercise = False
        self._facts: list[OutputFact] = []
        self._lock = threading.Lock()
        self.samples_played = 0
        """Samples handed to the player so far: the output's own audio clock."""
        self._sounds: list[np.ndarray] = []
        """Cues (a chime) still to be mixed in, each as the samples left to play."""

    @property
    def sounding(self) -> bool:
        """True while a line, a cue or an exercise is playing (the echo guard keys on this)."""
        with self._lock:
            return bool(self._sounds) or (self._pacer is not None and not self._pacer.done)

    def idle(self) -> bool:
        """Nothing sounding: what `read` gives is silence until a line, a cue or an exercise is asked for (the
        player then keeps little of it queued, so what comes next starts sooner)."""
        return not self.sounding

    @property
    def pacer(self) -> Pacer | None:
        return self._pacer

    def speech_samples(self, text: str) -> int:
        """Samples `text` takes when this output says it: what an exercise's plan needs of the voice."""
        return speech_samples(self.voice, self.rate)(text)

    def say(self, text: str) -> None:
        """Speak `text` after whatever line is being said; the rhythm of a running exercise does not move."""
        # Render first, outside the locks: a new line takes 15-250 ms to synthesise, and the player's
        # producer must not wait that long for its next block (that was an audible gap mid-sentence).
        self.voice.render(text)
        with self._lock:
            if self._pacer is None or self._pacer.done:
                self._pacer = Pacer(Timeline((), 0, (), self.rate), self.voice)
                self._exercise = False
            self._pacer.say(text)

    def start(self, timeline: Timeline) -> None:
        """Play an exercise's timeline from now on (replaces anything that was sounding)."""
        with self._lock:
            self._pacer = Pacer(timeline, self.voice)
            self._exercise = True

    def play(self, audio: np.ndarray) -> None:
        """Mix a short sound in from the next block on, over whatever else is sounding."""
        with self._lock:
            self._sounds.append(np.asarray(audio, dtype=np.float32))

    def cue(self, name: str) -> None:
        """Play a named sound (the chime) in turn: lines asked for after it start once it has ended."""
        self.say(CUE_PREFIX + name)

    def control(self, command: str) -> None:
        """stop, skip, slower, faster or repeat, applied to what is sounding at the next block."""
        with self._lock:
            pacer = self._pacer
        if pacer is not None and not pacer.done:
            getattr(pacer, command)()

    def read(self, frames: int) -> np.ndarray:
        """The next block: the pacer's samples, or silence when nothing is sounding."""
        with self._lock:
            pacer = self._pacer
            if pacer is None:
                block = np.zeros(frames, dtype=np.float32)
            else:
                base = self.samples_played - pacer.position  # the pacer's sample 0 on the output's clock
                block = pacer.read(frames)
                for event in pacer.drain_events():
                    if event.cue.kind == "say" and not event.cue.text.startswith(CUE_PREFIX):
                        fact = Spoken if event.kind == "end" else SpeakingStarted
                        self._facts.append(fact(self._ms(base + event.sample), event.cue.text))
                if pacer.done:
                    if self._exercise:
                        self._facts.append(ExerciseDone(self._ms(base + pacer.end_sample)))
                    self._pacer = None
                if len(block) < frames:
                    block = np.concatenate([block, np.zeros(frames - len(block), dtype=np.float32)])
            if self._sounds:
                block = block.copy()
                for i, sound in enumerate(self._sounds):
                    n = min(frames, len(sound))
                    block[:n] += sound[:n]
                    self._sounds[i] = sound[n:]
                self._sounds = [sound for sound in self._sounds if len(sound)]
            self.samples_played += frames
            return block

    def _ms(self, sample: int) -> int:
        return sample * 1000 // self.rate

    def drain(self) -> list[OutputFact]:
        with self._lock:
            facts, self._facts = self._facts, []
            return facts
