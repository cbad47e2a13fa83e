#!/usr/bin/env python3
"""Benchmark the couple's time in the spoken `assistant setup` (target: under 3 minutes), through the rig.

Run by hand, not in CI:

    .venv/bin/python scripts/bench_setup.py [--reaction 1.0] [--runs 1]

Starts the private PulseAudio rig (tests/audio_rig.py), runs `assistant setup --word alexa` on its virtual
microphone and speaker, and answers each prompt the way a couple would: after `--reaction` seconds, real
recordings of two people saying "alexa" (../shared/real-voices) and a neural voice reading the sentences
shown (piper, as in the tests) are played into the microphone. Reports the wall time from start to the
saved line, the time from the first spoken line on (what the couple sits through), and its parts: the
assistant's speech, the couple's speech (takes, sentences, microphone check), their reaction time, the
calculation at the end, and the rest (start-up, silence that ends each utterance, echo guard).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from audio_rig import PulseRig  # tests/ helpers
from partner_voice import partner_says

from assistant.audio.devices import rescan_devices
from assistant.output.voice import PyttsxVoice

RATE = 16000
TARGET_S = 180.0


def real_takes(folder: Path, first: int, count: int) -> list[np.ndarray]:
    from test_calibration import real_takes as load

    return load(folder, first, count)


def run_once(rig: PulseRig, reaction_s: float, shared: Path, show: bool = False) -> dict:
    alexa = shared / "real-voices" / "alexa"
    takes = {"one": iter(real_takes(alexa, 0, 6)), "two": iter(real_takes(alexa, 20, 6))}
    with tempfile.TemporaryDirectory(prefix="bench-setup-") as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text('[listener]\nengine = "pocketsphinx"\n')
        env = {**os.environ, **rig.env, "ASSISTANT_DATA_DIR": str(Path(tmp) / "data"), "PYTHONUNBUFFERED": "1"}
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "setup", "--word", "alexa", "--input", "pulse",
                                 "--output", "pulse", "--config", str(config)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env)
        stderr: list[str] = []
        threading.Thread(target=lambda: stderr.extend(proc.stderr), daemon=True).start()
        said: list[str] = []
        couple_speech_s = reactions_s = 0.0
        first_line_at = calc_from = calc_s = None
        sentence = ""
        for line in proc.stdout:
            line = line.rstrip("\n")
            now = time.monotonic() - started
            if show:
                print(f"  {now:6.1f}  {line}", flush=True)
            if line.startswith("assistant: "):
                said.append(line.removeprefix("assistant: "))
                first_line_at = first_line_at if first_line_at is not None else now
            elif line.startswith("read aloud: "):
                sentence = line.removeprefix("read aloud: ")
            elif line.startswith("checking the takes"):
                calc_from = now
            elif line.startswith("scores:") and calc_from is not None and calc_s is None:
                calc_s = now - calc_from
            elif line.startswith("listening: "):
                if line.startswith("listening: microphone check"):
                    audio = partner_says("hello, we are setting up", pad_seconds=0.0)
                elif "take" in line:
                    audio = next(takes[line.split()[2].rstrip(",")])
                else:
                    audio = partner_says(sentence, pad_seconds=0.0)
                time.sleep(reaction_s)  # a person starts to speak a moment after the prompt ends
                rig.play_into_mic(np.concatenate([audio, np.zeros(RATE // 2, np.int16)]))
                couple_speech_s += len(audio) / RATE
                reactions_s += reaction_s
            elif line.startswith(("saved:", "not saved")):
                done_at = now
                print(f"  {line}")
                break
        else:
            raise SystemExit(f"setup ended early ({proc.wait()}): {''.join(stderr)[-800:]}")
        proc.wait(timeout=30)
    with PyttsxVoice() as voice:
        speech_s = sum(voice.render(text).seconds for text in said)
    total_s = done_at - (first_line_at or 0.0)
    return {"wall_s": done_at, "couple_s": total_s, "assistant_speech_s": speech_s,
            "couple_speech_s": couple_speech_s, "reactions_s": reactions_s, "calculation_s": calc_s or 0.0,
            "startup_s": first_line_at or 0.0, "lines": len(said),
            "other_s": total_s - speech_s - couple_speech_s - reactions_s - (calc_s or 0.0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reaction", type=float, default=1.0, help="seconds before a partner answers a prompt")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--show", action="store_true", help="print set-up's lines as they come, with times")
    args = parser.parse_args()
    with PulseRig() as rig:
        os.environ.update({k: v for k, v in rig.env.items() if k != "HOME"})
        rescan_devices()
        for i in range(args.runs):
            r = run_once(rig, args.reaction, args.shared, args.show)
            print(f"run {i + 1}: couple's time {r['couple_s']:.1f} s (target < {TARGET_S:.0f} s: "
                  f"{'met' if r['couple_s'] < TARGET_S else 'MISSED'}); start-up before the first line "
                  f"{r['startup_s']:.1f} s; wall {r['wall_s']:.1f} s")
            print(f"  assistant speaking {r['assistant_speech_s']:.1f} s ({r['lines']} lines), couple speaking "
                  f"{r['couple_speech_s']:.1f} s, reactions {r['reactions_s']:.1f} s, calculation "
                  f"{r['calculation_s']:.1f} s, other (utterance end, echo guard, gaps) {r['other_s']:.1f} s")


if __name__ == "__main__":
    main()
