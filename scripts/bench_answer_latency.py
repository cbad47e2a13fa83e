#!/usr/bin/env python3
"""From the end of a spoken answer to the assistant's reply, in `listen` on the PulseAudio rig, by hand:

    .venv/bin/python scripts/bench_answer_latency.py [--trials 3] [--answer "tomorrow morning"]

Each trial starts `listen` (the keyword detector for a real "alexa" recording, one breathing cycle, no
grounding), says the pause word, waits for the invitation to agree a time, then plays the answer (piper's
voice) into the microphone. It reports, from the end of the answer's speech: the "heard:" line (the
utterance ended and was recognised) and the read-back line (the reply queued to the voice).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from app_process import AppProcess
from audio_rig import PulseRig
from partner_voice import partner_says

from assistant.audio.files import read_audio

PAD_S = 0.3


def trial(rig: PulseRig, shared: Path, answer: np.ndarray) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config.toml"
        config.write_text('[listener]\npause_words = ["alexa"]\ndetector = "keyword"\nengine = "pocketsphinx"\n'
                          '[session]\ncycles = 1\nspoken_cycles = 0\ngrounding = ""\n')
        app = AppProcess("listen", "--input", "pulse", "--output", "pulse", "--config", str(config),
                         env={**rig.env, "ASSISTANT_DATA_DIR": folder})
        try:
            app.wait_for("listening for", timeout=60)
            word = read_audio(shared / "real-voices" / "alexa" / "1.flac")
            rig.play_into_mic(np.concatenate([np.zeros(16000, np.int16), word, np.zeros(16000, np.int16)]))
            app.wait_for("assistant: When you both feel ready", timeout=90)
            time.sleep(14)  # the invitation is heard out
            rig.play_into_mic(answer)
            ended = time.monotonic() - PAD_S
            app.wait_for("heard:", timeout=30)
            heard = time.monotonic() - ended
            app.wait_for("assistant:", timeout=30)
            replied = time.monotonic() - ended
        finally:
            app.stop()
    return heard, replied


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--answer", default="tomorrow morning")
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    args = parser.parse_args()
    answer = partner_says(args.answer, pad_seconds=PAD_S)
    heard, replied = [], []
    with PulseRig() as rig:
        for _ in range(args.trials):
            h, r = trial(rig, args.shared, answer)
            heard.append(h)
            replied.append(r)
            print(f"  heard after {h:.2f} s, reply queued after {r:.2f} s", flush=True)
    print(f"end of speech -> heard: median {statistics.median(heard):.2f} s, max {max(heard):.2f} s; "
          f"-> reply: median {statistics.median(replied):.2f} s, max {max(replied):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
