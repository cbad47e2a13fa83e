"""Breathing patterns, grounding scripts, tempo changes, custom patterns from config, and the wording."""

from __future__ import annotations

import re

import pytest

from assistant.config import ConfigError, parse_config
from assistant.session import exercises, wording
from assistant.session.exercises import PATTERNS, PatternError, Phase, cycles_for, faster, get_pattern, slower


def _phases(pattern: exercises.BreathingPattern) -> list[tuple[str, float]]:
    return [(p.name, p.seconds) for p in pattern.phases]


def test_the_built_in_patterns_have_the_documented_phases():
    assert _phases(PATTERNS["extended_exhale"]) == [("inhale", 4.0), ("exhale", 6.0)]
    assert _phases(PATTERNS["coherent"]) == [("inhale", 5.5), ("exhale", 5.5)]
    assert _phases(PATTERNS["box"]) == [("inhale", 4.0), ("hold", 4.0), ("exhale", 4.0), ("hold_out", 4.0)]
    assert _phases(PATTERNS["4-7-8"]) == [("inhale", 4.0), ("hold", 7.0), ("exhale", 8.0)]
    assert _phases(PATTERNS["cyclic_sighing"]) == [("inhale", 2.5), ("sigh_inhale", 1.0), ("exhale", 6.0)]


def test_the_default_pattern_is_the_gentle_extended_exhale_without_holds():
    default = get_pattern(exercises.DEFAULT_PATTERN)
    assert default.name == "extended_exhale"
    assert not default.has_long_hold


def test_only_4_7_8_has_a_long_hold_so_long_holds_come_only_when_chosen_by_name():
    assert [name for name, p in PATTERNS.items() if p.has_long_hold] == ["4-7-8"]


def test_minutes_become_whole_cycles_and_cycles_win_when_given():
    pattern = PATTERNS["extended_exhale"]  # 10 s a cycle
    assert cycles_for(pattern, minutes=5) == 30
    assert cycles_for(pattern, cycles=3) == 3
    assert cycles_for(pattern) == pattern.default_cycles
    with pytest.raises(ValueError, match="not both"):
        cycles_for(pattern, cycles=3, minutes=1)


def test_slower_lengthens_every_phase_by_fifteen_percent_and_faster_undoes_it():
    pattern = PATTERNS["extended_exhale"]
    assert _phases(slower(pattern)) == [("inhale", 4.6), ("exhale", 6.9)]
    assert _phases(faster(slower(pattern))) == _phases(pattern)


def test_faster_never_makes_an_exhale_shorter_than_three_seconds():
    pattern = PATTERNS["box"]
    for _ in range(10):
        pattern = faster(pattern)
    assert pattern.tempo_steps == -exercises.MAX_TEMPO_STEPS
    assert min(p.seconds for p in pattern.phases if p.name == "exhale") >= exercises.MIN_EXHALE_SECONDS


def test_slower_is_bounded_and_never_stretches_a_gentle_hold_past_five_seconds():
    box = PATTERNS["box"]
    for _ in range(10):
        box = slower(box)
    assert box.tempo_steps == exercises.MAX_TEMPO_STEPS
    assert max(p.seconds for p in box.phases if p.name.startswith("hold")) == exercises.LONG_HOLD_SECONDS
    assert box.phases[0].seconds == round(4 * 1.15**3, 1)


def test_a_pattern_chosen_for_its_long_hold_keeps_scaling_its_hold():
    assert slower(PATTERNS["4-7-8"]).phases[1].seconds == 8.0  # 7 s * 1.15, rounded to 0.1 s


def test_every_grounding_step_gives_time_to_do_it():
    assert set(exercises.SCRIPTS) == {"senses", "movement", "temperature", "weighted"}
    for script in exercises.SCRIPTS.values():
        assert script.steps, script.name
        for step in script.steps:
            assert step.pause_seconds >= 8.0, step.line


def test_the_senses_script_counts_down_from_five_to_one():
    lines = [step.line.lower() for step in exercises.get_script("senses").steps]
    for line, count in zip(lines, ("five", "four", "three", "two", "one"), strict=True):
        assert count in line


@pytest.mark.parametrize(("written", "name"), [("extended-exhale", "extended_exhale"),
                                               ("Extended Exhale", "extended_exhale"),
                                               ("cyclic-sighing", "cyclic_sighing"), ("4_7_8", "4-7-8"),
                                               ("4 7 8", "4-7-8"), ("Box", "box")])
def test_a_pattern_written_with_hyphens_spaces_or_capitals_is_the_listed_one(written: str, name: str):
    assert get_pattern(written) is PATTERNS[name]
    assert parse_config(f'[session]\npattern = "{written}"\n').session.pattern == name


def test_a_grounding_script_written_another_way_is_the_listed_one():
    assert exercises.get_script("Senses") is exercises.SCRIPTS["senses"]
    assert parse_config('[session]\ngrounding = " Movement "\n').session.grounding == "movement"


def test_a_custom_pattern_with_spaces_in_its_name_can_be_chosen_with_hyphens():
    config = parse_config('[session]\npattern = "long-out"\n'
                          '[session.patterns."long out"]\nphases = [["inhale", 4], ["exhale", 8]]\n')
    assert config.session.pattern == "long out"
    custom = exercises.parse_patterns(config.session.patterns)
    assert _phases(get_pattern("long_out", custom)) == [("inhale", 4.0), ("exhale", 8.0)]


def test_a_name_that_is_no_pattern_is_still_refused_with_the_choices():
    with pytest.raises(KeyError, match="extended_exhale"):
        get_pattern("extended-inhale")


def test_a_phase_name_outside_the_list_is_refused():
    with pytest.raises(PatternError, match="'exale' is not a phase"):
        Phase("exale", 6)


def test_a_custom_pattern_from_config_can_be_chosen_by_name():
    config = parse_config('[session]\npattern = "slow"\n'
                          '[session.patterns.slow]\nphases = [["inhale", 4], ["hold", 2], ["exhale", 7]]\n'
                          'cycles = 5\n')
    assert config.session.pattern == "slow"
    custom = exercises.parse_patterns(config.session.patterns)
    assert _phases(get_pattern("slow", custom)) == [("inhale", 4.0), ("hold", 2.0), ("exhale", 7.0)]
    assert get_pattern("slow", custom).default_cycles == 5


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[session.patterns.slow]\nphases = [["inhale", 4], ["exale", 6]]',
         ('session.patterns.slow.phases[1]: "exale" is not a phase; '
          'use inhale, sigh_inhale, hold, exhale, hold_out')),
        ('[session.patterns.slow]\nphases = [["inhale", 4], ["exhale", "six"]]',
         "session.patterns.slow.phases[1]: seconds must be a number, got 'six'"),
        ('[session.patterns.slow]\nphases = [["inhale", 40], ["exhale", 6]]',
         "session.patterns.slow.phases[0]: inhale of 40.0 s is outside 0.5..30 seconds"),
        ('[session.patterns.slow]\nphases = [["inhale", 4, 2], ["exhale", 6]]',
         "session.patterns.slow.phases[0]: expected a [phase, seconds] pair"),
        ('[session.patterns.slow]\nphases = [["inhale", 4], ["hold", 2]]',
         "session.patterns.slow.phases: a pattern needs at least one inhale and one exhale"),
        ('[session.patterns.slow]\nphases = []',
         "session.patterns.slow.phases: give a list of [phase, seconds] pairs"),
        ('[session.patterns.slow]\nphase = [["inhale", 4], ["exhale", 6]]',
         "session.patterns.slow.phase: unknown key; known keys here are phases, cycles, description"),
        ('[session.patterns.slow]\nphases = [["inhale", 4], ["exhale", 6]]\ncycles = 0',
         "session.patterns.slow.cycles: expected a whole number of 1 or more, got 0"),
        ('[session]\npattern = "nope"',
         "session.pattern: 'nope' is not a pattern; use one of extended_exhale"),
        ('[session]\ngrounding = "dance"', "session.grounding: 'dance' is not a grounding script"),
        ('[session]\nminutes = 0', "session.minutes: 0.0 is outside 0..60"),
        ('[session]\ntempo = 2', "session.tempo: unknown key"),
    ],
)
def test_a_bad_session_config_names_the_key_and_the_fix(toml, message):
    with pytest.raises(ConfigError) as caught:
        parse_config(toml)
    assert str(caught.value).startswith(message)


def test_grounding_can_be_turned_off_with_an_empty_name():
    assert parse_config('[session]\ngrounding = ""').session.grounding == ""


def test_every_command_has_an_acknowledgement_and_spoken_phrases():
    assert set(wording.COMMAND_ACKS) == set(wording.COMMAND_PHRASES) == {"stop", "skip", "slower", "faster",
                                                                         "repeat"}
    assert "that's enough" in wording.COMMAND_PHRASES["stop"]


def test_the_acknowledgement_starts_with_a_short_word_so_sound_comes_quickly():
    first_word = wording.PAUSE_ACK.split()[0].strip(".,")
    assert len(first_word) <= 4
    assert len(wording.PAUSE_ACK.split()) <= 6


def test_no_spoken_line_blames_or_orders():
    blaming = re.compile(r"\b(you always|you never|your fault|calm down|should have|must)\b", re.IGNORECASE)
    for line in wording.all_lines():
        assert not blaming.search(line), line


def test_no_spoken_line_copies_eight_words_in_a_row_from_the_seed_text(shared_dir):
    def words(text: str) -> list[str]:
        return re.findall(r"[a-z']+", text.lower().replace("\u2019", "'"))

    seed = words((shared_dir / "seed" / "when-trust-breaks.txt").read_text(encoding="utf-8"))
    seed_runs = {tuple(seed[i:i + 8]) for i in range(len(seed) - 7)}
    for line in wording.all_lines():
        w = words(line)
        assert not any(tuple(w[i:i + 8]) in seed_runs for i in range(len(w) - 7)), line




