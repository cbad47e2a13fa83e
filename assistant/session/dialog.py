"""Agreeing when to resume: ask, hear a time, read it back, yes or no; re-ask when not understood.

Receives what was heard (a time phrase's words, or yes / no), which lines have been heard out (`heard_out`),
and the wall-clock `now`. Emits `Say` actions into `outbox` and, once confirmed, `agreed` (the ResumeTime);
`declined` when the couple says no to choosing a time now. Never a dead end: anything not understood is
asked again with an example, and a time can always be chosen later (`assistant agree`).

A question is asked last, after any note about the time, and no answer counts until it has been heard out:
an answer that comes earlier was cut off, and the question is asked once more when it has been said.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from assistant.answers import yes_or_no
from assistant.events import Say
from assistant.session.choices import Choice, offer_words
from assistant.timeparse import NotUnderstood, ResumeTime, describe, parse_resume_time

NOT_UNDERSTOOD = "Sorry, I didn't catch a time. You could say, in twenty minutes, or Friday morning."
NOT_UNDERSTOOD_OFFER = "Sorry, I didn't catch a time. You could say {choices}, or another time."
"""Asked again when the times were offered: the offer again, so nobody has to compose a time."""
UNSURE_YES_NO = "Sorry, I'm not sure I heard that. {question}"
"""A yes or no the recogniser was unsure of: the read-back is asked again, never taken as a yes."""
ASK_AGAIN = "Okay. When would suit you both?"
CONFIRM = "{when}. Is that right?"
NOTE = "That's {warning}, but it's your choice."
"""Read before the question, for each of the parser's warnings (too soon, too far): one rule for both."""
AGREED = "Okay. I'll remind you {when}."
YES_NO_AGAIN = "Please say yes or no."
CUT_OFF = "Sorry, I was still talking. {question}"
"""Asked once when an answer came before the question had been heard out."""
UNHEARD = "I may have missed what you said. {question}"
"""Asked once when nothing is heard for a while after the question (an answer said over the assistant)."""
REASK_AFTER_SECONDS = 20.0
"""Quiet after a question, in audio seconds, after which it is asked once more."""


@dataclass
class AgreeDialog:
    """The dialog's state: waiting for a time, or for yes/no about `proposed`."""

    min_break: timedelta = timedelta(minutes=20)
    max_break: timedelta = timedelta(hours=48)
    choices: list[Choice] = field(default_factory=list)
    """The times offered when the dialog opened (empty: an open question)."""
    outbox: list = field(default_factory=list)
    proposed: ResumeTime | None = None
    agreed: ResumeTime | None = None
    declined: bool = False
    """No to choosing a time now (a "no" while no time is proposed)."""
    tries: int = 0
    question: str | None = None
    """The last question said; answers count once it has been heard out."""
    asked: bool = True
    """Whether `question` has been heard out."""
    cut_off: bool = False
    """An answer came before the question was heard out; it is asked again then (once)."""
    reasked: bool = False
    _plain: str = ""
    """The question without a "sorry" in front, for asking it again."""
    _asked_at: float | None = None
    _heard_since: bool = False
    _doubted: tuple | None = None
    """The time last heard without confidence: the same time heard so again is taken (see `heard_doubtful`)."""

    @property
    def awaiting_yes_no(self) -> bool:
        return self.proposed is not None and self.agreed is None

    def ask(self, question: str, *notes: str, frame: str = "{question}") -> None:
        """Say the notes, then the question (last, so an answer follows the whole of it)."""
        self.outbox.extend(Say(note) for note in notes)
        self.expect(frame.format(question=question))
        self._plain = question
        self.outbox.append(Say(self.question))

    def expect(self, question: str) -> None:
        """A question someone else said (the session's invitation): answers count once it is heard out."""
        self.question, self._plain, self.asked, self._asked_at = question, question, False, None

    def heard_out(self, text: str, t_s: float = 0.0) -> None:
        """A line has been said to its end (audio seconds `t_s`); re-ask once if an answer was cut off."""
        if self.asked or text != self.question:
            return
        self.asked, self._asked_at, self._heard_since = True, t_s, False
        if self.cut_off and not self.reasked:
            self.cut_off, self.reasked = False, True
            self.ask(self._plain, frame=CUT_OFF)

    def heard_speech(self) -> None:
        """Someone started speaking (no silence re-ask for this question)."""
        self._heard_since = True

    def tick(self, t_s: float) -> None:
        """Audio time passes: after a long quiet following the question, ask it once more."""
        if (self.asked and self._asked_at is not None and not self._heard_since and not self.reasked
                and self.question is not None and t_s - self._asked_at >= REASK_AFTER_SECONDS):
            self.reasked = True
            self.ask(self._plain, frame=UNHEARD)

    def _too_early(self) -> bool:
        if not self.asked:
            self.cut_off = True
        return not self.asked

    def heard_time(self, words: str, now: datetime) -> None:
        """A stretch of speech while waiting for a time (or a new time instead of yes/no)."""
        if self._too_early():
            return
        self._heard_since = True
        self._doubted = None
        if self.proposed is None and yes_or_no(words) == "no":
            self.declined = True
            return
        if self.proposed is None and yes_or_no(words) == "yes":
            self.ask(ASK_AGAIN)
            return
        result = parse_resume_time(words, now, min_break=self.min_break, max_break=self.max_break)
        self.tries += 1
        self.reasked = False
        if isinstance(result, NotUnderstood):
            if result.reason == "that time has already passed":
                self.ask(f"Hmm, {result.reason}. When would suit you?")
            else:
                self.not_caught()
            return
        self.proposed = result
        spoken = describe(result.resume_at, now, relative=result.relative)
        self.ask(CONFIRM.format(when=spoken[0].upper() + spoken[1:]),
                 *(NOTE.format(warning=warning) for warning in result.warnings))

    def heard_doubtful(self, words: str, now: datetime) -> None:
        """A time the recogniser was unsure of. Asked again; but when the answer to that is heard as the same
        time, it is read back: two utterances decoded alike are far better evidence than one, and the read-back
        still needs a yes. (Without this, a voice the recogniser is always unsure of could never agree a time.)"""
        if self._too_early():
            return
        meant = parse_resume_time(words, now, min_break=self.min_break, max_break=self.max_break)
        # a span is the same span said a few seconds later; a clock time the same clock time
        at = None if isinstance(meant, NotUnderstood) else (
            ("span", meant.minutes_from_now) if meant.relative else ("at", meant.resume_at))
        if at is not None and self.proposed is None and at == self._doubted:
            self._doubted = None
            self.heard_time(words, now)
            return
        self._doubted = at
        self.not_caught()

    def not_caught(self) -> None:
        """Nothing usable was heard (not a time, or a time the recogniser was unsure of): ask again, with the
        offer when there was one. Never a guess read back."""
        if self._too_early():
            return
        self._heard_since = True
        if self.awaiting_yes_no:
            self.ask(self._plain, frame=UNSURE_YES_NO)
        elif self.choices:
            self.ask(NOT_UNDERSTOOD_OFFER.format(choices=offer_words(self.choices)))
        else:
            self.ask(NOT_UNDERSTOOD)

    def heard_answer(self, answer: str, now: datetime) -> None:
        """yes / no (as canonical words) about the proposed time."""
        if self.proposed is None or self._too_early():
            return
        self._heard_since = True
        if answer == "yes":
            self.agreed = self.proposed
            when = describe(self.agreed.resume_at, now, relative=self.agreed.relative)
            self.outbox.append(Say(AGREED.format(when=when)))
            self.question = None
        elif answer == "no":
            self.proposed = None
            self.reasked = False
            self.ask(ASK_AGAIN)
        else:
            self.ask(YES_NO_AGAIN)

