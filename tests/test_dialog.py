"""The agreeing dialog: a heard time is read back, yes stores it, no or nonsense asks again (never a dead end)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from assistant.events import Say
from assistant.session.dialog import AGREED, ASK_AGAIN, NOT_UNDERSTOOD, AgreeDialog, yes_or_no

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=ZoneInfo("Europe/London"))  # a Tuesday afternoon


def said(dialog: AgreeDialog) -> list[str]:
    lines = [a.text for a in dialog.outbox if isinstance(a, Say)]
    dialog.outbox.clear()
    return lines


def test_a_heard_time_is_read_back_as_a_question() -> None:
    dialog = AgreeDialog()
    dialog.heard_time("friday morning", NOW)
    assert said(dialog) == ["Friday at nine in the morning. Is that right?",
                            "That's more than 48 hours away, which can feel like a long wait. It's your choice."]
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
    assert "twenty" not in lines[0] and "20 minutes" in lines[1] and "settle" in lines[1]


def test_a_zero_minimum_break_gives_no_warning() -> None:
    dialog = AgreeDialog(min_break=timedelta(0))
    dialog.heard_time("in one minute", NOW)
    assert len(said(dialog)) == 1


def test_a_time_already_passed_is_refused_and_asked_again() -> None:
    dialog = AgreeDialog()
    dialog.heard_time("yesterday", NOW)
    assert "already passed" in said(dialog)[0]


def test_yes_and_no_are_recognised_in_their_everyday_forms() -> None:
    assert [yes_or_no(t) for t in ("Yes.", "yeah", "that's right", "No", "nope", "maybe")] == \
        ["yes", "yes", "yes", "no", "no", None]
