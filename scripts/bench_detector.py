#!/usr/bin/env python3
"""Benchmark the pause-word detector (the `assistant detect` pipeline) against the issue's targets.

Run by hand, not in CI. This measures the keyword detector (`listener.detector = "keyword"`); with
`--detector learned` it runs `scripts/bench_ear.py`, the benchmark of the default, learned detector.

    .venv/bin/python scripts/bench_detector.py --build /work/corpus-build/full \
        --real ../shared/real-voices --jobs 2

Reports, with the scoring rules of ../shared/corpus/score.py (a hit ends within -0.3..+1.5 s of the label):
(a) recall, false alarms per hour and latency on the corpus's conversation streams; (b) recall on the real
recordings ("alexa", "view glass"; held out: never tuned on), played one after another with silence between;
(b') the same recordings each heard by a listener of its own, from cold (see `_real_clip_job`);
(c) false alarms per hour of "alexa" and "view glass" detectors on the conversation streams; (d) real-time
factor (CPU seconds per audio second), latency p50/p95, start-up to the first frame processed, peak RSS;
(e) the recall / false-alarm trade-off at three sensitivities; (g) the same corpus under PocketSphinx
keyword spotting as usually configured (one threshold on the phrase's whole score, swept like the Picovoice
benchmark sweeps it), the baseline the detector must beat; with `--calibrate`, (f) recall and false
alarms when each stream's couple sets the threshold by `assistant setup` on their own voices. Each stream
is decoded once; the detector's threshold and debounce are then replayed on the recorded hits.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.audio.files import AudioFileError, read_audio
from assistant.audio.vad import VadGate
from assistant.hearing.detector import PauseWordDetector, threshold_for
from assistant.hearing.recognizer import SAMPLE_RATE, HitRecorder, WordHit
from assistant.hearing.sphinx_engine import SCORE_CENTER, SCORE_SPREAD, SphinxSpotter

SENSITIVITIES = (0.3, 0.5, 0.7)
BLOCK = 480                 # samples fed at a time: 30 ms, as `assistant detect` does
REAL_GAP_S = 1.5            # silence between real recordings when they are played in a row
REAL_PHRASES = {"alexa": "alexa", "view_glass": "view glass"}
DEBOUNCE_S = 2.0            # the config default


def load_scorer(corpus_dir: Path):
    """score.py's own rules, imported rather than copied."""
    sys.path.insert(0, str(corpus_dir))
    import score  # type: ignore[import-not-found]

    return score


class _Replay:
    """A recognizer that hands back recorded hits when the audio clock reaches their emission time."""

    def __init__(self, vocabulary, hits: list[WordHit]) -> None:
        self.vocabulary = tuple(vocabulary)
        self._hits = sorted(hits, key=lambda h: h.emitted_s)
        self._i = 0
        self._samples = 0

    def accept(self, frame):
        self._samples += len(frame)
        return self._until(self._samples / SAMPLE_RATE)

    def _until(self, t: float):
        out = []
        while self._i < len(self._hits) and self._hits[self._i].emitted_s <= t + 1e-9:
            out.append(self._hits[self._i])
            self._i += 1
        return out

    def flush(self):
        return self._until(float("inf"))

    def skip(self, samples):
        self._samples += samples
        return self._until(self._samples / SAMPLE_RATE)

    def reset(self):
        pass


def decode(audio: np.ndarray, phrase: str) -> tuple[list[WordHit], float]:
    """All hits of the gated spotter over `audio` (detector at sensitivity 1, so nothing is filtered
    before the replay), and the CPU seconds it took."""
    began = time.process_time()
    rec = HitRecorder(SphinxSpotter([phrase]))
    det = PauseWordDetector(rec, sensitivity=1.0, debounce_seconds=DEBOUNCE_S, gate=VadGate())
    for i in range(0, len(audio), BLOCK):
        det.process(audio[i:i + BLOCK])
    det.flush()
    return rec.hits, time.process_time() - began


def events_at(hits: list[WordHit], phrase: str, audio_s: float, sensitivity: float,
              threshold: float | None = None) -> list[dict]:
    """The detector's verdicts at one sensitivity (or a calibrated threshold for the phrase), as
    `assistant detect --json` prints them."""
    thresholds = {phrase: threshold} if threshold is not None else None
    det = PauseWordDetector(_Replay([phrase], hits), sensitivity=sensitivity, thresholds=thresholds,
                            debounce_seconds=DEBOUNCE_S)
    step = int(0.1 * SAMPLE_RATE)
    events = []
    for _ in range(0, int(audio_s * SAMPLE_RATE) + step, step):
        events += det.process(np.zeros(step, dtype=np.int16))
    events += det.flush()
    return [{"event": "pause_word", "word": e.word, "start": e.start_ms / 1000, "end": e.end_ms / 1000,
             "detected_at": e.t_ms / 1000, "confidence": e.confidence} for e in events]


BASELINE_THRESHOLDS = (1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-20)
"""kws_threshold values of the usual configuration; 1e-20 is PocketSphinx's documented example."""


def whole_phrase_log_score(hit: WordHit) -> float:
    """The keyword search's own score of a hit, in the units it compares with its threshold, recovered from
    the detector's confidence (a logistic of that score per 10 ms frame)."""
    c = min(max(hit.confidence, 1e-15), 1 - 1e-15)
    per_frame = SCORE_CENTER + SCORE_SPREAD * math.log(c / (1 - c))
    frames = round((hit.end_s - hit.start_s) * 100)
    return per_frame * frames


def baseline_events(hits: list[WordHit], kws_threshold: float) -> list[dict]:
    """PocketSphinx keyword spotting as usually configured: a hit counts when its whole-phrase score beats
    `kws_threshold`, with no score per frame and no per-word bar; repeats within the debounce are one."""
    # kws_search.c: threshold = logmath_log(base 1.0001, kws_threshold) >> SENSCR_SHIFT (10 bits)
    bar, last, events = math.log(kws_threshold) / math.log(1.0001) / 1024, None, []
    for h in sorted(hits, key=lambda h: h.end_s):
        if whole_phrase_log_score(h) < bar or (last is not None and h.start_s - last < DEBOUNCE_S):
            continue
        last = h.end_s
        events.append({"event": "pause_word", "word": h.phrase, "start": h.start_s, "end": h.end_s,
                       "detected_at": h.emitted_s, "confidence": 1.0})
    return events


def baseline_report(score, streams: list[dict], by_key: dict, real_runs: list, build: Path, hours: float) -> None:
    """Recall and false alarms of the usual configuration over the same decoded hits (same VAD gate and
    candidate search; the candidate floor, 10^-6 per phone, is looser than every threshold swept)."""
    for thr in BASELINE_THRESHOLDS:
        hits_n = positives = fas = 0
        for s in streams:
            hits, _, _ = by_key[(str(build / s["wav"]), s["pause_word"])]
            r = score.score_stream(s, baseline_events(hits, thr))
            hits_n += len(r["hits"])
            positives += len(s["events"])
            fas += len(r["false_alarms"])
        real_parts = []
        for phrase, labels, hits, _, _ in real_runs:
            found = score.score_stream({"events": labels, "pause_word": phrase}, baseline_events(hits, thr))
            on_streams = sum(len(baseline_events(by_key[(str(build / s["wav"]), phrase)][0], thr)) for s in streams)
            real_parts.append(f"real '{phrase}' recall={len(found['hits']) / max(1, len(labels)):.3f} "
                              f"fa_per_hour={on_streams / hours:.2f}")
        print(f"baseline kws_threshold={thr:.0e}: synthetic recall={hits_n / max(1, positives):.3f} "
              f"({hits_n}/{positives}) fa_per_hour={fas / hours:.2f} | " + " | ".join(real_parts))


def _stream_job(args):
    path, phrase = args
    audio = read_audio(path)
    hits, cpu = decode(audio, phrase)
    return path, phrase, hits, cpu, len(audio) / SAMPLE_RATE


def _real_job(args):
    folder, phrase = args
    gap = np.zeros(int(REAL_GAP_S * SAMPLE_RATE), dtype=np.int16)
    parts, labels, t = [gap], [], REAL_GAP_S
    clips = [p for p in Path(folder).iterdir() if p.suffix.lower() in (".flac", ".wav")]
    for f in sorted(clips, key=lambda p: (len(p.stem), p.stem)):
        try:
            clip = read_audio(f)
        except AudioFileError as e:  # a few clips of the public set are damaged; say so, do not count them
            print(f"skipped: {e}", file=sys.stderr)
            continue
        labels.append({"start": t, "end": t + len(clip) / SAMPLE_RATE, "clip": f.name})
        parts += [clip, gap]
        t += (len(clip) + len(gap)) / SAMPLE_RATE
    audio = np.concatenate(parts)
    hits, cpu = decode(audio, phrase)
    return phrase, labels, hits, cpu, len(audio) / SAMPLE_RATE


def _real_clip_job(args):
    """Each real recording heard by a listener of its own, from cold: one speaker, one microphone, as a
    couple's listener meets them. Played in a row instead, the running cepstral mean adapted to one
    recording's microphone is wrong for the next one, a mismatch no couple's listener has. Returns the
    best confidence of the phrase in each clip (0 when not found)."""
    folder, phrase = args
    pad = np.zeros(int(REAL_GAP_S * SAMPLE_RATE), dtype=np.int16)
    best = []
    for f in sorted((p for p in Path(folder).iterdir() if p.suffix.lower() in (".flac", ".wav")),
                    key=lambda p: (len(p.stem), p.stem)):
        try:
            clip = read_audio(f)
        except AudioFileError:
            continue  # _real_job says which
        hits, _ = decode(np.concatenate([pad, clip, pad]), phrase)
        best.append(max((h.confidence for h in hits), default=0.0))
    return phrase, best


TAKE_STYLES = ((1.0, 50), (0.9, 40), (1.1, 60))
"""(speaking rate factor, pitch) of each set-up take, as tests/test_calibration.py renders them."""
SETUP_SENTENCES = 3
"""Ordinary sentences each partner reads at set-up."""


def _calibration_job(args):
    """`assistant setup` for one stream's couple: each voice says the word three ways and reads ordinary
    sentences (rendered fresh by the corpus's own renderer, not cut from the stream); returns the
    Calibration."""
    corpus_dir, cache, stream, lines = args
    sys.path.insert(0, str(corpus_dir))
    import corpus  # type: ignore[import-not-found]

    from assistant.setup.calibration import calibrate

    def clip(spec: str, text: str, rate_factor: float = 1.0, pitch: int = 50) -> np.ndarray:
        base, _, rate = spec.partition("@")
        parsed = corpus.Voice.parse(base)
        voice = corpus.Voice(parsed.engine, parsed.name, round(float(rate or 1) * rate_factor, 2), pitch)
        return (np.clip(corpus.speak(voice, text, cache), -1, 1) * 32767).astype(np.int16)

    word = stream["pause_word"]
    takes = [clip(v, word, r, p) for v in stream["voices"] for r, p in TAKE_STYLES]
    ordinary = [clip(v, line) for i, v in enumerate(stream["voices"])
                for line in lines[i * SETUP_SENTENCES:(i + 1) * SETUP_SENTENCES]]
    return stream["wav"], calibrate(word, takes, ordinary)


def calibrated_report(args, score, streams: list[dict], by_key: dict, hours: float) -> None:
    """Recall and false alarms when each couple's threshold comes from set-up on their own voices;
    a couple whose set-up does not separate keeps the default sensitivity (set-up saves nothing)."""
    sys.path.insert(0, str(args.corpus))
    import corpus  # type: ignore[import-not-found]

    lines = corpus.Lists.load(args.corpus / "lists").lines
    jobs = [(args.corpus, args.build / "setup-cache", s, lines) for s in streams]
    with ProcessPoolExecutor(args.jobs) as pool:
        calibrations = dict(pool.map(_calibration_job, jobs))
    hits_n = positives = fas = 0
    for s in streams:
        cal = calibrations[s["wav"]]
        hits, _, secs = by_key[(str(args.build / s["wav"]), s["pause_word"])]
        r = score.score_stream(s, events_at(hits, s["pause_word"], secs, 0.5,
                                            cal.threshold if cal.separates else None))
        hits_n += len(r["hits"])
        positives += len(s["events"])
        fas += len(r["false_alarms"])
        print(f"  {s['wav']} '{s['pause_word']}': threshold={cal.threshold:.2f} separates={cal.separates} "
              f"takes min={min(cal.take_scores):.2f} ({sum(x == 0 for x in cal.take_scores)}/{len(cal.take_scores)} "
              f"not found) sentences max={max(cal.ordinary_scores):.2f} "
              f"-> {len(r['hits'])}/{len(s['events'])} heard, {len(r['false_alarms'])} false alarms")
    print(f"calibrated per couple: synthetic recall={hits_n / max(1, positives):.3f} ({hits_n}/{positives}) "
          f"false_alarms={fas} fa_per_hour={fas / hours:.2f}")


def startup_and_memory(path: Path, phrase: str) -> tuple[float, float]:
    """Seconds from building the detector to the first frame processed; peak RSS of this process (MB)."""
    audio = read_audio(path)[:SAMPLE_RATE * 20]
    began = time.perf_counter()
    det = PauseWordDetector(SphinxSpotter([phrase]), gate=VadGate())
    det.process(audio[:BLOCK])
    first = time.perf_counter() - began
    for i in range(BLOCK, len(audio), BLOCK):
        det.process(audio[i:i + BLOCK])
    det.flush()
    return first, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    if "--detector" in sys.argv:  # the learned ear has its own benchmark; the flag keeps one entry point
        i = sys.argv.index("--detector")
        kind = sys.argv[i + 1] if i + 1 < len(sys.argv) else ""
        del sys.argv[i:i + 2]
        if kind == "learned":
            import bench_ear  # type: ignore[import-not-found]

            return bench_ear.main()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, default=Path("/work/corpus-build/full"), help="corpus.py output")
    parser.add_argument("--real", type=Path, default=REPO.parent / "shared" / "real-voices",
                        help="folder with alexa/ and view_glass/ clips, FLAC or WAV (skipped when missing)")
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus", help="holds score.py")
    parser.add_argument("--jobs", type=int, default=2, help="processes (the machine has 2 cores)")
    parser.add_argument("--details", type=Path, help="write misses and false alarms here (JSON)")
    parser.add_argument("--calibrate", action="store_true",
                        help="also set each couple's threshold by set-up on their own (rendered) voices")
    args = parser.parse_args()
    score = load_scorer(args.corpus)
    manifest = json.loads((args.build / "manifest.json").read_text())
    streams = manifest["streams"]
    real = [(args.real / d, p) for d, p in REAL_PHRASES.items() if (args.real / d).is_dir()]

    jobs = [(args.build / s["wav"], s["pause_word"]) for s in streams]
    jobs += [(args.build / s["wav"], p) for s in streams for _, p in real]  # (c): other words' detectors
    with ProcessPoolExecutor(args.jobs) as pool:
        stream_runs = list(pool.map(_stream_job, jobs))
        real_runs = list(pool.map(_real_job, [(str(d), p) for d, p in real]))
        real_clip_runs = list(pool.map(_real_clip_job, [(str(d), p) for d, p in real]))
    by_key = {(str(p), ph): (hits, cpu, secs) for p, ph, hits, cpu, secs in stream_runs}

    cpu_total = sum(r[3] for r in stream_runs[:len(streams)])
    audio_total = sum(r[4] for r in stream_runs[:len(streams)])
    hours = audio_total / 3600
    print(f"corpus {args.build}: {len(streams)} streams, {hours:.3f} h, "
          f"{sum(len(s['events']) for s in streams)} pause words")
    details = []
    for sens in SENSITIVITIES:
        hits_n = positives = fas = 0
        latencies: list[float] = []
        other_fa = {p: 0 for _, p in real}
        for s in streams:
            hits, _, secs = by_key[(str(args.build / s["wav"]), s["pause_word"])]
            r = score.score_stream(s, events_at(hits, s["pause_word"], secs, sens))
            hits_n += len(r["hits"])
            positives += len(s["events"])
            fas += len(r["false_alarms"])
            latencies += list(r["hits"].values())
            if sens == 0.5:
                details.append({"wav": s["wav"], "pause_word": s["pause_word"], "misses": r["misses"],
                                "false_alarms": r["false_alarms"]})
            for _, p in real:
                h, _, secs = by_key[(str(args.build / s["wav"]), p)]
                other_fa[p] += len(events_at(h, p, secs, sens))
        real_parts = []
        alone = dict(real_clip_runs)
        for phrase, labels, hits, _, secs in real_runs:
            found = score.score_stream({"events": labels, "pause_word": phrase}, events_at(hits, phrase, secs, sens))
            heard = sum(c >= threshold_for(sens) for c in alone[phrase])
            real_parts.append(f"real '{phrase}' recall in a row={len(found['hits']) / max(1, len(labels)):.3f} "
                              f"({len(found['hits'])}/{len(labels)}), each on its own="
                              f"{heard / max(1, len(alone[phrase])):.3f} ({heard}/{len(alone[phrase])})")
        others = " ".join(f"'{p}' fa_per_hour={n / hours:.2f}" for p, n in other_fa.items())
        print(f"sensitivity={sens}: synthetic recall={hits_n / max(1, positives):.3f} ({hits_n}/{positives}) "
              f"false_alarms={fas} fa_per_hour={fas / hours:.2f} latency_p50={score.percentile(latencies, 0.5):.2f} "
              f"latency_p95={score.percentile(latencies, 0.95):.2f} | " + " | ".join(real_parts)
              + (f" | on the streams: {others}" if others else ""))
    baseline_report(score, streams, by_key, real_runs, args.build, hours)
    if args.details:
        args.details.write_text(json.dumps(details, indent=1))
    if args.calibrate:
        calibrated_report(args, score, streams, by_key, hours)
    first, rss = startup_and_memory(args.build / streams[0]["wav"], streams[0]["pause_word"])
    print(f"rtf={cpu_total / audio_total:.4f} (CPU seconds per audio second, one pause word) "
          f"startup_to_first_frame={first:.2f}s peak_rss={rss:.0f}MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
