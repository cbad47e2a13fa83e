"""The echo guard: could the assistant's own voice be in the microphone now?

Receives, on one sample clock, the moments the voice sounds. Answers `quiet(now)`: true once the voice has
been silent for a tail (the room's echo and the devices' latency), so what the microphone hears is not the
assistant itself. The live loop counts on the microphone's clock; set-up on the speaker's, with the player's
queue added to the tail.
"""

from __future__ import annotations

__all__ = ["EchoGuard"]


class EchoGuard:
    """Whether the assistant's own voice may still reach the microphone.

    | want                              | do                                                     |
    |-----------------------------------|--------------------------------------------------------|
    | the voice sounds at sample `now`  | `guard.sounding(now)`                                  |
    | may a partner be heard at `now`?  | `guard.quiet(now)`                                     |
    """

    def __init__(self, tail_seconds: float, rate: int, *, queued_samples: int = 0) -> None:
        self.tail_samples = round(tail_seconds * rate) + queued_samples
        """Samples after the voice last sounded during which its echo may still be heard."""
        self._quiet_from = 0

    def sounding(self, now: int) -> None:
        """The voice sounds at sample `now`: the microphone holds it until the tail has passed."""
        self._quiet_from = now + self.tail_samples

    def quiet(self, now: int) -> bool:
        return now >= self._quiet_from
