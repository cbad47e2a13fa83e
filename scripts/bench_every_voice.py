#!/usr/bin/env python3
"""Is the default pause word heard in every offline voice on this machine? (Run by hand, not in CI.)

    .venv/bin/python scripts/bench_every_voice.py [--word timeout] [--quick]

Every espeak-ng accent with several of its variants, every flite and festival voice, piper's joe (each at three
speeds) say the word alone, after a word, and mid-sentence; each clip, with half a second of quiet around it, is
heard from cold by the shipped listener (`build_detector` with the default config), once with the second stage
and once without. A voice counts as heard when all three of its clips are. Reports the share of voices and of
clips heard, per engine, and the voices missed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.config import Config, ListenerConfig
from assistant.ear import tts_voices
from assistant.ear.build import build_detector

SAYINGS = ("{w}", "okay, {w}", "I think we need a {w} right now")
ESPEAK_VARIANTS = ("", "+m3", "+f2", "+klatt", "+croak", "+whisper")
SPEEDS = (140, 175, 210)
STRETCHES = (0.85, 1.0, 1.2)


def voices(quick: bool) -> list[tuple[str, str, object]]:
    """(engine, name, render) for every offline voice, at every speed."""
    out = []
    variants = ESPEAK_VARIANTS[:2] if quick else ESPEAK_VARIANTS
    for accent in tts_voices.ESPEAK_ACCENTS:
        for variant in variants:
            for speed in SPEEDS:
                out.append(("espeak-ng", f"{accent}{variant}:s{speed}", tts_voices._espeak(f"{accent}{variant}", 50, speed)))
    for v in tts_voices.FLITE_VOICES:
        for s in STRETCHES:
            out.append(("flite", f"{v}:{s}", tts_voices._flite(v, s)))
    for v in tts_voices.FESTIVAL_VOICES:
        for s in STRETCHES:
            out.append(("festival", f"{v}:{s}", tts_voices._festival(v, s)))
    if tts_voices._piper_voice() is not None:
        for length in (0.85, 1.0, 1.2):
            out.append(("piper", f"joe:{length}", tts_voices._piper(length, 0.0)))
    return out


def speech_end(audio: np.ndarray) -> float:
    """Seconds to the last 10 ms louder than -40 dBFS: where the word said last ends."""
    frames = audio[:len(audio) // 160 * 160].reshape(-1, 160).astype(np.float64)
    loud = np.nonzero(np.sqrt((frames ** 2).mean(axis=1)) > 32768 * 0.01)[0]
    return (loud[-1] + 1) * 0.01 if len(loud) else len(audio) / 16000


def heard(audio: np.ndarray, word: str, second_stage: bool) -> tuple[bool, float | None]:
    """Whether the listener heard the word in the clip, and the latency from the end of speech to the
    detection: on the audio clock, plus the wall time of the block that emitted it (the check runs in it)."""
    config = Config(listener=ListenerConfig(pause_words=(word,), second_stage=second_stage))
    detector, _ = build_detector(config, [word])
    pad = np.zeros(8000, np.int16)
    clip = np.concatenate([pad, audio, pad, pad])
    end = 0.5 + speech_end(audio)
    for i in range(0, len(clip), 480):
        began = time.perf_counter()
        found = detector.process(clip[i:i + 480])
        spent = time.perf_counter() - began
        if found:
            return True, found[0].t_ms / 1000 - end + spent
    return bool(detector.flush()), None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--word", default="timeout")
    ap.add_argument("--quick", action="store_true", help="two espeak-ng variants instead of six")
    args = ap.parse_args()
    began = time.monotonic()
    per_engine: dict[tuple[str, bool], list[bool]] = defaultdict(list)
    clips: dict[bool, list[bool]] = defaultdict(list)
    missed: dict[bool, list[str]] = defaultdict(list)
    latency: dict[bool, list[float]] = defaultdict(list)
    for engine, name, render in voices(args.quick):
        rendered = []
        for saying in SAYINGS:
            try:
                audio = render(saying.format(w=args.word))
            except Exception as e:  # noqa: BLE001 - an engine that fails is reported, not fatal
                print(f"{engine} {name}: cannot render ({e})", flush=True)
                break
            rendered.append((np.clip(audio * 32767, -32768, 32767)).astype(np.int16))
        if len(rendered) < len(SAYINGS):
            continue
        for stage in (False, True):
            outcomes = [heard(a, args.word, stage) for a in rendered]
            results = [ok for ok, _ in outcomes]
            latency[stage] += [lat for (ok, lat), saying in zip(outcomes, SAYINGS, strict=True)
                               if lat is not None and saying.endswith("{w}")]
            clips[stage] += results
            per_engine[(engine, stage)].append(all(results))
            if not all(results):
                missed[stage].append(f"{engine}:{name} ({sum(results)}/3)")
    for stage in (False, True):
        label = "with the second stage" if stage else "first stage only"
        voices_heard = [v for (e, s), vs in per_engine.items() if s == stage for v in vs]
        print(f"\n'{args.word}' {label}: voices heard in all 3 sayings {np.mean(voices_heard):.3f} "
              f"({sum(voices_heard)}/{len(voices_heard)}); clips {np.mean(clips[stage]):.3f} "
              f"({sum(clips[stage])}/{len(clips[stage])})")
        for (engine, s), vs in sorted(per_engine.items()):
            if s == stage:
                print(f"  {engine:10s} {np.mean(vs):.3f} ({sum(vs)}/{len(vs)})")
        if latency[stage]:
            print(f"  latency, end of the word to detection (word said last, check included): p50 "
                  f"{np.percentile(latency[stage], 50):.2f} s, p95 {np.percentile(latency[stage], 95):.2f} s")
        print("  missed: " + ", ".join(missed[stage][:40]))
    print(f"\n{(time.monotonic() - began) / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
