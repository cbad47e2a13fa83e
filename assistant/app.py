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
