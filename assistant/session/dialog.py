"""Agreeing when to resume: ask, hear a time, read it back, yes or no; re-ask when not understood.

Receives what was heard (a time phrase's words, or yes / no) and the wall-clock `now`. Emits `Say` actions
into `outbox` and, once confirmed, `agreed` (the ResumeTime). Never a dead end: anything not understood is
asked again with an example, and the couple can always say "skip" to the session to choose later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from assistant.events import Say
from assistant.timeparse import NotUnderstood, ResumeTime, describe, parse_resume_time

NOT_UNDERSTOOD = "Sorry, I didn't catch a time. You could say, in twenty minutes, or Friday morning."
ASK_AGAIN = "Okay. When would suit you both?"
CONFIRM = "{when}. Is that right?"
SOONER_NOTE = ("That's sooner than {minutes} minutes. A flooded body usually needs about that long to settle, "
               "but it's your choice.")
LATER_NOTE = "That's more than {hours} hours away, which can feel like a long wait. It's your choice."
AGREED = "Okay. I'll remind you {when}."
YES_NO_AGAIN = "Please say yes or no."

YES_PHRASES = ("yes", "yeah", "yep", "that's right", "correct", "sounds good", "okay")
NO_PHRASES = ("no", "nope", "not right", "that's wrong", "wrong")


@dataclass
class AgreeDialog:
    """The dialog's state: waiting for a time, or for yes/no about `proposed`."""

    min_break: timedelta = timedelta(minutes=20)
    max_break: timedelta = timedelta(hours=48)
    outbox: list = field(default_factory=list)
    proposed: ResumeTime | None = None
    agreed: ResumeTime | None = None
    tries: int = 0

    @property
    def awaiting_yes_no(self) -> bool:
        return self.proposed is not None and self.agreed is None

    def heard_time(self, words: str, now: datetime) -> None:
        """A stretch of speech while waiting for a time (or a new time instead of yes/no)."""
        result = parse_resume_time(words, now, min_break=self.min_break, max_break=self.max_break)
        self.tries += 1
        if isinstance(result, NotUnderstood):
            self.outbox.append(Say(NOT_UNDERSTOOD if result.reason != "that time has already passed"
                                   else f"Hmm, {result.reason}. When would suit you?"))
            return
        self.proposed = result
        spoken = describe(result.resume_at, now)
        self.outbox.append(Say(CONFIRM.format(when=spoken[0].upper() + spoken[1:])))
        span = result.resume_at - now
        if span < self.min_break:
            self.outbox.append(Say(SOONER_NOTE.format(minutes=round(self.min_break.total_seconds() / 60))))
        elif span > self.max_break:
            self.outbox.append(Say(LATER_NOTE.format(hours=round(self.max_break.total_seconds() / 3600))))

    def heard_answer(self, answer: str, now: datetime) -> None:
        """yes / no (as canonical words) about the proposed time."""
        if self.proposed is None:
            return
        if answer == "yes":
            self.agreed = self.proposed
            self.outbox.append(Say(AGREED.format(when=describe(self.agreed.resume_at, now))))
        elif answer == "no":
            self.proposed = None
            self.outbox.append(Say(ASK_AGAIN))
        else:
            self.outbox.append(Say(YES_NO_AGAIN))


def yes_or_no(text: str) -> str | None:
    """"yes", "no" or None for a typed or recognised answer."""
    words = " ".join(text.lower().replace("’", "'").split()).strip(" .!?")
    if words in YES_PHRASES or words.split(" ")[0] in ("yes", "yeah", "yep"):
        return "yes"
    if words in NO_PHRASES or words.split(" ")[0] in ("no", "nope"):
        return "no"
    return None
