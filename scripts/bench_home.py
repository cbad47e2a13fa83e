#!/usr/bin/env python3
"""Benchmark learning in the home (issue 16): false alarms before and after adapting, and the second chance.

Run by hand, not in CI (minutes; keyword-search evidence and rendered examples are cached):

    .venv/bin/python scripts/bench_home.py --word alexa --head /work/corpus/heads/alexa-none-ear-1-full.npz
    .venv/bin/python scripts/bench_home.py --word timeout            # the shipped head

Material: the conversation streams of ../shared/corpus builds (`--builds`; at least 6 hours), split into
two halves (alternate streams, so both halves hold every pause word, voice and noise kind).

Adaptation, with the product's own rules and code: the listener runs over the first half (fused candidates
as `fusion.FusedSpotter` scores them: the head's best log-odds within 0.5 s plus 4 x keyword search's
log-odds); near misses are kept as `HomeLearner` keeps them (within 6 of the bar, keyword search below
0.5, no detection of the word in the next 6 s); every false alarm is cancelled, as a couple saying "stop"
would; `adaptation.retrain` refits the head on them (the recall guard included). Reported before and
after: false alarms per hour on the second half; recall on the real recordings of the word (`--real`,
each clip alone) and on the labelled pause words of the second half.

Second chance: the best fused score of each real clip; the word said twice is two different clips 0.5-2.5 s
apart. For each second-chance bar: recall said once and twice, and the false alarms per hour that pairs
of weaker candidates (0.6-4 s apart, neither at the bar) add on all the streams.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from bench_ear import PAD_S, cached_embeddings, keyword_evidence, log_odds

from assistant.audio.files import AudioFileError, read_audio
from assistant.ear import adaptation, fusion
from assistant.ear.embedding import STEP_SECONDS
from assistant.ear.learned_store import CANCELLED, NEAR_MISS, LearnedStore
from assistant.ear.training import FULL, find_head, head_path
from assistant.ear.word_head import WordHead, sequence_windows

DEBOUNCE_S = 2.0


class Evidence:
    """Keyword-search confidence per (file, phrase, candidate end), cached on disk: decoding is the slow part."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.table = json.loads(path.read_text()) if path.is_file() else {}
        self._dirty = 0

    def get(self, wav: Path, pad: float, phrase: str, ends: list[float]) -> list[float]:
        keys = [f"{wav}|{pad}|{phrase}|{e:.2f}" for e in ends]
        todo = [(k, e) for k, e in zip(keys, ends, strict=True) if k not in self.table]
        if todo:
            audio = read_audio(wav)
            if pad:
                z = np.zeros(int(pad * 16000), np.int16)
                audio = np.concatenate([z, audio, z])
            for (k, _), v in zip(todo, keyword_evidence(audio, phrase, [e for _, e in todo]), strict=True):
                self.table[k] = v
            self._dirty += len(todo)
            if self._dirty > 200:
                self.save()
        return [self.table[k] for k in keys]

    def save(self) -> None:
        self.path.write_text(json.dumps(self.table))
        self._dirty = 0


def candidates(head: WordHead, emb: np.ndarray) -> list[dict]:
    """Candidates as FusedSpotter opens them: a step at or above the floor opens one; its head score is the
    best log-odds in the next 0.5 s; its window is the head's input at that best step."""
    lo = log_odds(head, emb)
    out: list[dict] = []
    for k in np.nonzero(lo >= fusion.CANDIDATE_FLOOR)[0]:
        at = (k + 1) * STEP_SECONDS
        if out and at - out[-1]["opened"] <= fusion.HEAD_SPAN_SECONDS:
            if lo[k] > out[-1]["head"]:
                out[-1].update(head=float(lo[k]), step=int(k))
            continue
        out.append({"opened": at, "end": at - head.lag_seconds, "head": float(lo[k]), "step": int(k)})
    return out


def fused_score(head_lo: float, keyword: float) -> float:
    k = min(max(keyword, fusion.KEYWORD_ABSENT), 0.99)
    return head_lo + fusion.KEYWORD_WEIGHT * (np.log(k / (1 - k)) + 2.0)


def scored(head: WordHead, emb: np.ndarray, wav: Path, pad: float, phrase: str, evidence: Evidence) -> list[dict]:
    cands = candidates(head, emb)
    kws = evidence.get(wav, pad, phrase, [c["end"] for c in cands]) if cands else []
    for c, k in zip(cands, kws, strict=True):
        c["keyword"], c["score"] = k, fused_score(c["head"], k)
    return cands


def detections(cands: list[dict]) -> list[dict]:
    """Candidates at or above the bar, repeats within the debounce merged (the detector's rules)."""
    out: list[dict] = []
    for c in cands:
        if c["score"] >= fusion.FUSED_BAR and not (out and c["end"] - out[-1]["end"] < DEBOUNCE_S):
            out.append(c)
    return out


def is_hit(c: dict, events: list[dict]) -> bool:
    return any(e["start"] - 0.3 <= c["end"] <= e["end"] + 1.5 for e in events)


class Streams:
    def __init__(self, builds: list[Path], cache: Path) -> None:
        self.items = []
        for b in builds:
            manifest = json.loads((b / "manifest.json").read_text())
            for s in manifest["streams"]:
                self.items.append((b / s["wav"], s, cached_embeddings(b / s["wav"], cache)))
        self.hours = sum(s["seconds"] for _, s, _ in self.items) / 3600

    def half(self, which: int) -> list:
        return self.items[which::2]


def measure(head: WordHead, word: str, streams: list, clips: list, evidence: Evidence) -> dict:
    fa = hits = events = 0
    for wav, s, emb in streams:
        labelled = s["events"] if s["pause_word"] == word else []
        for d in detections(scored(head, emb, wav, 0.0, word, evidence)):
            if is_hit(d, labelled):
                hits += 1
            else:
                fa += 1
        events += len(labelled)
    hours = sum(s["seconds"] for _, s, _ in streams) / 3600
    real = [max((c["score"] for c in scored(head, emb, p, PAD_S, word, evidence)), default=-99.0)
            for p, emb in clips]
    return {"fa_per_hour": fa / hours, "false_alarms": fa, "hours": hours,
            "stream_recall": hits / events if events else float("nan"), "stream_events": events,
            "real_recall": float(np.mean(np.array(real) >= fusion.FUSED_BAR)) if real else float("nan"),
            "real_scores": real}


def learn(head: WordHead, word: str, streams: list, evidence: Evidence, store: LearnedStore) -> dict:
    """What HomeLearner would keep listening to these streams with this head."""
    kept = {NEAR_MISS: 0, CANCELLED: 0}
    for wav, s, emb in streams:
        labelled = s["events"] if s["pause_word"] == word else []
        cands = scored(head, emb, wav, 0.0, word, evidence)
        heard = detections(cands)
        windows = None
        for c in cands:
            near = fusion.FUSED_BAR - adaptation.NEAR_MISS_MARGIN <= c["score"] < fusion.FUSED_BAR
            if near and c["keyword"] < adaptation.NEAR_MISS_KEYWORD and not any(
                    0 <= d["end"] - c["end"] <= adaptation.REPEAT_SECONDS for d in heard):
                kind = NEAR_MISS
            elif c in heard and not is_hit(c, labelled):
                kind = CANCELLED
            else:
                continue
            if windows is None:
                windows = sequence_windows(emb.astype(np.float32))
            store.add(windows[c["step"]], kind, 0.0)
            kept[kind] += 1
    return kept


def second_chance(head: WordHead, word: str, streams: list, clips: list, evidence: Evidence) -> None:
    real = []
    for p, emb in clips:
        real.append(max((c["score"] for c in scored(head, emb, p, PAD_S, word, evidence)), default=-99.0))
    real = np.array(real)
    rng = np.random.default_rng(0)
    pairs = [(i, int(j)) for i in range(len(real)) for j in rng.choice(len(real), 3, replace=False) if j != i]
    hours = sum(s["seconds"] for _, s, _ in streams) / 3600
    all_cands = [scored(head, emb, wav, 0.0, word, evidence) for wav, s, emb in streams]
    once = float(np.mean(real >= fusion.FUSED_BAR))
    print(f"second chance '{word}': {len(real)} real clips, {len(pairs)} pairs, {hours:.2f} h of streams; "
          f"said once: recall {once:.3f}", flush=True)
    for bar in np.arange(fusion.FUSED_BAR, fusion.FUSED_BAR - 12.5, -1.0):
        twice = np.mean([max(real[i], real[j]) >= fusion.FUSED_BAR or min(real[i], real[j]) >= bar
                         for i, j in pairs])
        added = 0
        for cands in all_cands:
            weak = [c for c in cands if bar <= c["score"] < fusion.FUSED_BAR]
            last = -99.0
            for a in weak:
                if a["end"] - last < DEBOUNCE_S:
                    continue
                if any(fusion.SECOND_CHANCE_GAP <= a["end"] - b["end"] <= fusion.SECOND_CHANCE_SECONDS for b in weak):
                    added += 1
                    last = a["end"]
        print(f"  bar {bar:5.1f}: said twice recall {twice:.3f}; pairs add {added} false alarms = "
              f"{added / hours:.2f}/h", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--word", default="timeout")
    ap.add_argument("--head", type=Path, help="head file (default: the shipped head for the word)")
    ap.add_argument("--builds", type=Path, nargs="+", default=[Path(f"/work/corpus/{b}")
                                                               for b in ("dev", "fa", "fa2", "fa3")])
    ap.add_argument("--real", type=Path, default=REPO.parent / "shared" / "real-voices")
    ap.add_argument("--cache", type=Path, default=Path("/work/corpus/emb"))
    ap.add_argument("--home", type=Path, default=Path("/work/corpus/home"), help="kept examples and evidence")
    ap.add_argument("--only", choices=("adapt", "second"), action="append")
    ap.add_argument("--epochs", type=int, default=adaptation.FINE_TUNE_EPOCHS, help="fine-tune epochs to try")
    ap.add_argument("--rate", type=float, default=adaptation.FINE_TUNE_RATE, help="fine-tune learning rate")
    args = ap.parse_args()
    adaptation.FINE_TUNE_EPOCHS, adaptation.FINE_TUNE_RATE = args.epochs, args.rate
    only = set(args.only or ("adapt", "second"))
    builds = [b for b in args.builds if (b / "manifest.json").is_file()]
    streams = Streams(builds, args.cache)
    head = WordHead.load(args.head or find_head(args.word, Path("/nonexistent")))
    folder = args.real / args.word.replace(" ", "_")
    clips = []
    for p in sorted(folder.glob("*.flac")) if folder.is_dir() else []:
        try:
            clips.append((p, cached_embeddings(p, args.cache, PAD_S)))
        except AudioFileError:
            continue  # a few of the real recordings do not decode
    args.home.mkdir(parents=True, exist_ok=True)
    evidence = Evidence(args.home / f"evidence-{args.word.replace(' ', '_')}.json")
    print(f"streams: {len(streams.items)} from {', '.join(b.name for b in builds)}, {streams.hours:.2f} h; "
          f"real clips of '{args.word}': {len(clips)}", flush=True)
    try:
        if "second" in only:
            second_chance(head, args.word, streams.items, clips, evidence)
        if "adapt" in only:
            first, second = streams.half(0), streams.half(1)
            before = measure(head, args.word, second, clips, evidence)
            data = Path(tempfile.mkdtemp(prefix="bench-home-"))
            try:
                # the home's data folder: the head as the couple's, the rendered examples kept between runs
                head.save(head_path(args.word, data, FULL))
                kept_examples = args.home / f"{args.word.replace(' ', '_')}-{FULL.version}.examples.npz"
                target = head_path(args.word, data, FULL).with_suffix(".examples.npz")
                if kept_examples.is_file():
                    shutil.copy(kept_examples, target)
                store = LearnedStore.open(data, args.word)
                kept = learn(head, args.word, first, evidence, store)
                store.save()
                began = time.monotonic()
                after_head, message = adaptation.retrain(args.word, data, FULL)
                seconds = time.monotonic() - began
                if target.is_file() and not kept_examples.is_file():
                    shutil.copy(target, kept_examples)
                store_mb = store.path.stat().st_size / 1e6
            finally:
                shutil.rmtree(data)
            print(f"adapt '{args.word}': first half {sum(s['seconds'] for _, s, _ in first) / 3600:.2f} h kept "
                  f"{kept[NEAR_MISS]} near misses and {kept[CANCELLED]} cancelled false alarms "
                  f"(store {store_mb:.1f} MB); retrain {seconds:.0f} s: {message}", flush=True)
            after = measure(after_head, args.word, second, clips, evidence) if after_head else before
            for name, m in (("before", before), ("after", after)):
                print(f"  {name}: second half {m['hours']:.2f} h: false alarms {m['false_alarms']} = "
                      f"{m['fa_per_hour']:.2f}/h; pause words in it heard {m['stream_recall']:.3f} "
                      f"of {m['stream_events']}; real recordings heard {m['real_recall']:.3f} of "
                      f"{len(m['real_scores'])}", flush=True)
    finally:
        evidence.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
