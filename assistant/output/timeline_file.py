"""The timeline JSON file of DESIGN.md (`assistant breathe --timeline FILE`): a JSON list of cue objects."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

from assistant.session.pacer import RATE, Timeline


def write_timeline_json(timeline: Timeline, target: str | Path | IO[str]) -> None:
    """Write the DESIGN.md timeline contract: a JSON list of cue objects."""
    text = json.dumps(timeline.to_json(), indent=1) + "\n"
    if isinstance(target, (str, Path)):
        Path(target).write_text(text, encoding="utf-8")
    else:
        target.write(text)


def read_timeline_json(source: str | Path, rate: int = RATE) -> Timeline:
    """A timeline from its JSON (no plan: it plays and stops, but cannot be re-planned)."""
    return Timeline.from_json(json.loads(Path(source).read_text(encoding="utf-8")), rate)


__all__ = ["read_timeline_json", "write_timeline_json"]
