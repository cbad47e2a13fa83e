#!/usr/bin/env python3
"""Benchmark the learned ear (embedding front-end + word head) against the listener issue's targets.

Run by hand, not in CI (`scripts/bench_detector.py --detector learned` runs this):

    .venv/bin/python scripts/bench_ear.py --build /work/corpus/dev --fa-build /work/corpus/fa \
        --real ../shared/real-voices --cache /work/corpus/emb

What it reports, for each word measured:
- real recordings ("alexa", "view glass", each clip heard on its own from cold, padded with silence):
  recall at <= 0.5 and <= 0.1 false alarms per hour, with a head trained without takes and with 6 takes
  (those 6 clips taken out of the test set);
- false-alarm material, hours stated: the other phrase's real recordings, conversation streams of the
  corpus (dev and a larger draw with another seed), and the held-out half of ../shared/real-negatives;
- synthetic pause words of the corpus streams: recall and false alarms per hour, latency p50/p95 after the
  labelled end (the scorer's rules), at the calibrated bar (sensitivity 0.5) and at the FA-rate operating
  points;
- training time, real-time factor of the streaming spotter on one thread, peak memory of `assistant detect`.

Embeddings of every audio file are cached (`--cache`): they do not depend on the word, so measuring a new
head costs seconds. Detections follow the detector's rules exactly: a step at or above the threshold
starts a detection; repeats within the debounce (2 s) are one.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.audio.files import AudioFileError, read_audio
from assistant.ear.embedding import STEP_SECONDS, embed_clip
from assistant.ear.training import FULL, QUICK, train_head
from assistant.ear.word_head import HeadSpotter, WordHead, sequence_windows

DEBOUNCE_S = 2.0
PAD_S = 1.0
REAL = {"alexa": "alexa", "view_glass": "view glass"}
TAKES = 6


def cached_embeddings(path: Path, cache: Path, pad_s: float = 0.0) -> np.ndarray:
    key = hashlib.sha1(f"{path.resolve()}|{pad_s}".encode()).hexdigest()[:16]
    file = cache / f"{key}.npy"
    if file.is_file():
        return np.load(file)
    audio = read_audio(path)
    if pad_s:
        pad = np.zeros(int(pad_s * 16000), np.int16)
        audio = np.concatenate([pad, audio, pad])
    emb = embed_clip(audio, threads=2).astype(np.float16)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(file, emb)
    return emb


def confidences(head: WordHead, emb: np.ndarray) -> np.ndarray:
    """Confidence at every 80 ms step, as the spotter computes it (its window ends at step k)."""
    windows = sequence_windows(emb.astype(np.float32))
    return head.confidence(head.probability(windows))


def log_odds(head: WordHead, emb: np.ndarray) -> np.ndarray:
    """The same, as log-odds relative to the bar (0 = the bar): thresholds near 1.0 stay distinct."""
    windows = sequence_windows(emb.astype(np.float32))
    x = (windows.reshape(len(windows), -1) - head.mean) / head.scale
    logit = (np.maximum(x @ head.w1 + head.b1, 0.0) @ head.w2 + head.b2).reshape(-1)
    return logit - np.log(head.bar / (1 - head.bar))


def events(conf: np.ndarray, threshold: float, head: WordHead) -> list[dict]:
    """The detector's verdicts: a step at or above threshold, repeats within the debounce merged."""
    out, last_end = [], None
    for k in np.nonzero(conf >= threshold)[0]:
        at = (k + 1) * STEP_SECONDS
        end = at - head.lag_seconds
        start = end - head.word_seconds
        if last_end is not None and start - last_end < DEBOUNCE_S:
            continue
        last_end = end
        out.append({"event": "pause_word", "start": start, "end": end, "detected_at": at,
                    "confidence": float(conf[k])})
    return out


def load_scorer(corpus_dir: Path):
    sys.path.insert(0, str(corpus_dir))
    import score  # type: ignore[import-not-found]

    return score


class Material:
    """Embedded audio for one word's measurement: real positives, FA sets, labelled streams."""

    def __init__(self, args) -> None:
        self.args = args
        self.cache = args.cache

    def real_clips(self, folder: Path) -> list[tuple[Path, np.ndarray]]:
        out = []
        for f in sorted((p for p in folder.iterdir() if p.suffix.lower() in (".flac", ".wav")),
                        key=lambda p: (len(p.stem), p.stem)):
            try:
                out.append((f, cached_embeddings(f, self.cache, PAD_S)))
            except AudioFileError:
                continue
        return out

    def streams(self, build: Path | None) -> list[tuple[dict, np.ndarray]]:
        if build is None or not (build / "manifest.json").is_file():
            return []
        manifest = json.loads((build / "manifest.json").read_text())
        return [(s, cached_embeddings(build / s["wav"], self.cache)) for s in manifest["streams"]]

    def held_out_negatives(self) -> list[np.ndarray]:
        real = self.args.shared / "real-negatives"
        out = []
        for sub in ("ljspeech", "digits", "noise"):
            files = sorted((real / sub).glob("*.flac"))
            held = files[len(files) // 2:]  # the training half is in the shipped bank
            if sub == "digits":  # 1,500 one-second clips: embed them joined, a dozen at a time
                for k in range(0, len(held), 12):
                    key = self.cache / f"digits-{hashlib.sha1(str(held[k]).encode()).hexdigest()[:12]}.npy"
                    if not key.is_file():
                        audio = np.concatenate([read_audio(p) for p in held[k:k + 12]])
                        self.cache.mkdir(parents=True, exist_ok=True)
                        np.save(key, embed_clip(audio, threads=2).astype(np.float16))
                    out.append(np.load(key))
            else:
                out += [cached_embeddings(p, self.cache) for p in held]
        return out


def hours_of(embs) -> float:
    return sum(len(e) for e in embs) * STEP_SECONDS / 3600


def thresholds_within(fa_at: dict[float, float], rates) -> dict[float, tuple[float, float]]:
    """For each rate, the lowest threshold whose false alarms per hour (`fa_at`: threshold -> rate) stay
    within it, and its rate; the highest threshold measured when none does."""
    out = {}
    for rate in rates:
        ok = [t for t in fa_at if fa_at[t] <= rate]
        t = float(min(ok)) if ok else float(max(fa_at))
        out[rate] = (t, fa_at[t])
    return out


def operating_points(real_best: np.ndarray, fa_logits: list[np.ndarray], head: WordHead, hours: float,
                     rates=(0.5, 0.1)) -> dict:
    """Recall on real clips at the lowest threshold (log-odds over the bar) whose false alarms per hour
    stay within each rate; and at the bar itself (sensitivity 0.5)."""
    grid = np.unique(np.concatenate([[0.0], np.linspace(-6, 40, 461)]))
    fa_at = {t: sum(len(events(c, t, head)) for c in fa_logits) / hours for t in grid}
    out = {}
    for rate, (t, far) in thresholds_within(fa_at, rates).items():
        out[rate] = (t, float(np.mean(real_best >= t)) if len(real_best) else float("nan"), far)
    out["bar"] = (0.0, float(np.mean(real_best >= 0.0)) if len(real_best) else float("nan"), fa_at[0.0])
    return out


def trained(args, label: str, word: str, takes=()) -> WordHead:
    """A head trained by the recipe, kept in --heads so that measuring again costs no training."""
    path = args.heads / f"{label}-{args.recipe.version}.npz"
    if path.is_file():
        return WordHead.load(path)
    head = train_head(word, recipe=args.recipe, takes=list(takes))
    head.save(path)
    return head


def measure_real(args, material: Material, score) -> None:
    """The real recordings, each phrase with and without 6 takes; FA from everything else."""
    dev, fa = material.streams(args.build), [x for b in args.fa_build for x in material.streams(b)]
    stream_embs = [e for _, e in dev + fa]
    held = material.held_out_negatives()
    rng = np.random.default_rng(0)
    for folder, phrase in REAL.items():
        clips = material.real_clips(args.real / folder)
        others = [e for other, p in REAL.items() if p != phrase for _, e in material.real_clips(args.real / other)]
        fa_embs = stream_embs + held + others
        hours = hours_of(fa_embs)
        other_folder = next(args.real / f for f, p in REAL.items() if p != phrase)
        fa_sources = [(b / s["wav"], e, 0.0) for b in [args.build, *args.fa_build]
                      for s, e in material.streams(b)]
        fa_sources += [(p, e, PAD_S) for p, e in material.real_clips(other_folder)]
        takes_idx = set(rng.choice(len(clips), TAKES, replace=False).tolist())
        for with_takes in (False, True):
            takes = [read_audio(clips[i][0]) for i in sorted(takes_idx)] if with_takes else []
            head = trained(args, f"{folder}-{'takes' if with_takes else 'none'}", phrase, takes)
            train_s = head.info.get("train_seconds", 0)
            test = [e for i, (_, e) in enumerate(clips) if not (with_takes and i in takes_idx)]
            best = np.array([log_odds(head, e).max() for e in test])
            fa_logits = [log_odds(head, e) for e in fa_embs]
            points = operating_points(best, fa_logits, head, hours)
            label = f"real '{phrase}' {'with 6 takes' if with_takes else 'no takes'}"
            if args.fusion:
                test_paths = [p for i, (p, _) in enumerate(clips) if not (with_takes and i in takes_idx)]
                measure_fusion(args, material, phrase, folder, head, test_paths, fa_sources, hours)
            print(f"{label}: clips={len(test)} fa_material={hours:.2f} h "
                  f"(streams {hours_of(stream_embs):.2f} h, held-out real negatives {hours_of(held):.2f} h, "
                  f"other phrase {hours_of(others):.2f} h) train_s={train_s:.0f} bar={head.bar:.3f}", flush=True)
            for key, (t, recall, far) in points.items():
                name = "at the calibrated bar (sensitivity 0.5)" if key == "bar" else f"at <= {key} FA/h"
                print(f"  {name}: threshold log-odds={t:+.1f} (confidence {1 / (1 + np.exp(-t)):.6f}) "
                      f"recall={recall:.3f} fa_per_hour={far:.2f}", flush=True)


FUSION_FLOOR = -2.0
"""Head candidates at or above this log-odds (over the bar) are given keyword-search evidence."""
FUSION_WEIGHTS = (0.0, 1.0, 2.0, 4.0, 6.0, 8.0)


def keyword_evidence(audio: np.ndarray, phrase: str, ends: list[float]) -> list[float]:
    """For each candidate end time (s), the best PocketSphinx keyword-search confidence of the phrase
    ending within 0.8 s of it, decoded over the 3.5 s around it (0.0 when the search found nothing)."""
    from bench_detector import decode  # type: ignore[import-not-found]

    out = []
    for end in ends:
        a, b = max(0, int((end - 2.5) * 16000)), int((end + 1.0) * 16000)
        hits, _ = decode(audio[a:b], phrase)
        near = [h.confidence for h in hits if abs(a / 16000 + h.end_s - end) < 0.8]
        out.append(max(near, default=0.0))
    return out


def fused(head_lo: np.ndarray, kws: np.ndarray, w: float) -> np.ndarray:
    """Logistic fusion: the head's log-odds plus w times the keyword search's (0 found -> 1%)."""
    k = np.clip(kws, 0.01, 0.99)
    return head_lo + w * (np.log(k / (1 - k)) + 2.0)


def measure_fusion(args, material: Material, phrase: str, folder: str, head: WordHead, test_paths: list[Path],
                   fa_sources: list[tuple[Path, np.ndarray, float]], hours: float) -> None:
    """Recall at <= 0.5 and 0.1 FA/h of the head alone and fused with keyword search, per weight."""
    clip_rows = []  # per real clip: candidates (head log-odds, kws)
    for path in test_paths:
        emb = cached_embeddings(path, material.cache, PAD_S)
        lo = log_odds(head, emb)
        evs = events(lo, FUSION_FLOOR, head)
        audio = np.concatenate([np.zeros(int(PAD_S * 16000), np.int16), read_audio(path),
                                np.zeros(int(PAD_S * 16000), np.int16)])
        kws = keyword_evidence(audio, phrase, [e["end"] for e in evs])
        clip_rows.append([(float(lo[round(e["detected_at"] / STEP_SECONDS) - 1:][:6].max()), k)
                          for e, k in zip(evs, kws, strict=True)])
    fa_rows = []
    for path, emb, offset in fa_sources:
        lo = log_odds(head, emb)
        evs = events(lo, FUSION_FLOOR, head)
        if not evs:
            continue
        audio = read_audio(path)
        if offset:
            pad = np.zeros(int(offset * 16000), np.int16)
            audio = np.concatenate([pad, audio, pad])
        kws = keyword_evidence(audio, phrase, [e["end"] for e in evs])
        fa_rows += [(float(lo[round(e["detected_at"] / STEP_SECONDS) - 1:][:6].max()), k)
                    for e, k in zip(evs, kws, strict=True)]
    fa = np.array(fa_rows) if fa_rows else np.zeros((0, 2))
    for w in FUSION_WEIGHTS:
        fa_scores = np.sort(fused(fa[:, 0], fa[:, 1], w))[::-1] if len(fa) else np.zeros(0)
        best = np.array([max((float(fused(np.array([h]), np.array([k]), w)[0]) for h, k in rows), default=-99)
                         for rows in clip_rows])
        parts = []
        for rate in (0.5, 0.1):
            allowed = int(rate * hours)  # false alarms allowed in these hours
            t = fa_scores[allowed] + 1e-6 if len(fa_scores) > allowed else FUSION_FLOOR
            parts.append(f"<= {rate} FA/h: recall={np.mean(best >= t):.3f} (fused log-odds >= {t:.1f})")
        name = "head alone" if w == 0 else f"fused, keyword weight {w}"
        print(f"  fusion '{phrase}' {name}: " + "  ".join(parts) + f"  ({len(fa)} candidates in {hours:.2f} h)",
              flush=True)


def measure_synthetic(args, material: Material, score, words: list[str]) -> None:
    """Pause words of the corpus streams: recall, FA/h, latency, per word, on dev + fa streams."""
    streams = material.streams(args.build) + [x for b in args.fa_build for x in material.streams(b)]
    hours = hours_of([e for _, e in streams])
    for word in words:
        head = trained(args, f"synthetic-{word}", word)
        confs = [(s, log_odds(head, e)) for s, e in streams]
        own = [(s, c) for s, c in confs if s["pause_word"] == word]
        for t in (0.0, 3.0, 6.0, 10.0, 15.0):  # log-odds over the bar; 0 is sensitivity 0.5
            hits = positives = fas = 0
            lat: list[float] = []
            for s, c in confs:
                evs = [dict(e, word=word) for e in events(c, t, head)]
                if s["pause_word"] == word:
                    r = score.score_stream(s, evs)
                    hits += len(r["hits"])
                    positives += len(s["events"])
                    fas += len(r["false_alarms"])
                    lat += list(r["hits"].values())
                else:
                    fas += len(evs)
            print(f"synthetic '{word}' log-odds>={t:+.0f}: recall={hits / max(1, positives):.3f} ({hits}/{positives}) "
                  f"in {len(own)} streams; false alarms={fas} in {hours:.2f} h = {fas / hours:.2f}/h; "
                  f"latency p50={score.percentile(lat, 0.5):.2f} p95={score.percentile(lat, 0.95):.2f} s "
                  f"(train {head.info.get('train_seconds')} s)", flush=True)


def measure_listener(args, score, word: str = "timeout") -> None:
    """The shipped listener (head fused with keyword search, `build_detector`) through `assistant detect`'s
    own code on every corpus stream: recall on the streams of `word`, false alarms on all of them (hours
    stated), latency after the labelled end, and CPU seconds per audio second."""
    from assistant.config import Config
    from assistant.ear.build import build_detector

    hits = positives = fas = 0
    lat: list[float] = []
    cpu = audio_s = 0.0
    for build in [args.build, *args.fa_build]:
        if not (build / "manifest.json").is_file():
            continue
        manifest = json.loads((build / "manifest.json").read_text())
        for s in manifest["streams"]:
            audio = read_audio(build / s["wav"])
            detector, _ = build_detector(Config(), [word])
            began = time.process_time()
            found = [e for i in range(0, len(audio), 480) for e in detector.process(audio[i:i + 480])]
            found += detector.flush()
            cpu += time.process_time() - began
            audio_s += len(audio) / 16000
            evs = [{"event": "pause_word", "word": e.word, "start": e.start_ms / 1000, "end": e.end_ms / 1000,
                    "detected_at": e.t_ms / 1000, "confidence": e.confidence} for e in found]
            if s["pause_word"] == word:
                r = score.score_stream(s, evs)
                hits += len(r["hits"])
                positives += len(s["events"])
                fas += len(r["false_alarms"])
                lat += list(r["hits"].values())
            else:
                fas += len(evs)
    hours = audio_s / 3600
    print(f"listener '{word}' (shipped head + keyword search): recall={hits / max(1, positives):.3f} "
          f"({hits}/{positives}) false alarms={fas} in {hours:.2f} h = {fas / hours:.2f}/h; latency "
          f"p50={score.percentile(lat, 0.5):.2f} p95={score.percentile(lat, 0.95):.2f} s; "
          f"rtf={cpu / audio_s:.4f}", flush=True)


def measure_speed(args) -> None:
    """Real-time factor of the streaming spotter on one thread, and peak memory of `assistant detect`."""
    manifest = json.loads((args.build / "manifest.json").read_text())
    wav = args.build / manifest["streams"][0]["wav"]
    audio = read_audio(wav)
    head = WordHead.load(args.head) if args.head else train_head("timeout", recipe=QUICK)
    spotter = HeadSpotter([head])
    began = time.process_time()
    for i in range(0, len(audio), 480):
        spotter.accept(audio[i:i + 480])
    cpu = time.process_time() - began
    print(f"rtf={cpu / (len(audio) / 16000):.4f} (CPU s per audio s, streaming, 30 ms blocks, one thread)")
    cmd = [sys.executable, "-c", ("import resource, sys; from assistant.cli import main; rc = main(sys.argv[1:]); "
           "print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, file=sys.stderr)"),
           "detect", str(wav), "--json"]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, check=False)
    rss = [line for line in out.stderr.splitlines() if line.startswith("RSS")]
    print(f"assistant detect (default word, shipped head) peak RSS: {rss[-1].split()[1] if rss else '?'} MB; "
          f"summary {out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr[-300:]}")
    print(f"bench process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", type=Path, default=Path("/work/corpus/dev"), help="corpus.py output (dev)")
    ap.add_argument("--fa-build", type=Path, nargs="+", default=[Path("/work/corpus/fa"), Path("/work/corpus/fa2")],
                    help="more streams (other seeds), for false-alarm hours")
    ap.add_argument("--real", type=Path, default=REPO.parent / "shared" / "real-voices")
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    ap.add_argument("--cache", type=Path, default=Path("/work/corpus/emb"))
    ap.add_argument("--fusion", action="store_true", help="also measure fusion with keyword search (slow)")
    ap.add_argument("--heads", type=Path, default=Path("/work/corpus/heads"), help="trained heads kept here")
    ap.add_argument("--quick", action="store_true", help="the QUICK recipe (tests' size), for a fast look")
    ap.add_argument("--only", choices=("real", "synthetic", "listener", "speed"), action="append")
    ap.add_argument("--words", nargs="*", default=["timeout"], help="synthetic pause words to measure")
    ap.add_argument("--head", type=Path, help="a head file for the speed measurement")
    args = ap.parse_args()
    args.recipe = QUICK if args.quick else FULL
    args.heads.mkdir(parents=True, exist_ok=True)
    score = load_scorer(args.corpus)
    material = Material(args)
    only = set(args.only or ("real", "synthetic", "listener", "speed"))
    if "real" in only:
        measure_real(args, material, score)
    if "synthetic" in only:
        measure_synthetic(args, material, score, args.words)
    if "listener" in only:
        measure_listener(args, score)
    if "speed" in only:
        measure_speed(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
