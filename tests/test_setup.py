"""`assistant setup`: typed and spoken set-up write the pause word and its threshold into config.toml,
keep everything else in the file, leave no audio anywhere, and refuse a config path they cannot write.

The spoken set-up through the PulseAudio rig is in test_setup_spoken.py (a file of its own, so the suite's
longest test runs beside these rather than after them).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_calibration import real_takes

from assistant.config import load_config
from assistant.config_edit import ConfigWriteError, save_pause_word
from assistant.ear import enrollment
from assistant.ear.training import TINY, head_path

RATE = 16000
AUDIO_SUFFIXES = (".wav", ".flac", ".raw", ".pcm", ".ogg", ".mp3", ".opus")
COMMENTED = """# Our config: the comments stay.
[listener]
# the agreed word
pause_words = ["timeout"]
engine = "pocketsphinx"  # no Vosk here
sensitivity = 0.6
thresholds = {}

[voice]
rate_wpm = 140
"""


def run(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The CLI; typed set-up trains the word model, here with the tiny recipe: these tests are about what
    set-up writes (how well a word is heard is tested in test_ear and test_enrollment)."""
    return subprocess.run([sys.executable, "-m", "assistant", *args], input=stdin, capture_output=True, text=True,
                          timeout=600, check=False,
                          env={**os.environ, "ASSISTANT_EAR_RECIPE": "tiny", **(env or {})})


def one_line(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line of reason, got: {result.stderr!r}"
    return lines[0]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(COMMENTED)
    return path


# -- typed set-up ------------------------------------------------------------------------------------------

def test_typed_setup_saves_the_word_with_the_default_threshold_and_keeps_comments(config: Path) -> None:
    result = run("setup", "--text", "--config", str(config), stdin="time to breathe\n")
    assert result.returncode == 0, result.stderr
    assert 'saved: pause word "time to breathe", threshold 0.400' in result.stdout  # 1 - sensitivity 0.6
    listener = load_config(config).listener
    assert listener.pause_words == ("time to breathe",)
    assert listener.thresholds == {"time to breathe": 0.4}
    assert listener.sensitivity == 0.6 and load_config(config).voice.rate_wpm == 140
    text = config.read_text()
    for comment in ("# Our config: the comments stay.", "# the agreed word", "# no Vosk here"):
        assert comment in text


def test_typed_setup_accepts_a_word_outside_the_dictionary_and_learns_it(config: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = run("setup", "--text", "--config", str(config), stdin="pausenow\n",
                 env={"ASSISTANT_DATA_DIR": str(data)})
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stdout
    assert load_config(config).listener.pause_words == ("pausenow",)
    assert head_path("pausenow", data, TINY).is_file()  # listen starts at once: the word is learned


def test_typed_setup_asks_again_for_a_word_that_is_not_letters(config: Path, tmp_path: Path) -> None:
    result = run("setup", "--text", "--config", str(config), stdin="code 4\nbanana\n",
                 env={"ASSISTANT_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 0, result.stderr
    assert "warning:" in result.stdout and "letters only" in result.stdout
    assert load_config(config).listener.pause_words == ("banana",)


def test_a_word_with_a_pronunciation_in_config_is_accepted_as_the_listener_accepts_it(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[listener]\nengine = "pocketsphinx"\npronunciations = { zorp = "Z AO R P" }\n')
    result = run("setup", "--text", "--word", "Zorp", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert load_config(config).listener.pause_words == ("zorp",)


def test_setup_creates_a_missing_config_file_readable_by_its_owner_only(tmp_path: Path) -> None:
    config = tmp_path / "new" / "config.toml"
    result = run("setup", "--text", "--word", "banana", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert load_config(config).listener.thresholds == {"banana": 0.5}


def test_without_config_setup_writes_the_user_config_file(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "ASSISTANT_CONFIG": "",
           "ASSISTANT_EAR_RECIPE": "tiny"}
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    done = subprocess.run([sys.executable, "-m", "assistant", "setup", "--text", "--word", "banana"], cwd=cwd,
                          capture_output=True, text=True, timeout=600, check=False, env={**os.environ, **env})
    assert done.returncode == 0, done.stderr
    written = home / ".config" / "pause-assistant" / "config.toml"
    assert load_config(written).listener.pause_words == ("banana",)


@pytest.mark.parametrize("where", ["under a file", "a folder"])
def test_a_config_path_that_cannot_be_written_exits_2_with_the_fix(tmp_path: Path, where: str) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder\n")
    target = blocker / "config.toml" if where == "under a file" else tmp_path
    result = run("setup", "--text", "--word", "banana", "--config", str(target))
    assert result.returncode == 2
    line = one_line(result)
    assert str(target) in line and "--config" in line
    assert blocker.read_text() == "not a folder\n"


def test_a_broken_config_file_is_not_overwritten(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[listener\npause_words = ["timeout"]\n')
    result = run("setup", "--text", "--word", "banana", "--config", str(config))
    assert result.returncode == 2
    assert "not valid TOML" in one_line(result)
    assert config.read_text() == '[listener\npause_words = ["timeout"]\n'


# -- config writing ----------------------------------------------------------------------------------------

def test_saving_keeps_other_thresholds_and_the_file_mode_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[listener]\npause_words = ["a", "b"]\n\n[listener.thresholds]\na = 0.3  # old\n')
    config.chmod(0o640)
    save_pause_word(config, "view glass", 0.34219)
    listener = load_config(config).listener
    assert listener.pause_words == ("view glass",)
    assert listener.thresholds == {"a": 0.3, "view glass": 0.342}
    assert "# old" in config.read_text()
    assert stat.S_IMODE(config.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def test_saving_through_a_symlink_writes_the_file_it_points_to(tmp_path: Path) -> None:
    real = tmp_path / "real.toml"
    real.write_text("[voice]\nrate_wpm = 140\n")
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    save_pause_word(link, "banana", 0.5)
    assert link.is_symlink()
    assert load_config(real).listener.pause_words == ("banana",)


def test_saving_a_value_the_config_would_refuse_writes_nothing(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[listener]\n")
    with pytest.raises(ConfigWriteError, match="listener.thresholds"):
        save_pause_word(config, "banana", 1.5)
    assert config.read_text() == "[listener]\n"


def test_setup_from_three_voices_learns_the_word_from_all_of_them(tmp_path: Path, shared_dir: Path) -> None:
    import soundfile as sf

    alexa = shared_dir / "real-voices" / "alexa"
    files = []
    for person, first in enumerate((0, 20, 40)):  # three people, three takes each, in partner order
        for k, clip in enumerate(real_takes(alexa, first, 3)):
            files.append(tmp_path / f"p{person}-{k}.wav")
            sf.write(files[-1], clip, RATE)
    config = tmp_path / "config.toml"
    data = tmp_path / "data"
    result = run("setup", "--word", "alexa", "--takes", *map(str, files), "--partners", "3", "--config", str(config),
                 env={"ASSISTANT_DATA_DIR": str(data)})
    assert result.returncode == 0, result.stderr
    assert "from your 3 voices" in result.stdout
    assert load_config(config).listener.pause_words == ("alexa",)
    assert enrollment.path_for("alexa", data).is_file()  # all nine takes, as embeddings
    uneven = run("setup", "--word", "alexa", "--takes", *map(str, files[:7]), "--partners", "3",
                 "--config", str(config))
    assert uneven.returncode == 2 and "the same number from each of you" in one_line(uneven)


def test_knock_takes_switch_the_knock_signal_on_with_the_couples_own_gap(tmp_path: Path) -> None:
    import soundfile as sf

    from assistant.audio import knock_sounds

    rng = np.random.default_rng(5)
    files = []
    for k in range(3):
        knocks = knock_sounds.as_int16(knock_sounds.pattern("burst", (0.5,), rng, jitter=0.05), 0.4)
        files.append(tmp_path / f"knock{k}.wav")
        sf.write(files[-1], np.concatenate([np.zeros(RATE // 2, np.int16), knocks]), RATE)
    config = tmp_path / "config.toml"
    config.write_text(COMMENTED)
    result = run("setup", "--knock-takes", *map(str, files), "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert "saved: knock signal, 2 knocks" in result.stdout
    listener = load_config(config).listener
    assert listener.signals == ("word", "knock") and listener.pause_words == ("timeout",)
    assert abs(listener.knock_pattern[0] - 0.5) <= 0.03
    assert "# the agreed word" in config.read_text()
    one = run("setup", "--knock-takes", str(files[0]), str(tmp_path / "missing.wav"), "--config", str(config))
    assert one.returncode == 2 and "missing.wav" in one_line(one)
