"""What the live session keeps: pauses, false alarms, agreed times, guided sessions and readings, written
to the store as the core decides them.

Receives the facts the live loop hands over (a pause heard, a false alarm, an agreed time, a state change,
a reading finished). Emits store writes (`store/`); a write that fails (full disk, read-only folder) is said
in one line and logged, and the session goes on. Without a store (`listen --text` in some tests) nothing is
kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TextIO

from assistant.store import StoreError

_LOGGER = logging.getLogger(__name__)
PRINTED = "printed"
"""A log record with this attribute set was printed for the user already: the terminal's log handler skips it."""


class Records:
    """The live session's writes to the store, each guarded by `save`.

    | fact                              | call                                  |
    |-----------------------------------|---------------------------------------|
    | the pause word, a knock           | `pause(word, now)`                    |
    | "false alarm"                     | `false_alarm(word, now)`              |
    | a resume time agreed              | `agreement(agreed, now)` -> record    |
    | the machine changed state         | `state_changed(before, after, ...)`   |
    | the prompts of a reminder read    | `reading_done(due, snoozed, now)`     |
    """

    def __init__(self, store, out: Callable[[], TextIO]) -> None:
        self.store = store
        self._out = out
        self.session_id: int | None = None
        """The stored guided session now running (history), or None."""
        self.stopped = False
        """A stop cut the running session short (it may go on to an offer to choose a time)."""

    def save(self, what: str, write: Callable, *args: object) -> object:
        """A store write that may fail (disk full, read-only folder): say so in one line, never stop the
        session. Returns the write's result, or None when it failed."""
        try:
            return write(*args)
        except StoreError as e:  # one line on the terminal; the log file keeps it too
            _LOGGER.warning("%s not saved: %s", what, e, extra={PRINTED: True})
            print(f"not saved: {e}", file=self._out(), flush=True)
            return None

    def pause(self, word: str, now) -> None:
        if self.store is not None:
            self.save("pause", self.store.record_pause, word, now)

    def false_alarm(self, word: str, now) -> None:
        if self.store is not None:
            self.save("false alarm", self.store.record_false_alarm, word, now)

    def stop_heard(self) -> None:
        """A spoken stop: the running guided session, if any, ends "stopped"."""
        if self.session_id is not None:
            self.stopped = True

    def agreement(self, agreed, now):
        """The agreed time kept as a reminder: its record, or None when it could not be stored."""
        return self.save("agreement", self.store.add_agreement, agreed.resume_at, agreed.heard, now)

    def state_changed(self, before, after, trigger: str, word: str, now) -> None:
        """History: a guided session starts when the pause word leaves listening and ends on the way back,
        "stopped" when a spoken stop cut it short, else "completed"."""
        if self.store is None:
            return
        if before.value == "listening" and trigger == "pause_word_heard":
            self.session_id = self.save("session", self.store.start_session, word, now)
        elif after.value == "listening" and self.session_id is not None:
            session_id, self.session_id = self.session_id, None
            stopped, self.stopped = self.stopped, False
            self.save("session", self.store.end_session, session_id, "stopped" if stopped else "completed", now)

    def end_open_session(self, now) -> None:
        """The assistant is closing (Ctrl-C, service stop) in the middle of a guided session: store it as
        stopped, so the history counts it instead of keeping a session that never ends."""
        if self.store is not None and self.session_id is not None:
            session_id, self.session_id = self.session_id, None
            self.save("session", self.store.end_session, session_id, "stopped", now)

    def delivery(self, action) -> None:
        """A prompt read (`RecordDelivery`): it is not offered again before the deck comes round."""
        self.store.record_delivery(action.deck, action.prompt_id, action.at)

    def reading_done(self, due, snoozed: bool, now) -> None:
        """The prompts were read (or the couple said they were done): only now is the reminder kept, so a
        crash before this reads it again. A snoozed one comes again through its snooze."""
        if due is None or self.store is None:
            return
        if due.agreement_id is not None and not snoozed:
            self.save("reminder", self.store.mark_read, due.agreement_id, now)
        elif due.ritual:
            self.save("reminder", self.store.ritual_reading, due.ritual, None)


__all__ = ["PRINTED", "Records"]
