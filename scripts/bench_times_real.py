#!/usr/bin/env python3
"""Spoken answers by real people, from the only real recordings these machines have (../shared/real-negatives):
real speech that holds no time must never be read back as one, and a real speaker's digit said alone ("seven")
is a clock time the dialog should hear.

    .venv/bin/python scripts/bench_times_real.py [--shared ../shared] [--digits 150]

- ljspeech: every clip (read sentences, no times in them; a sentence that names a time would count as WRONG
  only if a different time is read back): refused / WRONG (a time read back);
- digits: 1-9 said alone by the Free Spoken Digit Dataset's speakers, answered to "when?" (offers at 10:30
  as listen makes them): right (that hour read back), again, WRONG.
"""

from __future__ import annotations

import argparse
import collections
import sys
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.audio.files import read_audio
from assistant.hearing.answers import hear_time
from assistant.hearing.whisper import shared_recogniser
from assistant.session.choices import offered_choices
from assistant.timeparse import NotUnderstood, parse_resume_time

NOW = datetime.fromisoformat("2026-11-27T10:30:00+00:00")


def read_back(heard):
    if not heard.sure:
        return None
    result = parse_resume_time(heard.words, NOW, min_break=timedelta(minutes=20), max_break=timedelta(hours=48))
    return None if isinstance(result, NotUnderstood) else result.resume_at


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--digits", type=int, default=150, help="digit clips (1-9) to try, spread over speakers")
    args = parser.parse_args()
    recogniser = shared_recogniser()
    offers = [c.phrase for c in offered_choices(NOW)]
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for path in sorted((args.shared / "real-negatives" / "ljspeech").glob("*.flac")):
        heard = hear_time(recogniser, read_audio(path), offers)
        at = read_back(heard)
        counts["ljspeech"]["right" if at is None else "WRONG"] += 1
        if at is not None:
            print(f"  WRONG ljspeech {path.name}: {heard.transcript!r} -> {heard.words!r} ({at:%a %H:%M})")
    digits = sorted(p for p in (args.shared / "real-negatives" / "digits").glob("*.flac") if p.name[0] != "0")
    step = max(1, len(digits) // args.digits)
    for path in digits[::step][: args.digits]:
        hour = int(path.name[0])
        heard = hear_time(recogniser, read_audio(path), offers)
        at = read_back(heard)
        outcome = "again" if at is None else ("right" if at.hour % 12 == hour % 12 and at.minute == 0 else "WRONG")
        counts["digits"][outcome] += 1
        if outcome == "WRONG":
            print(f"  WRONG digit {path.name}: {heard.transcript!r} -> {heard.words!r} ({at:%a %H:%M})")
    for kind, c in counts.items():
        n = sum(c.values())
        print(f"{kind:9} {n:4} clips: " + ", ".join(f"{o} {c[o] / n:6.1%}" for o in ("right", "again", "WRONG")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
