"""Reading a prompt deck aloud when the agreed time comes: chime, reminder, intro, one prompt at a time.

Receives a deck with the ids of its prompts read before (from the store, oldest first) and commands: next,
repeat, done, snooze. Emits actions (PlayCue, Say, RecordDelivery) into `outbox`, like the session machine; no
I/O inside: the caller plays the sound and writes each RecordDelivery to the store. A prompt counts as read
(a delivery) when the couple moves on from it, so one cut short comes again next time, and "repeat" never
counts twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from assistant.events import PlayCue, RecordDelivery, Say
from assistant.prompts import Deck, Prompt, next_prompt
from assistant.session.commitment_words import LINES as COMMITMENT_LINES

RECONNECT_PHRASES = {
    "next": ("next", "next one", "next question"),
    "repeat": ("repeat", "say that again", "again"),
    "done": ("we're done", "we are done", "that's enough", "stop"),
    "snooze": ("ten more minutes", "not yet", "snooze"),
    "commit": ("make a commitment", "i want to make a commitment"),
}
"""What a partner may say while prompts are read (canonical name -> phrases)."""
SNOOZED = "Of course. I'll remind you again in {minutes} minutes."
DECK_FINISHED = "That was the last question for now."


@dataclass
class Reconnection:
    """One sitting with a deck. `begin()` first; then `command(name, now)` until `finished`."""

    deck: Deck
    delivered: list[str] = field(default_factory=list)
    """Ids of this deck's prompts read before, oldest first (`Store.delivered_ids`); grows as prompts are read."""
    reminder_line: str = ""
    """Said after the chime; empty when started by hand (`assistant reconnect`)."""
    snooze_minutes: float = 10
    outbox: list = field(default_factory=list)
    finished: bool = False
    snoozed: bool = False
    current: Prompt | None = None
    wants_commitment: bool = False
    """Someone said "make a commitment": the app hears it (session/commitments.py), then the prompts go on."""
    _read_this_sitting: int = 0

    def begin(self) -> None:
        self.outbox.append(PlayCue(self.deck.chime))
        if self.reminder_line:
            self.outbox.append(Say(self.reminder_line))
        self.outbox.append(Say(self.deck.intro))
        self._offer_next()

    def _offer_next(self) -> None:
        if self._read_this_sitting >= len(self.deck.prompts):
            self.outbox.append(Say(DECK_FINISHED))
            self._close()
            return
        self.current = next_prompt(self.deck, self.delivered)
        self.outbox.append(Say(self.current.text))
        if self.current.invites_commitment:
            self.outbox.append(Say(COMMITMENT_LINES["invite"]))

    def _mark_read(self, now: datetime) -> None:
        if self.current is not None:
            self.delivered.append(self.current.id)
            self.outbox.append(RecordDelivery(self.deck.name, self.current.id, now))
            self._read_this_sitting += 1

    def _close(self) -> None:
        self.outbox.append(Say(self.deck.closing))
        self.current = None
        self.finished = True

    def command(self, name: str, now: datetime) -> None:
        """next: count the prompt as read, offer another; repeat: say it again; done: close; snooze: later;
        commit: a commitment is to be made now (`wants_commitment`), the prompt stays where it is."""
        if self.finished:
            return
        if name == "next":
            self._mark_read(now)
            self._offer_next()
        elif name == "repeat":
            self.outbox.append(Say(self.current.text if self.current else self.deck.intro))
        elif name == "done":
            self._mark_read(now)
            self._close()
        elif name == "commit":
            self.wants_commitment = True
        elif name == "snooze":
            self.outbox.append(Say(SNOOZED.format(minutes=round(self.snooze_minutes))))
            self.current = None
            self.finished = self.snoozed = True
        else:
            raise ValueError(f"unknown command {name!r}; use one of {', '.join(RECONNECT_PHRASES)}")


def reconnect_vocabulary() -> tuple[str, ...]:
    return tuple(p for phrases in RECONNECT_PHRASES.values() for p in phrases)


def typed_command(line: str) -> str | None:
    """The reconnection command a typed line holds, or None."""
    text = " ".join(line.lower().replace("’", "'").split()).strip(" .!?")
    for name, phrases in RECONNECT_PHRASES.items():
        if text in phrases:
            return name
    return None
