"""FileSource streams a file in blocks yet gives exactly what decoding the whole file gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from assistant.audio.files import FileSource, read_audio


def test_a_44k_stereo_file_streams_to_the_same_16k_samples_as_a_whole_file_decode(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    t = np.arange(44100 * 9) / 44100
    tone = 0.3 * np.sin(2 * np.pi * 440 * t)
    stereo = np.stack([tone, 0.05 * rng.standard_normal(len(t))], axis=1).astype(np.float32)
    path = tmp_path / "stereo44k.wav"
    sf.write(str(path), stereo, 44100)

    whole = read_audio(path)
    blocks = list(FileSource(path, samples_per_block=480).frames())

    assert all(len(b) == 480 for b in blocks)
    streamed = np.concatenate(blocks)
    assert len(streamed) - len(whole) < 480  # only the last block's padding is extra
    assert np.array_equal(streamed[:len(whole)], whole)
    assert not streamed[len(whole):].any()
    assert FileSource(path).seconds == 9.0
