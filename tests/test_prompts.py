"""Prompt decks: they load, read well aloud, are written fresh, and never repeat before a deck is used up."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from assistant.prompts import DECKS, Deck, DeckError, load_deck, next_prompt, parse_deck
from assistant.store import Store, open_store

NOW = datetime(2026, 11, 20, 19, 0, tzinfo=ZoneInfo("Europe/London"))
MAX_SENTENCE_WORDS = 18
"""Longer sentences are hard to follow when heard once from a synthetic voice."""
BLAME = ("you always", "you never", "your fault", "why did you", "why do you", "should have", "what's wrong with")


def spoken_lines(deck: Deck) -> list[str]:
    return [deck.reminder, deck.late_reminder, deck.intro, deck.closing] + [p.text for p in deck.prompts]


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))


@pytest.mark.parametrize("name", DECKS)
def test_each_deck_loads_with_eight_to_fifteen_prompts_and_unique_ids(name: str) -> None:
    deck = load_deck(name)
    assert deck.name == name and deck.chime == "chime"
    assert 8 <= len(deck.prompts) <= 15
    ids = [p.id for p in deck.prompts]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in ids)


def test_the_reconnection_deck_covers_understanding_needs_patterns_accountability_and_repair() -> None:
    themes = Counter(p.theme for p in load_deck("reconnection").prompts)
    assert set(themes) == {"understanding", "needs", "patterns", "accountability", "repair"}
    assert min(themes.values()) >= 2


@pytest.mark.parametrize("name", DECKS)
def test_every_line_is_short_and_plain_enough_to_be_read_aloud(name: str) -> None:
    for line in spoken_lines(load_deck(name)):
        assert not re.search(r"[0-9()/&*#@;\[\]<>]|e\.g\.|\betc\b", line), line  # numbers as words, no symbols
        for sentence in re.split(r"(?<=[.?!])\s+", line):
            assert len(sentence.split()) <= MAX_SENTENCE_WORDS, sentence


@pytest.mark.parametrize("name", DECKS)
def test_no_line_blames_either_partner(name: str) -> None:
    for line in spoken_lines(load_deck(name)):
        assert not any(phrase in line.lower() for phrase in BLAME), line


def test_the_wording_is_written_fresh_not_copied_from_the_source_text(shared_dir: Path) -> None:
    seed = words((shared_dir / "seed" / "when-trust-breaks.txt").read_text(encoding="utf-8"))
    runs = {tuple(seed[i:i + 8]) for i in range(len(seed) - 7)}
    for name in DECKS:
        deck = load_deck(name)
        for line in [*spoken_lines(deck), deck.title]:
            w = words(line)
            copied = [" ".join(w[i:i + 8]) for i in range(len(w) - 7) if tuple(w[i:i + 8]) in runs]
            assert not copied, f"{name}: {copied}"


def test_the_late_reminder_says_when_the_time_was() -> None:
    deck = load_deck("reconnection")
    assert deck.reminder_line(False, "this evening at seven") == deck.reminder
    late = deck.reminder_line(True, "this evening at seven")
    assert "this evening at seven" in late and "{when}" not in late


@pytest.mark.parametrize("name", DECKS)
def test_no_prompt_repeats_until_the_deck_is_used_up_then_a_new_round_starts(name: str) -> None:
    store = Store(sqlite3.connect(":memory:"))
    deck = load_deck(name)
    read = []
    for i in range(len(deck.prompts) * 2 + 3):
        prompt = next_prompt(deck, store.delivered_ids(deck.name))
        read.append(prompt.id)
        store.record_delivery(deck.name, prompt.id, NOW + timedelta(minutes=i))
    size = len(deck.prompts)
    assert sorted(read[:size]) == sorted(p.id for p in deck.prompts)
    assert sorted(read[size:2 * size]) == sorted(p.id for p in deck.prompts)
    assert len(set(read[2 * size:])) == 3


def test_a_prompt_not_recorded_as_read_is_offered_again() -> None:
    store = Store(sqlite3.connect(":memory:"))
    first = next_prompt("daily_checkin", store.delivered_ids("daily_checkin"))
    # "repeat", or interrupted before it was heard
    assert next_prompt("daily_checkin", store.delivered_ids("daily_checkin")) == first
    store.record_delivery("daily_checkin", first.id, NOW)
    assert next_prompt("daily_checkin", store.delivered_ids("daily_checkin")) != first


def test_the_place_in_a_deck_is_kept_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "pause.sqlite3"
    with open_store(path) as store:
        for i in range(3):
            prompt = next_prompt("money_date", store.delivered_ids("money_date"))
            store.record_delivery("money_date", prompt.id, NOW + timedelta(minutes=i))
    with open_store(path) as store:
        assert next_prompt("money_date", store.delivered_ids("money_date")) == load_deck("money_date").prompts[3]


def test_decks_are_tracked_separately() -> None:
    store = Store(sqlite3.connect(":memory:"))
    store.record_delivery("reconnection", load_deck("reconnection").prompts[0].id, NOW)
    assert next_prompt("future", store.delivered_ids("future")) == load_deck("future").prompts[0]


def _deck_text(prompt_ids: list[str], **lines: str) -> str:
    head = {"title": "t", "chime": "chime", "reminder": "r", "late_reminder": "r {when}", "intro": "i",
            "closing": "c", **lines}
    text = "".join(f'{key} = "{value}"\n' for key, value in head.items())
    return text + "".join(f'[[prompts]]\nid = "{i}"\ntext = "Prompt {i}."\n' for i in prompt_ids)


def test_a_prompt_added_to_a_deck_later_is_offered_before_any_repeat() -> None:
    store = Store(sqlite3.connect(":memory:"))
    ids = [f"p{i}" for i in range(8)]
    old = parse_deck(_deck_text(ids), "custom")
    for i in range(5):
        store.record_delivery("custom", next_prompt(old, store.delivered_ids("custom")).id, NOW + timedelta(minutes=i))
    new = parse_deck(_deck_text([*ids, "fresh"]), "custom")
    assert next_prompt(new, store.delivered_ids("custom")).id == "p5"  # the round goes on; the new one is in it
    for i in range(4):
        prompt = next_prompt(new, store.delivered_ids("custom"))
        store.record_delivery("custom", prompt.id, NOW + timedelta(hours=1, minutes=i))
    assert store.delivered_ids("custom")[-4:] == ["p5", "p6", "p7", "fresh"]
    assert next_prompt(new, store.delivered_ids("custom")).id == "p0"


@pytest.mark.parametrize(("text", "message"), [
    (_deck_text(["a", "a", "b", "c", "d", "e", "f", "g"]), r"custom\.toml: prompts\[1\]\.id 'a' is used twice"),
    (_deck_text(["a", "b", "c"]), r"custom\.toml: give 8 to 15 \[\[prompts\]\]"),
    (_deck_text([f"p{i}" for i in range(16)]), r"give 8 to 15"),
    (_deck_text(["Bad Id", "b", "c", "d", "e", "f", "g", "h"]), r"prompts\[0\]\.id 'Bad Id' must be lower-case"),
    (_deck_text([f"p{i}" for i in range(8)], late_reminder="no time here"), r"late_reminder must contain \{when\}"),
    (_deck_text([f"p{i}" for i in range(8)], intro=""), r"intro must be non-empty"),
    (_deck_text([f"p{i}" for i in range(8)], name="other"), r"name = 'other' but the file is custom\.toml"),
    ("title = [", r"custom\.toml: not valid TOML"),
])
def test_a_malformed_deck_names_the_file_the_key_and_the_fix(text: str, message: str) -> None:
    with pytest.raises(DeckError, match=message):
        parse_deck(text, "custom")


def test_an_unknown_deck_name_lists_the_decks() -> None:
    with pytest.raises(DeckError, match="reconnection, daily_checkin"):
        load_deck("poetry")


