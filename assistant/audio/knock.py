"""The knock (or clap) signal: an agreed pattern of sharp sounds heard on the audio clock.

Receives 16 kHz int16 frames of any length. Emits `SignalHeard(signal="knock")` when the agreed number of
sharp sounds arrives with the agreed gaps between them (within a tolerance), each well above the room's
recent background, and no other sharp sound just before or just after the pattern.

A sharp sound is told from speech by its shape, in 5 ms steps over eight frequency bands (100 Hz - 8 kHz):
its level jumps in many bands at once (a spectral-flux onset), it is loudest within 15 ms of that onset
(speech grows into its vowel), and 50-100 ms after it has fallen far back in the bands where it rose (a
syllable holds its level that long). Pure logic: numpy only, no devices, no files; the same result for any frame size, at about 1 % of
real time.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view as windows

from assistant.events import SignalHeard

SAMPLE_RATE = 16000
HOP_SAMPLES = 80
"""5 ms: fine enough to see a knock's attack, coarse enough to cost next to nothing."""
_HOP_S = HOP_SAMPLES / SAMPLE_RATE
_FRAME = 2 * HOP_SAMPLES
"""Each hop's spectrum is taken over the last 10 ms (Hann window)."""
_BANDS = 8
_EDGES_HZ = np.geomspace(100.0, 8000.0, _BANDS + 1)
_FLOOR_POWER = 100.0
"""Power (int16 units squared) under which a band counts as silent: digital silence is not a level."""
_RISE_DB = 6.0
"""A band "rises" when it is this much above its loudest level 10-40 ms before."""
_REF_HOPS = (8, 2)
"""The level a sharp sound rises from: hops i-8 .. i-3 (the hop just before may hold half of the attack)."""
_LOCAL_HOPS = 3
"""A knock's onset is the strongest flux within +-15 ms."""
_PEAK_HOPS = 3
"""A knock is loudest within 15 ms of its onset..."""
_PEAK_FIRST_DB = 1.0
"""...and nothing in the next 100 ms comes within this of that peak (speech grows into its vowel)."""
_DECAY_HOPS = (10, 21)
"""Where its fall is measured: 50-105 ms after the peak."""
_CONTEXT = _REF_HOPS[0] + _DECAY_HOPS[1] + 1
_GROUP_HOPS = 16
"""The background follows the quietest hop of every 80 ms..."""
_BG_DOWN = 0.5
"""...down at once (within about 160 ms)..."""
_BG_UP = 0.03
"""...and up slowly (about 2.7 s): it settles on the room's floor between words and sounds."""
SIGNAL = "knock"


def _band_matrix() -> np.ndarray:
    freqs = np.fft.rfftfreq(_FRAME, 1 / SAMPLE_RATE)
    m = np.stack([(freqs >= lo) & (freqs < hi) for lo, hi in itertools.pairwise(_EDGES_HZ)])
    return (m / m.sum(axis=1, keepdims=True)).T  # (bins, bands): mean power per band


_TO_BANDS = _band_matrix()
_WINDOW = np.hanning(_FRAME)


@dataclass(frozen=True)
class KnockPattern:
    """The agreed signal: how many sharp sounds, how far apart, how loud.

    | field          | meaning                                                                   |
    |----------------|---------------------------------------------------------------------------|
    | `gaps_s`       | seconds between successive knocks: (0.3,) is two knocks, (0.3, 0.3) three |
    | `tolerance`    | a gap may differ from the agreed one by this fraction (0.35 = 35 %)        |
    | `level_db`     | each knock must stand this many dB above the room's recent background      |
    | `sensitivity`  | 0..1: higher accepts softer onsets and slower decays (more false alarms)   |
    """

    gaps_s: tuple[float, ...] = (0.3,)
    tolerance: float = 0.35
    level_db: float = 10.0
    sensitivity: float = 0.5

    def __post_init__(self) -> None:
        if not self.gaps_s or not all(0.1 <= g <= 2.0 for g in self.gaps_s):
            raise ValueError("knock gaps must be 0.1..2 seconds each, at least one (two knocks)")
        if not 0.05 <= self.tolerance <= 0.6:
            raise ValueError("knock tolerance must be 0.05..0.6 (a fraction of each gap)")
        if not 0.0 <= self.sensitivity <= 1.0:
            raise ValueError("knock sensitivity must be 0..1")

    @property
    def flux_db(self) -> float:
        """Mean rise over the eight bands a knock needs (6 dB at sensitivity 0.5)."""
        return 9.0 - 6.0 * self.sensitivity

    @property
    def fall_db(self) -> float:
        """How far it must have fallen 50-100 ms after its peak, in the bands where it rose (5 dB at 0.5)."""
        return 7.0 - 4.0 * self.sensitivity

    @property
    def guard_s(self) -> float:
        """Quiet (of other sharp sounds) wanted before the first knock and after the last: a longer
        clatter is not the signal."""
        return max(0.6, 2.0 * max(self.gaps_s))


@dataclass(frozen=True, slots=True)
class Knock:
    """One sharp sound that passed the shape test (for set-up and tests)."""

    start_s: float
    """Seconds of audio at its onset."""
    end_s: float
    """Seconds of audio where its fall was measured (its end, for reporting)."""
    level_db: float
    """How far it stood above the room's recent background, in dB."""


class KnockDetector:
    """Hears the agreed knock pattern in a stream.

    | want                        | do                                                          |
    |-----------------------------|-------------------------------------------------------------|
    | detections as audio arrives | `for e in det.process(frame): ...`                          |
    | end of a file               | `det.flush()`                                               |
    | skip audio (own voice)      | `det.mute_for(seconds)`; the clock keeps running            |
    | the single knocks seen      | `det.knocks` (every sharp sound, pattern or not)            |
    """

    def __init__(self, pattern: KnockPattern | None = None) -> None:
        self.pattern = pattern or KnockPattern()
        self.knocks: list[Knock] = []
        self._samples = 0
        self._tail = np.zeros(HOP_SAMPLES)
        """The last hop's samples (a frame spans two hops) followed by any part-hop not yet analysed."""
        self._levels = np.zeros((0, _BANDS))
        """Band levels (dB) of the hops still needed as context; row 0 is hop `_first`."""
        self._loudness = np.zeros(0)
        self._first = 0
        self._next = _REF_HOPS[0]
        """The next hop to judge (it needs 8 hops before it and 21 after)."""
        self._bg = None
        self._bg_of_group: dict[int, float] = {}
        self._group_min = np.inf
        self._train: list[Knock] = []
        """Recent knocks that may still be part of a pattern."""
        self._muted_until = 0

    @property
    def audio_seconds(self) -> float:
        return self._samples / SAMPLE_RATE

    def mute_for(self, seconds: float) -> None:
        """Hear the next `seconds` of audio as silence (its clock runs on), and forget a pattern under way."""
        self._muted_until = max(self._muted_until, self._samples + round(seconds * SAMPLE_RATE))
        self._train.clear()

    def process(self, frame: np.ndarray) -> list[SignalHeard]:
        x = np.asarray(frame, dtype=np.int16).astype(np.float64)
        start = self._samples
        self._samples += len(x)
        if start < self._muted_until:
            x[:self._muted_until - start] = 0.0  # heard as silence: levels, background and clock carry on
        buffer = np.concatenate([self._tail, x])
        hops = (len(buffer) - HOP_SAMPLES) // HOP_SAMPLES
        if hops <= 0:
            self._tail = buffer
            return []
        frames = np.lib.stride_tricks.sliding_window_view(buffer[:(hops + 1) * HOP_SAMPLES], _FRAME)[::HOP_SAMPLES]
        power = np.abs(np.fft.rfft(frames * _WINDOW, axis=1)) ** 2 / _FRAME
        self._tail = buffer[hops * HOP_SAMPLES:]
        self._add(10.0 * np.log10(power @ _TO_BANDS + _FLOOR_POWER),
                  10.0 * np.log10(power.mean(axis=1) + _FLOOR_POWER))
        return self._judge_ready(final=False)

    def flush(self) -> list[SignalHeard]:
        """End of the stream: a pattern waiting for its after-guard is decided now."""
        return self._decide(self._first + len(self._levels), final=True)

    # -- levels and background ------------------------------------------------------------------------------
    def _add(self, levels: np.ndarray, loudness: np.ndarray) -> None:
        hop = self._first + len(self._levels)
        for value in loudness.tolist():  # one comparison per 5 ms; a background step per 80 ms
            self._group_min = min(self._group_min, value)
            hop += 1
            if hop % _GROUP_HOPS == 0:
                if self._bg is None:
                    self._bg = self._group_min
                rate = _BG_DOWN if self._group_min < self._bg else _BG_UP
                self._bg += rate * (self._group_min - self._bg)
                self._bg_of_group[hop // _GROUP_HOPS] = self._bg
                self._group_min = np.inf
        self._levels = np.concatenate([self._levels, levels])
        self._loudness = np.concatenate([self._loudness, loudness])

    def _background(self, hop: int) -> float:
        """The background as it stood before `hop`'s 80 ms group (the knock itself never raises it)."""
        group = hop // _GROUP_HOPS
        known = [g for g in (group, group - 1) if g in self._bg_of_group]
        return self._bg_of_group[known[0]] if known else float(self._loudness.min(initial=0.0))

    # -- the shape test -------------------------------------------------------------------------------------
    def _judge_ready(self, final: bool) -> list[SignalHeard]:
        """Judge every hop whose context (40 ms before, 105 ms after) has arrived, then trim the history."""
        levels, first = self._levels, self._first
        last = first + len(levels) - _DECAY_HOPS[1] - _LOCAL_HOPS  # judge hops up to here
        if last > self._next:
            idx = np.arange(self._next, last) - first  # rows of `levels`
            ref = windows(levels, _REF_HOPS[0] - _REF_HOPS[1], axis=0)[idx - _REF_HOPS[0]].max(axis=2)
            rise = levels[idx] - ref
            flux_all = np.maximum(levels[_REF_HOPS[0]:] - windows(levels, _REF_HOPS[0] - _REF_HOPS[1], axis=0)
                                  [:len(levels) - _REF_HOPS[0]].max(axis=2), 0.0).mean(axis=1)
            flux = flux_all[idx - _REF_HOPS[0]]
            near = windows(np.pad(flux_all, _LOCAL_HOPS, constant_values=-1.0), 2 * _LOCAL_HOPS + 1)
            strongest = near[idx - _REF_HOPS[0]].max(axis=1)
            onset = (flux >= self.pattern.flux_db) & (flux >= strongest) & ((rise >= _RISE_DB).sum(axis=1) >= 2)
            for row in idx[onset].tolist():
                self._shape(row, rise[row - idx[0]])
            self._next = last
        keep = self._next - _REF_HOPS[0] - _LOCAL_HOPS - 1
        if keep > first:
            self._levels, self._loudness = self._levels[keep - first:], self._loudness[keep - first:]
            self._first = keep
            for group in [g for g in self._bg_of_group if g < keep // _GROUP_HOPS - 1]:
                del self._bg_of_group[group]
        return self._decide(self._next, final)

    def _shape(self, row: int, rise: np.ndarray) -> None:
        hop = self._first + row
        if self._train and hop * _HOP_S - self._train[-1].start_s < 0.1:
            return  # the same sound's ringing
        rose = rise >= _RISE_DB
        after = self._levels[row + _DECAY_HOPS[0]:row + _DECAY_HOPS[1]]
        tail = 10.0 * np.log10(np.mean(10.0 ** (after / 10.0), axis=0))
        if float(np.mean((self._levels[row] - tail)[rose])) < self.pattern.fall_db:
            return  # it holds its level: speech or a long sound
        peak = float(self._loudness[row:row + _PEAK_HOPS].max())
        if float(self._loudness[row + _PEAK_HOPS + 1:row + _DECAY_HOPS[1]].max()) > peak - _PEAK_FIRST_DB:
            return  # it grows louder after its start: a syllable's vowel, not a knock's ring-out
        above = float(self._loudness[row] - self._background(hop))
        if above < self.pattern.level_db:
            return
        knock = Knock(hop * _HOP_S, (hop + _DECAY_HOPS[0]) * _HOP_S, round(above, 1))
        self.knocks.append(knock)
        self._train.append(knock)

    # -- the pattern ----------------------------------------------------------------------------------------
    def _decide(self, judged_hop: int, final: bool) -> list[SignalHeard]:
        """Match the train of recent knocks against the pattern once it can no longer grow."""
        if not self._train:
            return []
        pattern = self.pattern
        if not final and judged_hop * _HOP_S - self._train[-1].start_s < pattern.guard_s:
            return []  # the train may still grow
        train, self._train = self._train, []
        if len(train) != len(pattern.gaps_s) + 1:
            return []  # one knock, or a clatter
        gaps = [b.start_s - a.start_s for a, b in itertools.pairwise(train)]
        if not all(abs(g - want) <= pattern.tolerance * want for g, want in zip(gaps, pattern.gaps_s, strict=True)):
            return []
        return [SignalHeard(t_ms=round(self.audio_seconds * 1000), signal=SIGNAL,
                            start_ms=round(train[0].start_s * 1000), end_ms=round(train[-1].end_s * 1000))]


def pattern_from_takes(takes: list[list[Knock]], *, tolerance_floor: float = 0.25) -> KnockPattern:
    """The pattern the couple knocked: mean gaps over the takes, a tolerance covering their spread (at
    least `tolerance_floor`), and a level 6 dB under the softest knock (8..20 dB). Raises ValueError
    when the takes do not agree on the number of knocks."""
    counts = {len(t) for t in takes}
    if not takes or len(counts) != 1 or counts == {0} or counts == {1}:
        seen = ", ".join(str(len(t)) for t in takes) or "none"
        raise ValueError(f"the knock takes do not agree on a pattern of two or more knocks (heard {seen} knocks): "
                         "knock the same pattern each time, sharply, on something hard")
    gaps = np.array([[b.start_s - a.start_s for a, b in itertools.pairwise(t)] for t in takes])
    mean = gaps.mean(axis=0)
    spread = float(np.max(np.abs(gaps - mean) / mean)) if len(takes) > 1 else 0.0
    tolerance = min(0.6, max(tolerance_floor, 2.0 * spread))
    softest = min(k.level_db for t in takes for k in t)
    level = max(8.0, min(20.0, softest - 6.0))
    return KnockPattern(tuple(round(float(g), 3) for g in mean), round(tolerance, 2), round(level, 1))


__all__ = ["HOP_SAMPLES", "SAMPLE_RATE", "SIGNAL", "Knock", "KnockDetector", "KnockPattern", "pattern_from_takes"]
