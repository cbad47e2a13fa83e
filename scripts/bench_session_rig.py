#!/usr/bin/env python3
"""Measure the live session's timing through the PulseAudio rig (issue 5 targets), by hand:

    .venv/bin/python scripts/bench_session_rig.py [--minutes 5] [--trials 5]

1. Onset drift of live playback: `assistant breathe` plays into the virtual speaker for --minutes while
   speaker.monitor is recorded; each tone onset found in the recording is compared with its time in the
   timeline (`--timeline`), relative to the first onset. Target: <= 20 ms over 5 minutes.
2. Acknowledgement latency: a real "alexa" recording is played into the virtual microphone of `assistant
   listen`; the time from the end of the word to the first sound of the acknowledgement on the speaker.
   Target: <= 1 s.
3. Command latency: "stop" (piper voice) said during breathing; the time from the end of the word until
   the assistant reports it has stopped the exercise (its stdout, read within 0.1 s); the sound then
   changes within the output queue (8 blocks of 1024 at 22.05 kHz, 0.37 s) plus the device latency.
   Target: <= 1 s.
Wall-clock arrival times are read by polling the growing recording (the recorder lags by <= 20 ms).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
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

from assistant.audio.files import read_audio

RATE = 16000
_SOUND_LEVEL = 300
"""int16 RMS over 10 ms above which the speaker counts as sounding."""


def onsets(audio: np.ndarray, level: float = 200, quiet_s: float = 0.08) -> list[int]:
    """Sample indices where sound starts after at least `quiet_s` of near silence (10 ms frames)."""
    frame = RATE // 100
    n = len(audio) // frame
    rms = np.sqrt(np.mean(audio[: n * frame].astype(np.float64).reshape(n, frame) ** 2, axis=1))
    loud = rms > level
    quiet_frames = round(quiet_s * 100)
    found = []
    for i in range(quiet_frames, n):
        if loud[i] and not loud[i - quiet_frames:i].any():
            start = i * frame
            first = np.flatnonzero(np.abs(audio[start - frame:start + frame]) > level / 4)
            found.append(start - frame + int(first[0]) if len(first) else start)
    return found


def wait_for_sound(rig: PulseRig, since: int, timeout: float = 10.0) -> float:
    """Wall time (monotonic) at which the speaker recording first sounds after sample `since`."""
    deadline = time.monotonic() + timeout
    path = rig._recording
    while time.monotonic() < deadline:
        data = np.fromfile(path, dtype="<i2")[since:]
        frame = RATE // 100
        for i in range(0, len(data) - frame, frame):
            if np.sqrt(np.mean(data[i:i + frame].astype(np.float64) ** 2)) > _SOUND_LEVEL:
                return time.monotonic()
        time.sleep(0.005)
    raise TimeoutError("no sound on the speaker")


def word_end_s(clip: np.ndarray) -> float:
    loud = np.flatnonzero(np.abs(clip) > 0.1 * np.abs(clip).max())
    return (loud[-1] + 1) / RATE


def measure_drift(rig: PulseRig, minutes: float, folder: Path) -> dict:
    timeline_path = folder / "timeline.json"
    cycles = round(minutes * 60 / 10)  # extended_exhale: 10 s a cycle
    subprocess.run([sys.executable, "-m", "assistant", "breathe", "extended_exhale", "--cycles", str(cycles),
                    "--timeline", str(timeline_path)], check=True, env={**rig.env}, cwd=REPO, capture_output=True)
    # --timeline alone writes the plan and exits; now play the same exercise live and record it.
    rig.start_recording_speaker()
    subprocess.run([sys.executable, "-m", "assistant", "breathe", "extended_exhale", "--cycles", str(cycles),
                    "--output", "pulse"], check=True, env={**rig.env, "PYTHONUNBUFFERED": "1"}, cwd=REPO,
                   stdout=subprocess.DEVNULL)
    recording = rig.stop_recording_speaker()
    cues = [c for c in json.loads(timeline_path.read_text()) if c["kind"] == "phase"]
    found = onsets(recording)
    # The intro line (t = 0) is the first sound; the first tone is the recorded onset nearest its planned
    # time after it. Every later phase onset is compared with its planned time relative to that one.
    first_planned = cues[0]["t"]
    anchor = min(found, key=lambda s: abs(s - (found[0] + first_planned * RATE)))
    errors = []
    for cue in cues:
        expected = anchor + round((cue["t"] - first_planned) * RATE)
        nearest = min(found, key=lambda s: abs(s - expected))
        errors.append((nearest - expected) / RATE * 1000)
    # A constant offset is the onset detector's view of the first tone (it may overlap the intro's tail);
    # drift is how far later onsets move from where the first one put them.
    drift = [e - statistics.median(errors[:3]) for e in errors]
    return {"phases": len(cues), "span_s": round(cues[-1]["t"] - first_planned, 1),
            "drift_ms_max_abs": round(max(abs(d) for d in drift), 2), "drift_ms_last": round(drift[-1], 2),
            "onset_offset_ms": round(statistics.median(errors[:3]), 2)}


def measure_latencies(rig: PulseRig, trials: int, folder: Path) -> dict:
    from partner_voice import partner_says

    config = folder / "config.toml"
    config.write_text('[listener]\npause_words = ["alexa"]\nengine = "pocketsphinx"\n'
                      '[session]\ncycles = 30\nspoken_cycles = 0\n')
    word = read_audio(REPO.parent / "shared" / "real-voices" / "alexa" / "1.flac")
    stop = partner_says("stop", pad_seconds=0.0)
    ack, cmd, detect = [], [], []
    for _ in range(trials):
        env = {**rig.env, "ASSISTANT_DATA_DIR": str(folder / "data"), "PYTHONUNBUFFERED": "1"}
        app = AppProcess("listen", "--input", "pulse", "--output", "pulse", "--config", str(config), env=env)
        try:
            # the first start learns "alexa" in the fresh data folder (minutes, once): later ones find its model
            app.wait_for("listening for", timeout=60 if ack else 900)
            rig.start_recording_speaker()
            since = rig.speaker_samples_recorded()
            started = time.monotonic()
            rig.play_into_mic(word, wait=False)
            app.wait_for("heard:", timeout=10)
            printed_at = time.monotonic()
            heard_at = wait_for_sound(rig, since)
            ack.append(heard_at - (started + word_end_s(word)))
            detect.append(printed_at - (started + word_end_s(word)))
            app.wait_for("state: breathing", timeout=30)
            time.sleep(12)
            started = time.monotonic()
            rig.play_into_mic(stop, wait=False)
            app.wait_for("state: agreeing", timeout=10)  # the command is honoured: the exercise stops, a time is asked
            cmd.append(time.monotonic() - (started + word_end_s(stop)))
            rig.stop_recording_speaker()
        finally:
            app.stop()
    return {"ack_latency_s": [round(x, 3) for x in ack], "heard_printed_s": [round(x, 3) for x in detect],
            "stop_latency_s": [round(x, 3) for x in cmd]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--skip-drift", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, PulseRig() as rig:
        folder = Path(tmp)
        results = {}
        if not args.skip_drift:
            results["drift"] = measure_drift(rig, args.minutes, folder)
            print(json.dumps(results["drift"]), flush=True)
        results["latency"] = measure_latencies(rig, args.trials, folder)
        print(json.dumps(results["latency"]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
