"""The live session: microphone blocks or typed lines in; the state machine, the agreeing dialog and the
reminders decide; the voice output plays.

Receives audio blocks (16 kHz int16) or typed lines. Emits speech and tones through the voice output, one
printed line per thing heard or said, and what the core decided (pauses, agreed times, sessions, readings)
to `records`, which keeps it in the store. Agreeing a time runs at `agreeing`'s desk, commitments at
`commitments`'. No audio is ever written anywhere: blocks live in memory only. `app.build_app` assembles it;
`app.drive` feeds it.
"""

from __future__ import annotations

import queue
import sys
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime
from typing import TextIO

from dateutil import tz

from assistant.audio.echo import EchoGuard
from assistant.events import (
    ControlPacer,
    KeywordHeard,
    ListenFor,
    PlayCue,
    RecordDelivery,
    Say,
    SignalHeard,
    SpeakingStarted,
    Spoken,
    StartExercise,
)
from assistant.hearing.answers import AnswerHearing
from assistant.hearing.detector import PauseWordDetector
from assistant.live.agreeing import AgreeDesk
from assistant.live.commitments import CHECK_DECKS, CommitmentDesk
from assistant.live.detectors import Detectors
from assistant.live.records import Records
from assistant.prompts import load_deck
from assistant.session import pacer
from assistant.session.reconnect import RECONNECT_PHRASES, Reconnection, typed_command
from assistant.session.wording import (
    COMMAND_PHRASES,
    FALSE_ALARM_PHRASES,
    FALSE_ALARM_SECONDS,
    plain_line,
    typed_pause_word,
)
from assistant.timeparse import describe

SAMPLE_RATE = 16000
"""The microphone's rate: the live session's clock counts its samples."""
ECHO_TAIL_SECONDS = 0.5
"""Seconds after the assistant stops speaking during which its echo may still reach the microphone."""


def _local_now() -> datetime:
    """Wall-clock now in the local zone, with its DST rules (dateutil's tzlocal)."""
    return datetime.now(tz.gettz())


class LiveSession:
    """The assistant on live audio: mic blocks in; the state machine, the agreeing dialog and the reminders
    decide; the voice output plays.

    Receives microphone blocks (16 kHz int16) through `feed`. Only the detectors of the current mode hear
    the audio (the others skip it, keeping their clocks): the pause word while listening and quiet (echo
    guard), commands during a session, a time phrase and yes/no while agreeing, next/repeat/done while
    prompts are read. Triggers carry the microphone's audio clock (`t_ms`); wall-clock time (`now()`) is
    used only for resume times and reminders.
    """

    def __init__(self, session, detectors: Detectors, output, *, patterns: dict | None = None,
                 spoken_cycles: int = 2, out: TextIO | None = None, store=None, scheduler=None,
                 now: Callable[[], object] | None = None, agreement=None, snooze_minutes: float = 10,
                 on_fact: Callable[[str, object], None] | None = None, learner=None,
                 hearing: AnswerHearing | None = None, partners: tuple[str, ...] = ()) -> None:
        self.session = session
        self._hearing = hearing
        """What is said while agreeing a time (Whisper); made on the first spoken answer when not given."""
        self.detectors = detectors
        self.output = output
        self._out = out
        self.records = Records(store, lambda: self.out)
        """What the core decided, kept in the store."""
        self.scheduler = scheduler
        self.now = now or _local_now
        self.agreeing = AgreeDesk(output.say, lambda: self.out, self.now, self.records, self._answer_hearing,
                                  self._trigger, self._report, agreement)
        """Agreeing a resume time: the dialog runs here while the machine is agreeing."""
        session.offer = self.agreeing.offer
        self._snooze_minutes = snooze_minutes
        self._patterns = patterns or {}
        self._spoken_cycles = spoken_cycles
        self._command_of = {p: name for name, phrases in COMMAND_PHRASES.items() for p in phrases}
        self._reconnect_of = {p: name for name, phrases in RECONNECT_PHRASES.items() for p in phrases}
        self._listening_for_commands = False
        self._samples = 0
        self.echo = EchoGuard(ECHO_TAIL_SECONDS, SAMPLE_RATE)
        """Whether the assistant's own voice may be in the microphone (pause word and knock are not heard then)."""
        self.reconnection = None
        self._due = None
        self._claimed: list = []
        """Reminders the scheduler handed over (it marks them fired) that are still to be read, oldest first."""
        self._resumed = False
        """Whether readings cut short by a crash have been asked for (once, at the first check)."""
        self._next_check_samples = 0
        self.learner = learner
        """The ear's `HomeLearner` (learned detector with listener.learn), or None."""
        self._pause_heard: tuple[str, int] | None = None
        """(word, t_ms) of the pause word that started the running session, until it is over."""
        self._pause_by_word = False
        """Whether the running session began with the pause word (only then does a false alarm teach the ear)."""
        self._requests: queue.SimpleQueue[tuple[str, Future]] = queue.SimpleQueue()
        """Pauses asked for from outside the audio (`assistant pause`, a key press), taken up by `feed`."""
        self.shown_is_asked = False
        """Typed mode: a question counts as asked once printed (read at a glance), not once said."""
        self._next_learn_samples = 0
        self.commitments = CommitmentDesk(store, output.say, lambda: self.out, self.now, self.records.save,
                                          self._answer_hearing, partners)
        """Making commitments and bringing them back: the mode is "commit" while one of its dialogs runs."""
        self.on_fact = on_fact
        """Called with ("pause", KeywordHeard), ("command", name), ("state", name), ("agreed", ResumeTime),
        ("reminder", ReminderDue) for logs and tests."""

    @property
    def out(self) -> TextIO:
        """Where lines are printed: sys.stdout as it is at the time (the terminal view redirects it, so a line
        said is printed above the breathing bar instead of on top of it), unless a stream was given."""
        return self._out if self._out is not None else sys.stdout

    @property
    def store(self):
        """The store the records are kept in (None without one)."""
        return self.records.store

    @property
    def t_ms(self) -> int:
        return self._samples * 1000 // SAMPLE_RATE

    def _answer_hearing(self) -> AnswerHearing:
        if self._hearing is None:
            self._hearing = AnswerHearing()
        return self._hearing

    def _mode(self) -> str:
        if self.commitments.active:
            return "commit"
        if self.reconnection is not None:
            return "reconnect"
        if self.session.state.value == "agreeing":
            return "agree"
        return "session" if self._listening_for_commands else "listen"

    def feed(self, block) -> None:
        """One microphone block: detect, advance the machine, perform what it asks."""
        self._samples += len(block)
        seconds = len(block) / SAMPLE_RATE
        if self.output.sounding:
            self.echo.sounding(self._samples)
        quiet = self.echo.quiet(self._samples)
        mode = self._mode()
        hear = {self.detectors.pause: mode == "listen" and quiet,
                self.detectors.commands: mode in ("session", "agree"),
                self.detectors.reconnect: mode == "reconnect" and quiet,
                self.detectors.commit: mode == "listen" and quiet}
        for detector in self.detectors.all():
            if not hear.get(detector):
                detector.mute_for(seconds)  # skipped: its clock runs on, nothing is heard
            for hit in detector.process(block):
                self._heard(detector, hit)
        if self.detectors.knock is not None:
            if not (mode == "listen" and quiet):
                self.detectors.knock.mute_for(seconds)
            for signal in self.detectors.knock.process(block):
                if self._mode() == "listen":
                    self.pause_signal(signal.signal)
        self._take_requests()
        if mode == "commit":
            self.commitments.feed(block, quiet)
        if mode == "agree":
            self.agreeing.feed(block, quiet, self.t_ms / 1000)
        for fact in self.output.drain():
            if isinstance(fact, SpeakingStarted):
                print(f"assistant: {fact.text}", file=self.out, flush=True)
                if self.shown_is_asked:
                    self.agreeing.heard_out(fact.text, self.t_ms / 1000)
            elif isinstance(fact, Spoken):
                self.agreeing.heard_out(fact.text, self.t_ms / 1000)
                self._trigger("spoken", text=fact.text)
            else:
                self._trigger("exercise_done")
        self._trigger("tick")
        if self.learner is not None and self._samples >= self._next_learn_samples:
            self._next_learn_samples = self._samples + SAMPLE_RATE
            self.learner.poll(self._samples / SAMPLE_RATE)
        if self.scheduler is not None and self._samples >= self._next_check_samples:
            self._next_check_samples = self._samples + SAMPLE_RATE  # once a second of audio
            self._check_reminders()

    def _heard(self, detector: PauseWordDetector, hit, spoken: bool = True) -> None:
        """A word heard, or typed (`spoken=False`: it cannot be the assistant's own voice, and there is no
        sound of it for the ear to learn from)."""
        if detector is self.detectors.pause:
            self._report("pause", hit)
            print(f"heard: {hit.word} (confidence {hit.confidence:.2f})", file=self.out, flush=True)
            self.records.pause(hit.word, self.now())
            if self.learner is not None and spoken:
                self.learner.heard(hit.word, hit.end_ms / 1000)
            self._pause_heard, self._pause_by_word = (hit.word, self.t_ms), spoken
            self._trigger("pause_word_heard", word=hit.word, spoken=spoken)
        elif detector is self.detectors.commands:
            self._command(hit.word)
        elif detector is self.detectors.commit and self._mode() == "listen":
            print(f"heard: {hit.word}", file=self.out, flush=True)
            self.commitments.start_making()
        elif detector is self.detectors.reconnect and self.reconnection is not None:
            name = self._reconnect_of.get(hit.word, hit.word)
            print(f"heard: {hit.word}", file=self.out, flush=True)
            self.reconnection.command(name, self.now())
            if self.reconnection.snoozed and self._due is not None:
                self.scheduler.snooze(self._due.agreement_id or self._due.ritual, self._snooze_minutes, self.now())
            self._perform_reconnection()

    def request_pause(self, signal: str) -> Future:
        """Ask, from any thread, for the ritual to start now (`assistant pause`, a key press). The future
        resolves, once the live loop has taken it up, to "started", "already pausing" or "busy"."""
        done: Future = Future()
        self._requests.put((signal, done))
        return done

    def _take_requests(self) -> None:
        while True:
            try:
                signal, done = self._requests.get_nowait()
            except queue.Empty:
                return
            if self.session.state.value != "listening":
                done.set_result("already pausing")
            elif self.reconnection is not None:
                done.set_result("busy: prompts are being read; say we're done first")
            else:
                self.pause_signal(signal)
                done.set_result("started")

    def pause_signal(self, signal: str) -> None:
        """A pause without words (a knock pattern, `assistant pause`, a key): the same ritual as the pause
        word, counted as a pause in the history under the signal's name; the ear learns nothing from it."""
        self._report("pause", SignalHeard(self.t_ms, signal, self.t_ms, self.t_ms))
        print(f"heard: ({signal})", file=self.out, flush=True)
        self.records.pause(signal, self.now())
        self._pause_heard, self._pause_by_word = (signal, self.t_ms), False
        self._trigger("pause_word_heard", word=signal, spoken=False)

    def typed(self, line: str) -> None:
        """A typed line stands for speech in the current mode (`listen --text`): the pause word, a command,
        a time or yes/no, or next/repeat/done while prompts are read."""
        mode = self._mode()
        text = plain_line(line)
        if not text:
            return
        if mode == "commit":  # the words as typed: a commitment keeps its capitals and punctuation
            self.commitments.typed(line)
            return
        if mode == "session" and self.session.state.value == "listening" and text not in self._command_of:
            mode = "listen"  # the session has ended and its last line is being said: commands still work
        if mode == "listen":
            if self.commitments.typed_request(line):
                return
            if text == "agree" or text.startswith("agree "):  # a time agreed later, as `assistant agree`
                self.choose_time(text.removeprefix("agree").strip())
                return
            word = typed_pause_word(text, self.detectors.pause.words)
            if word is not None:
                self._heard(self.detectors.pause, KeywordHeard(self.t_ms, word, self.t_ms, self.t_ms, 1.0), spoken=False)
        elif mode == "reconnect":
            command = typed_command(text)
            if command is not None:
                hit_word = next(p for p, name in self._reconnect_of.items() if name == command)
                self._heard(self.detectors.reconnect, KeywordHeard(self.t_ms, hit_word, self.t_ms, self.t_ms, 1.0))
        elif text in self._command_of:
            self._command(text)
        elif mode == "agree":
            self.agreeing.answer(text)

    def choose_time(self, phrase: str = "") -> None:
        """Agree a resume time outside a session (typed `agree friday morning`): the same checks, read-back
        and confirmation as after a pause."""
        self._trigger("choose_time", phrase=phrase)
        if phrase and self.agreeing.dialog is not None:
            self.agreeing.answer(phrase)

    def _command(self, phrase: str) -> None:
        """A spoken (or typed) command. "false alarm", or a stop just after the pause word, also tells the
        ear that the pause word was not meant: the history counts it, and the learner keeps that moment."""
        name = self._command_of.get(phrase, phrase)
        false_alarm = name == "stop" and self._pause_heard is not None and (
            phrase in FALSE_ALARM_PHRASES or self.t_ms - self._pause_heard[1] <= FALSE_ALARM_SECONDS * 1000)
        if name == "stop":
            self.records.stop_heard()
        if false_alarm:
            word, self._pause_heard = self._pause_heard[0], None
            print(f"false alarm: {word}", file=self.out, flush=True)
            self._report("false_alarm", word)
            self.records.false_alarm(word, self.now())
            if self.learner is not None and self._pause_by_word:
                self.learner.cancelled()
        self._trigger("command", name=name, false_alarm=false_alarm)

    # -- reminders and reconnection ------------------------------------------------------------------------
    def _check_reminders(self) -> None:
        if self.reconnection is not None or self.session.state.value != "listening" or self.output.sounding:
            return
        if not self._resumed:  # a reading a crash cut short is read again first (at least once)
            self._resumed = True
            self._claimed = self.records.save("reminder", self.scheduler.interrupted, self.now()) or []
        if not self._claimed:
            # `due` claims everything due at once; keep them all, so a second reminder caught up after
            # downtime is read after the first instead of being marked fired and lost.
            self._claimed = self.records.save("reminder", self.scheduler.due, self.now()) or []
        if not self._claimed:
            return
        self._due = self._claimed.pop(0)
        self._report("reminder", self._due)
        deck = load_deck(self._due.deck)
        line = deck.reminder_line(self._due.caught_up, describe(self._due.resume_at, self.now()))
        print(f"reminder: {self._due.heard} ({self._due.resume_at.isoformat()})", file=self.out, flush=True)
        self.reconnection = Reconnection(deck, self.records.store.delivered_ids(deck.name), reminder_line=line,
                                         snooze_minutes=self._snooze_minutes)
        self.reconnection.begin()
        self._perform_reconnection()

    def _perform_reconnection(self) -> None:
        sitting = self.reconnection
        actions, sitting.outbox = sitting.outbox, []
        for action in actions:
            if isinstance(action, PlayCue):
                self.output.cue(action.name)
            elif isinstance(action, RecordDelivery):
                self.records.delivery(action)
            else:
                self.output.say(action.text)
        if sitting.wants_commitment:  # "make a commitment" after a prompt: made now, then the prompts go on
            sitting.wants_commitment = False
            self.commitments.start_making()
        if sitting.finished:
            self.reconnection = None
            due, self._due = self._due, None
            self.records.reading_done(due, sitting.snoozed, self.now())
            if not sitting.snoozed and sitting.deck.name in CHECK_DECKS:
                self.commitments.start_check()  # the open commitments, after the prompts

    def _trigger(self, trigger: str, **kwargs) -> None:
        before = self.session.state
        getattr(self.session, trigger)(t_ms=self.t_ms, **kwargs)
        if trigger == "command":
            self._report("command", kwargs["name"])
        if self.session.state != before:
            if self.session.state.value == "listening":
                self._pause_heard = None
            if before.value == "agreeing":
                self.agreeing.close()
            if self.session.state.value == "agreeing":
                self.agreeing.open(self.session.invite)
            # first: a printed state is a stored one
            self.records.state_changed(before, self.session.state, trigger, kwargs.get("word", ""), self.now())
            self._report("state", self.session.state.value)
            print(f"state: {self.session.state.value}", file=self.out, flush=True)
        self._perform()

    def end_open_session(self) -> None:
        """The assistant is closing in the middle of a guided session: stored as stopped (`records`)."""
        self.records.end_open_session(self.now())

    def _report(self, kind: str, value: object) -> None:
        if self.on_fact is not None:
            self.on_fact(kind, value)

    def _perform(self) -> None:
        actions, self.session.outbox = self.session.outbox, []
        for action in actions:
            if isinstance(action, Say):
                self.output.say(action.text)
            elif isinstance(action, ListenFor):
                self._listening_for_commands = bool(action.vocabulary)
                self.detectors.commands.recognizer.reset()
            elif isinstance(action, StartExercise):
                self.output.start(pacer.exercise_timeline(action, self.output.speech_samples, self._patterns,
                                                           self._spoken_cycles))
            elif isinstance(action, ControlPacer):
                self.output.control(action.command)
