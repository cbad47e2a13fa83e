"""Assembles the live app from config, and holds the one loop that drives it.

Receives the config and the command line's choices (devices, engine, typed mode). Emits an `App`: the live
session with its detectors, the voice output, the microphone and the speaker, each opened here and only
here. `listen`, `reconnect`, `setup` and the tests all build it with `build_app` and run it with `drive`.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

from assistant.audio.knock import KnockDetector
from assistant.audio.player import StreamPlayer
from assistant.audio.sources import MicSource
from assistant.audio.steady import SteadyMic, SteadySpeaker
from assistant.config import Config
from assistant.ear.adaptation import HomeLearner
from assistant.ear.build import build_detector
from assistant.ear.fusion import FusedSpotter
from assistant.hearing.answers import AnswerHearing
from assistant.hearing.detector import PauseWordDetector
from assistant.hearing.engines import EngineChoice, build_recognizer, choose_engine
from assistant.live.commitments import ASKING_PHRASES
from assistant.live.detectors import Detectors
from assistant.live.session import SAMPLE_RATE, LiveSession
from assistant.output.voice import Voice, voice_from_config
from assistant.output.voice_output import VoiceOutput
from assistant.scheduler import Scheduler
from assistant.session import exercises
from assistant.session.machine import Session, SessionPlan
from assistant.session.pacer import RATE
from assistant.session.reconnect import reconnect_vocabulary
from assistant.session.wording import all_lines, command_vocabulary
from assistant.store import Store, data_dir
from assistant.supervisor import Supervisor, announce_mic, announce_speaker

__all__ = [
    "App",
    "build_app",
    "drive",
    "home_learner",
    "reconnect_detectors",
    "run_listener",
    "run_reconnection",
    "run_typed",
]


@dataclass
class App:
    """The live assistant's parts, as `build_app` opened them.

    | want                                  | do                                                       |
    |---------------------------------------|----------------------------------------------------------|
    | the speaker playing the voice output  | `app.start_player()`                                     |
    | lost devices waited for and reopened  | `app.hold_devices(out)` (before `run_listener`)          |
    | everything let go                     | `app.close()`                                            |
    """

    config: Config
    output: VoiceOutput
    """The voice, its tones and exercises, mixed for the speaker."""
    live: LiveSession | None = None
    """The session, its detectors and dialogs; None for set-up, which only speaks and listens."""
    mic: MicSource | SteadyMic | None = None
    """None in typed mode (`listen --text`)."""
    player: StreamPlayer | SteadySpeaker | None = None
    input_device: str | None = None
    output_device: str | None = None
    choice: EngineChoice | None = None
    """The speech engine the pause word is heard with."""
    learner: object | None = None
    """The ear's `HomeLearner`, or None."""
    scheduler: Scheduler | None = None

    def _open_player(self) -> StreamPlayer:
        """A stream on the speaker pulling the voice output, little of it queued while the voice is idle."""
        return StreamPlayer(self.output.read, RATE, self.output_device, idle=self.output.idle).start()

    def start_player(self) -> StreamPlayer:
        """The speaker starts pulling the voice output; when it cannot, the microphone is closed too."""
        try:
            self.player = self._open_player()
        except Exception:
            if self.mic is not None:
                self.mic.close()
            raise
        return self.player

    def hold_devices(self, out: TextIO, watch=None) -> None:
        """From here on a lost microphone or speaker is waited for and reopened (steady.py), and said."""
        self.mic = SteadyMic(lambda: MicSource(self.input_device), mic=self.mic, watch=watch,
                             on_change=announce_mic(self.live, out))
        self.player = SteadySpeaker(self._open_player, self.output.read, RATE, player=self.player, on_change=announce_speaker(out))

    def close(self) -> None:
        """The microphone, the speaker and the learner, in that order."""
        if self.mic is not None:
            self.mic.close()
        if self.player is not None:
            self.player.close()
        if self.learner is not None:
            self.learner.close()


def build_app(config: Config, *, session: bool = True, text: bool = False, input_device: str | None = None,
              output_device: str | None = None, engine: str | None = None, model: str | None = None,
              detector: str | None = None, detectors: Detectors | None = None,
              open_store: Callable[[], Store] | None = None,
              reminders: bool = True, voice: Voice | None = None, out: TextIO | None = None,
              session_class: type[LiveSession] = LiveSession) -> App:
    """The live app, opened from config (the command line's choices win over it).

    Args:
        session: False for set-up: the voice output, microphone and speaker only.
        text: typed mode: no microphone, the words printed, keyword search (no word model to train).
        detectors: the spotters to use (`reconnect`); default: the pause word, commands, prompts, knock.
        open_store: opens where pauses, sessions and agreements go, once the microphone is open (a device
            or model problem is named first); `reminders` reads those due from it aloud.
        voice: a voice to use instead of config's (tests print it: `TextVoice`).
        session_class: the live session's class (tests break it on purpose).

    Raises EngineError, ModelError, VocabularyError, HeadError, DeviceError or ValueError with the fix. The
    speaker starts with `App.start_player`, so a command can say something first.
    """
    input_device = input_device or config.listener.input_device or None
    output_device = output_device or config.voice.output_device or None
    if not session:
        output = VoiceOutput(voice or voice_from_config(config.voice))
        return App(config, output, mic=MicSource(input_device), input_device=input_device,
                   output_device=output_device)
    s = config.session
    choice = None
    listening = detectors is None  # listen's own detectors: the pause word starts a session, the ear may learn
    patterns = exercises.parse_patterns(s.patterns) if listening else {}
    if listening:
        # typed mode hears no audio: it needs no word model (and must not train one)
        pause, choice = build_detector(config, engine=engine, model=model,
                                       detector="keyword" if text else detector)

        def spotter(phrases) -> PauseWordDetector:
            return PauseWordDetector(build_recognizer(choice, phrases, sensitivity=0.5), debounce_seconds=1.0)

        knock = KnockDetector(config.listener.knock()) if "knock" in config.listener.signals and not text else None
        detectors = Detectors(pause=pause, commands=spotter(command_vocabulary()),
                              reconnect=spotter(reconnect_vocabulary()), knock=knock,
                              commit=None if text else spotter(ASKING_PHRASES[:1]))
    mic = None if text else MicSource(input_device)
    store = open_store() if open_store is not None else None
    scheduler = Scheduler.from_config(store, config.reminders) if store is not None and reminders else None
    output = VoiceOutput(voice or voice_from_config(config.voice, typed=text))
    if listening:
        for line in all_lines():  # render every fixed line now, so the acknowledgement starts at once
            output.voice.render(line)
    learner = home_learner(config, detectors.pause) if listening and mic is not None else None
    plan = SessionPlan(pattern=s.pattern, cycles=s.cycles, minutes=s.minutes, grounding=s.grounding)
    # the recogniser of answers loads in the background now (about a second), not at the first answer
    hearing = AnswerHearing(config.hearing.model) if listening and mic is not None else None
    live = session_class(Session(plan=plan), detectors, output, patterns=patterns, spoken_cycles=s.spoken_cycles,
                         out=out, store=store, scheduler=scheduler, agreement=config.agreement,
                         snooze_minutes=config.reminders.snooze_minutes, learner=learner, hearing=hearing,
                         partners=config.commitments.partners)
    return App(config, output, live=live, mic=mic, input_device=input_device, output_device=output_device,
               choice=choice, learner=learner, scheduler=scheduler)


def home_learner(config: Config, detector: PauseWordDetector):
    """The ear's learning in the home (`adaptation.py`): for the learned detector unless listener.learn is false."""
    if not config.listener.learn or not isinstance(detector.recognizer, FusedSpotter):
        return None
    return HomeLearner(detector.recognizer, data_dir(), say=lambda line: print(line, flush=True))


def reconnect_detectors(config: Config) -> Detectors:
    """`assistant reconnect`: next / repeat / we're done while prompts are read, and an idle pause-word spotter
    that stands in for the commands."""
    choice = choose_engine(config)
    reconnect = PauseWordDetector(build_recognizer(choice, reconnect_vocabulary()), debounce_seconds=1.0)
    idle = PauseWordDetector(build_recognizer(choice, config.listener.pause_words))
    return Detectors(pause=idle, commands=idle, reconnect=reconnect)


def drive(live: LiveSession, blocks: Iterable[np.ndarray], *, keep_up: Callable[[int], None] | None = None,
          on_block: Callable[[], object] | None = None, until: Callable[[], bool] | None = None) -> None:
    """The one loop: each microphone block (or typed-mode silence) to the live session, until the blocks end
    or `until()` holds. `keep_up(samples)` runs first (the speaker pulls the output at the microphone's
    pace), `on_block()` after (the terminal view)."""
    for block in blocks:
        if keep_up is not None:
            keep_up(len(block))
        live.feed(block)
        if on_block is not None:
            on_block()
        if until is not None and until():
            return


def run_listener(app: App, *, on_block: Callable[[], object] | None = None, out: TextIO = sys.stdout,
                 log_path: Path | None = None) -> Supervisor:
    """`listen` on the microphone until it is closed, under a Supervisor (an error in a stage restarts the
    loop with the session's state kept). Call `app.hold_devices` first."""

    def listen() -> None:
        drive(app.live, app.mic.blocks(), keep_up=app.player.keep_up, on_block=on_block)

    supervisor = Supervisor(out=out, log_path=log_path)
    supervisor.run(listen)
    return supervisor


def run_reconnection(app: App, sitting) -> None:
    """`assistant reconnect` on the microphone and speaker: prompts aloud, moved on by voice, until they are
    over and said out."""
    live = app.live
    live.reconnection = sitting
    sitting.begin()
    live._perform_reconnection()
    app.start_player()
    with app.mic:
        try:
            drive(live, app.mic.frames(), until=lambda: live.reconnection is None and not live.commitments.active
                  and not app.output.sounding)
        finally:
            app.player.close()


def run_typed(live: LiveSession, lines: Iterable[str], block_samples: int = 480) -> None:
    """`listen --text`: typed lines stand for speech; silence blocks paced by the wall clock stand for the
    microphone, so timeouts, exercises and reminders run on the same audio clock as live."""
    typed: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in lines:
            typed.put(line)
        typed.put(None)

    threading.Thread(target=read, daemon=True).start()
    live.shown_is_asked = True
    ended = False

    def silence() -> Iterator[np.ndarray]:
        """Blocks of silence at the microphone's pace, each after the lines typed meanwhile are taken."""
        nonlocal ended
        block = np.zeros(block_samples, dtype=np.int16)
        block_seconds = block_samples / SAMPLE_RATE
        next_at = time.monotonic()
        while True:
            while True:
                try:
                    line = typed.get_nowait()
                except queue.Empty:
                    break
                if line is None:
                    ended = True
                    break
                live.typed(line)
            yield block
            next_at += block_seconds
            time.sleep(max(0.0, next_at - time.monotonic()))

    out_rate = live.output.rate
    out_due = 0.0  # output samples owed: with no speaker, the output is pulled at the same pace

    def pull_output(samples: int) -> None:
        nonlocal out_due
        out_due += samples / SAMPLE_RATE * out_rate
        live.output.read(int(out_due))
        out_due -= int(out_due)

    drive(live, silence(), keep_up=pull_output,
          until=lambda: ended and not live.output.sounding and live.session.state.value == "listening"
          and live.reconnection is None)
