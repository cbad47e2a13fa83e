"""Agreeing a resume time on live audio: the times offered, the answers heard, the agreed time kept.

Receives microphone blocks while the machine is agreeing (or typed answers), and the moments the voice has
said a line. Emits the dialog's lines through the voice output, the agreed time into the store (`records`),
and the machine's triggers (`answer_heard`, `resume_agreed`, `declined`) through the live loop.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TextIO

from assistant.answers import yes_or_no
from assistant.audio.vad import Utterances
from assistant.events import Say
from assistant.hearing.answers import AnswerHearing
from assistant.live.records import Records
from assistant.session.choices import offer_words, offered_choices
from assistant.session.dialog import AgreeDialog
from assistant.timeparse import describe

ANSWER_HANGOVER_MS = 800
"""Silence that ends a spoken answer while agreeing a time. The gate's default 1.5 s keeps the pause word's
context through a conversation; an answer is one short turn, and every 100 ms here is 100 ms before the
read-back. Measured on the rig (scripts/bench_answer_latency.py, piper "tomorrow morning"): end of speech to
the reply 2.26 s with 1.5 s, 1.44 s with 0.8 s (3 trials each, max 2.26 and 1.48 s). A pause longer than
this inside an answer ends it early; the dialog then asks again or reads back what it heard, and a no
corrects it."""
_NOT_SAVED = "I couldn't save that time on this computer, so please write it down: {when}."
"""Said when an agreed time cannot be stored (full disk, read-only data folder)."""


class AgreeDesk:
    """The agreeing dialog as the live loop runs it: one at a time, made when agreeing opens.

    | the loop has                         | call                             |
    |--------------------------------------|----------------------------------|
    | the machine asks for offers          | `offer()` -> the words to say    |
    | agreeing opened / closed             | `open(invite)` / `close()`       |
    | a block while agreeing               | `feed(block, quiet, t_s)`        |
    | a typed or sure answer               | `answer(words)`                  |
    | the voice started / finished a line  | `heard_out(text, t_s)`           |
    """

    def __init__(self, say: Callable[[str], None], out: Callable[[], TextIO], now: Callable[[], object],
                 records: Records, hearing: Callable[[], AnswerHearing], trigger: Callable[..., None],
                 report: Callable[[str, object], None], agreement=None) -> None:
        self._say, self._out, self._now = say, out, now
        self._records = records
        self._hearing = hearing
        self._trigger = trigger
        self._report = report
        self._agreement = agreement
        self._choices: list = []
        """The times offered when agreeing opened (`session.choices`), which the dialog listens for."""
        self.dialog: AgreeDialog | None = None
        self._utterances: Utterances | None = None
        """The answer being said while agreeing a time (made with the dialog)."""

    def _breaks(self) -> tuple[timedelta, timedelta]:
        agreement = self._agreement
        if agreement is None:
            return timedelta(minutes=20), timedelta(hours=48)
        return timedelta(minutes=agreement.min_break_minutes), timedelta(hours=agreement.max_break_hours)

    def offer(self) -> str:
        """The times offered as agreeing opens (the machine asks): kept for the dialog to listen for."""
        self._choices = offered_choices(self._now(), *self._breaks())
        return offer_words(self._choices)

    def open(self, invite) -> None:
        """Agreeing has begun: a new dialog, expecting the machine's invitation when there is one."""
        self.dialog = None
        self._ensure_dialog()
        if invite:
            self.dialog.expect(invite)

    def close(self) -> None:
        self.dialog = None

    def _ensure_dialog(self) -> None:
        if self.dialog is None:
            min_break, max_break = self._breaks()
            self.dialog = AgreeDialog(min_break=min_break, max_break=max_break, choices=list(self._choices))
            self._utterances = Utterances(hangover_ms=ANSWER_HANGOVER_MS)

    def answer(self, words: str) -> None:
        """What was said (or typed) while agreeing: yes/no about a proposed time, else a time."""
        self._ensure_dialog()
        answer = yes_or_no(words) if self.dialog.awaiting_yes_no else None
        if answer is not None:
            self.dialog.heard_answer(answer, self._now())
        else:
            self.dialog.heard_time(words, self._now())  # a new time, or asked again
        self._trigger("answer_heard")
        self.perform()

    def feed(self, block, quiet: bool, t_s: float) -> None:
        """One block while agreeing: the answer being said, then the dialog's clock."""
        self._collect_time_phrase(block, quiet)
        if self.dialog is not None and quiet:
            self.dialog.tick(t_s)
            self.perform()

    def heard_out(self, text: str, t_s: float) -> None:
        """A line of the dialog was said (or shown): its question counts as asked from now."""
        if self.dialog is not None:
            self.dialog.heard_out(text, t_s)
            self.perform()

    def _collect_time_phrase(self, block, quiet: bool) -> None:
        """While agreeing: gather one utterance, hear it with the recogniser (`hearing.answers`: the offered
        times or yes / no as a closed set beside the transcript), then answer the dialog with it."""
        self._ensure_dialog()
        if not quiet:
            self._utterances.drop()
            return
        opened, audio = self._utterances.feed(block)
        if opened:
            self.dialog.heard_speech()
        if audio is not None:
            dialog = self.dialog
            hearing = self._hearing()
            heard = hearing.yes_no(audio) if dialog.awaiting_yes_no else hearing.time(
                audio, [choice.phrase for choice in dialog.choices])
            print(f"heard: {heard.words or '(nothing I know)'}{'' if heard.sure else ' (not sure)'}",
                  file=self._out(), flush=True)
            if heard.sure:
                self.answer(heard.words)
            else:  # asked again, never a doubtful yes taken; a doubtful time read back only when heard twice
                if dialog.awaiting_yes_no:
                    dialog.not_caught()
                else:
                    dialog.heard_doubtful(heard.words, self._now())
                self._trigger("answer_heard")
                self.perform()

    def perform(self) -> None:
        """Say what the dialog asks; an agreed time is stored first (or, when it cannot be, said so)."""
        dialog = self.dialog
        if dialog is None:
            return
        actions, dialog.outbox = dialog.outbox, []
        agreed = dialog.agreed
        if agreed is not None and self._records.store is not None:
            record = self._records.agreement(agreed, self._now())
            if record is not None:
                print(f"agreed: {agreed.resume_at.isoformat()} (reminder {record.id})", file=self._out(), flush=True)
            else:  # no "I'll remind you": the session goes on and the couple keeps the time themselves
                when = describe(agreed.resume_at, self._now(), relative=agreed.relative)
                actions = [Say(_NOT_SAVED.format(when=when))]
        for action in actions:
            self._say(action.text)
        if agreed is not None:
            self.dialog = None
            self._report("agreed", agreed)
            self._trigger("resume_agreed", resume_at=agreed.resume_at.isoformat())
        elif dialog.declined:
            self.dialog = None
            self._trigger("declined")


__all__ = ["ANSWER_HANGOVER_MS", "AgreeDesk"]
