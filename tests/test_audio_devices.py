"""Real sound devices, end to end through the PulseAudio rig: what is played is what is heard."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile

from assistant.audio.devices import DeviceError, find_device, list_devices
from assistant.audio.player import IDLE_BLOCKS, QUEUE_BLOCKS, StreamPlayer
from assistant.audio.routes import RouteWatch
from assistant.audio.sinks import SpeakerSink, WavSink
from assistant.audio.sources import MicSource

RATE = 16000
TONE_HZ = 1000
AMPLITUDE = 0.5
TONE_RMS = AMPLITUDE / np.sqrt(2) * 32768  # int16 RMS of a full-scale-0.5 sine, ~11585
SAMPLES_PER_10MS = RATE // 100


def tone(seconds: float, rate: int = RATE, hz: float = TONE_HZ) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (AMPLITUDE * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def peak_hz(samples: np.ndarray, rate: int = RATE) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[np.argmax(spectrum)])


def tone_seconds(samples: np.ndarray) -> float:
    """How long the tone would last at full level, from the energy: gaps from underruns don't change it."""
    return float(np.sum(samples.astype(np.float64) ** 2) / TONE_RMS**2 / RATE)


def loud_slices(samples: np.ndarray) -> np.ndarray:
    """RMS of each 10 ms slice that carries the tone (above a quarter of its level)."""
    usable = samples[: len(samples) // SAMPLES_PER_10MS * SAMPLES_PER_10MS].astype(np.float64)
    rms = np.sqrt((usable.reshape(-1, SAMPLES_PER_10MS) ** 2).mean(axis=1))
    return rms[rms > TONE_RMS / 4]


def record_mic(mic: MicSource, seconds: float) -> list[np.ndarray]:
    blocks = []
    for block in mic.frames():
        blocks.append(block)
        if len(blocks) * mic.samples_per_block >= seconds * RATE:
            break
    return blocks


@pytest.mark.rig
def test_microphone_hears_a_tone_played_into_the_virtual_mic_at_its_pitch_and_level(pulse_rig):
    with MicSource(device="pulse") as mic:
        assert mic.wait_started(timeout=5), "the pulse input stream delivered no block within 5 s"
        player = pulse_rig.play_into_mic(tone(1.0), wait=False)  # 1 sec
        blocks = record_mic(mic, seconds=2.0)  # the tone plus room for start-up delay
        assert player.wait() == 0
        assert mic.overflows == 0

    assert {(block.dtype, block.shape) for block in blocks} == {(np.dtype(np.int16), (480,))}  # 30 ms
    heard = np.concatenate(blocks)
    assert peak_hz(heard) == pytest.approx(TONE_HZ, abs=5)
    assert tone_seconds(heard) == pytest.approx(1.0, abs=0.05)
    assert np.median(loud_slices(heard)) == pytest.approx(TONE_RMS, rel=0.1)  # within ~1 dB


@pytest.mark.rig
def test_muted_microphone_yields_silence_of_the_same_length_while_the_tone_plays(pulse_rig):
    with MicSource(device="pulse") as mic:
        assert mic.wait_started(timeout=5)
        mic.muted = True
        player = pulse_rig.play_into_mic(tone(1.0), wait=False)
        heard = np.concatenate(record_mic(mic, seconds=1.5))
        player.wait()

    assert len(heard) >= 1.5 * RATE  # the clock kept running
    assert not heard.any()


@pytest.mark.rig
def test_speaker_plays_a_tone_that_reaches_the_speaker_monitor(pulse_rig):
    sink = SpeakerSink("pulse")
    pulse_rig.start_recording_speaker()
    try:
        sink.play(tone(1.0, rate=22050), 22050)  # speech rate; the rig records at 16 kHz
    finally:
        heard = pulse_rig.stop_recording_speaker()
        sink.close()

    assert peak_hz(heard) == pytest.approx(TONE_HZ, abs=5)
    assert tone_seconds(heard) == pytest.approx(1.0, abs=0.05)
    assert np.median(loud_slices(heard)) == pytest.approx(TONE_RMS, rel=0.1)


@pytest.mark.rig
def test_stop_from_another_thread_cuts_a_five_second_clip_short(pulse_rig):
    sink = SpeakerSink("pulse")
    pulse_rig.start_recording_speaker()
    stopper = threading.Timer(1.0, sink.stop)
    try:
        stopper.start()
        sink.play(tone(5.0), RATE)  # returns early once stopped
    finally:
        stopper.cancel()
        heard = pulse_rig.stop_recording_speaker()
        sink.close()

    heard_seconds = tone_seconds(heard)
    assert 0.5 < heard_seconds < 1.5, f"heard {heard_seconds:.2f} s of a 5 s clip stopped after 1 s"


class _ToneWhenAsked:
    """A player's source: silence while idle, then a 1 s tone once asked for (a line after the pause word)."""

    def __init__(self) -> None:
        self.asked = threading.Event()
        self._left = tone(1.0, rate=22050)

    def idle(self) -> bool:
        return not self.asked.is_set()

    def read(self, frames: int) -> np.ndarray:
        if not self.asked.is_set():
            return np.zeros(frames, np.float32)
        block, self._left = self._left[:frames], self._left[frames:]
        return np.concatenate([block, np.zeros(frames - len(block), np.float32)])


@pytest.mark.rig
def test_an_idle_speaker_keeps_little_silence_queued_so_the_acknowledgement_plays_at_once_and_whole(pulse_rig):
    """While nothing sounds only IDLE_BLOCKS of silence wait ahead of the speaker (the pause word's acknowledgement
    used to wait behind 0.37 s of it); once something sounds the full queue rides out a busy machine, and the
    sound is played whole."""
    source = _ToneWhenAsked()
    pulse_rig.start_recording_speaker()
    player = StreamPlayer(source.read, 22050, "pulse", idle=source.idle).start()
    try:
        idle_depths = []
        for _ in range(20):
            time.sleep(0.025)
            idle_depths.append(player.queued_blocks)
        source.asked.set()
        assert eventually(lambda: player.queued_blocks >= QUEUE_BLOCKS - 1, seconds=2.0)
        time.sleep(1.5)
    finally:
        player.close()
        heard = pulse_rig.stop_recording_speaker()
    assert max(idle_depths) <= IDLE_BLOCKS, idle_depths
    assert tone_seconds(heard) == pytest.approx(1.0, abs=0.05)


@pytest.mark.rig
def test_the_pulse_device_is_listed_and_found_by_name_for_input_and_output(pulse_rig):
    pulse = [device for device in list_devices() if device["name"] == "pulse"]
    assert len(pulse) == 1 and pulse[0]["inputs"] > 0 and pulse[0]["outputs"] > 0
    assert find_device("PULSE", "input") == find_device("pulse", "output") == pulse[0]["index"]
    assert find_device(str(pulse[0]["index"]), "input") == pulse[0]["index"]
    assert find_device("", "input") is None  # the system default


@pytest.mark.rig
def test_unknown_microphone_name_raises_device_error_that_says_how_to_fix_it(pulse_rig):
    with pytest.raises(DeviceError, match="no microphone matches 'no such mic'") as caught:
        MicSource(device="no such mic")
    assert "assistant devices" in str(caught.value)
    assert "listener.input_device in config.toml" in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.rig
def test_unknown_speaker_name_raises_device_error_that_says_how_to_fix_it(pulse_rig):
    with pytest.raises(DeviceError, match="no speaker matches 'no such speaker'") as caught:
        SpeakerSink("no such speaker")
    assert "voice.output_device in config.toml" in str(caught.value)


@pytest.mark.rig
def test_rig_mic_can_be_unplugged_and_replugged_without_disturbing_the_speaker_recording(pulse_rig):
    pulse_rig.start_recording_speaker()
    try:
        pulse_rig.unload_mic()
        pulse_rig.load_mic()
        with MicSource(device="pulse") as mic:
            assert mic.wait_started(timeout=5)
            player = pulse_rig.play_into_mic(tone(0.5), wait=False)
            heard = np.concatenate(record_mic(mic, seconds=1.5))
            assert player.wait() == 0
    finally:
        speaker = pulse_rig.stop_recording_speaker()

    assert tone_seconds(heard) == pytest.approx(0.5, abs=0.05)  # the replugged mic works
    assert not speaker.any()  # the recorder stayed on the silent speaker, not moved to the new mic


def pactl_without_json(folder: Path, log: Path) -> Path:
    """A `pactl` like PulseAudio 15's: it rejects --format as that one does, and is the real one otherwise."""
    script = folder / "pactl"
    script.write_text(f"""#!/bin/sh
echo "$*" >> {log}
case "$1" in --format*) echo "pactl: unrecognized option '$1'" >&2; exit 1;; esac
exec {shutil.which("pactl")} "$@"
""")
    script.chmod(0o755)
    return folder


def eventually(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.rig
@pytest.mark.parametrize("pactl", ["json", "text"], ids=["pactl-json", "older-pactl-text"])
def test_the_route_watch_sees_the_microphone_unplugged_and_plugged_back(pulse_rig, pactl, tmp_path, monkeypatch):
    log = tmp_path / "pactl.log"
    if pactl == "text":
        monkeypatch.setenv("PATH", f"{pactl_without_json(tmp_path, log)}:{os.environ['PATH']}")
    with MicSource(device="pulse") as mic:
        assert mic.wait_started(timeout=5)
        watch = RouteWatch().start()
        unplugged = False
        try:
            assert watch.home == "mic" and not watch.lost
            pulse_rig.unload_mic()  # Pulse parks our stream on the speaker's monitor
            unplugged = True
            assert eventually(lambda: watch.lost), "the watch did not see the microphone go"
            pulse_rig.load_mic()
            unplugged = False
            assert eventually(lambda: not watch.lost), "the watch did not see the microphone come back"
            assert watch.home == "mic"
        finally:
            watch.close()
            if unplugged:  # the rig is shared: leave its microphone plugged in
                pulse_rig.load_mic()
    if pactl == "text":  # JSON was asked for first, refused, and the text listing read instead
        calls = log.read_text().splitlines()
        assert "--format=json list source-outputs" in calls and "list source-outputs" in calls


def test_wav_sink_appends_every_clip_to_one_file(tmp_path):
    path = tmp_path / "rendered.wav"
    with WavSink(path) as sink:
        sink.play(tone(0.5), RATE)  # 8000 samples
        sink.play(np.zeros(RATE // 4, dtype=np.int16), RATE)  # 4000 samples
        with pytest.raises(ValueError, match="16000 Hz"):
            sink.play(tone(0.1, rate=22050), 22050)

    written, rate = soundfile.read(path, dtype="float32")
    assert rate == RATE
    assert len(written) == 8000 + 4000
    assert np.allclose(written[:8000], tone(0.5), atol=1e-4)
    assert not written[8000:].any()
