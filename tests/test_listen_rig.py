"""End to end through the PulseAudio rig: a real recording of the pause word played into the virtual
microphone makes `assistant listen` acknowledge it aloud, and the speaker monitor carries that voice."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import soxr
from app_process import AppProcess

from assistant.audio.files import read_audio
from assistant.session.wording import PAUSE_ACK

pytestmark = pytest.mark.rig
RATE = 16000


def best_correlation(recording: np.ndarray, reference: np.ndarray) -> float:
    """Peak normalised cross-correlation of `reference` anywhere inside `recording` (1.0 = identical)."""
    return best_match(recording, reference)[0]


def best_match(recording: np.ndarray, reference: np.ndarray) -> tuple[float, int]:
    """(peak normalised cross-correlation, sample offset in `recording` where `reference` fits best)."""
    rec = recording.astype(np.float64)
    ref = reference.astype(np.float64)
    ref = (ref - ref.mean()) / (np.linalg.norm(ref - ref.mean()) + 1e-9)
    n = len(rec) + len(ref)
    size = 1 << (n - 1).bit_length()
    corr = np.fft.irfft(np.fft.rfft(rec, size) * np.conj(np.fft.rfft(ref, size)), size)[: len(rec) - len(ref) + 1]
    # moving sums by cumulative sums: np.convolve with a 4 s box over a minute of recording took about 100
    # CPU-seconds per call (n x m products)
    window = _moving_sum(rec ** 2, len(ref))
    local_mean_sq = _moving_sum(rec, len(ref)) ** 2 / len(ref)
    energy = np.sqrt(np.maximum(window - local_mean_sq, 1e-9))
    score = corr / energy
    return float(np.max(score)), int(np.argmax(score))


def _moving_sum(x: np.ndarray, width: int) -> np.ndarray:
    """Sums of every `width` consecutive values (as np.convolve(x, ones(width), "valid"), in O(n))."""
    total = np.concatenate([[0.0], np.cumsum(x)])
    return total[width:] - total[:-width]


def transcript(audio_16k: np.ndarray) -> list[str]:
    from pocketsphinx import Decoder

    decoder = Decoder(loglevel="FATAL")
    decoder.start_utt()
    decoder.process_raw(np.ascontiguousarray(audio_16k, dtype=np.int16).tobytes(), full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return hyp.hypstr.split() if hyp else []


@pytest.fixture(scope="module")
def rendered_ack() -> np.ndarray:
    """The acknowledgement exactly as the assistant's voice renders it, at 16 kHz."""
    from assistant.output.voice import PyttsxVoice

    with PyttsxVoice() as voice:
        clip = voice.render(PAUSE_ACK)
    return (soxr.resample(clip.samples, clip.sample_rate, RATE) * 32767).astype(np.int16)


def test_a_spoken_pause_word_is_acknowledged_aloud_on_the_speaker(pulse_rig, shared_dir: Path, tmp_path: Path,
                                                                rendered_ack: np.ndarray) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[listener]\npause_words = ["alexa"]\ndetector = "keyword"\nengine = "pocketsphinx"\n')
    app = AppProcess("listen", "--input", "pulse", "--output", "pulse", "--config", str(config),
                     env=pulse_rig.env)
    try:
        app.wait_for("listening for", timeout=60)
        pulse_rig.start_recording_speaker()
        # A real person saying the pause word, with a second of room tone before and after.
        speech = read_audio(shared_dir / "real-voices" / "alexa" / "1.flac")
        pulse_rig.play_into_mic(np.concatenate([np.zeros(RATE, np.int16), speech, np.zeros(RATE, np.int16)]))
        heard = app.wait_for("heard:", timeout=15)
        app.wait_for("assistant:", timeout=5)
        assert "alexa" in heard
        deadline_samples = pulse_rig.speaker_samples_recorded() + 4 * RATE
        while pulse_rig.speaker_samples_recorded() < deadline_samples:
            time.sleep(0.1)  # let the acknowledgement play out (about 2 s) with margin
        recording = pulse_rig.stop_recording_speaker()
    finally:
        stderr = app.stop()
    assert app.proc.returncode in (0, -2, 130), stderr
    # The speaker carried the assistant's own acknowledgement: the rendered clip is found in the recording...
    # (either half of it: under a loaded CI machine the virtual speaker once dropped a stretch of the clip,
    # 0.27 for the whole, while the words were there)
    half = len(rendered_ack) // 2
    (score, at), start = max((best_match(recording, rendered_ack[:half]), 0),
                             (best_match(recording, rendered_ack[half:]), half))
    assert score > 0.8
    offset = max(0, at - start)
    # ...and recognised: PocketSphinx hears the same words in that stretch of the recording as in the clip.
    played = recording[offset:offset + len(rendered_ack)]
    heard_words, reference_words = set(transcript(played)), set(transcript(rendered_ack))
    assert reference_words and len(heard_words & reference_words) >= len(reference_words) / 2


def test_the_default_word_said_as_soon_as_listen_starts_is_heard(pulse_rig, tmp_path: Path) -> None:
    """No set-up, the default word and detector, a voice the ear was never trained on, and no warm-up: the
    couple speak the moment `listen` says it is listening."""
    from partner_voice import partner_says

    config = tmp_path / "config.toml"
    config.write_text("# all defaults\n")
    app = AppProcess("listen", "--input", "pulse", "--output", "pulse", "--config", str(config),
                     env=pulse_rig.env)
    try:
        app.wait_for("listening for", timeout=120)
        pulse_rig.play_into_mic(partner_says("Okay. Timeout.", pad_seconds=0.5))
        heard = app.wait_for("heard:", timeout=40)  # a loaded 2-core CI machine checks slowly
    finally:
        stderr = app.stop()
    assert "timeout" in heard, stderr
