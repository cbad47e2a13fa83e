#!/usr/bin/env python3
"""Spoken answers while agreeing a resume time: how often the right thing is heard, asked again, or wrongly
taken, on clips rendered by `scripts/make_time_set.py` (or any corpus build's time phrases).

    .venv/bin/python scripts/bench_times.py --build ../time-set/test [--build ../time-set/tune] [--errors]
        [--baseline]

Every clip goes through what `listen` does with an answer (`assistant.speech.times.hear_time` with the
times offered at its `now`, or `hear_yes_no` for yes / no), then the dialog's rules: a time is read back
only when it was heard surely and parses. Per kind of clip:
- free / choice: exact (the right instant read back), asked again (refused or unsure), WRONG (another time
  read back: the error that matters);
- refuse (not a time): refused, WRONG (a time read back);
- yes / no: right, asked again, WRONG (a no taken for a yes, or a yes for a no).
`--baseline` scores the earlier path instead (the open time grammar alone, every answer taken as heard).
Prints the figures per kind and per voice.
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.answers import yes_or_no
from assistant.audio.files import read_audio
from assistant.speech import times
from assistant.timeparse import NotUnderstood, parse_now, parse_resume_time

OUTCOMES = ("right", "again", "WRONG")


def kind_of(clip: dict) -> str:
    if "kind" in clip:
        return clip["kind"]
    return "refuse" if clip["expected"] == "REJECT" else "free"


def outcome(clip: dict, baseline: bool) -> tuple[str, str]:
    """(right | again | WRONG, what was heard) for one clip."""
    audio = read_audio(clip["path"])
    kind, now = kind_of(clip), parse_now(clip["now"])
    if kind in ("yes", "no"):
        if baseline:
            words = times.transcribe_time(audio)
            answer = yes_or_no(words)
        else:
            heard = times.hear_yes_no(audio)
            words, answer = heard.words, (heard.words if heard.sure and heard.words in ("yes", "no") else None)
            if heard.sure and answer is None:
                return ("WRONG" if kind == "no" else "again"), f"a new time: {words}"
        if answer is None:
            return "again", words
        return ("right" if answer == kind else "WRONG"), words
    if baseline:
        words, sure = times.transcribe_time(audio), True
    else:
        choices = json.loads(clip.get("choices") or "[]")  # listen always offers them
        heard = times.hear_time(audio, choices)
        words, sure = heard.words, heard.sure
    result = parse_resume_time(words, now, min_break=timedelta(minutes=20), max_break=timedelta(hours=48))
    if not sure or isinstance(result, NotUnderstood):
        return ("right" if kind == "refuse" else "again"), words
    if kind == "refuse":
        return "WRONG", words
    return ("right" if result.resume_at == datetime.fromisoformat(clip["expected"]) else "WRONG"), words


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, action="append", required=True,
                        help="folder with manifest.json (time_phrases); may repeat")
    parser.add_argument("--errors", action="store_true", help="print every clip not heard right")
    parser.add_argument("--baseline", action="store_true", help="the open time grammar alone, no confidence")
    args = parser.parse_args()
    clips = []
    for build in args.build:
        for clip in json.loads((build / "manifest.json").read_text())["time_phrases"]:
            clips.append(clip | {"path": str(build / clip["wav"])})
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    by_voice: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    seconds = []
    for clip in clips:
        began = time.perf_counter()
        result, heard = outcome(clip, args.baseline)
        seconds.append(time.perf_counter() - began)
        kind = kind_of(clip)
        counts[kind][result] += 1
        voice = clip.get("voice", "?").split("@")[0]
        by_voice[voice][result] += 1
        if args.errors and result != "right":
            print(f"  {result:5} {kind:6} [{voice}] {clip['phrase']!r} heard {heard!r}")
    print(f"{len(clips)} clips from {', '.join(map(str, args.build))}"
          f"{' (baseline: open grammar, no confidence)' if args.baseline else ''}")
    for kind in ("free", "choice", "refuse", "yes", "no"):
        c = counts.get(kind)
        if not c:
            continue
        n = sum(c.values())
        print(f"  {kind:6} {n:4} clips: " + ", ".join(f"{o} {c[o] / n:6.1%}" for o in OUTCOMES))
    times_heard = [k for k in ("free", "choice") if k in counts]
    n = sum(sum(counts[k].values()) for k in times_heard)
    wrong = sum(counts[k]["WRONG"] for k in times_heard)
    print(f"  a wrong time read back: {wrong}/{n} = {wrong / max(n, 1):.1%} of time clips")
    print("  per voice (right / again / WRONG):")
    for voice, c in sorted(by_voice.items()):
        n = sum(c.values())
        print(f"    {voice:28} {n:4}: {c['right'] / n:6.1%} {c['again'] / n:6.1%} {c['WRONG'] / n:6.1%}")
    print(f"  per clip: median {statistics.median(seconds) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
