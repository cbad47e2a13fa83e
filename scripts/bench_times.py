#!/usr/bin/env python3
"""Spoken answers while agreeing a resume time: how often the right thing is heard, asked again, or wrongly
taken, on clips rendered by `scripts/make_time_set.py` (or any corpus build's time phrases).

    .venv/bin/python scripts/bench_times.py --build ../time-set/test [--build ...] [--errors]
        [--model DIR] [--sweep]

Every clip goes through what `listen` does with an answer (`assistant.hearing.answers.hear_time` with the
times offered at its `now`, or `hear_yes_no`), then the dialog's rules: a time is read back only when it was
heard surely and parses. Per kind of clip:
- free / choice: exact (the right instant read back), asked again (refused or unsure), WRONG (another time
  read back: the error that matters);
- refuse (not a time): refused, WRONG (a time read back);
- yes / no: right, asked again, WRONG (a no taken for a yes, or a yes for a no).
Prints the figures per kind and per voice, the time per clip (end of speech to decision), and the peak memory.
`--sweep` replays the recogniser's evidence (run once per clip) with other bars of `assistant.hearing.answers`
and prints the figures of each: tune the bars on TUNE, then report TEST with the chosen ones.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import pickle
import resource
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.audio.files import read_audio
from assistant.hearing import answers
from assistant.hearing.whisper import shared_recogniser
from assistant.timeparse import NotUnderstood, parse_now, parse_resume_time

OUTCOMES = ("right", "again", "WRONG")


def kind_of(clip: dict) -> str:
    if "kind" in clip:
        return clip["kind"]
    return "refuse" if clip["expected"] == "REJECT" else "free"


def evidence_of(recogniser, clip: dict) -> answers.Evidence:
    audio = read_audio(clip["path"])
    if kind_of(clip) in ("yes", "no"):
        return answers.listen_for(recogniser, audio, [*answers.YES_FORMS, *answers.NO_FORMS])
    choices = json.loads(clip.get("choices") or "[]")  # listen always offers them
    return answers.listen_for(recogniser, audio, answers.time_phrases(choices))


def outcome(clip: dict, evidence: answers.Evidence, bars: dict) -> tuple[str, str]:
    """(right | again | WRONG, what was heard) for one clip, decided with `bars`."""
    kind, now = kind_of(clip), parse_now(clip["now"])
    if kind in ("yes", "no"):
        heard = answers.decide_yes_no(evidence, **{k: v for k, v in bars.items() if k in YES_NO_BARS})
        if heard.sure and heard.via == "free":
            return ("WRONG" if kind == "no" else "again"), f"a new time: {heard.words}"
        if not heard.sure or heard.words not in ("yes", "no"):
            return "again", heard.transcript
        return ("right" if heard.words == kind else "WRONG"), heard.transcript
    choices = tuple(json.loads(clip.get("choices") or "[]"))
    heard = answers.decide_time(evidence, choices, **{k: v for k, v in bars.items() if k in TIME_BARS})
    result = parse_resume_time(heard.words, now, min_break=timedelta(minutes=20), max_break=timedelta(hours=48))
    shown = f"{heard.transcript!r} -> {heard.words!r} ({heard.via}, {heard.margin:.2f})"
    if not heard.sure or isinstance(result, NotUnderstood):
        return ("right" if kind == "refuse" else "again"), shown
    if kind == "refuse":
        return "WRONG", shown
    return ("right" if result.resume_at == datetime.fromisoformat(clip["expected"]) else "WRONG"), shown


TIME_BARS = ("free_logprob", "offer_vs_transcript", "offer_margin")
YES_NO_BARS = ("free_logprob", "yes_margin", "no_overruled", "closed_no")


def figures(clips: list[dict], evidence: list, bars: dict, errors: bool = False) -> dict:
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    by_voice: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for clip, ev in zip(clips, evidence, strict=True):
        result, heard = outcome(clip, ev, bars)
        kind = kind_of(clip)
        counts[kind][result] += 1
        voice = clip.get("voice", "?").split("@")[0]
        by_voice[voice][result] += 1
        if errors and result != "right":
            print(f"  {result:5} {kind:6} [{voice}] {clip['phrase']!r} heard {heard}")
    return {"counts": counts, "by_voice": by_voice}


def share(c: collections.Counter, outcome_: str) -> float:
    return c[outcome_] / max(sum(c.values()), 1)


def report(fig: dict) -> None:
    counts, by_voice = fig["counts"], fig["by_voice"]
    for kind in ("free", "choice", "refuse", "yes", "no"):
        c = counts.get(kind)
        if c:
            print(f"  {kind:6} {sum(c.values()):4} clips: " + ", ".join(f"{o} {share(c, o):6.1%}" for o in OUTCOMES))
    n = sum(sum(counts[k].values()) for k in ("free", "choice"))
    wrong = sum(counts[k]["WRONG"] for k in ("free", "choice"))
    print(f"  a wrong time read back: {wrong}/{n} = {wrong / max(n, 1):.1%} of time clips")
    print("  per voice (right / again / WRONG):")
    for voice, c in sorted(by_voice.items()):
        print(f"    {voice:28} {sum(c.values()):4}: {share(c, 'right'):6.1%} {share(c, 'again'):6.1%} "
              f"{share(c, 'WRONG'):6.1%}")


def sweep(clips: list[dict], evidence: list) -> None:
    """Each combination of bars: offers right, free right, wrong times, refusals, yes, no, no->yes."""
    grid = {"free_logprob": (-0.5, -0.65, -0.8, -1.0), "offer_vs_transcript": (-3.0, -4.5, -6.0, -8.0),
            "offer_margin": (1.0, 2.0, 3.0, 5.0)}
    print("free_logprob offer_vs_transcript offer_margin: offer free wrong/time refused")
    for values in itertools.product(*grid.values()):
        bars = dict(zip(grid, values, strict=True))
        c = figures(clips, evidence, bars)["counts"]
        wrong = c["free"]["WRONG"] + c["choice"]["WRONG"]
        print(f"  {values}: {share(c['choice'], 'right'):6.1%} {share(c['free'], 'right'):6.1%} "
              f"{wrong:3d} {share(c['refuse'], 'right'):6.1%}")
    yes_grid = {"yes_margin": (-1.0, 0.0, 1.0, 2.0, 3.0), "closed_no": (2.0, 4.0, 8.0)}
    print("yes_margin closed_no: yes right, no right, no->yes, yes->no")
    for values in itertools.product(*yes_grid.values()):
        bars = dict(zip(yes_grid, values, strict=True))
        c = figures(clips, evidence, bars)["counts"]
        print(f"  {values}: {share(c['yes'], 'right'):6.1%} {share(c['no'], 'right'):6.1%} "
              f"{c['no']['WRONG']:3d} {c['yes']['WRONG']:3d}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, action="append", required=True,
                        help="folder with manifest.json (time_phrases); may repeat")
    parser.add_argument("--errors", action="store_true", help="print every clip not heard right")
    parser.add_argument("--model", help="folder of another CTranslate2 Whisper model (default: tiny.en)")
    parser.add_argument("--sweep", action="store_true", help="replay the evidence with a grid of bars")
    parser.add_argument("--evidence", type=Path, help="keep the recogniser's evidence in this file (pickle, "
                        "your own) and replay it on later runs instead of running Whisper again; timings then "
                        "come from the first run")
    args = parser.parse_args()
    clips = []
    for build in args.build:
        for clip in json.loads((build / "manifest.json").read_text())["time_phrases"]:
            clips.append(clip | {"path": str(build / clip["wav"])})
    began = time.perf_counter()
    recogniser = shared_recogniser(args.model)
    print(f"recogniser {recogniser.name} loaded in {time.perf_counter() - began:.2f} s")
    if args.evidence and args.evidence.is_file():
        evidence, seconds = pickle.loads(args.evidence.read_bytes())
    else:
        evidence, seconds = [], []
        for clip in clips:
            began = time.perf_counter()
            evidence.append(evidence_of(recogniser, clip))
            seconds.append(time.perf_counter() - began)
        if args.evidence:
            args.evidence.write_bytes(pickle.dumps((evidence, seconds)))
    print(f"{len(clips)} clips from {', '.join(map(str, args.build))}")
    report(figures(clips, evidence, {}, args.errors))
    p95 = statistics.quantiles(seconds, n=20)[-1]
    print(f"  per clip (read, transcribe, score): median {statistics.median(seconds) * 1000:.0f} ms, "
          f"p95 {p95 * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms")
    print(f"  peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if args.sweep:
        sweep(clips, evidence)
    return 0


if __name__ == "__main__":
    sys.exit(main())
