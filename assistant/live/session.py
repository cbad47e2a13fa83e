"""The live session: microphone blocks or typed lines in; the state machine, the agreeing dialog and the
reminders decide; the voice output plays.

Receives audio blocks (16 kHz int16) or typed lines. Emits speech and tones through the voice output, one
printed line per thing heard or said, and agreements, pauses and readings into the store. No audio is ever
written anywhere: blocks live in memory only. `app.build_app` assembles it; `app.drive` feeds it.
"""

from __future__ import annotations

import logging
import queue
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TextIO

from dateutil import tz

from assistant.answers import yes_or_no
from assistant.audio.echo import EchoGuard
from assistant.audio.knock import KnockDetector
from assistant.audio.vad import Utterances
from assistant.commitment_desk import CHECK_DECKS, CommitmentDesk
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
from assistant.prompts import load_deck
from assistant.session import exercises, pacer
from assistant.session.choices import offer_words, offered_choices
from assistant.session.dialog import AgreeDialog
from assistant.session.reconnect import RECONNECT_PHRASES, Reconnection, typed_command
from assistant.session.wording import COMMAND_PHRASES, FALSE_ALARM_PHRASES, FALSE_ALARM_SECONDS
from assistant.store import StoreError
from assistant.timeparse import describe

_LOGGER = logging.getLogger(__name__)
SAMPLE_RATE = 16000
"""The microphone's rate: the live session's clock counts its samples."""
ANSWER_HANGOVER_MS = 800
"""Silence that ends a spoken answer while agreeing a time. The gate's default 1.5 s keeps the pause word's
context through a conversation; an answer is one short turn, and every 100 ms here is 100 ms before the
read-back. Measured on the rig (scripts/bench_answer_latency.py, piper "tomorrow morning"): end of speech to
the reply 2.26 s with 1.5 s, 1.44 s with 0.8 s (3 trials each, max 2.26 and 1.48 s). A pause longer than
this inside an answer ends it early; the dialog then asks again or reads back what it heard, and a no
corrects it."""
ECHO_TAIL_SECONDS = 0.5
"""Seconds after the assistant stops speaking during which its echo may still reach the microphone."""
PRINTED = "printed"
"""A log record with this attribute set was printed for the user already: the terminal's log handler skips it."""
_NOT_SAVED = "I couldn't save that time on this computer, so please write it down: {when}."
"""Said when an agreed time cannot be stored (full disk, read-only data folder)."""


def _local_now() -> datetime:
    """Wall-clock now in the local zone, with its DST rules (dateutil's tzlocal)."""
    return datetime.now(tz.gettz())


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
class Detectors:
    """The spotters the live loop switches between; all share the microphone's clock."""

    pause: PauseWordDetector
    """The pause word, while listening and quiet."""
    commands: PauseWordDetector
    """stop, skip, slower, faster, repeat: during a session, even while the assistant speaks."""
    reconnect: PauseWordDetector | None = None
    """next, repeat, we're done, ten more minutes: while prompts are read."""
    knock: KnockDetector | None = None
    """The agreed knock or clap pattern (listener.signals holds "knock"): heard when the pause word is."""
    commit: PauseWordDetector | None = None
    """"make a commitment", while listening and quiet: a commitment is made now (commitment_desk.py)."""

    def all(self) -> list[PauseWordDetector]:
        return [d for d in (self.pause, self.commands, self.reconnect, self.commit) if d is not None]


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
        self.store = store
        self.scheduler = scheduler
        self.now = now or _local_now
        self._agreement = agreement
        self._choices: list = []
        """The times offered when agreeing opened (`session.choices`), which the dialog listens for."""
        session.offer = self._offer
        self._snooze_minutes = snooze_minutes
        self._patterns = patterns or {}
        self._spoken_cycles = spoken_cycles
        self._command_of = {p: name for name, phrases in COMMAND_PHRASES.items() for p in phrases}
        self._reconnect_of = {p: name for name, phrases in RECONNECT_PHRASES.items() for p in phrases}
        self._listening_for_commands = False
        self._samples = 0
        self.echo = EchoGuard(ECHO_TAIL_SECONDS, SAMPLE_RATE)
        """Whether the assistant's own voice may be in the microphone (pause word and knock are not heard then)."""
        self._dialog = None
        self._utterances: Utterances | None = None
        """The answer being said while agreeing a time (made with the dialog)."""
        self.reconnection = None
        self._due = None
        self._claimed: list = []
        """Reminders the scheduler handed over (it marks them fired) that are still to be read, oldest first."""
        self._resumed = False
        """Whether readings cut short by a crash have been asked for (once, at the first check)."""
        self._next_check_samples = 0
        self._session_id: int | None = None
        """The stored guided session now running (history), or None."""
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
        self._stopped = False
        """A stop cut the running session short (it may go on to an offer to choose a time)."""
        self._next_learn_samples = 0
        self.commitments = CommitmentDesk(store, output.say, lambda: self.out, self.now, self._save,
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
            self._collect_time_phrase(block, quiet)
            if self._dialog is not None and quiet:
                self._dialog.tick(self.t_ms / 1000)
                self._perform_dialog()
        for fact in self.output.drain():
            if isinstance(fact, SpeakingStarted):
                print(f"assistant: {fact.text}", file=self.out, flush=True)
                if self._dialog is not None and self.shown_is_asked:
                    self._dialog.heard_out(fact.text, self.t_ms / 1000)
                    self._perform_dialog()
            elif isinstance(fact, Spoken):
                if self._dialog is not None:
                    self._dialog.heard_out(fact.text, self.t_ms / 1000)
                    self._perform_dialog()
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
            if self.store is not None:
                self._save("pause", self.store.record_pause, hit.word, self.now())
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
        if self.store is not None:
            self._save("pause", self.store.record_pause, signal, self.now())
        self._pause_heard, self._pause_by_word = (signal, self.t_ms), False
        self._trigger("pause_word_heard", word=signal, spoken=False)

    def typed(self, line: str) -> None:
        """A typed line stands for speech in the current mode (`listen --text`): the pause word, a command,
        a time or yes/no, or next/repeat/done while prompts are read."""
        mode = self._mode()
        text = _normalise(line)
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
            self._answer(text)

    def choose_time(self, phrase: str = "") -> None:
        """Agree a resume time outside a session (typed `agree friday morning`): the same checks, read-back
        and confirmation as after a pause."""
        self._trigger("choose_time", phrase=phrase)
        if phrase and self._dialog is not None:
            self._answer(phrase)

    def _answer(self, words: str) -> None:
        """What was said (or typed) while agreeing: yes/no about a proposed time, else a time."""
        self._ensure_dialog()
        answer = yes_or_no(words) if self._dialog.awaiting_yes_no else None
        if answer is not None:
            self._dialog.heard_answer(answer, self.now())
        else:
            self._dialog.heard_time(words, self.now())  # a new time, or asked again
        self._trigger("answer_heard")
        self._perform_dialog()

    def _command(self, phrase: str) -> None:
        """A spoken (or typed) command. "false alarm", or a stop just after the pause word, also tells the
        ear that the pause word was not meant: the history counts it, and the learner keeps that moment."""
        name = self._command_of.get(phrase, phrase)
        false_alarm = name == "stop" and self._pause_heard is not None and (
            phrase in FALSE_ALARM_PHRASES or self.t_ms - self._pause_heard[1] <= FALSE_ALARM_SECONDS * 1000)
        if name == "stop" and self._session_id is not None:
            self._stopped = True
        if false_alarm:
            word, self._pause_heard = self._pause_heard[0], None
            print(f"false alarm: {word}", file=self.out, flush=True)
            self._report("false_alarm", word)
            if self.store is not None:
                self._save("false alarm", self.store.record_false_alarm, word, self.now())
            if self.learner is not None and self._pause_by_word:
                self.learner.cancelled()
        self._trigger("command", name=name, false_alarm=false_alarm)

    # -- agreeing a resume time ----------------------------------------------------------------------------
    def _breaks(self) -> tuple[timedelta, timedelta]:
        agreement = self._agreement
        if agreement is None:
            return timedelta(minutes=20), timedelta(hours=48)
        return timedelta(minutes=agreement.min_break_minutes), timedelta(hours=agreement.max_break_hours)

    def _offer(self) -> str:
        """The times offered as agreeing opens (the machine asks): kept for the dialog to listen for."""
        self._choices = offered_choices(self.now(), *self._breaks())
        return offer_words(self._choices)

    def _ensure_dialog(self) -> None:
        if self._dialog is None:
            min_break, max_break = self._breaks()
            self._dialog = AgreeDialog(min_break=min_break, max_break=max_break, choices=list(self._choices))
            self._utterances = Utterances(hangover_ms=ANSWER_HANGOVER_MS)

    def _collect_time_phrase(self, block, quiet: bool) -> None:
        """While agreeing: gather one utterance, hear it with the recogniser (`hearing.answers`: the offered
        times or yes / no as a closed set beside the transcript), then answer the dialog with it."""
        self._ensure_dialog()
        if not quiet:
            self._utterances.drop()
            return
        opened, audio = self._utterances.feed(block)
        if opened:
            self._dialog.heard_speech()
        if audio is not None:
            dialog = self._dialog
            hearing = self._answer_hearing()
            heard = hearing.yes_no(audio) if dialog.awaiting_yes_no else hearing.time(
                audio, [choice.phrase for choice in dialog.choices])
            print(f"heard: {heard.words or '(nothing I know)'}{'' if heard.sure else ' (not sure)'}",
                  file=self.out, flush=True)
            if heard.sure:
                self._answer(heard.words)
            else:  # asked again, never a doubtful yes taken; a doubtful time read back only when heard twice
                if dialog.awaiting_yes_no:
                    dialog.not_caught()
                else:
                    dialog.heard_doubtful(heard.words, self.now())
                self._trigger("answer_heard")
                self._perform_dialog()

    def _perform_dialog(self) -> None:
        dialog = self._dialog
        if dialog is None:
            return
        actions, dialog.outbox = dialog.outbox, []
        agreed = dialog.agreed
        if agreed is not None and self.store is not None:
            record = self._save("agreement", self.store.add_agreement, agreed.resume_at, agreed.heard, self.now())
            if record is not None:
                print(f"agreed: {agreed.resume_at.isoformat()} (reminder {record.id})", file=self.out, flush=True)
            else:  # no "I'll remind you": the session goes on and the couple keeps the time themselves
                when = describe(agreed.resume_at, self.now(), relative=agreed.relative)
                actions = [Say(_NOT_SAVED.format(when=when))]
        for action in actions:
            self.output.say(action.text)
        if agreed is not None:
            self._dialog = None
            self._report("agreed", agreed)
            self._trigger("resume_agreed", resume_at=agreed.resume_at.isoformat())
        elif dialog.declined:
            self._dialog = None
            self._trigger("declined")

    # -- reminders and reconnection ------------------------------------------------------------------------
    def _check_reminders(self) -> None:
        if self.reconnection is not None or self.session.state.value != "listening" or self.output.sounding:
            return
        if not self._resumed:  # a reading a crash cut short is read again first (at least once)
            self._resumed = True
            self._claimed = self._save("reminder", self.scheduler.interrupted, self.now()) or []
        if not self._claimed:
            # `due` claims everything due at once; keep them all, so a second reminder caught up after
            # downtime is read after the first instead of being marked fired and lost.
            self._claimed = self._save("reminder", self.scheduler.due, self.now()) or []
        if not self._claimed:
            return
        self._due = self._claimed.pop(0)
        self._report("reminder", self._due)
        deck = load_deck(self._due.deck)
        line = deck.reminder_line(self._due.caught_up, describe(self._due.resume_at, self.now()))
        print(f"reminder: {self._due.heard} ({self._due.resume_at.isoformat()})", file=self.out, flush=True)
        self.reconnection = Reconnection(deck, self.store.delivered_ids(deck.name), reminder_line=line,
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
                self.store.record_delivery(action.deck, action.prompt_id, action.at)
            else:
                self.output.say(action.text)
        if sitting.wants_commitment:  # "make a commitment" after a prompt: made now, then the prompts go on
            sitting.wants_commitment = False
            self.commitments.start_making()
        if sitting.finished:
            self.reconnection = None
            self._finish_reading(sitting)
            if not sitting.snoozed and sitting.deck.name in CHECK_DECKS:
                self.commitments.start_check()  # the open commitments, after the prompts

    def _finish_reading(self, sitting) -> None:
        """The prompts were read (or the couple said they were done): only now is the reminder kept, so a
        crash before this reads it again. A snoozed one comes again through its snooze."""
        due, self._due = self._due, None
        if due is None or self.store is None:
            return
        if due.agreement_id is not None and not sitting.snoozed:
            self._save("reminder", self.store.mark_read, due.agreement_id, self.now())
        elif due.ritual:
            self._save("reminder", self.store.ritual_reading, due.ritual, None)

    def _trigger(self, trigger: str, **kwargs) -> None:
        before = self.session.state
        getattr(self.session, trigger)(t_ms=self.t_ms, **kwargs)
        if trigger == "command":
            self._report("command", kwargs["name"])
        if self.session.state != before:
            if self.session.state.value == "listening":
                self._pause_heard = None
            if before.value == "agreeing":
                self._dialog = None
            if self.session.state.value == "agreeing":
                self._dialog = None
                self._ensure_dialog()
                if self.session.invite:
                    self._dialog.expect(self.session.invite)
            self._record_session(before, trigger, kwargs)  # first: a printed state is a stored one
            self._report("state", self.session.state.value)
            print(f"state: {self.session.state.value}", file=self.out, flush=True)
        self._perform()

    def _record_session(self, before, trigger: str, kwargs: dict) -> None:
        """History: a guided session starts when the pause word leaves listening and ends on the way back,
        "stopped" when a spoken stop cut it short, else "completed"."""
        if self.store is None:
            return
        if before.value == "listening" and trigger == "pause_word_heard":
            self._session_id = self._save("session", self.store.start_session, kwargs.get("word", ""), self.now())
        elif self.session.state.value == "listening" and self._session_id is not None:
            session_id, self._session_id = self._session_id, None
            stopped, self._stopped = self._stopped, False
            self._save("session", self.store.end_session, session_id, "stopped" if stopped else "completed",
                       self.now())

    def end_open_session(self) -> None:
        """The assistant is closing (Ctrl-C, service stop) in the middle of a guided session: store it as
        stopped, so the history counts it instead of keeping a session that never ends."""
        if self.store is not None and self._session_id is not None:
            session_id, self._session_id = self._session_id, None
            self._save("session", self.store.end_session, session_id, "stopped", self.now())

    def _save(self, what: str, write: Callable, *args: object) -> object:
        """A store write that may fail (disk full, read-only folder): say so in one line, never stop the
        session. Returns the write's result, or None when it failed."""
        try:
            return write(*args)
        except StoreError as e:  # one line on the terminal; the log file keeps it too
            _LOGGER.warning("%s not saved: %s", what, e, extra={PRINTED: True})
            print(f"not saved: {e}", file=self.out, flush=True)
            return None

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
                self.output.start(self._timeline(action))
            elif isinstance(action, ControlPacer):
                self.output.control(action.command)

    def _timeline(self, action):
        if action.kind == "grounding":
            return pacer.grounding_timeline(exercises.get_script(action.name), self.output.speech_samples)
        pattern = exercises.get_pattern(action.name, self._patterns)
        if action.tempo_steps:
            pattern = exercises.with_tempo(pattern, action.tempo_steps)
        return pacer.breathing_timeline(pattern, self.output.speech_samples, cycles=action.cycles or None,
                                        minutes=None if action.cycles else (action.minutes or None),
                                        spoken_cycles=self._spoken_cycles)
