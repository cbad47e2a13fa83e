"""Reading prompts aloud: chime, reminder, intro, one prompt at a time; next / repeat / done / snooze.

The sitting is pure: it is given the ids read before and asks for each reading to be recorded
(RecordDelivery); the app writes those to the store."""

from __future__ import annotations

from datetime import UTC, datetime

from assistant.events import PlayCue, RecordDelivery, Say
from assistant.prompts import load_deck
from assistant.session.reconnect import DECK_FINISHED, Reconnection, typed_command

NOW = datetime(2026, 11, 24, 19, 0, tzinfo=UTC)


def take(sitting: Reconnection) -> list:
    actions, sitting.outbox = sitting.outbox, []
    return actions


def recorded(actions: list) -> list[str]:
    return [a.prompt_id for a in actions if isinstance(a, RecordDelivery)]


def test_begin_plays_the_chime_then_reminder_intro_and_first_prompt() -> None:
    deck = load_deck("reconnection")
    sitting = Reconnection(deck, reminder_line="It's time.")
    sitting.begin()
    assert take(sitting) == [PlayCue(deck.chime), Say("It's time."), Say(deck.intro), Say(deck.prompts[0].text)]


def test_next_counts_the_prompt_as_read_and_offers_another() -> None:
    deck = load_deck("reconnection")
    sitting = Reconnection(deck)
    sitting.begin()
    take(sitting)
    sitting.command("next", NOW)
    assert take(sitting) == [RecordDelivery("reconnection", deck.prompts[0].id, NOW), Say(deck.prompts[1].text)]


def test_repeat_says_the_prompt_again_without_counting_it_twice() -> None:
    deck = load_deck("reconnection")
    sitting = Reconnection(deck)
    sitting.begin()
    take(sitting)
    sitting.command("repeat", NOW)
    assert take(sitting) == [Say(deck.prompts[0].text)]
    assert sitting.delivered == []


def test_a_new_sitting_continues_where_the_last_one_left_off() -> None:
    deck = load_deck("reconnection")
    first = Reconnection(deck)
    first.begin()
    first.command("next", NOW)
    first.command("done", NOW)
    assert first.finished
    second = Reconnection(deck, recorded(take(first)))  # what the store now holds
    second.begin()
    assert take(second)[-1] == Say(deck.prompts[2].text)


def test_reading_the_whole_deck_ends_with_a_closing() -> None:
    deck = load_deck("micro_moments")
    sitting = Reconnection(deck)
    sitting.begin()
    for _ in deck.prompts:
        sitting.command("next", NOW)
    actions = take(sitting)
    lines = [a.text for a in actions if isinstance(a, Say)]
    assert lines[-2:] == [DECK_FINISHED, deck.closing] and sitting.finished
    assert sorted(recorded(actions)) == sorted(p.id for p in deck.prompts)


def test_snooze_finishes_the_sitting_and_says_when() -> None:
    sitting = Reconnection(load_deck("reconnection"), snooze_minutes=10)
    sitting.begin()
    take(sitting)
    sitting.command("snooze", NOW)
    assert sitting.finished and sitting.snoozed
    assert "10 minutes" in take(sitting)[0].text


def test_typed_commands_are_understood() -> None:
    assert [typed_command(t) for t in ("Next", "we're done.", "ten more minutes", "hmm")] == \
        ["next", "done", "snooze", None]
