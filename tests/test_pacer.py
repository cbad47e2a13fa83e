"""The pacer's plan (session/pacer.py), without sound: where cues lie on the sample clock and how live
commands re-plan what is left. A line's length comes from a stand-in voice (two words a second), so the plan
is tested in microseconds; test_mixer.py plays the same plans through a real voice."""

from __future__ import annotations

import inspect
import re
from itertools import pairwise

from assistant.session import exercises, pacer, wording
from assistant.session.live_plan import LivePlan
from assistant.session.pacer import (
    RATE,
    Timeline,
    breathing_timeline,
    grounding_timeline,
    sample_of,
    tone_samples,
)


def words_at_two_a_second(text: str) -> int:
    """Samples a line takes for the stand-in voice: half a second a word."""
    return len(text.split()) * RATE // 2


def _starts(timeline: Timeline, kind: str) -> list[int]:
    return [sample_of(c.t) for c in timeline.cues if c.kind == kind]


def _play(plan: LivePlan, seconds: float) -> None:
    plan.position = min(plan.end, plan.position + sample_of(seconds))


def test_a_five_minute_session_has_thirty_cycles_framed_by_an_intro_and_a_closing():
    timeline = breathing_timeline(exercises.PATTERNS["extended_exhale"], words_at_two_a_second, minutes=5)
    assert [c.phase for c in timeline.cues if c.kind == "phase"] == ["inhale", "exhale"] * 30
    says = [c.text for c in timeline.cues if c.kind == "say"]
    assert says[0] == wording.BREATHING_INTRO and says[-1] == wording.BREATHING_DONE
    assert says[1:5] == ["Breathe in", "And out", "Breathe in", "And out"]  # two spoken cycles, then tones
    assert 300 < timeline.seconds < 320


def test_phases_follow_each_other_without_a_gap_after_the_intro_and_its_pause():
    timeline = breathing_timeline(exercises.PATTERNS["extended_exhale"], words_at_two_a_second, cycles=3)
    intro = words_at_two_a_second(wording.BREATHING_INTRO) + sample_of(pacer.INTRO_PAUSE_SECONDS)
    phases = _starts(timeline, "phase")
    assert phases[0] == intro
    assert [b - a for a, b in pairwise(phases)] == [4 * RATE, 6 * RATE] * 2 + [4 * RATE]


def test_a_phase_word_is_said_only_when_it_ends_before_its_tone():
    def slow(text: str) -> int:  # "And out" takes longer than the exhale's tone
        return 7 * RATE if text == "And out" else words_at_two_a_second(text)

    timeline = breathing_timeline(exercises.PATTERNS["extended_exhale"], slow, cycles=2)
    says = [c.text for c in timeline.cues if c.kind == "say"]
    assert "And out" not in says and says.count("Breathe in") == 2
    assert tone_samples(sample_of(6.0)) == 6 * RATE - sample_of(pacer.TONE_GAP_SECONDS)


def test_a_grounding_script_gives_each_step_its_line_then_its_quiet_pause():
    script = exercises.get_script("senses")
    timeline = grounding_timeline(script, words_at_two_a_second)
    assert [c.text for c in timeline.cues] == [script.intro, *(s.line for s in script.steps), script.closing]
    starts = _starts(timeline, "say") + [timeline.end_sample]
    for k, step in enumerate(script.steps, start=1):
        assert starts[k + 1] - starts[k] == words_at_two_a_second(step.line) + sample_of(step.pause_seconds)


def test_the_timeline_json_round_trips():
    timeline = breathing_timeline(exercises.PATTERNS["box"], words_at_two_a_second, cycles=2)
    body = timeline.to_json()
    assert body[0] == {"t": 0.0, "kind": "say", "text": wording.BREATHING_INTRO}
    assert Timeline.from_json(body).cues == timeline.cues


def test_slower_and_faster_change_only_the_phases_after_the_current_one():
    timeline = breathing_timeline(exercises.PATTERNS["extended_exhale"], words_at_two_a_second, cycles=6)
    plan = LivePlan(timeline, words_at_two_a_second)
    plan.position = _starts(timeline, "phase")[1] + RATE  # inside the first exhale
    assert plan.slower()
    assert [c.seconds for c in plan.played_timeline().cues if c.kind == "phase"] == [4.0, 6.0] + [4.6, 6.9] * 5
    assert plan.faster()
    assert [c.seconds for c in plan.played_timeline().cues if c.kind == "phase"] == [4.0, 6.0] * 6


def test_faster_stops_at_its_limit():
    plan = LivePlan(breathing_timeline(exercises.PATTERNS["extended_exhale"], words_at_two_a_second, cycles=6),
                    words_at_two_a_second)
    assert [plan.faster() for _ in range(5)] == [True, True, True, False, False]


def test_stop_cuts_what_sounds_with_a_fade_and_ends_there():
    plan = LivePlan(breathing_timeline(exercises.PATTERNS["extended_exhale"], words_at_two_a_second, cycles=3),
                    words_at_two_a_second)
    _play(plan, 8.0)  # in the first inhale
    at = plan.position
    assert plan.stop()
    cut = [i for i in plan.items if i.cue.until is not None]
    assert cut and all(i.end <= at + sample_of(pacer.FADE_SECONDS) for i in plan.items)
    assert plan.end == max(i.end for i in plan.items)


def test_an_acknowledgement_and_a_skip_plan_the_same_lines_in_either_order():
    script = exercises.get_script("movement")
    orders = []
    for first_say in (True, False):
        plan = LivePlan(grounding_timeline(script, words_at_two_a_second), words_at_two_a_second)
        _play(plan, 6.0)  # the first step's line is being said
        if first_say:
            plan.say(wording.COMMAND_ACKS["skip"])
            plan.skip()
        else:
            plan.skip()
            plan.say(wording.COMMAND_ACKS["skip"])
        orders.append([c.text for c in plan.played_timeline().cues if c.t >= 6.0])
    assert orders[0] == orders[1] == [wording.COMMAND_ACKS["skip"], *(s.line for s in script.steps[1:]),
                                      script.closing]


def test_repeat_while_breathing_says_the_last_line_again_without_moving_the_rhythm():
    timeline = breathing_timeline(exercises.PATTERNS["extended_exhale"], words_at_two_a_second, cycles=4)
    plan = LivePlan(timeline, words_at_two_a_second)
    plan.position = _starts(timeline, "phase")[0] + sample_of(2.0)  # halfway through the first inhale
    before = [c for c in plan.played_timeline().cues if c.kind == "phase"]
    assert plan.repeat()
    after = plan.played_timeline()
    assert [c for c in after.cues if c.kind == "phase"] == before
    assert [c.text for c in after.cues if sample_of(c.t) == plan.position] == ["Breathe in"]


def test_the_current_phase_and_its_progress():
    timeline = breathing_timeline(exercises.PATTERNS["extended_exhale"], words_at_two_a_second, cycles=2)
    plan = LivePlan(timeline, words_at_two_a_second)
    assert plan.current_phase() is None  # the intro is being said
    plan.position = _starts(timeline, "phase")[0] + 2 * RATE  # 2 s into the 4 s inhale
    cue, progress = plan.current_phase()
    assert cue.phase == "inhale" and progress == 0.5


def test_the_plan_never_sleeps_or_makes_sound():
    source = inspect.getsource(pacer)
    assert not re.search(r"\bsleep\(", source)
    assert not re.search(r"^(?:from|import) (?:numpy|assistant\.audio|assistant\.speech)", source, re.MULTILINE)
