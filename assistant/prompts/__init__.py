"""Prompt decks: TOML data read aloud one prompt at a time. Receives a deck and the ids read before. Emits a Prompt.

Each deck file holds a chime cue, the reminder lines, an intro, a closing and 8-15 prompts with stable ids
(ids, not positions, are what the store remembers, so prompts can be reworded or reordered safely).
`next_prompt` walks a deck in order and never repeats a prompt until every prompt of the deck has been
read as often, then starts a new round; a prompt added later joins the round under way (it is read least).
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

__all__ = ["DECKS", "MAX_PROMPTS", "MIN_PROMPTS", "Deck", "DeckError", "Prompt", "load_deck", "next_prompt",
           "parse_deck"]

DECKS = ("reconnection", "daily_checkin", "money_date", "micro_moments", "future")
"""The decks shipped with the assistant, by name (file `<name>.toml` beside this module)."""

MIN_PROMPTS = 8
MAX_PROMPTS = 15
"""A deck holds this many prompts: enough for variety, few enough to come round again."""
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class DeckError(ValueError):
    """A deck file is malformed; the message names the file, the key and the fix."""


@dataclass(frozen=True, slots=True)
class Prompt:
    """One prompt to read aloud."""

    id: str
    """Stable id within its deck, e.g. "what-it-meant"; stored when the prompt is read."""
    text: str
    """What is said: short sentences, written to be heard."""
    theme: str = ""
    """Optional grouping, e.g. "repair"."""
    invites_commitment: bool = False
    """A card that may lead to a promise (`commitment = true` in the deck): after it the assistant says how to
    make a commitment, which is read back and kept after a yes."""


@dataclass(frozen=True, slots=True)
class Deck:
    """A named set of prompts with the lines that frame them."""

    name: str
    title: str
    """Spoken name of the deck, e.g. "money date"."""
    chime: str
    """Cue name played before the reminder (a PlayCue name, e.g. "chime")."""
    reminder: str
    """Said when the time comes on time."""
    late_reminder: str
    """Said when the time was missed while the assistant was off; "{when}" is replaced by the time."""
    intro: str
    """Said before the first prompt."""
    closing: str
    """Said when the couple is done ("we're done") or the deck's round ends."""
    talk_minutes: float
    """Suggested minutes of talk per prompt before the assistant offers the next one."""
    prompts: tuple[Prompt, ...]

    def reminder_line(self, caught_up: bool, when: str) -> str:
        """The reminder to say: `when` is how the missed time is read back, e.g. "this evening at seven"."""
        return self.late_reminder.replace("{when}", when) if caught_up else self.reminder


def parse_deck(text: str, name: str, source: str = "") -> Deck:
    """TOML text -> Deck, or DeckError naming `source` (the file) and the key."""
    where = source or f"{name}.toml"
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise DeckError(f"{where}: not valid TOML ({e}); fix the line it names") from e

    def line(key: str) -> str:
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            raise DeckError(f"{where}: {key} must be non-empty text in quotes")
        return value.strip()

    if table.get("name", name) != name:
        raise DeckError(f"{where}: name = {table['name']!r} but the file is {name}.toml; make them the same")
    if "{when}" not in line("late_reminder"):
        raise DeckError(f"{where}: late_reminder must contain {{when}}, where the missed time is said")
    talk = table.get("talk_minutes", 3)
    if isinstance(talk, bool) or not isinstance(talk, (int, float)) or not 0 < talk <= 60:
        raise DeckError(f"{where}: talk_minutes must be a number of minutes in 0..60")
    rows = table.get("prompts")
    if not isinstance(rows, list) or not MIN_PROMPTS <= len(rows) <= MAX_PROMPTS:
        raise DeckError(f"{where}: give {MIN_PROMPTS} to {MAX_PROMPTS} [[prompts]] tables, each with id and text")
    prompts, seen = [], set()
    for i, row in enumerate(rows):
        pid, body = row.get("id"), row.get("text")
        if not isinstance(pid, str) or not _ID.match(pid):
            raise DeckError(f"{where}: prompts[{i}].id {pid!r} must be lower-case words joined by hyphens")
        if pid in seen:
            raise DeckError(f"{where}: prompts[{i}].id {pid!r} is used twice; ids must be unique in a deck")
        if not isinstance(body, str) or not body.strip():
            raise DeckError(f"{where}: prompts[{i}].text must be non-empty text")
        if not isinstance(row.get("commitment", False), bool):
            raise DeckError(f"{where}: prompts[{i}].commitment must be true or false")
        seen.add(pid)
        prompts.append(Prompt(id=pid, text=" ".join(body.split()), theme=str(row.get("theme", "")),
                              invites_commitment=row.get("commitment", False)))
    return Deck(name=name, title=line("title"), chime=line("chime"), reminder=line("reminder"),
                late_reminder=line("late_reminder"), intro=line("intro"), closing=line("closing"),
                talk_minutes=float(talk), prompts=tuple(prompts))


def load_deck(name: str) -> Deck:
    """Load a shipped deck by name (one of DECKS)."""
    if name not in DECKS:
        raise DeckError(f"{name!r} is not a deck; use one of {', '.join(DECKS)}")
    text = resources.files(__name__).joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return parse_deck(text, name, f"assistant/prompts/{name}.toml")


def next_prompt(deck: Deck | str, delivered: Iterable[str]) -> Prompt:
    """The prompt to read next: the first, in deck order, among those read the fewest times.

    `delivered` holds the ids of the deck's prompts read before (`store.delivered_ids(deck.name)`). Records
    nothing: call `store.record_delivery(deck.name, prompt.id, now)` once it has been read (a "repeat" is not
    a new reading), so a prompt interrupted before it was heard comes again.
    """
    if isinstance(deck, str):
        deck = load_deck(deck)
    counts = Counter(delivered)
    fewest = min(counts[p.id] for p in deck.prompts)
    return next(p for p in deck.prompts if counts[p.id] == fewest)
