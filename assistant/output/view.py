"""A live terminal view of a running exercise: the phase, its seconds left, and a breathing bar.

For a partner who would rather look than listen. Receives the Pacer (read-only). Emits nothing but the
terminal line; when stdout is not a terminal it prints each spoken line and phase change once instead.
"""

from __future__ import annotations

import sys
from typing import Any, Self

_WIDTH = 30
"""Characters of the breathing bar at full breath."""
_LABELS = {"inhale": "breathe in", "sigh_inhale": "a little more", "hold": "hold", "exhale": "breathe out",
           "hold_out": "rest"}


def bar(phase: str, progress: float, width: int = _WIDTH) -> str:
    """The bar fills while breathing in, empties while breathing out, stays while holding."""
    if phase in ("inhale", "sigh_inhale"):
        filled = progress
    elif phase == "exhale":
        filled = 1.0 - progress
    elif phase == "hold":
        filled = 1.0
    else:
        filled = 0.0
    n = round(max(0.0, min(1.0, filled)) * width)
    return "█" * n + "·" * (width - n)


class SessionView:
    """Context manager: `update(pacer)` redraws; lines said are printed as they start."""

    def __init__(self, out: Any = None) -> None:
        self._out = out or sys.stdout
        self._live = None
        self._last_phase: str | None = None

    def __enter__(self) -> Self:
        if self._out.isatty():
            # deferred: rich.live, ~20-60 ms after `listen`'s modules (-X importtime): only a terminal needs it
            from rich.live import Live

            self._live = Live("", refresh_per_second=12, transient=True)
            self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.__exit__(None, None, None)

    def update(self, pacer: Any, lines: bool = True) -> None:
        """Redraw the phase; with `lines`, also print the lines that started (drains the pacer's events)."""
        if lines:
            for event in pacer.drain_events():
                if event.kind == "start" and event.cue.kind == "say":
                    self._print(f"  “{event.cue.text}”")
        current = pacer.current_phase()
        if current is None:
            if self._live is not None:
                self._live.update("")
            return
        cue, progress = current
        left = cue.seconds * (1.0 - progress)
        line = f"{_LABELS.get(cue.phase, cue.phase):>13}  {bar(cue.phase, progress)}  {left:4.1f} s"
        if self._live is not None:
            self._live.update(line)
        elif cue.phase != self._last_phase or progress < 0.05 and self._last_phase is None:
            self._print(f"{_LABELS.get(cue.phase, cue.phase)} ({cue.seconds:g} s)")
        self._last_phase = cue.phase

    def _print(self, text: str) -> None:
        if self._live is not None:
            self._live.console.print(text)
        else:
            print(text, file=self._out, flush=True)
