#!/usr/bin/env python3
"""Soak: `assistant detect` over hours of streamed audio, sampling its memory, to show it stays flat.

Run by hand, not in CI (8 hours of audio take about 20 minutes of CPU with PocketSphinx):

    .venv/bin/python scripts/bench_soak.py --build /work/corpus-build/full --hours 8

Builds one long 16 kHz WAV in a scratch folder from the corpus's conversation streams (each repeat at a
different level, so the VAD and the decoder see varied input), runs `assistant detect --json` on it as a
subprocess, samples the process's resident memory (psutil) every `--every` seconds, and reports the RSS
curve against audio hours (wall time mapped to audio through the final real-time factor), the growth from
the first tenth to the end, and the detections found. The scratch WAV is deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import soundfile as sf

REPO = Path(__file__).resolve().parents[1]
RATE = 16000


def build_long_wav(build: Path, hours: float, out: Path) -> float:
    """Concatenate the corpus streams, level-varied, until `hours` of audio; returns seconds written."""
    manifest = json.loads((build / "manifest.json").read_text())
    streams = [build / s["wav"] for s in manifest["streams"]]
    gains = [1.0, 0.5, 1.4, 0.8, 1.2, 0.65]
    target = int(hours * 3600 * RATE)
    written = 0
    with sf.SoundFile(str(out), "w", samplerate=RATE, channels=1, subtype="PCM_16") as f:
        turn = 0
        while written < target:
            audio, rate = sf.read(str(streams[turn % len(streams)]), dtype="float32")
            assert rate == RATE, f"{streams[turn % len(streams)]} is not 16 kHz"
            gain = gains[(turn // len(streams)) % len(gains)]
            chunk = np.clip(audio * gain, -1, 1)[:target - written]
            f.write(chunk)
            written += len(chunk)
            turn += 1
    return written / RATE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, required=True, help="a full corpus build (corpus.py --out)")
    parser.add_argument("--hours", type=float, default=8.0, help="hours of audio to stream (default 8)")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between memory samples")
    parser.add_argument("--curve", type=Path, help="also write the samples as JSON lines here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="pause-soak-") as scratch:
        wav = Path(scratch) / "soak.wav"
        audio_s = build_long_wav(args.build, args.hours, wav)
        print(f"streaming {audio_s / 3600:.2f} h of audio ({wav.stat().st_size / 1e6:.0f} MB WAV)", flush=True)
        words = sorted({s["pause_word"] for s in json.loads((args.build / "manifest.json").read_text())["streams"]})
        cmd = [sys.executable, "-m", "assistant", "detect", str(wav), "--json"]
        for word in words:
            cmd += ["--pause-word", word]
        started = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True)
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
        reader.start()
        watched = psutil.Process(proc.pid)
        samples: list[tuple[float, float]] = []  # (wall seconds, RSS MB)
        while proc.poll() is None:
            try:
                samples.append((time.monotonic() - started, watched.memory_info().rss / 2**20))
            except psutil.NoSuchProcess:
                break
            time.sleep(args.every)
        reader.join()
        wall = time.monotonic() - started
    summary = json.loads(lines[-1]) if lines else {}
    if proc.returncode != 0 or summary.get("event") != "summary":
        sys.exit(f"detect failed (exit {proc.returncode})")
    events = [json.loads(line) for line in lines[:-1]]
    to_audio_h = audio_s / wall / 3600  # audio hours per wall second, assuming a steady pace
    curve = [(t * to_audio_h, rss) for t, rss in samples]
    if args.curve:
        args.curve.write_text("".join(json.dumps({"audio_h": round(h, 3), "rss_mb": round(r, 1)}) + "\n"
                                      for h, r in curve))
    print(f"wall {wall:.0f} s, real-time factor {summary['rtf']}, {len(events)} detections")
    print("audio h   RSS MB")
    for fraction in np.linspace(0, 1, 9):
        h, rss = curve[min(len(curve) - 1, int(fraction * (len(curve) - 1)))]
        print(f"{h:7.2f}  {rss:7.1f}")
    settled = [rss for h, rss in curve if h >= audio_s / 3600 / 10]
    print(f"RSS after the first tenth: min {min(settled):.1f} MB, max {max(settled):.1f} MB, "
          f"growth {settled[-1] - settled[0]:+.1f} MB; peak {max(r for _, r in curve):.1f} MB")


if __name__ == "__main__":
    main()
