"""The agreeing dialog: a heard time is read back, yes stores it, no or nonsense asks again (never a dead end)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from assistant.answers import yes_or_no
from assistant.events import Say
from assistant.session.dialog import (
    AGREED,
    ASK_AGAIN,
    NOT_UNDERSTOOD,
    REASK_AFTER_SECONDS,
    AgreeDialog,
)

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=ZoneInfo("Europe/London"))  # a Tuesday afternoon


def said(dialog: AgreeDialog) -> list[str]:
    """The lines the dialog asked for, all heard out (as the app reports once they have been spoken)."""
    lines = [a.text for a in dialog.outbox if isinstance(a, Say)]
    dialog.outbox.clear()
    for line in lines:
        dialog.heard_out(line)
    return lines


def test_a_heard_time_is_read_back_as_a_question() -> None:
    dialog = AgreeDialog()
    dialog.heard_time("friday morning", NOW)
    assert said(dialog) == ["That's more than 48 hours away, but it's your choice.",
                            "Friday at nine in the morning. Is that right?"]
    assert dialog.awaiting_yes_no and dialog.agreed is None


def test_yes_agrees_the_time_and_says_when_the_reminder_comes() -> None:
    dialog = AgreeDialog()
    dialog.heard_time("in an hour", NOW)
    said(dialog)
    dialog.heard_answer("yes", NOW)
    assert dialog.agreed is not None and dialog.agreed.resume_at == NOW + timedelta(hours=1)
    assert said(dialog) == [AGREED.format(when="in an hour, at four in the afternoon")]


def test_no_asks_again_and_a_new_time_can_follow() -> None:
    dialog = AgreeDialog()
    dialog.heard_time("in an hour", NOW)
    said(dialog)
    dialog.heard_answer("no", NOW)
    assert said(dialog) == [ASK_AGAIN] and not dialog.awaiting_yes_no
    dialog.heard_time("at seven", NOW)
    assert said(dialog)[0].startswith("This evening at seven")


def test_nonsense_is_asked_again_with_an_example() -> None:
    dialog = AgreeDialog()
    dialog.heard_time("banana bread", NOW)
    assert said(dialog) == [NOT_UNDERSTOOD]
    assert not dialog.awaiting_yes_no


def test_a_time_sooner_than_the_minimum_break_is_allowed_with_a_gentle_reason() -> None:
    dialog = AgreeDialog(min_break=timedelta(minutes=20))
    dialog.heard_time("in five minutes", NOW)
    lines = said(dialog)
    assert lines == ["That's sooner than the 20-minute break a flooded body needs, but it's your choice.",
                     "In five minutes, at three oh five in the afternoon. Is that right?"]


def test_a_zero_minimum_break_gives_no_warning() -> None:
    dialog = AgreeDialog(min_break=timedelta(0))
    dialog.heard_time("in one minute", NOW)
    assert len(said(dialog)) == 1


def test_a_time_already_passed_is_refused_and_asked_again() -> None:
    dialog = AgreeDialog()
    dialog.heard_time("yesterday", NOW)
    assert "already passed" in said(dialog)[0]


def test_yes_and_no_are_recognised_in_their_everyday_forms() -> None:
    assert [yes_or_no(t) for t in ("Yes.", "yeah", "that's right", "No", "nope", "not now", "maybe")] == \
        ["yes", "yes", "yes", "no", "no", "no", None]
    # "sure" and "right" are yeses too; "right now" is not, and "not right" is a no
    assert [yes_or_no(t) for t in ("Sure.", "right", "alright", "that works", "right now", "not right")] == \
        ["yes", "yes", "yes", "yes", None, "no"]
    # "incorrect" holds "correct": it must be a no, never a yes
    assert [yes_or_no(t) for t in ("incorrect", "not quite", "nah", "that's not right", "correct")] == \
        ["no", "no", "no", "no", "yes"]


def test_an_answer_before_the_question_was_heard_out_is_not_taken_and_the_question_comes_once_more() -> None:
    dialog = AgreeDialog()
    dialog.heard_time("in five minutes", NOW)
    note, question = [a.text for a in dialog.outbox]
    dialog.outbox.clear()
    dialog.heard_out(note)
    dialog.heard_answer("yes", NOW)  # a quick yes while the question is still being said
    assert dialog.agreed is None and dialog.outbox == []
    dialog.heard_out(question)
    assert said(dialog) == [f"Sorry, I was still talking. {question}"]
    dialog.heard_answer("yes", NOW)
    assert dialog.agreed is not None


def test_a_time_said_during_the_invitation_is_asked_for_again_once_it_is_heard_out() -> None:
    dialog = AgreeDialog()
    dialog.expect("When would suit you?")
    dialog.heard_time("in an hour", NOW)
    assert dialog.proposed is None
    dialog.heard_out("When would suit you?")
    assert said(dialog) == ["Sorry, I was still talking. When would suit you?"]


def test_the_parsers_warnings_are_the_one_rule_for_notes_even_across_a_dst_change() -> None:
    # 01:50 BST on the night London's clocks go back: "in thirty minutes" is 01:20 GMT, thirty real minutes
    night = datetime(2026, 10, 25, 1, 50, tzinfo=ZoneInfo("Europe/London"))
    dialog = AgreeDialog(min_break=timedelta(minutes=20))
    dialog.heard_time("in thirty minutes", night)
    assert said(dialog) == ["In half an hour, at one twenty in the morning. Is that right?"]


def test_a_long_quiet_after_the_question_asks_it_once_more_and_only_once() -> None:
    dialog = AgreeDialog()
    dialog.heard_time("in an hour", NOW)
    question = said(dialog)[-1]
    dialog.heard_out(question, t_s=10.0)
    dialog.tick(10.0 + REASK_AFTER_SECONDS)
    assert said(dialog) == [f"I may have missed what you said. {question}"]
    dialog.tick(100.0 + REASK_AFTER_SECONDS)
    assert said(dialog) == []


def test_no_before_any_time_is_proposed_declines_choosing_now() -> None:
    dialog = AgreeDialog()
    dialog.heard_time("not now", NOW)
    assert dialog.declined and said(dialog) == []
