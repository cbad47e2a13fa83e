"""Making a commitment and bringing the open ones back, as two small dialogs. Pure: no store, no sound.

Receives what was said or typed (a commitment's words, yes / no, a name, an answer to "how has it gone?").
Emits `Say` lines and, only once a yes was heard, `KeepCommitment` or `RecordCommitmentCheck` into `outbox`:
nothing is stored while a commitment is being confirmed, so a crash then keeps nothing half-said.

Making::

    ask ──words──▶ confirm ──yes──▶ (whose, when partners are known) ──name / skip──▶ KeepCommitment
                     │ no
                     ▼
                  retry ──words──▶ confirm        retry ──never mind / no──▶ finished, nothing kept

Bringing back, one open commitment at a time::

    how ──kept──▶ RecordCommitmentCheck(kept), next      how ──let it go──▶ (dropped), next
        ──not yet──▶ keep? ──yes──▶ (not_yet) / no──▶ (dropped)
        ──let's change it──▶ new words ──▶ confirm ──yes──▶ (changed, new text) / no──▶ unchanged
        ──we're done──▶ finished
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.answers import yes_or_no
from assistant.events import KeepCommitment, RecordCommitmentCheck, Say
from assistant.session.commitment_words import LINES, check_answer, read_back, second_person

__all__ = ["MAX_WORDS", "NEVER_MIND", "SKIP_WORDS", "CheckCommitments", "MakeCommitment", "match_partner"]

MAX_WORDS = 60
"""A commitment longer than this is asked for again, shorter: it is read back aloud and brought back often."""
NEVER_MIND = ("never mind", "nevermind", "cancel", "forget it", "no", "nothing", "not now")
SKIP_WORDS = ("skip", "both", "both of us", "ours", "neither", "no one", "nobody", "us")


def match_partner(words: str, partners: tuple[str, ...]) -> str | None:
    """The partner a said or typed answer names ("it's Sam's" -> "Sam"), or None."""
    plain = f" {' '.join(''.join(c if c.isalnum() else ' ' for c in words.lower()).split())} "
    for name in partners:
        key = " ".join(''.join(c if c.isalnum() else ' ' for c in name.lower()).split())
        if key and (f" {key} " in plain or f" {key}s " in plain):
            return name
    return None


def _usable(words: str) -> bool:
    return bool(words.strip()) and len(words.split()) <= MAX_WORDS


@dataclass
class MakeCommitment:
    """One commitment being made. `begin(words)` first (words already said, or "" to ask); then `heard(text)`
    for each answer until `finished`. `kept` is set (and a KeepCommitment emitted) only after a yes."""

    partners: tuple[str, ...] = ()
    """Names from config (commitments.partners); empty: "whose is it?" is not asked."""
    by: str | None = None
    """Whose it is, when already known (`commitments add --by NAME`)."""
    outbox: list = field(default_factory=list)
    step: str = "ask"
    """ask (waiting for the words) | confirm (yes / no) | whose | retry (after a no) | done."""
    proposed: str = ""
    kept: KeepCommitment | None = None

    @property
    def finished(self) -> bool:
        return self.step == "done"

    @property
    def wants_words(self) -> bool:
        """Whether the next answer is free speech (a commitment's words or a name), not a yes or no."""
        return self.step in ("ask", "retry", "whose")

    def begin(self, words: str = "") -> None:
        if words.strip():
            self._propose(words)
        else:
            self._say(LINES["ask"])

    def _say(self, line: str) -> None:
        self.outbox.append(Say(line))

    def _propose(self, words: str) -> None:
        words = " ".join(words.split())
        if not _usable(words) or not second_person(words):
            self._say(LINES["unsure"])
            return
        self.proposed, self.step = words, "confirm"
        self._say(read_back(words))

    def not_caught(self) -> None:
        """Something was said but not clearly enough to read back or to take as yes / no: asked again."""
        self._say(LINES["yes_or_no"] if self.step == "confirm" else LINES["unsure"])

    def heard(self, text: str) -> None:
        """A typed line or a sure transcript, read according to the step."""
        if self.step in ("ask", "retry"):
            if self.step == "retry" and " ".join(text.lower().split()).strip(" .!?") in NEVER_MIND:
                self._say(LINES["never_mind"])
                self.step = "done"
            else:
                self._propose(text)
        elif self.step == "confirm":
            self.answer(yes_or_no(text))
        elif self.step == "whose":
            plain = " ".join(text.lower().split()).strip(" .!?")
            named = match_partner(text, self.partners)
            if named is not None or plain in SKIP_WORDS or any(f" {w} " in f" {plain} " for w in ("skip",)):
                self._keep(named)
            else:
                self._say(LINES["whose"].format(names=" or ".join(self.partners)))

    def answer(self, said: str | None) -> None:
        """yes / no (or None: neither) to the read-back."""
        if self.step != "confirm":
            return
        if said == "yes":
            if self.by is None and self.partners:
                self.step = "whose"
                self._say(LINES["whose"].format(names=" or ".join(self.partners)))
            else:
                self._keep(self.by)
        elif said == "no":
            self.step, self.proposed = "retry", ""
            self._say(LINES["not_kept"])
        else:
            self._say(LINES["yes_or_no"])

    def _keep(self, by: str | None) -> None:
        self.kept = KeepCommitment(self.proposed, by)
        self.outbox.append(self.kept)
        self._say(LINES["kept_new"])
        self.step = "done"


@dataclass
class CheckCommitments:
    """Open commitments brought back one at a time. `begin()` first; then `heard(text)` (or `answer` for a yes /
    no heard by the recogniser) until `finished`."""

    items: list = field(default_factory=list)
    """(id, text) of the open commitments, oldest first."""
    outbox: list = field(default_factory=list)
    step: str = "how"
    """how | keep (after not yet: keep it?) | change (waiting for the new words) | confirm (the new words) | done."""
    _at: int = 0
    _new_text: str = ""

    @property
    def finished(self) -> bool:
        return self.step == "done"

    @property
    def wants_words(self) -> bool:
        return self.step == "change"

    @property
    def wants_yes_no(self) -> bool:
        return self.step in ("keep", "confirm")

    @property
    def current(self) -> tuple[int, str] | None:
        return self.items[self._at] if self._at < len(self.items) else None

    def begin(self) -> None:
        if not self.items:
            self.step = "done"
            return
        self.outbox.append(Say(LINES["check_intro"]))
        self._offer()

    def _offer(self) -> None:
        if self.current is None:
            self.outbox.append(Say(LINES["check_done"]))
            self.step = "done"
            return
        self.step = "how"
        self.outbox.append(Say(LINES["check_item"].format(said=second_person(self.current[1]))))

    def _record(self, outcome: str, text: str | None = None) -> None:
        self.outbox.append(RecordCommitmentCheck(self.current[0], outcome, text))

    def _next(self) -> None:
        self._at += 1
        self._offer()

    def not_caught(self) -> None:
        self.outbox.append(Say(LINES["yes_or_no"] if self.wants_yes_no else
                               LINES["unsure"] if self.step == "change" else LINES["check_again"]))

    def heard(self, text: str) -> None:
        if self.step == "how":
            self.how(check_answer(text))
        elif self.step == "change":
            words = " ".join(text.split())
            if not _usable(words) or not second_person(words):
                self.outbox.append(Say(LINES["unsure"]))
                return
            self._new_text, self.step = words, "confirm"
            self.outbox.append(Say(read_back(words)))
        elif self.wants_yes_no:
            self.answer(yes_or_no(text))

    def how(self, said: str | None) -> None:
        """kept / not_yet / change / drop / done (or None: asked again) for the commitment now read."""
        if self.step != "how":
            return
        if said == "kept":
            self._record("kept")
            self.outbox.append(Say(LINES["thanks_kept"]))
            self._next()
        elif said == "not_yet":
            self.step = "keep"
            self.outbox.append(Say(LINES["not_yet"]))
        elif said == "change":
            self.step = "change"
            self.outbox.append(Say(LINES["change_ask"]))
        elif said == "drop":
            self._record("dropped")
            self.outbox.append(Say(LINES["let_go"]))
            self._next()
        elif said == "done":
            self.outbox.append(Say(LINES["check_stopped"]))
            self.step = "done"
        else:
            self.outbox.append(Say(LINES["check_again"]))

    def answer(self, said: str | None) -> None:
        """yes / no to "shall I keep it for next time?" or to a new wording's read-back."""
        if said not in ("yes", "no") or not self.wants_yes_no:
            self.outbox.append(Say(LINES["yes_or_no"]))
            return
        if self.step == "keep":
            self._record("not_yet" if said == "yes" else "dropped")
            self.outbox.append(Say(LINES["still_kept"] if said == "yes" else LINES["let_go"]))
        elif said == "yes":
            self._record("changed", self._new_text)
            self.outbox.append(Say(LINES["changed"]))
        else:
            self.outbox.append(Say(LINES["unchanged"]))
        self._next()
