"""The times offered when agreeing: built from the clock and config, never too soon, passed or too far, each
read by the parser as exactly its instant; and the dialog offers them again when nothing usable was heard."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from test_dialog import said

from assistant.session import wording
from assistant.session.choices import offer_words, offered_choices
from assistant.session.dialog import NOT_UNDERSTOOD_OFFER, UNSURE_YES_NO, AgreeDialog
from assistant.timeparse import parse_resume_time

LONDON = ZoneInfo("Europe/London")


def at(hour: int, minute: int = 0, day: int = 24) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=LONDON)


def test_an_afternoon_offers_the_minimum_break_an_hour_this_evening_and_tomorrow_morning() -> None:
    choices = offered_choices(at(15))
    assert [c.phrase for c in choices] == ["in twenty minutes", "in an hour", "this evening", "tomorrow morning"]
    assert [c.resume_at for c in choices] == [at(15, 20), at(16), at(19), at(9, day=25)]
    assert offer_words(choices) == "in twenty minutes, in an hour, this evening, or tomorrow morning"


@pytest.mark.parametrize("now", [at(6, 5), at(15), at(17, 40), at(18, 10), at(23, 50), at(2, 30), at(1, 30, 25)])
@pytest.mark.parametrize("minimum", [0, 20, 45, 60, 90, 180])
def test_no_choice_is_sooner_than_the_minimum_break_passed_or_too_far_and_each_parses_to_itself(now, minimum):
    min_break, max_break = timedelta(minutes=minimum), timedelta(hours=48)
    choices = offered_choices(now, min_break, max_break)
    assert 1 <= len(choices) <= 4
    for choice in choices:
        assert min_break <= choice.resume_at - now <= max_break
        parsed = parse_resume_time(choice.phrase, now, min_break=min_break, max_break=max_break)
        assert parsed.resume_at == choice.resume_at and parsed.warnings == ()
    assert [c.resume_at for c in choices] == sorted(c.resume_at for c in choices)


def test_this_evening_is_not_offered_once_the_evening_is_close_and_the_small_hours_offer_this_morning() -> None:
    assert "this evening" not in [c.phrase for c in offered_choices(at(18))]
    assert "this morning" in [c.phrase for c in offered_choices(at(2, 30))]


def test_a_longer_minimum_break_is_offered_in_round_minutes() -> None:
    assert offered_choices(at(15), timedelta(minutes=33))[0].phrase == "in thirty five minutes"


def test_the_invitation_names_the_choices_and_still_allows_another_time() -> None:
    line = wording.agree_invite("in twenty minutes, in an hour, or tomorrow morning")
    assert "In twenty minutes, in an hour, or tomorrow morning? Or say another time." in line
    assert wording.agree_invite("") == wording.AGREE_INVITE
    assert wording.stop_offer("in an hour").endswith("In an hour? Or say another time. Or just say no.")


def test_something_that_is_not_a_time_gets_the_offer_again_not_a_guess() -> None:
    dialog = AgreeDialog(choices=offered_choices(at(15)))
    dialog.heard_time("i don't know", at(15))
    assert said(dialog) == [NOT_UNDERSTOOD_OFFER.format(
        choices="in twenty minutes, in an hour, this evening, or tomorrow morning")]
    assert dialog.proposed is None


def test_an_unsure_answer_to_the_read_back_asks_it_again_and_stores_nothing() -> None:
    dialog = AgreeDialog(choices=offered_choices(at(15)))
    dialog.heard_time("in an hour", at(15))
    question = said(dialog)[-1]
    dialog.not_caught()
    assert said(dialog) == [UNSURE_YES_NO.format(question=question)]
    assert dialog.awaiting_yes_no and dialog.agreed is None


def test_a_doubtful_time_is_asked_again_and_read_back_only_when_the_answer_again_means_the_same_time() -> None:
    dialog = AgreeDialog(choices=offered_choices(at(15)))
    dialog.heard_doubtful("in ninety minutes", at(15))
    assert said(dialog) == [NOT_UNDERSTOOD_OFFER.format(
        choices="in twenty minutes, in an hour, this evening, or tomorrow morning")]
    dialog.heard_doubtful("in fifty minutes", at(15, 0))  # a different time: still asked again
    assert dialog.proposed is None and said(dialog)[-1].startswith("Sorry, I didn't catch a time.")
    dialog.heard_doubtful("in fifty minutes", at(15, 1))  # the same span, a few seconds later: read back
    assert said(dialog)[-1].endswith("Is that right?")
    assert dialog.awaiting_yes_no and dialog.agreed is None
    assert dialog.proposed.resume_at == at(15, 51)


def test_a_doubtful_time_is_not_read_back_on_the_strength_of_one_doubt_from_before_a_sure_answer() -> None:
    dialog = AgreeDialog(choices=offered_choices(at(15)))
    dialog.heard_doubtful("at seven", at(15))
    said(dialog)
    dialog.heard_time("in an hour", at(15))
    said(dialog)
    dialog.heard_answer("no", at(15))
    said(dialog)
    dialog.heard_doubtful("at seven", at(15))
    assert dialog.proposed is None
    assert said(dialog)[-1].startswith("Sorry, I didn't catch a time.")
