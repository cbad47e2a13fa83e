"""The session state machine, driven by events; every test asserts the whole outbox it produced."""

from __future__ import annotations

import inspect
import re

import pytest
from transitions import MachineError

from assistant.events import ControlPacer, ListenFor, Say, StartExercise
from assistant.session import machine, wording
from assistant.session.machine import Session, SessionPlan, State

COMMANDS = ListenFor(wording.command_vocabulary())
PAUSE_WORD_ONLY = ListenFor(())


def _at(action, t_ms: int):
    """The same action stamped with the session clock time it was requested at."""
    return type(action)(**{**{f: getattr(action, f) for f in action.__dataclass_fields__}, "t_ms": t_ms})


def drive_to(state: State, plan: SessionPlan | None = None) -> Session:
    """A session walked through real events to `state`, with its outbox emptied."""
    s = Session(plan or SessionPlan())
    events = [("pause_word_heard", {}), ("spoken", {"text": wording.PAUSE_ACK}),  # -> breathing
              ("exercise_done", {}), ("exercise_done", {}),  # -> grounding -> agreeing
              ("spoken", {"text": wording.AGREE_INVITE}),
              ("resume_agreed", {"resume_at": "2026-11-27T09:00:00+00:00"})]  # -> closing
    steps = {State.LISTENING: 0, State.ACKNOWLEDGING: 1, State.BREATHING: 2, State.GROUNDING: 3,
             State.AGREEING: 4, State.CLOSING: 6}[state]
    path = events[:steps]
    for t_ms, (trigger, kwargs) in enumerate(path, start=1):
        s.trigger(trigger, t_ms=t_ms * 1000, **kwargs)
    assert s.state == state
    s.outbox.clear()
    return s


def test_a_new_session_is_listening_for_the_pause_word():
    assert Session().state == State.LISTENING


def test_the_pause_word_starts_a_session_with_commands_listened_for_and_a_quick_acknowledgement():
    s = Session()
    s.pause_word_heard(t_ms=1200)
    assert s.state == State.ACKNOWLEDGING
    assert s.outbox == [_at(COMMANDS, 1200), Say(wording.PAUSE_ACK, t_ms=1200)]


def test_a_whole_session_runs_from_the_pause_word_back_to_listening():
    s = Session(SessionPlan(pattern="box", minutes=3.0, grounding="movement"))
    s.pause_word_heard(t_ms=1_000)
    s.spoken(text=wording.PAUSE_ACK, t_ms=2_500)  # acknowledgement heard out: breathe
    s.exercise_done(t_ms=190_000)  # breathing timeline ended: ground
    s.exercise_done(t_ms=260_000)  # grounding ended: hand over to agreeing
    s.spoken(text=wording.AGREE_INVITE, t_ms=266_000)
    s.resume_agreed(resume_at="2026-11-27T09:00:00+00:00", t_ms=280_000)
    s.spoken(text=wording.CLOSING, t_ms=284_000)
    assert s.state == State.LISTENING
    assert s.resume_at == "2026-11-27T09:00:00+00:00"
    assert s.outbox == [
        _at(COMMANDS, 1_000),
        Say(wording.PAUSE_ACK, t_ms=1_000),
        StartExercise("breathing", "box", cycles=0, minutes=3.0, tempo_steps=0, t_ms=2_500),
        StartExercise("grounding", "movement", t_ms=190_000),
        Say(wording.AGREE_INVITE, t_ms=260_000),
        Say(wording.CLOSING, t_ms=280_000),
        _at(PAUSE_WORD_ONLY, 284_000),
    ]


def test_a_pause_asked_for_without_words_starts_even_while_the_assistant_speaks():
    """`assistant pause`, a key or a knock cannot be the assistant's own voice: the echo guard is for words."""
    s = drive_to(State.GROUNDING)
    s.command(name="stop", false_alarm=True, t_ms=50_000)
    s.pause_word_heard(word="key", spoken=False, t_ms=50_600)
    assert s.state == State.ACKNOWLEDGING
    assert s.outbox[-1] == Say(wording.PAUSE_ACK, t_ms=50_600)


@pytest.mark.parametrize("state", [State.ACKNOWLEDGING, State.BREATHING, State.GROUNDING, State.AGREEING,
                                   State.CLOSING])
def test_a_false_alarm_stop_from_every_session_state_returns_to_listening_at_once_with_a_kind_line(state):
    s = drive_to(state)
    s.command(name="stop", text="that's enough", false_alarm=True, t_ms=99_000)
    assert s.state == State.LISTENING
    assert s.outbox == [ControlPacer("stop", t_ms=99_000), Say(wording.COMMAND_ACKS["stop"], t_ms=99_000)]
    s.spoken(text=wording.COMMAND_ACKS["stop"], t_ms=102_000)  # the kind line said: the pause word again
    assert s.outbox[2:] == [_at(PAUSE_WORD_ONLY, 102_000)]


def test_stop_while_listening_has_nothing_to_stop_and_says_nothing():
    s = Session()
    s.command(name="stop", t_ms=500)
    assert s.state == State.LISTENING
    assert s.outbox == []


def test_stop_while_the_stop_line_is_said_cuts_it_and_listens_for_the_pause_word():
    s = drive_to(State.BREATHING)
    s.command(name="stop", false_alarm=True, t_ms=10_000)
    s.command(name="stop", t_ms=10_400)
    assert s.outbox == [ControlPacer("stop", t_ms=10_000), Say(wording.COMMAND_ACKS["stop"], t_ms=10_000),
                        ControlPacer("stop", t_ms=10_400), _at(PAUSE_WORD_ONLY, 10_400)]


def test_the_pause_word_is_ignored_while_the_assistant_speaks_then_heard_again():
    s = drive_to(State.GROUNDING)
    s.command(name="stop", false_alarm=True, t_ms=50_000)
    s.pause_word_heard(t_ms=50_600)  # its own voice, through the speaker: echo guard
    assert s.state == State.LISTENING
    s.spoken(text=wording.COMMAND_ACKS["stop"], t_ms=53_000)
    s.pause_word_heard(t_ms=60_000)  # a partner this time
    assert s.state == State.ACKNOWLEDGING
    assert s.outbox == [
        ControlPacer("stop", t_ms=50_000), Say(wording.COMMAND_ACKS["stop"], t_ms=50_000),
        _at(PAUSE_WORD_ONLY, 53_000),
        _at(COMMANDS, 60_000), Say(wording.PAUSE_ACK, t_ms=60_000),
    ]


@pytest.mark.parametrize("state", [State.ACKNOWLEDGING, State.BREATHING, State.GROUNDING, State.AGREEING,
                                   State.CLOSING])
def test_the_pause_word_during_a_session_changes_nothing(state):
    s = drive_to(state)
    s.pause_word_heard(t_ms=70_000)
    assert s.state == state and s.outbox == []


@pytest.mark.parametrize("state", [State.BREATHING, State.GROUNDING])
@pytest.mark.parametrize("name", ["skip", "slower", "faster", "repeat"])
def test_each_command_during_an_exercise_is_acknowledged_and_passed_to_the_pacer(state, name):
    s = drive_to(state)
    s.command(name=name, t_ms=30_000)
    assert s.state == state  # skip ends the exercise through the pacer, which then reports exercise_done
    assert s.outbox == [Say(wording.COMMAND_ACKS[name], t_ms=30_000), ControlPacer(name, t_ms=30_000)]


def test_skip_during_breathing_leads_to_grounding_when_the_pacer_reports_it_done():
    s = drive_to(State.BREATHING)
    s.command(name="skip", t_ms=30_000)
    s.exercise_done(t_ms=31_500)
    assert s.state == State.GROUNDING
    assert s.outbox == [Say(wording.COMMAND_ACKS["skip"], t_ms=30_000), ControlPacer("skip", t_ms=30_000),
                        StartExercise("grounding", "senses", t_ms=31_500)]


def test_tempo_asked_for_during_the_acknowledgement_shapes_the_breathing():
    s = drive_to(State.ACKNOWLEDGING)
    s.command(name="slower", t_ms=1_500)
    s.command(name="slower", t_ms=1_900)
    s.spoken(text=wording.PAUSE_ACK, t_ms=2_400)
    assert s.state == State.ACKNOWLEDGING  # its own acknowledgements are still being said
    s.spoken(text=wording.COMMAND_ACKS["slower"], t_ms=3_600)
    s.spoken(text=wording.COMMAND_ACKS["slower"], t_ms=4_800)
    assert s.state == State.BREATHING
    assert s.outbox == [Say(wording.COMMAND_ACKS["slower"], t_ms=1_500), Say(wording.COMMAND_ACKS["slower"],
                                                                             t_ms=1_900),
                        StartExercise("breathing", "extended_exhale", minutes=2.0, tempo_steps=2, t_ms=4_800)]


def test_skip_during_the_acknowledgement_goes_straight_to_grounding():
    s = drive_to(State.ACKNOWLEDGING)
    s.command(name="skip", t_ms=1_500)
    s.spoken(text=wording.PAUSE_ACK, t_ms=2_000)
    s.spoken(text=wording.COMMAND_ACKS["skip"], t_ms=3_000)
    assert s.state == State.GROUNDING
    assert s.outbox == [Say(wording.COMMAND_ACKS["skip"], t_ms=1_500),
                        StartExercise("grounding", "senses", t_ms=3_000)]


def test_breathing_hands_straight_over_to_agreeing_when_grounding_is_turned_off():
    s = drive_to(State.BREATHING, SessionPlan(grounding=""))
    s.exercise_done(t_ms=120_000)
    assert s.state == State.AGREEING
    assert s.outbox == [Say(wording.AGREE_INVITE, t_ms=120_000)]


def test_a_set_number_of_cycles_is_passed_on_instead_of_minutes():
    s = Session(SessionPlan(pattern="4-7-8", cycles=4))
    s.pause_word_heard(t_ms=0)
    s.spoken(text=wording.PAUSE_ACK, t_ms=2_000)
    assert s.outbox[-1] == StartExercise("breathing", "4-7-8", cycles=4, minutes=0.0, t_ms=2_000)


def test_breathing_starts_anyway_when_the_acknowledgement_is_never_reported_spoken():
    s = drive_to(State.ACKNOWLEDGING)  # entered at 1 s
    s.tick(t_ms=8_000)
    assert s.state == State.ACKNOWLEDGING
    s.tick(t_ms=9_000)  # 8 s of audio later
    assert s.state == State.BREATHING
    assert s.outbox == [StartExercise("breathing", "extended_exhale", minutes=2.0, t_ms=9_000)]


def test_agreeing_offers_to_choose_later_and_closes_after_two_quiet_minutes():
    s = drive_to(State.AGREEING)  # entered at 4 s
    s.tick(t_ms=100_000)
    s.tick(t_ms=124_000)
    assert s.state == State.CLOSING
    assert s.outbox == [Say(wording.AGREE_LATER, t_ms=124_000), Say(wording.CLOSING, t_ms=124_000)]


@pytest.mark.parametrize("state", [State.BREATHING, State.GROUNDING])
def test_a_stop_during_an_exercise_stops_at_once_then_offers_once_to_choose_a_time(state):
    s = drive_to(state)
    s.command(name="stop", t_ms=30_000)
    assert s.state == State.AGREEING
    assert s.outbox == [ControlPacer("stop", t_ms=30_000), Say(wording.STOP_OFFER, t_ms=30_000)]
    assert s.invite == wording.STOP_OFFER
    s.resume_agreed(resume_at="2026-11-27T09:00:00+00:00", t_ms=40_000)
    assert s.state == State.CLOSING and s.resume_at == "2026-11-27T09:00:00+00:00"


def test_no_to_the_offer_ends_it_with_one_line_and_no_closing():
    s = drive_to(State.BREATHING)
    s.command(name="stop", t_ms=30_000)
    s.outbox.clear()
    s.declined(t_ms=35_000)  # read at a glance (typed) while the offer is still being said: cut it
    assert s.state == State.LISTENING
    assert s.outbox == [ControlPacer("stop", t_ms=35_000), Say(wording.OFFER_DECLINED, t_ms=35_000)]


def test_silence_after_the_offer_ends_it_and_a_stop_cuts_it_without_a_word():
    s = drive_to(State.GROUNDING)
    s.command(name="stop", t_ms=30_000)
    s.outbox.clear()
    s.tick(t_ms=30_000 + machine.AGREE_TIMEOUT_MS)
    assert s.state == State.LISTENING and s.outbox == [Say(wording.OFFER_DECLINED, t_ms=150_000)]
    s = drive_to(State.GROUNDING)
    s.command(name="stop", t_ms=30_000)
    s.outbox.clear()
    s.command(name="stop", t_ms=31_000)
    assert s.state == State.LISTENING
    assert s.outbox == [ControlPacer("stop", t_ms=31_000), _at(PAUSE_WORD_ONLY, 31_000)]


def test_a_false_alarm_during_an_exercise_offers_nothing():
    s = drive_to(State.BREATHING)
    s.command(name="stop", false_alarm=True, t_ms=5_000)
    assert s.state == State.LISTENING and wording.STOP_OFFER not in [a.text for a in s.outbox if isinstance(a, Say)]


def test_an_answer_restarts_the_two_quiet_minutes():
    s = drive_to(State.AGREEING)  # entered at 4 s
    s.answer_heard(t_ms=100_000)
    s.tick(t_ms=124_000)
    assert s.state == State.AGREEING
    s.tick(t_ms=220_000)
    assert s.state == State.CLOSING


def test_a_time_chosen_later_opens_agreeing_without_the_invitation_when_a_time_came_with_it():
    s = Session()
    s.choose_time(phrase="friday morning", t_ms=1_000)
    assert s.state == State.AGREEING and s.outbox == [] and s.invite == ""


def test_no_while_agreeing_leaves_the_time_for_later_and_closes():
    s = drive_to(State.AGREEING)
    s.declined(t_ms=20_000)
    assert s.state == State.CLOSING
    assert s.outbox == [Say(wording.AGREE_LATER, t_ms=20_000), Say(wording.CLOSING, t_ms=20_000)]


def test_skip_while_agreeing_leaves_the_time_for_later_and_closes():
    s = drive_to(State.AGREEING)
    s.command(name="skip", t_ms=20_000)
    assert s.state == State.CLOSING
    assert s.outbox == [Say(wording.AGREE_LATER, t_ms=20_000), Say(wording.CLOSING, t_ms=20_000)]


@pytest.mark.parametrize(("name", "line"), [("repeat", wording.AGREE_INVITE), ("slower", wording.NO_RUSH),
                                            ("faster", wording.NO_RUSH)])
def test_other_commands_while_agreeing_are_answered_in_words(name, line):
    s = drive_to(State.AGREEING)
    s.command(name=name, t_ms=20_000)
    assert s.state == State.AGREEING
    assert s.outbox == [Say(line, t_ms=20_000)]


def test_closing_returns_to_listening_when_its_words_are_said_and_skip_cuts_them_short():
    s = drive_to(State.CLOSING)
    s.command(name="skip", t_ms=30_000)
    s.spoken(text=wording.CLOSING_SKIPPED, t_ms=30_800)
    assert s.state == State.LISTENING
    assert s.outbox == [ControlPacer("stop", t_ms=30_000), Say(wording.CLOSING_SKIPPED, t_ms=30_000),
                        _at(PAUSE_WORD_ONLY, 30_800)]


def test_closing_returns_to_listening_even_if_its_words_are_never_reported_spoken():
    s = drive_to(State.CLOSING)  # entered at 6 s
    s.tick(t_ms=21_000)
    assert s.state == State.LISTENING
    assert s.outbox == [_at(PAUSE_WORD_ONLY, 21_000)]


def test_an_exercise_ending_after_a_stop_is_ignored():
    s = drive_to(State.BREATHING)
    s.command(name="stop", false_alarm=True, t_ms=9_000)
    s.spoken(text=wording.COMMAND_ACKS["stop"], t_ms=12_000)
    s.exercise_done(t_ms=12_100)
    assert s.state == State.LISTENING
    assert s.outbox[-1] == _at(PAUSE_WORD_ONLY, 12_000)


def test_an_unknown_command_is_refused_by_name():
    s = drive_to(State.BREATHING)
    with pytest.raises(ValueError, match="unknown command 'dance'; use one of stop, skip, slower, faster"):
        s.command(name="dance", t_ms=1)


def test_a_resume_time_outside_agreeing_is_an_invalid_trigger():
    with pytest.raises(MachineError):
        Session().resume_agreed(resume_at="tomorrow", t_ms=1)


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("trigger", ["pause_word_heard", "spoken", "exercise_done", "tick"])
def test_everyday_events_are_valid_in_every_state(state, trigger):
    s = drive_to(state)
    # an invalid trigger raises MachineError, which would stop the listener mid-session: the check is that it
    # does not raise (asserting `s.state in State` afterwards could never fail)
    s.trigger(trigger, t_ms=500_000, text="something else")


def test_the_machine_does_no_io_it_only_appends_actions():
    source = inspect.getsource(machine)
    assert not re.search(r"\b(open|print|input|sleep|time\.time|monotonic)\(", source)
    imports = set(re.findall(r"^(?:from|import) ([\w.]+)", source, re.MULTILINE))
    assert imports == {"__future__", "collections.abc", "dataclasses", "enum", "transitions", "assistant.events",
                       "assistant.session"}




