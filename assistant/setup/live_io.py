"""say / listen / record for set-up on the real speaker and microphone, through the live app's own parts.

Receives lines to say and how long to wait for an utterance. Emits each utterance the microphone hears (16 kHz
int16, in memory), cut by a VAD gate, never the assistant's own prompt.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TextIO

import numpy as np

from assistant.app import build_app
from assistant.audio.devices import DeviceError
from assistant.audio.echo import EchoGuard
from assistant.audio.player import BLOCK_SAMPLES, IDLE_BLOCKS
from assistant.audio.vad import FRAME_SAMPLES, VadGate
from assistant.events import SpeakingStarted, Spoken
from assistant.hearing.recognizer import SAMPLE_RATE


class LiveIO:
    """say / listen on the real speaker and microphone: one continuous output stream, one input stream.

    While the voice speaks, microphone blocks are read and dropped (until ECHO_TAIL_SECONDS after the
    speaker has played the line out), so the prompt's own sound is never taken for a partner's voice. Utterances are cut by
    a VAD gate with a short hangover, so a take costs the couple well under a second of waiting.
    """

    ECHO_TAIL_SECONDS = 0.4
    """After a line has left the player's queue: the device's own latency and the room's echo."""
    HANGOVER_MS = 700
    """Silence that ends an utterance: longer than a pause between words, short enough not to wait long."""
    MIN_SPEECH_SECONDS = 0.25
    """Sound shorter than this is not an answer (measured: a recording's lead-in noise opened the gate for
    60 ms, and the take cut there held no word)."""

    def __init__(self, config, input_device: str | None = None, output_device: str | None = None,
                 out: TextIO = sys.stdout) -> None:
        self.out = out
        app = build_app(config, session=False, input_device=input_device, output_device=output_device)
        self.output, self.mic, self.player = app.output, app.mic, app.start_player()
        self._blocks: Iterator[np.ndarray] = self.mic.frames()
        self.spoken_seconds = 0.0
        """Seconds of speech the couple listened to (prompts), for the benchmark."""
        self.heard_seconds = 0.0
        """Seconds of audio taken as utterances (takes, sentences), for the benchmark."""

    def start(self, lines: list[str]) -> None:
        """Render every line now (so no prompt waits on speech synthesis) and wait for the microphone."""
        for line in lines:
            self.output.voice.render(line)
        if not self.mic.wait_started(timeout=5):
            raise DeviceError("the microphone delivered no audio in 5 s: check it with `assistant devices` and "
                              "set listener.input_device in config.toml")

    def chime(self) -> None:
        """The chime, queued ahead of the next line: the speaker check."""
        self.output.cue("chime")

    def say(self, text: str) -> None:
        """Speak `text`; return once the speaker has sounded it out, timed on the output's own clock.

        Microphone blocks are read and dropped meanwhile: a backlog from a slow step goes at once, and no
        later sound of the prompt is taken for an answer.
        """
        clip_seconds = self.output.voice.render(text).seconds
        # Counted on the speaker's clock, plus the echo tail. Once the line is out the output is idle, and the
        # player pulls nothing more until what it queued has played: the clock then stands at most IDLE_BLOCKS
        # ahead of the speaker (counting its full queue too made each take wait 0.37 s longer after a prompt).
        echo = EchoGuard(self.ECHO_TAIL_SECONDS, self.output.rate, queued_samples=IDLE_BLOCKS * BLOCK_SAMPLES)
        self.output.say(text)
        limit = round((clip_seconds + 10.0) * SAMPLE_RATE)  # a stalled player must not hang set-up
        heard = 0
        spoken = False
        while heard < limit:
            heard += len(next(self._blocks))
            for fact in self.output.drain():
                if isinstance(fact, SpeakingStarted):
                    print(f"assistant: {fact.text}", file=self.out, flush=True)
                elif isinstance(fact, Spoken) and fact.text == text:
                    spoken = True
                    echo.sounding(self.output.samples_played)
            if spoken and echo.quiet(self.output.samples_played):
                break
        self.spoken_seconds += clip_seconds

    def listen(self, max_wait_seconds: float, longest_seconds: float) -> np.ndarray | None:
        """The next utterance, pre-roll included; a blip (a click, a breath) that opens the gate for less
        than MIN_SPEECH_SECONDS is not one, and listening goes on."""
        gate = VadGate(hangover_ms=self.HANGOVER_MS)
        hangover = self.HANGOVER_MS * SAMPLE_RATE // 1000
        frames: list[np.ndarray] | None = None
        waited = taken = lead = 0
        while True:
            block = next(self._blocks)
            out = gate.process(block)
            if frames is None:
                waited += len(block)
                if not out.opened and waited > max_wait_seconds * SAMPLE_RATE:
                    return None
            new = [op for op in out.ops if not isinstance(op, int)]
            if out.opened:
                frames, taken = [], 0
                lead = sum(len(f) for f in new) - FRAME_SAMPLES  # the pre-roll handed over on opening
            if frames is None:
                continue
            frames.extend(new)
            taken += sum(len(f) for f in new)
            if out.closed and taken - lead - hangover < self.MIN_SPEECH_SECONDS * SAMPLE_RATE:
                frames = None  # too short to be someone speaking
                continue
            if out.closed or taken >= longest_seconds * SAMPLE_RATE:
                self.heard_seconds += taken / SAMPLE_RATE
                return np.concatenate(frames)

    def record(self, seconds: float) -> np.ndarray:
        """The next `seconds` of microphone audio, whatever it holds (a knock does not open a speech gate)."""
        blocks, taken = [], 0
        while taken < seconds * SAMPLE_RATE:
            block = next(self._blocks)
            blocks.append(block)
            taken += len(block)
        return np.concatenate(blocks)

    def close(self) -> None:
        self.player.close()
        self.mic.close()


__all__ = [
    "LiveIO",
]
