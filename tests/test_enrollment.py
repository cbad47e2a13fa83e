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
from assistant.ear import enrollment
from assistant.ear.training import EXAMPLES_FOLDER, QUICK, cache_folder, head_path

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
    silence = home / "silence.wav"  # a take where nobody spoke: reported by name and skipped
    sf.write(silence, np.zeros(24000, np.int16), 16000)
    takes = [alexa[int(k)] for k in UNHEARD] + [silence]
    result = run("setup", "--word", "alexa", "--takes", *map(str, takes), "--sentences", *map(str, sentences),
                 "--config", str(config), env=env)
    return {"home": home, "env": env, "config": config, "result": result, "alexa": alexa, "takes": takes[:-1]}


UNHEARD = ("4", "15", "35", "36", "37")
"""Real recordings the untrained quick model does not hear (its best confidence in each, measured: 0.00, 0.00,
0.00, 0.05, 0.03): set-up used to refuse takes like these ("take 1 was not heard clearly: say it again")."""


def test_setup_from_takes_the_untrained_model_does_not_hear_saves_the_word_and_skips_a_silent_take(enrolled) -> None:
    result = enrolled["result"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "saved" in result.stdout and "from your 2 voices" in result.stdout
    assert "skipped take 6 (" in result.stdout and "silence.wav): it is silent" in result.stdout
    assert "heard in " in result.stdout and "of your 5 takes" in result.stdout  # how well, in one line
    listener = load_config(enrolled["config"]).listener
    assert listener.pause_words == ("alexa",)
    assert 0.0 < listener.thresholds["alexa"] < 1.0
    assert head_path("alexa", enrolled["home"] / "data", QUICK).is_file()


def test_the_saved_word_model_then_hears_those_takes(enrolled, tmp_path: Path) -> None:
    heard = heard_in(enrolled["takes"], tmp_path, enrolled, "takes")
    assert sum(heard) >= 4, f"heard {sum(heard)} of the 5 takes it was trained on"


def one_stream(clips: list[Path], path: Path) -> list[tuple[float, float]]:
    """The recordings one after another in one file, as a listener meets voices mid-stream: a second of quiet
    before each, four after (more than the second chance's 4 s, so no two recordings are joined into one
    detection). Returns each recording's (start, end) in seconds. One `detect` run for all of them: ten
    processes loading the models cost a CPU-minute of CI for nothing."""
    parts, spans, at = [], [], 0.0
    for clip in clips:
        audio = read_audio(clip)
        parts += [np.zeros(16000, np.int16), audio, np.zeros(4 * 16000, np.int16)]
        spans.append((at + 1.0, at + 1.0 + len(audio) / 16000))
        at += 5.0 + len(audio) / 16000
    sf.write(path, np.concatenate(parts), 16000)
    return spans


def heard_in(clips: list[Path], tmp_path: Path, enrolled: dict, name: str) -> list[bool]:
    """For each recording, whether `detect` with the set-up's config heard the word in it."""
    path = tmp_path / f"{name}.wav"
    spans = one_stream(clips, path)
    out = run("detect", str(path), "--config", str(enrolled["config"]), "--json", env=enrolled["env"])
    assert out.returncode == 0, out.stderr
    events = [json.loads(line) for line in out.stdout.splitlines()]
    hits = [(e["start"], e["end"]) for e in events if e["event"] == "pause_word"]
    return [any(start - 0.5 <= end_ and start_ <= end + 1.5 for start_, end_ in hits) for start, end in spans]


def test_detect_with_that_config_hears_other_people_saying_the_word_and_not_another_phrase(
        enrolled, shared_dir, tmp_path: Path) -> None:
    heard = sum(heard_in(enrolled["alexa"][10:20], tmp_path, enrolled, "alexa"))  # people who did not record takes
    # the quick recipe (tests' size) hears far fewer than the full one (scripts/bench_ear.py: 95.5 % of real
    # clips with 6 takes); fewer than half means set-up's takes stopped helping
    assert heard >= 5, f"heard {heard} of 10 real recordings"
    # other people saying another phrase: the quick recipe's small model may slip once in ten, not more
    others = sorted((shared_dir / "real-voices" / "view_glass").glob("*.wav"))[:10]
    fooled = heard_in(others, tmp_path, enrolled, "view_glass")
    assert sum(fooled) <= 1, [clip.name for clip, f in zip(others, fooled, strict=True) if f]


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
