"""Breathing patterns and grounding scripts as plain data, plus tempo changes and config validation.

Why data: the pacer turns any pattern into a timeline the same way, so adding a pattern (or a couple's own,
from config.toml) never touches timing code. Long holds (over 5 s, as in 4-7-8) are used only when a pattern
that has them is chosen by name; tempo changes never stretch a gentle pattern's holds past that.

| name            | phases (seconds)                        | why                                      |
|-----------------|-----------------------------------------|------------------------------------------|
| extended_exhale | in 4, out 6                             | the gentle default: long out-breath      |
| coherent        | in 5.5, out 5.5                         | about 5.5 breaths a minute               |
| box             | in 4, hold 4, out 4, hold 4             | steady and countable                     |
| 4-7-8           | in 4, hold 7, out 8                     | long hold: only when asked for by name   |
| cyclic_sighing  | in 2.5, top-up in 1, out 6              | double inhale then a long sigh out       |
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from assistant.session import wording

PHASE_NAMES = ("inhale", "sigh_inhale", "hold", "exhale", "hold_out")
"""Every phase a pattern may use; holds are "hold" after an inhale and "hold_out" after an exhale."""
LONG_HOLD_SECONDS = 5.0
"""Holds longer than this can feel like air hunger when upset: only patterns chosen by name have them."""
MIN_EXHALE_SECONDS = 3.0
"""faster() never makes an exhale shorter than this: the long out-breath is what calms."""
MIN_PHASE_SECONDS = 0.5
MAX_PHASE_SECONDS = 30.0
TEMPO_STEP = 1.15
"""Each slower() lengthens every phase by 15 %; each faster() shortens by the same factor."""
MAX_TEMPO_STEPS = 3
"""At most three steps either way from the pattern's own pace."""
DEFAULT_PATTERN = "extended_exhale"
DEFAULT_SCRIPT = "senses"


class PatternError(ValueError):
    """A custom pattern is invalid; the message names the dotted config key and the fix."""


@dataclass(frozen=True)
class Phase:
    """One part of a breath."""

    name: str
    """One of PHASE_NAMES."""
    seconds: float
    """How long it lasts, in seconds."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "seconds", float(self.seconds))
        if self.name not in PHASE_NAMES:
            raise PatternError(f"{self.name!r} is not a phase; use {', '.join(PHASE_NAMES)}")
        if not MIN_PHASE_SECONDS <= self.seconds <= MAX_PHASE_SECONDS:
            raise PatternError(f"{self.name} of {self.seconds} s is outside "
                               f"{MIN_PHASE_SECONDS:g}..{MAX_PHASE_SECONDS:g} seconds")


@dataclass(frozen=True)
class BreathingPattern:
    """A named cycle of phases. `tempo_steps` counts slower() (+) and faster() (-) steps from `base`."""

    name: str
    phases: tuple[Phase, ...]
    default_cycles: int = 6
    """Cycles when neither cycles nor minutes are given."""
    description: str = ""
    tempo_steps: int = 0
    base: tuple[Phase, ...] = field(default=(), repr=False)
    """The phases at the pattern's own pace (filled in from `phases` when empty)."""

    def __post_init__(self) -> None:
        if not self.base:
            object.__setattr__(self, "base", self.phases)
        names = {p.name for p in self.phases}
        if not names & {"inhale", "sigh_inhale"} or "exhale" not in names:
            raise PatternError("a pattern needs at least one inhale and one exhale")
        if self.default_cycles < 1:
            raise PatternError(f"default cycles must be 1 or more, got {self.default_cycles}")

    @property
    def cycle_seconds(self) -> float:
        return sum(p.seconds for p in self.phases)

    @property
    def has_long_hold(self) -> bool:
        return any(p.name in ("hold", "hold_out") and p.seconds > LONG_HOLD_SECONDS for p in self.base)


def _pattern(name: str, phases: list[tuple[str, float]], cycles: int, description: str) -> BreathingPattern:
    return BreathingPattern(name, tuple(Phase(n, s) for n, s in phases), cycles, description)


PATTERNS: dict[str, BreathingPattern] = {
    p.name: p
    for p in (
        _pattern("extended_exhale", [("inhale", 4), ("exhale", 6)], 12,
                 "In for 4, out for 6: the gentle default."),
        _pattern("coherent", [("inhale", 5.5), ("exhale", 5.5)], 11,
                 "Even breaths, about five and a half a minute."),
        _pattern("box", [("inhale", 4), ("hold", 4), ("exhale", 4), ("hold_out", 4)], 8, "Four equal sides."),
        _pattern("4-7-8", [("inhale", 4), ("hold", 7), ("exhale", 8)], 4, "In 4, hold 7, out 8; long hold."),
        _pattern("cyclic_sighing", [("inhale", 2.5), ("sigh_inhale", 1), ("exhale", 6)], 13,
                 "Breathe in, top up with a second small breath, then a long sigh out."),
    )
}
"""The built-in patterns by name."""


def _name_key(name: str) -> str:
    return "_".join(re.split(r"[\s_-]+", name.strip().lower()))


def find_name(name: str, names: Iterable[str]) -> str | None:
    """The entry of `names` that `name` means, written with spaces, hyphens or underscores between its words
    and in any case ("extended exhale", "Extended-Exhale" -> "extended_exhale"; "4 7 8" -> "4-7-8"); an
    exact match wins. None when there is none."""
    names = list(names)
    if name in names:
        return name
    key = _name_key(name)
    return next((candidate for candidate in names if _name_key(candidate) == key), None)


def get_pattern(name: str, custom: dict[str, BreathingPattern] | None = None) -> BreathingPattern:
    """The pattern called `name` (see `find_name`), custom ones first; KeyError names the choices."""
    table = {**PATTERNS, **(custom or {})}
    found = find_name(name, reversed(table))  # reversed: a custom pattern wins over a built-in of that name
    if found is None:
        raise KeyError(f"no breathing pattern {name!r}; choose one of {', '.join(table)}")
    return table[found]


def cycles_for(pattern: BreathingPattern, cycles: int | None = None, minutes: float | None = None) -> int:
    """Cycles to breathe: `cycles` if given, else enough whole cycles to fill `minutes`, else the default."""
    if cycles is not None and minutes is not None:
        raise ValueError("give cycles or minutes, not both")
    if cycles is not None:
        if cycles < 1:
            raise ValueError(f"cycles must be 1 or more, got {cycles}")
        return cycles
    if minutes is not None:
        if minutes <= 0:
            raise ValueError(f"minutes must be more than 0, got {minutes}")
        return max(1, round(minutes * 60.0 / pattern.cycle_seconds))
    return pattern.default_cycles


def _scaled(phase: Phase, factor: float, allow_long_hold: bool) -> Phase:
    seconds = round(phase.seconds * factor, 1)
    if phase.name == "exhale":
        seconds = max(seconds, min(MIN_EXHALE_SECONDS, phase.seconds))
    if phase.name in ("hold", "hold_out") and not allow_long_hold:
        seconds = min(seconds, max(LONG_HOLD_SECONDS, phase.seconds))
    return Phase(phase.name, min(MAX_PHASE_SECONDS, max(MIN_PHASE_SECONDS, seconds)))


def with_tempo(pattern: BreathingPattern, tempo_steps: int) -> BreathingPattern:
    """The pattern `tempo_steps` steps slower (+) or faster (-) than its own pace (bounded)."""
    steps = max(-MAX_TEMPO_STEPS, min(MAX_TEMPO_STEPS, tempo_steps))
    factor = TEMPO_STEP ** steps
    phases = tuple(_scaled(p, factor, pattern.has_long_hold) for p in pattern.base)
    return replace(pattern, phases=phases, tempo_steps=steps)


def slower(pattern: BreathingPattern) -> BreathingPattern:
    """One step slower (every phase about 15 % longer); unchanged at the limit."""
    return with_tempo(pattern, pattern.tempo_steps + 1)


def faster(pattern: BreathingPattern) -> BreathingPattern:
    """One step quicker (about 15 % shorter), never an exhale under 3 s; unchanged at the limit."""
    return with_tempo(pattern, pattern.tempo_steps - 1)


_PATTERN_KEYS = ("phases", "cycles", "description")


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def parse_patterns(table: dict, prefix: str = "session.patterns") -> dict[str, BreathingPattern]:
    """Custom patterns from config (`[session.patterns.NAME] phases = [["inhale", 4], ["exhale", 6]]`).

    Raises PatternError whose message starts with the dotted key, e.g.
    `session.patterns.slow.phases[1]: "exale" is not a phase; use inhale, sigh_inhale, hold, exhale,
    hold_out`.
    """
    patterns: dict[str, BreathingPattern] = {}
    for name, body in table.items():
        key = f"{prefix}.{name}"
        if not isinstance(body, dict):
            raise PatternError(f'{key}: expected a table such as [{key}] '
                               'phases = [["inhale", 4], ["exhale", 6]]')
        for extra in body:
            if extra not in _PATTERN_KEYS:
                raise PatternError(f"{key}.{extra}: unknown key; known keys here are "
                                   f"{', '.join(_PATTERN_KEYS)}")
        phases_raw = body.get("phases")
        if not isinstance(phases_raw, list) or not phases_raw:
            raise PatternError(f'{key}.phases: give a list of [phase, seconds] pairs, e.g. [["inhale", 4], '
                               '["exhale", 6]]')
        phases = []
        for i, item in enumerate(phases_raw):
            where = f"{key}.phases[{i}]"
            if not (isinstance(item, list) and len(item) == 2):
                raise PatternError(f'{where}: expected a [phase, seconds] pair such as ["exhale", 6], '
                                   f'got {item!r}')
            phase_name, seconds = item
            if phase_name not in PHASE_NAMES:
                raise PatternError(f'{where}: "{phase_name}" is not a phase; use {", ".join(PHASE_NAMES)}')
            if not _number(seconds):
                raise PatternError(f"{where}: seconds must be a number, got {seconds!r}")
            try:
                phases.append(Phase(phase_name, float(seconds)))
            except PatternError as e:
                raise PatternError(f"{where}: {e}") from None
        cycles = body.get("cycles", 6)
        if isinstance(cycles, bool) or not isinstance(cycles, int) or cycles < 1:
            raise PatternError(f"{key}.cycles: expected a whole number of 1 or more, got {cycles!r}")
        description = body.get("description", "")
        if not isinstance(description, str):
            raise PatternError(f"{key}.description: expected text in quotes, got {description!r}")
        try:
            patterns[name] = BreathingPattern(name, tuple(phases), cycles, description)
        except PatternError as e:
            raise PatternError(f"{key}.phases: {e}") from None
    return patterns


@dataclass(frozen=True)
class GroundingStep:
    """One instruction and the quiet seconds given to carry it out."""

    line: str
    pause_seconds: float


@dataclass(frozen=True)
class GroundingScript:
    """An intro line, steps, and a closing line."""

    name: str
    intro: str
    steps: tuple[GroundingStep, ...]
    closing: str


SCRIPTS: dict[str, GroundingScript] = {
    name: GroundingScript(name, intro, tuple(GroundingStep(line, pause) for line, pause in steps), closing)
    for name, (intro, steps, closing) in wording.GROUNDING.items()
}
"""Grounding scripts by name: senses (5-4-3-2-1), movement, temperature, weighted."""


def get_script(name: str) -> GroundingScript:
    """The grounding script called `name` (see `find_name`); KeyError names the choices."""
    found = find_name(name, SCRIPTS)
    if found is None:
        raise KeyError(f"no grounding script {name!r}; choose one of {', '.join(SCRIPTS)}")
    return SCRIPTS[found]


__all__ = [
    "DEFAULT_PATTERN",
    "DEFAULT_SCRIPT",
    "LONG_HOLD_SECONDS",
    "MAX_PHASE_SECONDS",
    "MAX_TEMPO_STEPS",
    "MIN_EXHALE_SECONDS",
    "MIN_PHASE_SECONDS",
    "PATTERNS",
    "PHASE_NAMES",
    "SCRIPTS",
    "TEMPO_STEP",
    "BreathingPattern",
    "GroundingScript",
    "GroundingStep",
    "PatternError",
    "Phase",
    "cycles_for",
    "faster",
    "find_name",
    "get_pattern",
    "get_script",
    "parse_patterns",
    "slower",
    "with_tempo",
]
