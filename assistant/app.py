"""Wiring of the live loop: audio source -> pause-word detector -> acknowledgement aloud.

Receives audio blocks (microphone) or typed lines (`--text`). Emits, on each pause word, a spoken
acknowledgement and one log line. No audio is ever written anywhere: blocks live in memory only.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TextIO

from assistant.audio.sinks import AudioSink
from assistant.events import KeywordHeard
from assistant.session.wording import PAUSE_ACK
from assistant.speech.detector import PauseWordDetector
from assistant.speech.voice import Voice

_LOGGER = logging.getLogger(__name__)
_ECHO_TAIL_S = 0.5
"""Seconds after the assistant stops speaking during which its echo may still reach the microphone."""


def _normalise(text: str) -> str:
    return " ".join("".join(c if c.isalnum() or c == "'" else " " for c in text.lower()).split())


def typed_pause_word(line: str, pause_words: Iterable[str]) -> str | None:
    """The pause word a typed line contains (as whole words), or None."""
    padded = f" {_normalise(line)} "
    for word in pause_words:
        if f" {_normalise(word)} " in padded:
            return word
    return None


@dataclass
class Listener:
    """The always-on loop: hears the pause word and acknowledges it.

    The guided session (breathing, grounding, agreeing) plugs in through `on_pause`.
    """

    detector: PauseWordDetector | None
    voice: Voice
    sink: AudioSink | None
    out: TextIO = sys.stdout
    on_pause: Callable[[KeywordHeard], None] | None = None
    heard: list[KeywordHeard] = field(default_factory=list)

    def say(self, text: str) -> None:
        """Speak (or print) text; the detector is muted meanwhile so the assistant never hears itself."""
        print(f"assistant: {text}", file=self.out, flush=True)
        clip = self.voice.render(text)
        if self.sink is None or clip.samples.size == 0:
            return
        if self.detector is not None:
            # The microphone keeps capturing while we speak; those blocks reach the detector later,
            # so mute by audio time, not by wall time: the clip's length plus the room's echo tail.
            self.detector.mute_for(clip.seconds + _ECHO_TAIL_S)
        self.sink.play(clip.samples, clip.sample_rate)

    def pause_heard(self, event: KeywordHeard) -> None:
        self.heard.append(event)
        wall = time.strftime("%H:%M:%S")
        _LOGGER.info("pause word %r heard at %s (confidence %.2f)", event.word, wall, event.confidence)
        print(f"heard: {event.word} (confidence {event.confidence:.2f}) at {wall}", file=self.out, flush=True)
        self.say(PAUSE_ACK)
        if self.on_pause is not None:
            self.on_pause(event)

    def run_audio(self, blocks: Iterable) -> None:
        """Feed audio blocks until the source ends (or Ctrl-C)."""
        assert self.detector is not None
        for block in blocks:
            for event in self.detector.process(block):
                self.pause_heard(event)

    def run_text(self, lines: Iterable[str], pause_words: Iterable[str]) -> None:
        """Typed lines instead of speech: a line holding a pause word counts as hearing it."""
        words = tuple(pause_words)
        for line in lines:
            word = typed_pause_word(line, words)
            if word is not None:
                self.pause_heard(KeywordHeard(t_ms=0, word=word, start_ms=0, end_ms=0, confidence=1.0))


class LiveSession:
    """The guided session on live audio: mic blocks in; the state machine decides; the voice output plays.

    Receives microphone blocks (16 kHz int16) through `feed`. The pause-word detector listens while the
    machine is listening and the assistant is quiet (echo guard); during a session a command detector
    listens instead. Triggers carry the microphone's audio clock (`t_ms`).
    """

    def __init__(self, session, pause_detector: PauseWordDetector, command_detector: PauseWordDetector,
                 output, *, patterns: dict | None = None, spoken_cycles: int = 2, out: TextIO = sys.stdout,
                 on_fact: Callable[[str, object], None] | None = None) -> None:
        from assistant.session.wording import COMMAND_PHRASES

        self.session = session
        self.pause_detector = pause_detector
        self.command_detector = command_detector
        self.output = output
        self.out = out
        self._patterns = patterns or {}
        self._spoken_cycles = spoken_cycles
        self._command_of = {p: name for name, phrases in COMMAND_PHRASES.items() for p in phrases}
        self._listening_for_commands = False
        self._samples = 0
        self._quiet_until = 0
        self.on_fact = on_fact
        """Called with ("pause", KeywordHeard), ("command", name), ("state", name) for logs and tests."""

    @property
    def t_ms(self) -> int:
        return self._samples * 1000 // 16000

    def feed(self, block) -> None:
        """One microphone block: detect, advance the machine, perform what it asks."""
        self._samples += len(block)
        sounding = self.output.sounding
        if sounding:
            self._quiet_until = self._samples + round(_ECHO_TAIL_S * 16000)
        if self._listening_for_commands:
            self.pause_detector.mute_for(len(block) / 16000)
            self.pause_detector.process(block)
            for hit in self.command_detector.process(block):
                self._trigger("command", name=self._command_of.get(hit.word, hit.word))
        else:
            self.command_detector.mute_for(len(block) / 16000)
            self.command_detector.process(block)
            if sounding or self._samples < self._quiet_until:
                self.pause_detector.mute_for(len(block) / 16000)  # our own voice: echo guard
            for event in self.pause_detector.process(block):
                self._report("pause", event)
                print(f"heard: {event.word} (confidence {event.confidence:.2f})", file=self.out, flush=True)
                self._trigger("pause_word_heard")
        for fact in self.output.drain():
            if fact.kind == "started":
                print(f"assistant: {fact.text}", file=self.out, flush=True)
            elif fact.kind == "spoken":
                self._trigger("spoken", text=fact.text)
            else:
                self._trigger("exercise_done")
        self._trigger("tick")

    def _trigger(self, trigger: str, **kwargs) -> None:
        before = self.session.state
        getattr(self.session, trigger)(t_ms=self.t_ms, **kwargs)
        if trigger == "command":
            self._report("command", kwargs["name"])
        if self.session.state != before:
            self._report("state", self.session.state.value)
            print(f"state: {self.session.state.value}", file=self.out, flush=True)
        self._perform()

    def _report(self, kind: str, value: object) -> None:
        if self.on_fact is not None:
            self.on_fact(kind, value)

    def _perform(self) -> None:
        from assistant.events import ListenFor, Say
        from assistant.session.machine import ControlPacer, StartExercise

        actions, self.session.outbox = self.session.outbox, []
        for action in actions:
            if isinstance(action, Say):
                self.output.say(action.text)
            elif isinstance(action, ListenFor):
                self._listening_for_commands = bool(action.vocabulary)
                self.command_detector.recognizer.reset()
            elif isinstance(action, StartExercise):
                self.output.start(self._timeline(action))
            elif isinstance(action, ControlPacer):
                self.output.control(action.command)

    def _timeline(self, action):
        from assistant.session import exercises, pacer

        if action.kind == "grounding":
            return pacer.grounding_timeline(exercises.get_script(action.name), self.output.voice)
        pattern = exercises.get_pattern(action.name, self._patterns)
        if action.tempo_steps:
            pattern = exercises.with_tempo(pattern, action.tempo_steps)
        return pacer.breathing_timeline(pattern, self.output.voice, cycles=action.cycles or None,
                                        minutes=None if action.cycles else (action.minutes or None),
                                        spoken_cycles=self._spoken_cycles)
