"""Measure SpeakerSink output latency and MicSource first-block delay on the PulseAudio rig.

    .venv/bin/python scripts/bench_audio_rig.py [--trials 10]

Output latency is the time from play() until the clip's first sample has arrived in the rig's recording
of `speaker.monitor`, so it includes up to one recorder fragment (20 ms). The null sink is no DAC: it
renders ahead of real time, so the monitor's sample positions cannot be read as wall-clock times.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from audio_rig import RATE, PulseRig

from assistant.audio.devices import rescan_devices
from assistant.audio.sinks import SpeakerSink
from assistant.audio.sources import MicSource

_ONSET_LEVEL = 0.01 * 32768
"""A recorded sample above 1 % of full scale marks the clip's arrival."""
_GAP_SECONDS = 0.3
"""Silence between clips, so each onset is found after its own play() call."""


def mic_first_block_ms(trials: int) -> list[float]:
    delays = []
    for _ in range(trials):
        started = time.monotonic()
        with MicSource("pulse") as mic:
            if not mic.wait_started(timeout=5):
                raise SystemExit("MicSource delivered no block within 5 s")
            delays.append((time.monotonic() - started) * 1000)
    return delays


def speaker_latency_ms(rig: PulseRig, latency: str, trials: int) -> tuple[list[float], float, int]:
    """Latency of each play() (the first includes opening the stream), PortAudio's figure, underflows."""
    polls: list[tuple[float, int]] = []  # (monotonic seconds, samples recorded so far)
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            polls.append((time.monotonic(), rig.speaker_samples_recorded()))
            time.sleep(0.0005)

    clip = (0.5 * np.sin(2 * np.pi * 1000 * np.arange(RATE // 10) / RATE)).astype(np.float32)  # 0.1 s
    plays = []  # (monotonic seconds at play(), samples recorded by then)
    rig.start_recording_speaker()
    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    with SpeakerSink("pulse", latency=latency) as sink:
        for _ in range(trials):
            time.sleep(_GAP_SECONDS)
            plays.append((time.monotonic(), rig.speaker_samples_recorded()))
            sink.play(clip, RATE)
        reported = sink._streams[RATE].latency
        underflows = sink.underflows
    done.set()
    poller.join()
    recorded = np.abs(rig.stop_recording_speaker().astype(np.int32))
    latencies = []
    for played, recorded_before in plays:
        onset = recorded_before + int(np.argmax(recorded[recorded_before:] > _ONSET_LEVEL))
        arrived = next(t for t, n in polls if n > onset)
        latencies.append((arrived - played) * 1000)
    return latencies, reported * 1000, underflows


def describe(values: list[float]) -> str:
    return (
        f"median {statistics.median(values):6.1f} ms, min {min(values):6.1f}, max {max(values):6.1f}"
        f" (n={len(values)})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    args = parser.parse_args(argv)
    with PulseRig() as rig:
        os.environ.update({key: value for key, value in rig.env.items() if key != "HOME"})
        rescan_devices()  # PortAudio lists devices at import; make it see the rig's `pulse`
        delays = mic_first_block_ms(args.trials)
        print(f"MicSource first block, first open : {delays[0]:6.1f} ms")
        print(f"MicSource first block, later opens: {describe(delays[1:])}")
        for latency in ("low", "high"):
            figures, reported_ms, underflows = speaker_latency_ms(rig, latency, args.trials + 1)
            print(
                f"SpeakerSink latency={latency!r}: PortAudio reports {reported_ms:.1f} ms, {underflows} underflows"
            )
            print(f"  play() -> tone on speaker.monitor, first play (opens stream): {figures[0]:6.1f} ms")
            print(f"  play() -> tone on speaker.monitor, later plays: {describe(figures[1:])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
