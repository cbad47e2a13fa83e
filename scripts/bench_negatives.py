#!/usr/bin/env python3
"""Which negatives move recall: the word head trained with each source of negative examples left out, or
given more weight, and measured at fixed false-alarm rates.

Run by hand, not in CI (embeddings of the measuring material come from bench_ear.py's cache):

    .venv/bin/python scripts/bench_negatives.py [--words alexa "view glass" timeout] [--seeds 0 1]

The sources a head learns what not to answer to:
- synthetic speech: ordinary sentences in every offline voice, in rooms, under noise (the bank's "sentence" part);
- synthetic conversation: turns of two voices, two or three voices at once, babble (the bank's "conversation");
- real speech: the training half of ../shared/real-negatives (read sentences, spoken digits);
- noise: the training half of the real room noise, coloured noise and near-silence;
- near misses: words that sound close to the pause word, rendered in a dozen voices.
Each variant keeps the number of bank windows the recipe asks for (a source left out leaves its share to the
others, sampled more densely), so a variant differs in what the head hears, not in how much. "real x3" samples
the real speech three times as densely as the rest.

For each word and variant: recall of the real recordings in ../shared/real-voices (each clip on its own, from
cold; no takes), or of the corpus streams' "timeout" events, at <= 10, 2, 0.5 and 0.1 false alarms per hour
of the same material bench_ear.py uses (conversation streams, the held-out half of the real negatives, the
other phrase's recordings), and where the false alarms at 2/h fall. The head alone is measured: the keyword
evidence and the second stage judge its candidates afterwards, so a head that ranks the word above more of
the ordinary speech gives them more to keep.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from bench_ear import REAL, Material, events, hours_of, load_scorer, log_odds, thresholds_within

from assistant.ear.negative_bank import labelled_bank
from assistant.ear.training import FULL, cached_word_examples, fit_head
from assistant.ear.word_head import WordHead, sequence_windows

RATES = (10.0, 2.0, 0.5, 0.1)
SOURCES = ("synthetic speech", "synthetic conversation", "real speech", "noise")
VARIANTS = {
    "all (today)": {},
    "no synthetic speech at all": {"leave_out": ["synthetic speech", "synthetic conversation"]},
    "no synthetic conversation": {"leave_out": ["synthetic conversation"]},
    "no real speech": {"leave_out": ["real speech"]},
    "no noise": {"leave_out": ["noise"]},
    "no near misses": {"near_misses": False},
    "real x3": {"weight": {"real speech": 3}},
}


def source_of(text: str) -> str:
    """The bank's text of a sequence names where it came from (scripts/build_negative_bank.py)."""
    if text == "noise" or text.startswith("real:noise"):
        return "noise"
    if text.startswith("real:"):
        return "real speech"
    if text == "babble" or " | " in text:
        return "synthetic conversation"
    return "synthetic speech"


def bank_by_source(word: str) -> dict[str, list[np.ndarray]]:
    out: dict[str, list[np.ndarray]] = {s: [] for s in SOURCES}
    for text, emb in labelled_bank(without=word):
        out[source_of(text)].append(emb)
    return out


def bank_windows(bank: dict[str, list[np.ndarray]], count: int, leave_out: list[str] | tuple = (),
                 weight: dict[str, int] | None = None) -> np.ndarray:
    """About `count` windows: one stride for all kept sources, a weighted source sampled `weight` times as densely."""
    weight = weight or {}
    kept = {s: seqs for s, seqs in bank.items() if s not in leave_out}
    steps = sum(weight.get(s, 1) * sum(len(q) for q in seqs) for s, seqs in kept.items())
    stride = max(1.0, steps / count)
    parts = []
    for source, seqs in kept.items():
        k = max(1, round(stride / weight.get(source, 1)))
        parts += [sequence_windows(q, k) for q in seqs]
    return np.concatenate([p for p in parts if len(p)]).astype(np.float16)


def train_variant(word: str, variant: dict, seed: int, bank: dict, heads: Path) -> WordHead:
    name = "".join(c if c.isalnum() else "-" for c in json.dumps(variant, sort_keys=True))[:60]
    path = heads / f"neg-{word.replace(' ', '_')}-{name}-s{seed}.npz"
    if path.is_file():
        return WordHead.load(path)
    recipe = FULL if variant.get("near_misses", True) else replace(FULL, near_miss_texts=0)
    examples, facts = cached_word_examples(word, recipe)
    negatives = bank_windows(bank, FULL.negative_windows, variant.get("leave_out", ()), variant.get("weight"))
    facts = dict(facts, bank_windows=len(negatives))
    head = fit_head(word, [examples], negatives, replace(recipe, seed=seed), facts)
    head.save(path)
    return head


def thresholds_at(fa_logits: list[np.ndarray], head: WordHead, hours: float) -> dict[float, tuple[float, float]]:
    grid = np.linspace(-6, 40, 231)
    return thresholds_within({float(t): sum(len(events(c, t, head)) for c in fa_logits) / hours for t in grid}, RATES)


def measure(head: WordHead, positives: list[np.ndarray], fa: dict[str, list[np.ndarray]], hours: float,
            recall_of) -> dict:
    fa_logits = {name: [log_odds(head, e) for e in embs] for name, embs in fa.items()}
    every = [c for cs in fa_logits.values() for c in cs]
    points = thresholds_at(every, head, hours)
    row = {f"recall@{r}": recall_of(head, t) for r, (t, _) in points.items()}
    t2 = points[2.0][0]
    row["fa@2 by source"] = {name: sum(len(events(c, t2, head)) for c in cs) for name, cs in fa_logits.items()}
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--words", nargs="+", default=["alexa", "view glass", "timeout"])
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    ap.add_argument("--build", type=Path, default=Path("/work/corpus/dev"))
    ap.add_argument("--fa-build", type=Path, nargs="+", default=[Path("/work/corpus/fa")])
    ap.add_argument("--real", type=Path, default=REPO.parent / "shared" / "real-voices")
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    ap.add_argument("--cache", type=Path, default=Path("/work/corpus/emb"))
    ap.add_argument("--heads", type=Path, default=Path("/work/corpus/heads"))
    ap.add_argument("--out", type=Path, help="append each row here as a JSON line")
    args = ap.parse_args()
    args.heads.mkdir(parents=True, exist_ok=True)
    material = Material(args)
    score = load_scorer(args.corpus)
    streams = material.streams(args.build) + [x for b in args.fa_build for x in material.streams(b)]
    held = material.held_out_negatives()
    for word in args.words:
        bank = bank_by_source(word)
        folder = next((f for f, p in REAL.items() if p == word), None)
        if folder is not None:
            clips = [e for _, e in material.real_clips(args.real / folder)]
            others = [e for f, p in REAL.items() if p != word for _, e in material.real_clips(args.real / f)]
            fa = {"streams": [e for _, e in streams], "real negatives": held, "other phrase": others}

            def recall_of(head: WordHead, t: float, clips=clips) -> float:
                return float(np.mean([log_odds(head, e).max() >= t for e in clips]))
            positives = len(clips)
        else:  # a synthetic word: its events in the streams that hold it; the other streams are FA material
            own = [(s, e) for s, e in streams if s["pause_word"] == word]
            fa = {"streams": [e for s, e in streams if s["pause_word"] != word], "real negatives": held}

            def recall_of(head: WordHead, t: float, own=own, word=word) -> float:
                hits = total = 0
                for s, e in own:
                    evs = [dict(v, word=word) for v in events(log_odds(head, e), t, head)]
                    hits += len(score.score_stream(s, evs)["hits"])
                    total += len(s["events"])
                return hits / max(1, total)
            positives = sum(len(s["events"]) for s, _ in own)
        hours = hours_of([e for embs in fa.values() for e in embs])
        print(f"== {word}: {positives} positives; false-alarm material {hours:.2f} h "
              + ", ".join(f"{k} {hours_of(v):.2f} h" for k, v in fa.items()), flush=True)
        for name in args.variants:
            rows = []
            for seed in args.seeds:
                head = train_variant(word, VARIANTS[name], seed, bank, args.heads)
                rows.append(measure(head, clips if folder else [], fa, hours, recall_of))
            mean = {k: float(np.mean([r[k] for r in rows])) for k in rows[0] if k.startswith("recall")}
            fa2 = {k: [r["fa@2 by source"][k] for r in rows] for k in fa}
            print(f"{word:>10} | {name:<26} | " + " ".join(f"{k}={v:.3f}" for k, v in mean.items())
                  + f" | per seed @0.5: {[round(r['recall@0.5'], 3) for r in rows]} | FA at 2/h from {fa2}", flush=True)
            if args.out:
                with args.out.open("a") as f:
                    f.write(json.dumps({"word": word, "variant": name, "seeds": args.seeds, "mean": mean,
                                        "rows": rows}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
