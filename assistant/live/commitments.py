"""The live side of commitments: the dialogs of session/commitments.py on the microphone or typed lines, the
voice, and the store.

Receives typed lines, or microphone blocks while a commitment dialog runs (one utterance at a time, heard by
Whisper: free words through `hear_words`, yes / no through `decide_yes_no`, "how has it gone?" as a closed set
of its answers). Emits speech through `say`, one printed line per thing kept or recorded, and store writes,
done only when a dialog asks for them (after a yes): a crash before that keeps nothing.
`LiveSession` makes one and hands it what belongs to it (its mode is "commit" while `active`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

import numpy as np

from assistant.audio.vad import Utterances
from assistant.commitment_list import CommitmentInputError, match_name, parse_id, record, table
from assistant.events import KeepCommitment, RecordCommitmentCheck, Say
from assistant.hearing.answers import AnswerHearing
from assistant.session.commitment_words import CHECK_PHRASES, LINES
from assistant.session.commitments import CheckCommitments, MakeCommitment

__all__ = ["ASKING_PHRASES", "CHECK_DECKS", "WORDS_HANGOVER_MS", "CommitmentDesk"]

ASKING_PHRASES = ("make a commitment", "i want to make a commitment", "i'd like to make a commitment",
                  "new commitment", "commitment")
"""Typed (or heard by the keyword spotter) while listening: a commitment is made now."""
CHECK_DECKS = ("daily_checkin", "reconnection")
"""Decks after whose prompts the open commitments are brought back."""
WORDS_HANGOVER_MS = 1200
"""Silence that ends a spoken commitment: longer than a yes (0.8 s, `agreeing.ANSWER_HANGOVER_MS`), as a sentence has pauses in it."""


class CommitmentDesk:
    """Making and bringing back commitments inside the live session. `active` while a dialog runs."""

    def __init__(self, store, say: Callable[[str], None], out: Callable[[], TextIO], now: Callable[[], object],
                 save: Callable, hearing: Callable[[], AnswerHearing], partners: tuple[str, ...] = ()) -> None:
        self.store = store
        self._say = say
        self._out = out
        self._now = now
        self._save = save
        """`LiveSession._save`: a failed write is one printed line, never the end of the session."""
        self._hearing = hearing
        self.partners = partners
        self.dialog: MakeCommitment | CheckCommitments | None = None
        self._changing: int | None = None
        """The id whose new wording a typed `commitments change ID TEXT` is confirming."""
        self._utterances: Utterances | None = None

    @property
    def active(self) -> bool:
        return self.dialog is not None

    def _print(self, line: str) -> None:
        print(line, file=self._out(), flush=True)

    # -- starting ----------------------------------------------------------------------------------------------
    def start_making(self, words: str = "", by: str | None = None) -> None:
        self.dialog = MakeCommitment(partners=self.partners, by=by)
        self.dialog.begin(words)
        self._perform()

    def start_check(self) -> None:
        """Bring back the open commitments, one at a time (nothing is said when there are none)."""
        if self.store is None:
            return
        found = self._save("commitments", self.store.open_commitments) or []
        if not found:
            return
        self.dialog = CheckCommitments(items=[(c.id, c.text) for c in found])
        self.dialog.begin()
        self._perform()

    def typed_request(self, line: str) -> bool:
        """A typed line while listening that is about commitments ("make a commitment", `commitments ...`);
        True when it was (and has been handled)."""
        plain = " ".join(line.lower().replace("’", "'").split()).strip(" .!?")
        if self.store is None:
            return False
        if plain in ASKING_PHRASES:
            self.start_making()
            return True
        if plain != "commitments" and not plain.startswith("commitments "):
            return False
        try:
            # split on spaces, not shlex: "I'll" is an apostrophe, not an open quote
            self._typed_command(line.replace('"', " ").split())
        except (CommitmentInputError, ValueError) as e:
            self._print(f"commitments: {e}")
        return True

    def _typed_command(self, words: list[str]) -> None:
        """`commitments`, `commitments add TEXT [--by NAME]`, `kept ID`, `change ID TEXT`, `drop ID`, typed."""
        action, rest = (words[1] if len(words) > 1 else ""), words[2:]
        if not action:
            listed = self._save("commitments", self.store.listed_commitments, self._now()) or []
            self._print(table(listed))
        elif action == "add":
            by = None
            if "--by" in rest:
                at = rest.index("--by")
                if at + 1 >= len(rest):
                    raise CommitmentInputError("commitments add TEXT --by NAME: give the name after --by")
                by, rest = match_name(rest[at + 1], self.partners), rest[:at] + rest[at + 2:]
            if not rest:
                raise CommitmentInputError("commitments add TEXT: say what you commit to, e.g. "
                                           "commitments add I'll tell you when I'm late")
            self.start_making(" ".join(rest), by)
        elif action in ("kept", "drop", "change"):
            if not rest:
                raise CommitmentInputError(f"commitments {action} ID: give the number `commitments` lists")
            commitment_id = parse_id(rest[0], action)
            if action == "change":
                if len(rest) < 2:
                    raise CommitmentInputError(f"commitments change {commitment_id} TEXT: give the new words")
                if self.store.commitment(commitment_id) is None:
                    raise CommitmentInputError(f"commitments change {commitment_id}: no such commitment; "
                                               "`commitments` lists them with their ids")
                self._changing = commitment_id
                self.start_making(" ".join(rest[1:]), by="")  # its owner stays: "whose is it?" is not asked
                return
            done = record(self.store, action, commitment_id, self._now())
            self._print(f"commitment {done.id}: {'kept' if action == 'kept' else 'let go'}")
            self._say(LINES["thanks_kept"] if action == "kept" else LINES["let_go"])
        else:
            raise CommitmentInputError(f"commitments {action}: use add, kept, change or drop")

    # -- answers -----------------------------------------------------------------------------------------------
    def typed(self, line: str) -> None:
        """A typed line while a dialog runs: the words, a yes or no, a name, or how it went."""
        if self.dialog is not None:
            self.dialog.heard(line)
            self._perform()

    def feed(self, block: np.ndarray, quiet: bool) -> None:
        """A microphone block while a dialog runs; `quiet` is False while the assistant's voice may be heard."""
        if self._utterances is None:
            self._utterances = Utterances(hangover_ms=WORDS_HANGOVER_MS)
        if not quiet:
            self._utterances.drop()
            return
        _, audio = self._utterances.feed(block)
        if audio is not None:
            self.heard_audio(audio)

    def heard_audio(self, audio: np.ndarray) -> None:
        """One utterance, heard in the way the dialog's step asks for."""
        dialog, hearing = self.dialog, self._hearing()
        if dialog is None:
            return
        if isinstance(dialog, CheckCommitments) and dialog.step == "how":
            heard = hearing.command(audio, CHECK_PHRASES)
            self._print(f"heard: {heard.transcript or '(nothing)'}")
            dialog.how(heard.words if heard.sure and heard.words != "none" else None)
        elif dialog.wants_words:
            heard = hearing.words(audio)
            self._print(f"heard: {heard.words or '(nothing I know)'}{'' if heard.sure else ' (not sure)'}")
            dialog.heard(heard.words) if heard.sure else dialog.not_caught()
        else:
            heard = hearing.yes_no(audio)
            self._print(f"heard: {heard.words or '(nothing I know)'}{'' if heard.sure else ' (not sure)'}")
            sure = heard.sure and heard.words in ("yes", "no")
            dialog.answer(heard.words) if sure else dialog.not_caught()
        self._perform()

    # -- doing what the dialog asks ----------------------------------------------------------------------------
    def _perform(self) -> None:
        dialog = self.dialog
        if dialog is None:
            return
        actions, dialog.outbox = dialog.outbox, []
        for action in actions:
            if isinstance(action, Say):
                self._say(action.text)
            elif isinstance(action, KeepCommitment):
                self._keep(action)
            elif isinstance(action, RecordCommitmentCheck):
                done = self._save("commitment", self.store.check_commitment, action.commitment_id, action.outcome,
                                  self._now(), action.text)
                if done is not None:
                    self._print(f"commitment {done.id}: {action.outcome}")
        if dialog.finished:
            self.dialog, self._changing = None, None
            if self._utterances is not None:
                self._utterances.drop()

    def _keep(self, action: KeepCommitment) -> None:
        if self.store is None:
            return
        if self._changing is not None:
            done = self._save("commitment", self.store.check_commitment, self._changing, "changed", self._now(),
                              action.text)
            if done is not None:
                self._print(f"commitment {done.id}: changed")
            return
        made = self._save("commitment", self.store.add_commitment, action.text, action.by, self._now())
        if made is not None:
            self._print(f"commitment kept: {made.id}")
