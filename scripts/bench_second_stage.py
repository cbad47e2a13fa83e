#!/usr/bin/env python3
"""Benchmark the pause word's second stage (Whisper's check of the fused candidates) against the first stage.

Run by hand, not in CI, after `scripts/bench_ear.py` has trained its heads and cached its embeddings:

    .venv/bin/python scripts/bench_second_stage.py --build /work/corpus/dev --fa-build /work/corpus/fa

For each real phrase ("alexa", "view glass", each clip heard on its own, padded with silence) and for the
default "timeout" in the corpus streams: every candidate of the head (log-odds over its bar >= -2) is given
the keyword search's evidence (as `fusion.py` does), and every candidate whose fused score reaches the lowest
floor measured is checked by Whisper (`hearing/word_check.py`) on the audio the listener would hand it. The rows
(fused score, margin) are cached in --rows, so the policies are compared in seconds:

- the first stage alone (today's detector);
- fused + check, for each floor / weight / bar: a candidate with a fused score in [floor, sure) gets
  `weight * (margin - bar)` added; one at or above `sure` is heard without a check.

Reported per policy: recall at <= 0.5 and <= 0.1 false alarms per hour (hours of material stated), and recall
and false alarms per hour at the default bar (score >= 0, sensitivity 0.5); the check's time per candidate
(p50 / p95) and how many candidates an hour need one.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from bench_ear import (
    FUSION_FLOOR,
    PAD_S,
    REAL,
    TAKES,
    Material,
    hours_of,
    keyword_evidence,
    load_scorer,
    log_odds,
    trained,
)

from assistant.audio.files import read_audio
from assistant.ear import fusion
from assistant.ear.training import FULL, default_recipe, shipped_head_path
from assistant.ear.word_head import WordHead

LOWEST_FLOOR = -40.0
TAIL_S = 0.25
"""Audio after the candidate's estimated end that the check hears (the head reports about 0.2 s after it)."""
FLOORS = (-40.0, -20.0, -14.0, -10.0, -6.0, -2.0)
WEIGHTS = (1.0, 2.0, 4.0)
BARS = (-4.0, -3.0, -2.0, -1.0)
SURES = (6.0, 99.0)
CANDIDATE_FLOORS = (-2.0, -4.0, -6.0, -8.0)
"""Head log-odds (over its bar) from which a step opens a candidate (`fusion.CANDIDATE_FLOOR`): measured down to
the floor the rows were collected at (--candidate-floor)."""
ALPHAS = (1.0, 0.5, 0.25)
"""Share of the fused score a checked candidate keeps: below 1 the check can carry a candidate the keyword
search missed (cold, or a voice it hears badly)."""


def fused_over_bar(head_lo: float, kws: float) -> float:
    k = min(max(kws, fusion.KEYWORD_ABSENT), 0.99)
    return head_lo + fusion.KEYWORD_WEIGHT * (np.log(k / (1 - k)) + 2.0) - fusion.FUSED_BAR


class Checker:
    def __init__(self) -> None:
        from assistant.hearing.whisper import shared_recogniser
        from assistant.hearing.word_check import WordCheck

        self.check = WordCheck(shared_recogniser())
        self.seconds: list[float] = []

    def __call__(self, word: str, audio: np.ndarray, end_s: float) -> tuple[float, str]:
        a = max(0, round((end_s - fusion.CHECK_BEFORE_SECONDS) * 16000))
        b = round((end_s + TAIL_S) * 16000)
        result = self.check.check(word, audio[a:b])
        self.seconds.append(result.seconds)
        return result.margin, result.transcript


def runtime_candidates(lo: np.ndarray, floor: float, head: WordHead) -> list[dict]:
    """Candidates as `fusion.FusedSpotter` opens them: a step at or above `floor` opens one unless one opened at
    most `HEAD_SPAN_SECONDS` before; its head score is the best step within that span."""
    out: list[dict] = []
    span = round(fusion.HEAD_SPAN_SECONDS / 0.08)
    for k in np.nonzero(lo >= floor)[0]:
        if out and k - out[-1]["open"] <= span:
            if lo[k] > out[-1]["head"]:
                out[-1].update(head=float(lo[k]), peak=int(k))
            continue
        out.append({"open": int(k), "peak": int(k), "head": float(lo[k])})
    for c in out:
        c["end"] = (c["open"] + 1) * 0.08 - head.lag_seconds
        c["peak_end"] = (c["peak"] + 1) * 0.08 - head.lag_seconds
        c["at"] = (c["open"] + 1) * 0.08
    return out


def candidate_rows(head: WordHead, emb: np.ndarray, audio: np.ndarray, phrase: str, checker: Checker,
                   floor: float = FUSION_FLOOR) -> list[dict]:
    lo = log_odds(head, emb)
    cands = runtime_candidates(lo, floor, head)
    if not cands:
        return []
    kws = keyword_evidence(audio, phrase, [c["end"] for c in cands])
    rows = []
    for c, k in zip(cands, kws, strict=True):
        f = fused_over_bar(c["head"], k)
        row = {"end": c["end"], "at": c["at"], "head": c["head"], "fused": f, "margin": None, "heard": ""}
        if f >= LOWEST_FLOOR:  # the listener checks once the candidate's best step is in: hear up to it
            row["margin"], row["heard"] = checker(phrase, audio, max(c["end"], c["peak_end"]))
        rows.append(row)
    return rows


def policy_score(rows: list[dict], floor: float | None, weight: float = 0.0, bar: float = 0.0,
                 sure: float = 99.0, alpha: float = 1.0, candidate: float = FUSION_FLOOR) -> list[float]:
    """Each row's score under the policy; a row whose head score is below the candidate floor is no candidate."""
    out = []
    for r in rows:
        if r.get("head", np.inf) < candidate:
            out.append(-99.0)
            continue
        s = r["fused"]
        if floor is not None and r["margin"] is not None and floor <= s < sure:
            s = alpha * s + weight * (max(r["margin"], -20.0) - bar)
        out.append(s)
    return out


def collect(args, material: Material, checker: Checker) -> dict:
    """Rows for every real phrase: positives (one list of candidates per clip) and false-alarm candidates."""
    out = {}
    dev, fa = material.streams(args.build), [x for b in args.fa_build for x in material.streams(b)]
    streams = [(b / s["wav"], e) for b in [args.build, *args.fa_build] for s, e in material.streams(b)]
    held = held_out_sources(args, material)
    for folder, phrase in REAL.items():
        clips = material.real_clips(args.real / folder)
        if args.takes:  # as bench_ear.py draws them: 6 clips become the couple's takes, out of the test set
            chosen = set(np.random.default_rng(0).choice(len(clips), TAKES, replace=False).tolist())
            head = trained(args, f"{folder}-takes", phrase, [read_audio(clips[i][0]) for i in sorted(chosen)])
            clips = [c for i, c in enumerate(clips) if i not in chosen]
        else:
            head = trained(args, f"{folder}-none", phrase)
        other = next(f for f, p in REAL.items() if p != phrase)
        others = material.real_clips(args.real / other)
        pos = [candidate_rows(head, e, padded(p), phrase, checker, args.candidate_floor) for p, e in clips]
        print(f"{phrase}: {len(pos)} clips checked, {len(checker.seconds)} checks so far", flush=True)
        neg = []
        for path, emb in [*streams, *((p, e) for p, e in others)]:
            audio = padded(path) if path.parent.name == other else read_audio(path)
            neg += candidate_rows(head, emb, audio, phrase, checker, args.candidate_floor)
        for audio, emb in held:
            neg += candidate_rows(head, emb, audio, phrase, checker, args.candidate_floor)
        hours = hours_of([e for _, e in dev + fa] + [e for _, e in others] + [e for _, e in held])
        out[phrase] = {"pos": pos, "neg": neg, "hours": hours}
        print(f"{phrase}: {len(neg)} false-alarm candidates in {hours:.2f} h, {len(checker.seconds)} checks",
              flush=True)
    return out


def padded(path: Path) -> np.ndarray:
    pad = np.zeros(int(PAD_S * 16000), np.int16)
    return np.concatenate([pad, read_audio(path), pad])


def held_out_sources(args, material: Material) -> list[tuple[np.ndarray, np.ndarray]]:
    """The held-out half of ../shared/real-negatives as (audio, embeddings), digits joined a dozen at a time
    as `Material.held_out_negatives` embeds them."""
    real = args.shared / "real-negatives"
    embs = material.held_out_negatives()
    audios = []
    for sub in ("ljspeech", "digits", "noise"):
        files = sorted((real / sub).glob("*.flac"))
        held = files[len(files) // 2:]
        if sub == "digits":
            audios += [np.concatenate([read_audio(p) for p in held[k:k + 12]]) for k in range(0, len(held), 12)]
        else:
            audios += [read_audio(p) for p in held]
    return list(zip(audios, embs, strict=True))


def report(name: str, pos: list[list[dict]], neg: list[dict], hours: float, policies: dict) -> dict:
    results = {}
    for label, kw in policies.items():
        best = np.array([max(policy_score(rows, **kw), default=-99.0) for rows in pos])
        fa = np.sort(np.array(policy_score(neg, **kw)))[::-1]
        line = {}
        for rate in (0.5, 0.1):
            allowed = int(rate * hours)
            t = fa[allowed] + 1e-6 if len(fa) > allowed else -99.0
            line[rate] = float(np.mean(best >= t))
        line["bar"] = float(np.mean(best >= 0.0))
        line["bar_fa"] = float(np.sum(fa >= 0.0) / hours)
        results[label] = line
    ranked = sorted(results.items(), key=lambda kv: (kv[1][0.1], kv[1][0.5]), reverse=True)
    print(f"\n{name}: {len(pos)} clips, false-alarm material {hours:.2f} h, {len(neg)} candidates")
    for label, line in [("first stage", results["first stage"]), *ranked[:args_top]]:
        print(f"  {label:38s} <=0.5 FA/h {line[0.5]:.3f}  <=0.1 FA/h {line[0.1]:.3f}  at the bar {line['bar']:.3f} "
              f"({line['bar_fa']:.2f} FA/h)")
    return results


args_top = 8


def policies(collected_floor: float = FUSION_FLOOR) -> dict:
    out: dict = {"first stage": {"floor": None, "candidate": fusion.CANDIDATE_FLOOR},
                 shipped_policy(): {"floor": fusion.CHECK_FLOOR, "weight": fusion.CHECK_WEIGHT, "bar": fusion.CHECK_BAR,
                                    "sure": fusion.CHECK_SURE, "alpha": fusion.CHECK_ALPHA,
                                    "candidate": fusion.CANDIDATE_FLOOR}}
    candidates = [c for c in CANDIDATE_FLOORS if c >= collected_floor]
    for floor, w, bar, sure, alpha, cand in itertools.product(FLOORS, WEIGHTS, BARS, SURES, ALPHAS, candidates):
        out[policy_name(floor, w, bar, sure, alpha, cand)] = {"floor": floor, "weight": w, "bar": bar, "sure": sure,
                                                              "alpha": alpha, "candidate": cand}
    return out


def policy_name(floor: float, w: float, bar: float, sure: float, alpha: float,
                candidate: float = FUSION_FLOOR) -> str:
    return f"cand {candidate:+.0f} floor {floor:+.0f} w {w:.0f} bar {bar:+.0f} sure {sure:.0f} alpha {alpha:.2f}"


def shipped_policy() -> str:
    return policy_name(fusion.CHECK_FLOOR, fusion.CHECK_WEIGHT, fusion.CHECK_BAR, fusion.CHECK_SURE, fusion.CHECK_ALPHA,
                       fusion.CANDIDATE_FLOOR)


def synthetic_rows(args, material: Material, checker: Checker, word: str = "timeout") -> dict:
    """The head of `word` (--synthetic-head, else the shipped one) on the corpus streams: candidates per stream,
    with labels for the scorer."""
    head = WordHead.load(args.synthetic_head or shipped_head_path(word, default_recipe()))
    streams = []
    for build in [args.build, *args.fa_build]:
        for s, emb in material.streams(build):
            rows = candidate_rows(head, emb, read_audio(build / s["wav"]), word, checker, args.candidate_floor)
            streams.append({"stream": s, "rows": rows})
    return {"streams": streams, "hours": hours_of([e for b in [args.build, *args.fa_build]
                                                    for _, e in material.streams(b)])}


def synthetic_at_bar(data: dict, score, kw: dict, word: str = "timeout",
                     at: float = 0.0) -> tuple[float, float, float]:
    """(recall, false alarms per hour, first-stage latency p95) of the policy at the bar (moved up by `at`) on the
    corpus streams."""
    hits = positives = fas = 0
    lat: list[float] = []
    for item in data["streams"]:
        s, rows = item["stream"], item["rows"]
        scores = policy_score(rows, **kw)
        evs = [{"event": "pause_word", "word": word, "start": r["end"] - 0.5, "end": r["end"],
                "detected_at": r["at"], "confidence": 1.0} for r, sc in zip(rows, scores, strict=True) if sc >= at]
        if s["pause_word"] == word:
            r = score.score_stream(s, evs)
            hits += len(r["hits"])
            positives += len(s["events"])
            fas += len(r["false_alarms"])
            lat += list(r["hits"].values())
        else:
            fas += len(evs)
    return hits / max(1, positives), fas / data["hours"], score.percentile(lat, 0.95)


def main() -> int:
    global args_top
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", type=Path, default=Path("/work/corpus/dev"))
    ap.add_argument("--fa-build", type=Path, nargs="*", default=[Path("/work/corpus/fa")])
    ap.add_argument("--real", type=Path, default=REPO.parent / "shared" / "real-voices")
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    ap.add_argument("--cache", type=Path, default=Path("/work/corpus/emb"))
    ap.add_argument("--heads", type=Path, default=Path("/work/corpus/heads"))
    ap.add_argument("--rows", type=Path, default=Path("/work/corpus/second_stage_rows.json"))
    ap.add_argument("--top", type=int, default=8)
    ap.add_argument("--candidate-floor", type=float, default=FUSION_FLOOR,
                    help="collect candidates from this head log-odds (lower: more candidates, slower)")
    ap.add_argument("--no-synthetic", action="store_true")
    ap.add_argument("--synthetic-head", type=Path, help="the 'timeout' head heard on the corpus streams (default: "
                    "the shipped one); rows cached without them gain them")
    ap.add_argument("--takes", action="store_true", help="heads trained with 6 of each phrase's recordings as "
                    "the couple's takes (those 6 left out of the test); use another --rows file")
    args = ap.parse_args()
    args_top = args.top
    args.recipe = FULL
    args.heads.mkdir(parents=True, exist_ok=True)
    material = Material(args)
    if args.rows.is_file():
        data = json.loads(args.rows.read_text())
        if "synthetic" not in data and not args.no_synthetic:  # real rows cached alone: add the corpus streams'
            checker = Checker()
            data["synthetic"] = synthetic_rows(args, material, checker)
            data["check_seconds"] += checker.seconds
            args.rows.write_text(json.dumps(data))
    else:
        checker = Checker()
        began = time.monotonic()
        data = {"real": collect(args, material, checker)}
        if not args.no_synthetic:
            data["synthetic"] = synthetic_rows(args, material, checker)
        data["check_seconds"] = checker.seconds
        data["collect_seconds"] = time.monotonic() - began
        data["candidate_floor"] = args.candidate_floor
        args.rows.write_text(json.dumps(data))
    secs = np.array(data["check_seconds"])
    print(f"checks: {len(secs)}, seconds each p50 {np.percentile(secs, 50):.2f} p95 {np.percentile(secs, 95):.2f} "
          f"(collected in {data['collect_seconds'] / 60:.0f} min)")
    pols = policies(data.get("candidate_floor", FUSION_FLOOR))
    results = {}
    for phrase, d in data["real"].items():
        n_checked = sum(r["margin"] is not None and r["fused"] >= fusion.CHECK_FLOOR for r in d["neg"])
        print(f"{phrase}: candidates needing a check at the shipped floor: {n_checked / d['hours']:.1f} per hour of "
              "false-alarm material")
        results[phrase] = report(f"real '{phrase}'", d["pos"], d["neg"], d["hours"], pols)
    scorer = load_scorer(args.corpus)
    ranked = sorted(pols, key=lambda p: np.mean([results[ph][p][0.1] + results[ph][p][0.5] for ph in results]),
                    reverse=True)
    print("\nboth phrases, best mean recall at <= 0.1 and 0.5 FA/h; then at the bar (sensitivity 0.5):")
    for label in dict.fromkeys(["first stage", shipped_policy(), *ranked[:args.top]]):
        parts = [f"{ph} {results[ph][label][0.5]:.3f}/{results[ph][label][0.1]:.3f}" for ph in results]
        bar = [f"{ph} {results[ph][label]['bar']:.3f} ({results[ph][label]['bar_fa']:.2f}/h)" for ph in results]
        line = f"  {label:52s} " + "  ".join(parts) + "  | bar: " + "  ".join(bar)
        if "synthetic" in data:
            recall, fa, _latency = synthetic_at_bar(data["synthetic"], scorer, pols[label])
            line += f"  | synthetic timeout {recall:.3f} at {fa:.2f} FA/h"
        print(line, flush=True)
    print_bar_shifts(data, scorer, pols, shipped_policy())
    return 0


BAR_SHIFTS = (-4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def print_bar_shifts(data: dict, scorer, pols: dict, label: str) -> None:
    """Recall and false alarms an hour of one policy with the default bar (`fusion.FUSED_BAR`) moved: where
    to put the bar for heads whose scores moved (a new recipe)."""
    kw = pols[label]
    scored = {phrase: (np.array([max(policy_score(rows, **kw), default=-99.0) for rows in d["pos"]]),
                       np.array(policy_score(d["neg"], **kw)), d["hours"]) for phrase, d in data["real"].items()}
    print(f"\n{label}, the bar moved by:")
    for shift in BAR_SHIFTS:
        parts = [f"{phrase} {np.mean(best >= shift):.3f} ({np.sum(fa >= shift) / hours:.2f}/h)"
                 for phrase, (best, fa, hours) in scored.items()]
        if "synthetic" in data:
            recall, fa, _latency = synthetic_at_bar(data["synthetic"], scorer, kw, at=shift)
            parts.append(f"synthetic timeout {recall:.3f} ({fa:.2f}/h)")
        print(f"  {shift:+5.1f}  " + "  ".join(parts), flush=True)


if __name__ == "__main__":
    sys.exit(main())
