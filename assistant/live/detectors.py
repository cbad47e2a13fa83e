"""What the live loop listens with: the pause word, commands, reconnection phrases, "make a commitment" and
the knock, each a detector on the microphone's clock."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.audio.knock import KnockDetector
from assistant.hearing.detector import PauseWordDetector


@dataclass
class Detectors:
    """The spotters the live loop switches between; all share the microphone's clock."""

    pause: PauseWordDetector
    """The pause word, while listening and quiet."""
    commands: PauseWordDetector
    """stop, skip, slower, faster, repeat: during a session, even while the assistant speaks."""
    reconnect: PauseWordDetector | None = None
    """next, repeat, we're done, ten more minutes: while prompts are read."""
    knock: KnockDetector | None = None
    """The agreed knock or clap pattern (listener.signals holds "knock"): heard when the pause word is."""
    commit: PauseWordDetector | None = None
    """"make a commitment", while listening and quiet: a commitment is made now (`live/commitments.py`)."""

    def all(self) -> list[PauseWordDetector]:
        return [d for d in (self.pause, self.commands, self.reconnect, self.commit) if d is not None]


__all__ = ["Detectors"]
