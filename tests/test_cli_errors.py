"""Bad input gets exit 2 and one line that names the problem and the fix."""

from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args], check=False, capture_output=True, text=True,
                          timeout=120, cwd=cwd)


def one_line(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line of reason, got: {result.stderr!r}"
    return lines[0]


@pytest.fixture
def silence_wav(tmp_path: Path) -> Path:
    path = tmp_path / "silence.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(np.zeros(16000, dtype=np.int16).tobytes())  # 1 sec
    return path


def test_missing_audio_file_exits_2_and_names_the_path(tmp_path: Path) -> None:
    result = run("detect", str(tmp_path / "nowhere.wav"))
    assert result.returncode == 2
    assert "nowhere.wav" in one_line(result) and "no such audio file" in one_line(result)


def test_a_text_file_posing_as_audio_is_refused_with_a_conversion_hint(tmp_path: Path) -> None:
    fake = tmp_path / "notes.wav"
    fake.write_text("these are not samples\n" * 50)
    result = run("detect", str(fake))
    assert result.returncode == 2
    assert "cannot decode audio" in one_line(result) and "sox" in one_line(result)


def test_a_truncated_wav_is_refused(silence_wav: Path) -> None:
    data = silence_wav.read_bytes()
    silence_wav.write_bytes(data[:30])  # half a header
    result = run("detect", str(silence_wav))
    assert result.returncode == 2
    assert "silence.wav" in one_line(result)


def test_a_misspelled_config_key_is_named_with_the_keys_that_exist(tmp_path: Path, silence_wav: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[listener]\nsensitivty = 0.7\n')
    result = run("detect", str(silence_wav), "--config", str(config))
    assert result.returncode == 2
    line = one_line(result)
    assert "listener.sensitivty" in line and "sensitivity" in line


def test_a_config_value_out_of_range_names_key_and_default(tmp_path: Path, silence_wav: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[listener]\nsensitivity = 3\n')
    result = run("detect", str(silence_wav), "--config", str(config))
    assert result.returncode == 2
    assert "listener.sensitivity" in one_line(result) and "0.5" in one_line(result)


def test_broken_toml_is_reported_with_its_line(tmp_path: Path, silence_wav: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[listener\npause_words = ["timeout"]\n')
    result = run("detect", str(silence_wav), "--config", str(config))
    assert result.returncode == 2
    assert "not valid TOML" in one_line(result) and "line 1" in one_line(result)


def test_an_unknown_engine_in_config_lists_the_engines(tmp_path: Path, silence_wav: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[listener]\nengine = "whisper"\n')
    result = run("detect", str(silence_wav), "--config", str(config))
    assert result.returncode == 2
    assert "listener.engine" in one_line(result) and "pocketsphinx" in one_line(result)


def test_an_unknown_engine_on_the_command_line_is_refused(silence_wav: Path) -> None:
    result = run("detect", str(silence_wav), "--engine", "whisper")
    assert result.returncode == 2
    assert "--engine" in result.stderr


def test_a_missing_vosk_model_says_how_to_get_one(tmp_path: Path, silence_wav: Path) -> None:
    result = run("detect", str(silence_wav), "--engine", "vosk", "--model", str(tmp_path / "no-model"))
    assert result.returncode == 2
    assert "download_model.py" in one_line(result)


def test_a_pause_word_outside_the_dictionary_gets_a_working_alternative(silence_wav: Path) -> None:
    result = run("detect", str(silence_wav), "--pause-word", "timeoutnow", "--engine", "pocketsphinx")
    assert result.returncode == 2
    line = one_line(result)
    assert '"timeoutnow"' in line and "timeout now" in line


def test_the_suggested_split_of_an_unknown_word_actually_works(silence_wav: Path) -> None:
    result = run("detect", str(silence_wav), "--pause-word", "timeout now", "--engine", "pocketsphinx", "--json")
    assert result.returncode == 0, result.stderr
    assert '"event": "summary"' in result.stdout


def test_a_missing_config_file_given_on_the_command_line_is_an_error(tmp_path: Path, silence_wav: Path) -> None:
    result = run("detect", str(silence_wav), "--config", str(tmp_path / "none.toml"))
    assert result.returncode == 2
    assert "none.toml" in one_line(result)


def test_a_flac_that_breaks_off_part_way_exits_2_naming_the_file(tmp_path: Path) -> None:
    import soundfile as sf

    path = tmp_path / "broken.flac"
    sf.write(str(path), (np.random.default_rng(0).standard_normal(16000 * 30) * 0.1).astype(np.float32), 16000)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 20000] = b"\xff" * 20000  # the header is fine; the middle is garbage
    path.write_bytes(bytes(data))
    result = run("detect", str(path), "--json")
    assert result.returncode == 2
    assert "broken.flac" in one_line(result) and "part-way" in one_line(result)
