"""Set-up from files: real recordings of a word become the couple's learned ear, kept as embeddings only.

`assistant setup --word alexa --takes ...6 real recordings... --sentences ...` trains the head (quick
recipe) with the takes, saves word and threshold to the config, and `assistant detect --config` then hears
other people's "alexa" and not "view glass". Nothing of the audio is stored; `forget` deletes the rest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assistant.audio.files import read_audio
from assistant.config import load_config
from assistant.speech import enrollment
from assistant.speech.training import EXAMPLES_FOLDER, QUICK, cache_folder, head_path

AUDIO_SUFFIXES = (".wav", ".flac", ".raw", ".pcm", ".ogg", ".mp3", ".opus")


def run(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, input=stdin,
                          timeout=600, check=False, env={**os.environ, **env})


@pytest.fixture(scope="module")
def enrolled(shared_dir: Path, tmp_path_factory) -> dict:
    home = tmp_path_factory.mktemp("enrolled")
    alexa = sorted((shared_dir / "real-voices" / "alexa").glob("*.flac"), key=lambda p: int(p.stem))
    sentences = sorted((shared_dir / "real-negatives" / "ljspeech").glob("*.flac"))[-2:]
    env = {"ASSISTANT_DATA_DIR": str(home / "data"), "ASSISTANT_EAR_RECIPE": "quick"}
    config = home / "config.toml"
    result = run("setup", "--word", "alexa", "--takes", *map(str, alexa[:6]), "--sentences", *map(str, sentences),
                 "--config", str(config), env=env)
    return {"home": home, "env": env, "config": config, "result": result, "alexa": alexa}


def test_setup_from_files_saves_the_word_and_a_threshold_from_the_takes(enrolled) -> None:
    result = enrolled["result"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "saved" in result.stdout and "from your 2 voices" in result.stdout
    listener = load_config(enrolled["config"]).listener
    assert listener.pause_words == ("alexa",)
    assert 0.0 < listener.thresholds["alexa"] < 1.0
    assert head_path("alexa", enrolled["home"] / "data", QUICK).is_file()


def in_a_stream(clip: Path, folder: Path) -> Path:
    """The recording with a second of quiet before and after, as the listener meets a voice mid-stream
    (the recordings start with the word at once, which no live stream does)."""
    audio = read_audio(clip)
    quiet = np.zeros(16000, np.int16)
    out = folder / f"{clip.stem}.wav"
    sf.write(out, np.concatenate([quiet, audio, quiet]), 16000)
    return out


def test_detect_with_that_config_hears_other_people_saying_the_word_and_not_another_phrase(
        enrolled, shared_dir, tmp_path: Path) -> None:
    heard = 0
    for clip in enrolled["alexa"][10:20]:  # people who did not record the takes
        out = run("detect", str(in_a_stream(clip, tmp_path)), "--config", str(enrolled["config"]), "--json",
                  env=enrolled["env"])
        assert out.returncode == 0, out.stderr
        heard += any(json.loads(line)["event"] == "pause_word" for line in out.stdout.splitlines())
    # the quick recipe (tests' size) hears far fewer than the full one (scripts/bench_ear.py: 95.5 % of real
    # clips with 6 takes); now that training is deterministic it hears 5 of these 10 every run (before, 4 to
    # 8 from run to run, which made a bar of 7 flaky); fewer means set-up's takes stopped helping
    assert heard >= 5, f"heard {heard} of 10 real recordings"
    # other people saying another phrase: the quick recipe's small model may slip once in ten, not more
    others = sorted((shared_dir / "real-voices" / "view_glass").glob("*.wav"))[:10]
    fooled = []
    for clip in others:
        out = run("detect", str(in_a_stream(clip, tmp_path)), "--config", str(enrolled["config"]), "--json", env=enrolled["env"])
        if [json.loads(line)["event"] for line in out.stdout.splitlines()] != ["summary"]:
            fooled.append(clip.name)
    assert len(fooled) <= 1, fooled


def test_setup_keeps_only_embeddings_owner_only_and_no_audio(enrolled) -> None:
    data = enrolled["home"] / "data"
    files = [p for p in data.rglob("*") if p.is_file()]
    assert files and not [p for p in files if p.suffix.lower() in AUDIO_SUFFIXES]
    for path in files:
        assert path.stat().st_mode & 0o077 == 0, f"{path} is readable by others"
    stored = enrollment.path_for("alexa", data)
    with np.load(stored, allow_pickle=False) as saved:
        assert sorted(saved.files) == ["labels", "windows", "word"]
        assert saved["windows"].shape[1:] == (16, 96)  # 16 embeddings of 96 numbers: no samples
        assert set(np.unique(saved["labels"])) == {0, 1}


def test_forget_deletes_the_learned_voices_and_heads(enrolled, tmp_path: Path) -> None:
    # a copy, so the other tests of this module keep theirs
    import shutil

    data = tmp_path / "data"
    shutil.copytree(enrolled["home"] / "data", data)
    cache = tmp_path / "cache"  # a copy of the word's rendered examples too: forget empties the cache's
    shutil.copytree(cache_folder() / EXAMPLES_FOLDER, cache / EXAMPLES_FOLDER)
    assert list((cache / EXAMPLES_FOLDER).glob("*.npz"))
    out = run("forget", "--yes", env={**enrolled["env"], "ASSISTANT_DATA_DIR": str(data),
                                      "ASSISTANT_CACHE_DIR": str(cache)})
    assert out.returncode == 0, out.stderr
    assert "learned voice" in out.stdout
    assert not (data / "enrollment").exists() and not (data / "heads").exists()
    assert not (cache / EXAMPLES_FOLDER).exists()


def test_takes_without_a_word_are_refused_in_one_line(enrolled) -> None:
    out = run("setup", "--takes", str(enrolled["alexa"][0]), "--config", str(enrolled["home"] / "x.toml"),
              env=enrolled["env"])
    assert out.returncode == 2 and "--takes needs --word" in out.stderr
