"""Commitments: the read-back in the second person, the two dialogs (making one, bringing the open ones back),
and the store underneath them (a real SQLite file, migrated; nothing kept half-said)."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from test_prompts import BLAME as PROMPT_BLAME
from test_prompts import MAX_SENTENCE_WORDS, words

from assistant.events import KeepCommitment, RecordCommitmentCheck, Say
from assistant.prompts import DECKS, load_deck
from assistant.session import commitment_words
from assistant.session.commitment_words import LINES, check_answer, read_back, second_person
from assistant.session.commitments import CheckCommitments, MakeCommitment, match_partner
from assistant.store import Store, open_store

NOW = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)


# --- the read-back -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("said", "back"), [
    ("I'll tell you when I'm going to be late", "You'll tell them when you're going to be late."),
    ("I'll tell you when I'm late.", "You'll tell them when you're late."),
    ("I will call you at lunch every day", "You will call them at lunch every day."),
    ("I’ll ask you before I spend more than fifty pounds", "You'll ask them before you spend more than fifty pounds."),
    ("I am going to put my phone away at dinner", "You are going to put your phone away at dinner."),
    ("I was the one who forgets, so I'll write it down", "You were the one who forgets, so you'll write it down."),
    ("If you need space, I will give it to you", "If they need space, you will give it to them."),
    ("You can tell me when I interrupt", "They can tell you when you interrupt."),
    ("I promise to look after myself", "You promise to look after yourself."),
    ("I'll make time for you and your sister", "You'll make time for them and their sister."),
    ("We will walk together on Sunday", "We will walk together on Sunday."),
    ("I've decided the car keys are mine to find", "You've decided the car keys are yours to find."),
    ("I'd like to cook on Fridays", "You'd like to cook on Fridays."),
    ("when you're tired I'll take the kids", "When they're tired you'll take the kids."),
    ("I'll ask Sam about your plans", "You'll ask Sam about their plans."),
    ("ill text you when i leave work", "You'll text them when you leave work."),
])
def test_a_commitment_is_read_back_in_the_second_person(said: str, back: str) -> None:
    assert second_person(said) == back


def test_the_read_back_asks_whether_to_keep_it() -> None:
    assert read_back("I'll tell you when I'm late") == "You'll tell them when you're late. Shall I keep that?"


def test_words_that_only_look_like_pronouns_stay_as_they_are() -> None:
    assert second_person("I will visit Iceland with you") == "You will visit Iceland with them."
    assert second_person("my youth club") == "Your youth club."


@pytest.mark.parametrize(("said", "meant"), [
    ("kept", "kept"), ("I think we kept it", "kept"), ("yes", "kept"), ("not yet", "not_yet"),
    ("I haven't kept it", "not_yet"), ("no", "not_yet"), ("let's change it", "change"), ("Let it go.", "drop"),
    ("we're done", "done"), ("the weather", None)])
def test_how_it_went_is_read_from_the_answer(said: str, meant: str | None) -> None:
    assert check_answer(said) == meant


BLAME = ("failed", "fail", "broke", "broken", "again you", "you didn't", "should have", "fault", "blame",
         "disappoint", "let down", "score", "promised but", *PROMPT_BLAME)


def all_new_text() -> list[str]:
    lines = list(LINES.values())
    for name in DECKS:
        deck = load_deck(name)
        lines += [p.text for p in deck.prompts if p.invites_commitment]
    return lines


def test_no_line_about_commitments_blames_or_scores() -> None:
    lines = all_new_text()
    assert len(lines) > len(LINES)  # the decks' inviting cards are checked too
    for line in lines:
        for word in BLAME:
            assert word not in line.lower(), (word, line)


def test_every_new_line_is_short_plain_and_written_fresh(shared_dir: Path) -> None:
    seed = words((shared_dir / "seed" / "when-trust-breaks.txt").read_text(encoding="utf-8"))
    runs = {tuple(seed[i:i + 8]) for i in range(len(seed) - 7)}
    for line in all_new_text():
        for sentence in re.split(r"(?<=[.?!])\s+", line):
            assert len(sentence.split()) <= MAX_SENTENCE_WORDS, sentence
        w = words(line)
        assert not [w[i:i + 8] for i in range(len(w) - 7) if tuple(w[i:i + 8]) in runs], line


def test_the_blame_check_would_catch_a_blaming_line(monkeypatch) -> None:
    monkeypatch.setitem(commitment_words.LINES, "thanks_kept", "You broke it again, you failed.")
    with pytest.raises(AssertionError):
        test_no_line_about_commitments_blames_or_scores()


def test_each_deck_that_fits_has_a_card_that_invites_a_commitment() -> None:
    for name in ("reconnection", "daily_checkin", "money_date"):
        assert any(p.invites_commitment for p in load_deck(name).prompts), name


# --- making one -------------------------------------------------------------------------------------------

def said(outbox: list) -> list[str]:
    return [a.text for a in outbox if isinstance(a, Say)]


def test_a_commitment_is_read_back_and_kept_only_after_a_yes() -> None:
    making = MakeCommitment()
    making.begin()
    assert said(making.outbox) == [LINES["ask"]]
    making.heard("I'll tell you when I'm going to be late")
    assert said(making.outbox)[-1] == "You'll tell them when you're going to be late. Shall I keep that?"
    assert not any(isinstance(a, KeepCommitment) for a in making.outbox)
    making.heard("yes")
    assert making.finished and making.kept == KeepCommitment("I'll tell you when I'm going to be late", None)
    assert [a for a in making.outbox if isinstance(a, KeepCommitment)] == [making.kept]


def test_after_a_no_nothing_is_kept_and_never_mind_ends_it() -> None:
    making = MakeCommitment()
    making.begin("I'll cook on Fridays")
    making.heard("no")
    assert said(making.outbox)[-1] == LINES["not_kept"] and not making.finished
    making.heard("never mind")
    assert making.finished and making.kept is None
    assert not any(isinstance(a, KeepCommitment) for a in making.outbox)


def test_after_a_no_it_can_be_said_again_in_other_words() -> None:
    making = MakeCommitment()
    making.begin("I'll cook on Fridays")
    making.heard("no")
    making.heard("I'll cook on Fridays and Saturdays")
    making.heard("maybe")  # neither yes nor no: asked again, nothing kept
    assert said(making.outbox)[-1] == LINES["yes_or_no"] and making.kept is None
    making.heard("yes")
    assert making.kept == KeepCommitment("I'll cook on Fridays and Saturdays", None)


def test_whose_it_is_is_asked_when_the_partners_are_known_and_can_be_skipped() -> None:
    making = MakeCommitment(partners=("Sam", "Alex"))
    making.begin("I'll walk the dog")
    making.heard("yes")
    assert said(making.outbox)[-1] == "Whose is it? Sam or Alex? Or say skip." and making.kept is None
    making.heard("it's Alex's")
    assert making.kept == KeepCommitment("I'll walk the dog", "Alex")
    skipped = MakeCommitment(partners=("Sam", "Alex"))
    skipped.begin("I'll walk the dog")
    skipped.heard("yes")
    skipped.heard("skip")
    assert skipped.kept == KeepCommitment("I'll walk the dog", None)
    assert match_partner("that one is sam", ("Sam", "Alex")) == "Sam"


# --- bringing them back ------------------------------------------------------------------------------------

def records(outbox: list) -> list[RecordCommitmentCheck]:
    return [a for a in outbox if isinstance(a, RecordCommitmentCheck)]


def test_the_check_reads_each_open_commitment_and_records_kept_not_yet_changed_and_dropped() -> None:
    check = CheckCommitments(items=[(1, "I'll tell you when I'm late"), (2, "I'll cook on Fridays"),
                                    (3, "I'll call my mum"), (4, "I'll put my phone away")])
    check.begin()
    assert said(check.outbox)[:2] == [LINES["check_intro"], "You'll tell them when you're late. How has it gone?"]
    check.heard("kept")
    assert said(check.outbox)[-2:] == [LINES["thanks_kept"], "You'll cook on Fridays. How has it gone?"]
    check.heard("not yet")
    assert said(check.outbox)[-1] == LINES["not_yet"]  # nothing more than whether to keep it
    check.heard("yes")
    check.heard("let's change it")
    assert said(check.outbox)[-1] == LINES["change_ask"]
    check.heard("I'll call my mum on Sundays")
    assert said(check.outbox)[-1] == "You'll call your mum on Sundays. Shall I keep that?"
    check.heard("yes")
    check.heard("let it go")
    assert check.finished and said(check.outbox)[-2:] == [LINES["let_go"], LINES["check_done"]]
    assert records(check.outbox) == [RecordCommitmentCheck(1, "kept"), RecordCommitmentCheck(2, "not_yet"),
                                     RecordCommitmentCheck(3, "changed", "I'll call my mum on Sundays"),
                                     RecordCommitmentCheck(4, "dropped")]


def test_a_change_said_no_to_keeps_the_old_words_and_we_are_done_stops_the_check() -> None:
    check = CheckCommitments(items=[(1, "I'll cook"), (2, "I'll walk")])
    check.begin()
    check.heard("change it")
    check.heard("I'll cook twice")
    check.heard("no")
    assert said(check.outbox)[-2] == LINES["unchanged"] and records(check.outbox) == []
    check.heard("we're done")
    assert check.finished and records(check.outbox) == []


def test_not_yet_then_no_lets_it_go_kindly() -> None:
    check = CheckCommitments(items=[(7, "I'll cook")])
    check.begin()
    check.heard("not really")
    check.heard("no")
    assert records(check.outbox) == [RecordCommitmentCheck(7, "dropped")]
    assert LINES["let_go"] in said(check.outbox)


def test_with_nothing_open_the_check_says_nothing() -> None:
    check = CheckCommitments(items=[])
    check.begin()
    assert check.finished and check.outbox == []


# --- the store ---------------------------------------------------------------------------------------------

@pytest.fixture
def store(tmp_path: Path):
    with open_store(tmp_path / "data" / "pause.sqlite3") as opened:
        yield opened


def test_a_kept_commitment_is_stored_as_text_owner_only(store: Store, tmp_path: Path) -> None:
    made = store.add_commitment("I'll tell you when I'm late", "Sam", NOW)
    assert (made.id, made.text, made.by, made.status, made.times_kept) == (1, "I'll tell you when I'm late", "Sam",
                                                                           "open", 0)
    assert store.open_commitments() == [made]
    db = tmp_path / "data" / "pause.sqlite3"
    assert db.stat().st_mode & 0o077 == 0
    columns = {row[1]: row[2] for row in sqlite3.connect(db).execute("PRAGMA table_info(commitments)")}
    assert "BLOB" not in columns.values()  # words only, never sound


def test_checks_count_kept_and_changes_and_a_dropped_one_is_no_longer_open(store: Store) -> None:
    first = store.add_commitment("I'll cook", None, NOW)
    store.check_commitment(first.id, "kept", NOW + timedelta(days=1))
    store.check_commitment(first.id, "kept", NOW + timedelta(days=2))
    changed = store.check_commitment(first.id, "changed", NOW + timedelta(days=3), "I'll cook twice a week")
    assert (changed.text, changed.times_kept, changed.times_changed) == ("I'll cook twice a week", 2, 1)
    assert changed.last_checked_at == NOW + timedelta(days=3)
    dropped = store.check_commitment(first.id, "dropped", NOW + timedelta(days=4))
    assert dropped.status == "dropped" and store.open_commitments() == []
    assert store.check_commitment(first.id, "kept", NOW) is None  # let go: nothing more to record
    assert store.check_commitment(99, "kept", NOW) is None
    assert [c.id for c in store.listed_commitments(NOW + timedelta(days=5))] == [first.id]
    assert store.listed_commitments(NOW + timedelta(days=60)) == []


def test_empty_or_overlong_words_are_refused_with_the_fix(store: Store) -> None:
    with pytest.raises(ValueError, match="needs some words"):
        store.add_commitment("   ", None, NOW)
    with pytest.raises(ValueError, match="at most 500"):
        store.add_commitment("word " * 200, None, NOW)
    assert store.open_commitments() == []


def test_a_crash_while_a_change_is_recorded_keeps_the_commitment_as_it_was(store: Store) -> None:
    made = store.add_commitment("I'll cook", None, NOW)
    # the check's row fails after the new wording was written, inside the same transaction
    store._conn.execute("CREATE TEMP TRIGGER crash BEFORE INSERT ON commitment_checks "
                        "BEGIN SELECT RAISE(ABORT, 'power cut'); END")
    with pytest.raises(Exception, match="power cut"):
        store.check_commitment(made.id, "changed", NOW, "I'll cook every day")
    assert store.commitment(made.id) == made


def test_history_counts_commitments_made_kept_and_changed_per_week(store: Store) -> None:
    a = store.add_commitment("I'll cook", None, NOW)
    b = store.add_commitment("I'll walk", None, NOW)
    store.check_commitment(a.id, "kept", NOW + timedelta(days=7))
    store.check_commitment(b.id, "changed", NOW + timedelta(days=7), "I'll walk daily")
    store.check_commitment(b.id, "not_yet", NOW + timedelta(days=7))
    weeks = store.weekly_counts(UTC)
    assert [(w.commitments_made, w.commitments_kept, w.commitments_changed) for w in weeks] == [(2, 0, 0), (0, 1, 1)]


def test_forgetting_removes_every_commitment(store: Store) -> None:
    made = store.add_commitment("I'll cook", None, NOW)
    store.check_commitment(made.id, "kept", NOW)
    store.forget_everything()
    assert store.open_commitments() == [] and store.weekly_counts() == []
    assert store._conn.execute("SELECT count(*) FROM commitment_checks").fetchone()[0] == 0
