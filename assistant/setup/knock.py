"""The knock signal set up: the couple's agreed knock or clap pattern, from takes of it.

Receives a few seconds of audio per take (recorded now with `run_knock_spoken`, or read from files). Emits
the `KnockPattern` the listener's knock detector (`audio/knock.py`) will wait for.
"""

from __future__ import annotations

import sys
from typing import TextIO

import numpy as np

from assistant.audio.knock import KnockDetector, KnockPattern, pattern_from_takes
from assistant.hearing.recognizer import SAMPLE_RATE
from assistant.setup.live_io import LiveIO

KNOCK_INTRO = ("Now the knock. Agree on a pattern, say two knocks on the table, and knock it each time I ask, "
               "the same way.")
KNOCK_NOW = "Knock it now."
KNOCK_TAKES = 3
KNOCK_SECONDS = 4.0
"""How long each knock take is listened to."""


def knock_pattern_from(clips: list[np.ndarray]):
    """The couple's knock pattern (`KnockPattern`) from takes of it (16 kHz int16, each a few seconds), each
    heard with quiet around it as the listener hears it. Raises ValueError with what to try."""
    takes = []
    for clip in clips:
        detector = KnockDetector(KnockPattern(level_db=0.0))  # level: measured here, set from these takes
        pad = np.zeros(SAMPLE_RATE, np.int16)
        detector.process(np.concatenate([pad, np.asarray(clip, np.int16), pad]))
        detector.flush()
        takes.append(detector.knocks)
    return pattern_from_takes(takes)


def run_knock_spoken(config, input_device: str | None, output_device: str | None,
                     out: TextIO = sys.stdout) -> list[np.ndarray]:
    """The knock step on the real microphone and speaker: KNOCK_TAKES clips of the couple's knock (in
    memory only)."""
    io = LiveIO(config, input_device, output_device, out)
    try:
        io.start([KNOCK_INTRO, KNOCK_NOW])
        io.say(KNOCK_INTRO)
        clips = []
        for k in range(KNOCK_TAKES):
            io.say(KNOCK_NOW)
            print(f"listening: knock, take {k + 1} of {KNOCK_TAKES}", file=out, flush=True)
            clips.append(io.record(KNOCK_SECONDS))
        return clips
    finally:
        io.close()


__all__ = [
    "KNOCK_INTRO",
    "KNOCK_NOW",
    "KNOCK_SECONDS",
    "KNOCK_TAKES",
    "knock_pattern_from",
    "run_knock_spoken",
]
