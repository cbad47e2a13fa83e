#!/usr/bin/env python3
"""Render spoken answers for `scripts/bench_times.py`: a TUNE part and a TEST part with different voices and
different wordings, through `../shared/corpus/corpus.py` (its rooms, noise and speaking rates).

    .venv/bin/python scripts/make_time_set.py [--out ../time-set] [--per-kind 1]

Each part is a corpus build (`OUT/tune`, `OUT/test`: manifest.json and time/*.wav). Every clip is one of:
- `free`: a time said in the couple's own words; `expected` is the instant (checked against the typed parser,
  so a miss is the ear's, not the grammar's);
- `refuse`: something that is not a time ("I don't know", "not now", ordinary talk): `expected` REJECT;
- `choice`: one of the times the assistant offered (`assistant.session.choices.offered_choices` for that
  `now`), said plainly or with a few words around it; `expected` is its instant, `choices` lists the offer;
- `yes` / `no`: an answer to "Is that right?".
The TEST part's voices and lead-in wordings appear nowhere in TUNE: tune on one, report the other.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.session.choices import offered_choices
from assistant.timeparse import NotUnderstood, parse_resume_time

VOICES = {
    "tune": ["espeak:en-us", "espeak:en-us+m3", "espeak:en-us+f2", "espeak:en-gb+m1", "espeak:en-gb-x-gbclan+f4",
             "flite:kal16", "flite:slt", "piper:joe"],
    "test": ["espeak:en-gb-scotland+m2", "espeak:en-gb-x-rp+f3", "espeak:en-029+m4", "espeak:en-us-nyc+f1",
             "espeak:en-gb-x-gbcwmd+m6", "espeak:en-us+klatt3", "espeak:en+f5", "flite:awb", "flite:rms",
             "flite:kal"],
}
"""Disjoint voice lists (piper has one English voice here, so it is tuned on only)."""

NOWS = ["2026-11-24T15:00:00+00:00", "2026-11-27T10:30:00-05:00", "2026-11-28T13:40:00+01:00",
        "2026-11-30T08:15:00+00:00", "2026-12-02T17:05:00+00:00"]

LEADS = {
    "tune": ["", "", "", "let's talk again", "how about", "maybe", "let's say", "can we talk"],
    "test": ["", "", "", "could we pick this up", "let's come back to it", "okay", "I'd say", "we could do"],
}
"""Words before a time; each part's own (the empty lead, the bare phrase, is the commonest in both)."""

NUMBERS = {10: "ten", 15: "fifteen", 20: "twenty", 25: "twenty five", 30: "thirty", 35: "thirty five",
           40: "forty", 45: "forty five", 50: "fifty", 1: "one", 2: "two", 3: "three", 4: "four", 5: "five",
           6: "six", 7: "seven", 8: "eight", 9: "nine", 11: "eleven", 12: "twelve"}
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

FREE_SHAPES = {
    "tune": ["in {m} minutes", "{m} minutes from now", "in {h} hours", "in an hour", "in half an hour",
             "at {c}", "half past {c}", "at {c} thirty", "tomorrow morning", "tomorrow at {c}", "{day} evening",
             "{day} at {c}", "tonight at {c}", "in an hour and a half", "quarter to {c}"],
    "test": ["give us {m} minutes", "after {m} minutes", "{h} hours from now", "in a couple of hours",
             "at {c} p m", "quarter past {c}", "{c} o'clock", "tomorrow evening", "tomorrow afternoon at {c}",
             "on {day} morning", "next {day} at {c}", "this evening", "in ninety minutes", "at noon tomorrow",
             "twenty past {c}"],
}
"""Shapes of a free time; TEST's wordings differ from TUNE's."""

REFUSALS = {
    "tune": ["I don't know", "not now", "whatever", "later", "leave me alone", "some other time", "never",
             "I can't think about that", "we'll see", "maybe", "I don't care", "the kids need dinner",
             "did you lock the car", "I'm so tired of this"],
    "test": ["I have no idea", "not right now", "do what you want", "can we not do this", "I need some space",
             "who knows", "I'm not sure", "ask me later", "forget it", "you decide", "the dog needs a walk",
             "where are my keys", "this is pointless", "I just want to sleep"],
}
"""Not times: each must be refused."""

ANSWERS = {
    "tune": {"yes": ["yes", "yeah", "yes please", "that's right", "correct", "yep"],
             "no": ["no", "nope", "no that's wrong", "not right", "no thanks", "wrong"]},
    "test": {"yes": ["yes that's right", "yeah okay", "sounds good", "yes it is", "right", "sure"],
             "no": ["no it isn't", "no no", "nope that's wrong", "that's not right", "no sorry", "not quite"]},
}

CHOICE_FRAMES = {"tune": ["{c}", "{c}", "{c} please", "let's do {c}"],
                 "test": ["{c}", "{c}", "um {c}", "{c} is good", "okay {c}"]}
"""How an offered choice is said: mostly as offered."""


def _phrases(part: str, rng: random.Random, count: int) -> list[tuple[str, str, str]]:
    """(kind, phrase, now) rows for one part."""
    rows: list[tuple[str, str, str]] = []
    for _ in range(count):
        now = rng.choice(NOWS)
        shape = rng.choice(FREE_SHAPES[part])
        text = shape.format(m=NUMBERS[rng.choice([10, 15, 20, 25, 30, 35, 40, 45, 50])],
                            h=NUMBERS[rng.choice([2, 3, 4, 5])], c=NUMBERS[rng.choice([1, 2, 3, 6, 7, 8, 9, 10, 11])],
                            day=rng.choice(DAYS))
        lead = rng.choice(LEADS[part])
        rows.append(("free", f"{lead} {text}".strip(), now))
    for _ in range(count // 3):
        rows.append(("refuse", rng.choice(REFUSALS[part]), rng.choice(NOWS)))
    for _ in range(count // 2):
        now = rng.choice(NOWS)
        choice = rng.choice(offered_choices(datetime.fromisoformat(now))).phrase
        rows.append(("choice", rng.choice(CHOICE_FRAMES[part]).format(c=choice), now))
    for _ in range(count // 2):
        answer = rng.choice(["yes", "no"])
        rows.append((answer, rng.choice(ANSWERS[part][answer]), rng.choice(NOWS)))
    return rows


def _expected(kind: str, phrase: str, now: str) -> str | None:
    """The right outcome of a row, from the typed parser (None: the parser itself does not get it right,
    so the row would measure the grammar, not the ear; dropped with a line)."""
    if kind in ("yes", "no"):
        return kind.upper()
    result = parse_resume_time(phrase, datetime.fromisoformat(now), min_break=timedelta(minutes=20),
                               max_break=timedelta(hours=48))
    if kind == "refuse":
        return "REJECT" if isinstance(result, NotUnderstood) else None
    return None if isinstance(result, NotUnderstood) else result.resume_at.isoformat()


def write_lists(part: str, folder: Path, count: int, seed: int) -> int:
    corpus_lists = REPO.parent / "shared" / "corpus" / "lists"
    folder.mkdir(parents=True, exist_ok=True)
    settings = (corpus_lists / "corpus.toml").read_text()
    settings = "\n".join("streams = 0" if line.startswith("streams =") else
                         f"seed = {seed}" if line.startswith("seed =") else line for line in settings.splitlines())
    (folder / "corpus.toml").write_text(settings + "\n")
    (folder / "voices.txt").write_text("\n".join(VOICES[part]) + "\n")
    rng = random.Random(seed)
    kept = 0
    with open(folder / "time_phrases.tsv", "w", newline="") as f:
        out = csv.writer(f, delimiter="\t", lineterminator="\n")
        out.writerow(["phrase", "now", "expected", "kind", "choices"])
        for kind, phrase, now in _phrases(part, rng, count):
            expected = _expected(kind, phrase, now)
            if expected is None:
                print(f"  dropped ({kind}, the typed parser disagrees): {phrase!r} at {now}")
                continue
            offer = [c.phrase for c in offered_choices(datetime.fromisoformat(now))]
            out.writerow([phrase, now, expected, kind, json.dumps(offer)])
            kept += 1
    return kept


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO.parent / "time-set")
    parser.add_argument("--count", type=int, default=300, help="free phrases per part (and a third as many "
                        "refusals, half as many choices and yes/no answers)")
    args = parser.parse_args()
    corpus = REPO.parent / "shared" / "corpus" / "corpus.py"
    for seed, part in ((11, "tune"), (12, "test")):
        lists = args.out / f"{part}-lists"
        kept = write_lists(part, lists, args.count, seed)
        build = args.out / part
        shutil.rmtree(build, ignore_errors=True)
        print(f"{part}: {kept} clips in {len(VOICES[part])} voices -> {build}", flush=True)
        subprocess.run([sys.executable, str(corpus), "--lists", str(lists), "--out", str(build)], check=True,
                       stdout=subprocess.DEVNULL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
