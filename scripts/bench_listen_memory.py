#!/usr/bin/env python3
"""Peak memory of `assistant listen` with its default parts loaded (the learned ear for "timeout", keyword
search for commands, Whisper tiny.en for answers, the voice), on the PulseAudio test rig, by hand:

    .venv/bin/python scripts/bench_listen_memory.py [--seconds 30]

Starts the rig (tests/audio_rig.py), runs `listen` on its virtual microphone and speaker, waits until it says
it is listening and Whisper has had time to load in the background, then samples the process's resident
memory every 0.2 s for --seconds while ordinary speech plays into the microphone. Prints the peak.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from audio_rig import PulseRig

from assistant.audio.files import read_audio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    args = parser.parse_args()
    speech = np.concatenate([read_audio(p) for p in sorted((args.shared / "real-negatives" / "ljspeech")
                                                           .glob("*.flac"))[:6]])
    with PulseRig() as rig, tempfile.TemporaryDirectory() as data:
        env = {**rig._full_env(), "ASSISTANT_DATA_DIR": data}
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "listen", "--input", "pulse", "--output",
                                 "pulse"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        try:
            for line in proc.stdout:
                if "listening for" in line:
                    break
            time.sleep(5)  # Whisper loads in the background
            watched, peak, began = psutil.Process(proc.pid), 0.0, time.monotonic()
            rig.play_into_mic(speech[: int(args.seconds * 16000)], wait=False)
            while time.monotonic() - began < args.seconds:
                peak = max(peak, watched.memory_info().rss / 2**20)
                time.sleep(0.2)
        finally:
            proc.send_signal(2)
            proc.wait(timeout=30)
    print(f"listen: peak resident memory {peak:.0f} MB over {args.seconds:.0f} s of speech")
    return 0


if __name__ == "__main__":
    sys.exit(main())
