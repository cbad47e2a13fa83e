"""Bad input gets exit 2 and one line that names the problem and the fix."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import typing
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Config, ConfigError, parse_config
from assistant.store import open_store


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args], check=False, capture_output=True, text=True,
                          timeout=120, cwd=cwd, env=env, stdin=subprocess.DEVNULL)


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


def test_a_pause_word_outside_the_dictionary_is_accepted_by_keyword_search(silence_wav: Path) -> None:
    result = run("detect", str(silence_wav), "--pause-word", "timeoutnow", "--detector", "keyword",
                 "--engine", "pocketsphinx", "--json")
    assert result.returncode == 0, result.stderr
    assert '"event": "summary"' in result.stdout


def test_the_suggested_split_of_an_unknown_word_actually_works(silence_wav: Path) -> None:
    result = run("detect", str(silence_wav), "--pause-word", "timeout now", "--detector", "keyword",
                 "--engine", "pocketsphinx", "--json")
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


# --- every command against each kind of bad input (issue 15) ------------------------------------------

@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """An environment whose data, config, log and systemd folders all lie under tmp_path, run from there."""
    env = dict(os.environ)
    for key in ("ASSISTANT_CONFIG", "ASSISTANT_MODELS"):
        env.pop(key, None)
    env.update(HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "home" / ".config"),
               XDG_DATA_HOME=str(tmp_path / "home" / ".local" / "share"),
               XDG_STATE_HOME=str(tmp_path / "home" / ".local" / "state"),
               ASSISTANT_DATA_DIR=str(tmp_path / "data"), ASSISTANT_LOG_DIR=str(tmp_path / "log"))
    (tmp_path / "home").mkdir()
    return env


COMMANDS_WITH_CONFIG = {
    "detect": ["detect", "{audio}"],
    "listen": ["listen", "--text"],
    "when": ["when", "in an hour"],
    "breathe": ["breathe", "--timeline", "{tmp}/breathe.json"],
    "ground": ["ground", "--timeline", "{tmp}/ground.json"],
    "reconnect": ["reconnect", "--text"],
    "doctor": ["doctor"],
    "setup": ["setup", "--text", "--word", "banana"],
    "service": ["service", "install"],
    "reminders": ["reminders"],
}
"""Every command that reads the config, with arguments that would otherwise work."""
COMMANDS_WITHOUT_CONFIG = {"history": ["history"], "forget": ["forget", "--yes"], "devices": ["devices"]}
"""Commands that use no config; one given to them explicitly is still checked."""
NON_FINITE = {
    "nan": ("[agreement]\nmin_break_minutes = nan\n", "agreement.min_break_minutes"),
    "inf": ("[listener]\ndebounce_seconds = inf\n", "listener.debounce_seconds"),
    "-inf": ("[session]\nminutes = -inf\n", "session.minutes"),
}


def command(template: list[str], tmp_path: Path, audio: Path) -> list[str]:
    return [part.format(tmp=tmp_path, audio=audio) for part in template]


def _float_keys(cls: type, prefix: str = "") -> list[str]:
    keys = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if dataclasses.is_dataclass(hints[f.name]):
            keys += _float_keys(hints[f.name], f.name)
        elif hints[f.name] is float:
            keys.append(f"{prefix}.{f.name}")
    return keys


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "+nan"])
@pytest.mark.parametrize("key", _float_keys(Config))
def test_every_number_key_refuses_nan_and_inf_naming_the_key_and_the_default(key: str, value: str) -> None:
    table, name = key.split(".")
    with pytest.raises(ConfigError) as refused:
        parse_config(f"[{table}]\n{name} = {value}\n")
    default = getattr(getattr(Config(), table), name)
    assert str(refused.value).startswith(f"{key}: ") and f"the default is {default:g}" in str(refused.value)


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_a_threshold_of_nan_or_inf_is_refused(value: str) -> None:
    with pytest.raises(ConfigError, match=r"listener\.thresholds\.banana"):
        parse_config(f"[listener.thresholds]\nbanana = {value}\n")


@pytest.mark.parametrize("value", NON_FINITE, ids=list(NON_FINITE))
@pytest.mark.parametrize("name", [*COMMANDS_WITH_CONFIG, *COMMANDS_WITHOUT_CONFIG])
def test_a_non_finite_number_in_the_config_before_the_command_names_file_and_key(
        name: str, value: str, tmp_path: Path, silence_wav: Path, home: dict[str, str]) -> None:
    text, key = NON_FINITE[value]
    config = tmp_path / "mine.toml"
    config.write_text(text)
    args = command({**COMMANDS_WITH_CONFIG, **COMMANDS_WITHOUT_CONFIG}[name], tmp_path, silence_wav)
    result = run("--config", str(config), *args, cwd=tmp_path, env=home)
    assert result.returncode == 2, result.stdout + result.stderr
    line = one_line(result)
    assert "mine.toml" in line and key in line and "ordinary number" in line and "Traceback" not in result.stderr
    assert not (tmp_path / "home" / ".config" / "systemd").exists()  # `service install` installed nothing


@pytest.mark.parametrize("name", COMMANDS_WITH_CONFIG)
def test_a_non_finite_number_in_the_config_after_the_command_names_file_and_key(
        name: str, tmp_path: Path, silence_wav: Path, home: dict[str, str]) -> None:
    config = tmp_path / "mine.toml"
    config.write_text("[listener]\ndebounce_seconds = nan\n")
    result = run(*command(COMMANDS_WITH_CONFIG[name], tmp_path, silence_wav), "--config", str(config), cwd=tmp_path,
                 env=home)
    assert result.returncode == 2, result.stdout + result.stderr
    line = one_line(result)
    assert "mine.toml" in line and "listener.debounce_seconds" in line


@pytest.mark.parametrize("where", ["before", "after"])
def test_config_given_before_or_after_the_command_is_the_one_used(where: str, tmp_path: Path,
                                                                  home: dict[str, str]) -> None:
    config = tmp_path / "mine.toml"
    config.write_text("[agreement]\nmin_break_minutes = 5\n")  # ten minutes is then not too soon
    when = ["when", "in ten minutes", "--now", "2026-11-24T18:00:00+00:00", "--json"]
    args = ["--config", str(config), *when] if where == "before" else [*when, "--config", str(config)]
    result = run(*args, cwd=tmp_path, env=home)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["warnings"] == []
    default = run(*when, cwd=tmp_path, env=home)
    assert json.loads(default.stdout)["warnings"]  # without it, ten minutes is sooner than the default 20


def test_doctor_accepts_config_before_the_command(tmp_path: Path, home: dict[str, str]) -> None:
    config = tmp_path / "mine.toml"
    config.write_text('[listener]\nengine = "pocketsphinx"\n')
    result = run("--config", str(config), "doctor", cwd=tmp_path, env=home)
    assert "usage:" not in result.stderr and "unrecognized" not in result.stderr
    assert "[ok ] engine: PocketSphinx" in result.stdout


@pytest.fixture
def bad_audio(tmp_path: Path) -> dict[str, Path]:
    empty = tmp_path / "take1.wav"
    empty.write_bytes(b"")
    corrupt = tmp_path / "take2.wav"
    corrupt.write_bytes(b"RIFF" + bytes(range(256)) * 8)
    folder = tmp_path / "takes.wav"
    folder.mkdir()
    return {"missing": tmp_path / "take3.wav", "empty": empty, "corrupt": corrupt, "folder": folder}


@pytest.mark.parametrize("kind", ["missing", "empty", "corrupt", "folder"])
@pytest.mark.parametrize("how", [["detect"], ["when", "--audio"]], ids=["detect", "when"])
def test_bad_audio_gets_one_line_naming_the_file(how: list[str], kind: str, bad_audio: dict[str, Path],
                                                 tmp_path: Path, home: dict[str, str]) -> None:
    path = bad_audio[kind]
    result = run(*how, str(path), cwd=tmp_path, env=home)
    assert result.returncode == 2, result.stdout + result.stderr
    line = one_line(result)
    assert path.name in line
    assert {"missing": "no such audio file", "empty": "is empty", "corrupt": "cannot decode audio",
            "folder": "is a folder"}[kind] in line


OUTPUTS = {
    "render into a missing folder": (["--render", "{tmp}/nowhere/calm.wav"], "does not exist"),
    "render an mp3": (["--render", "{tmp}/calm.mp3"], "calm.wav"),
    "render a name without suffix": (["--render", "{tmp}/calm"], ".wav ending"),
    "render onto a folder": (["--render", "{tmp}"], "is a folder"),
    "render under a file": (["--render", "{tmp}/notes.txt/calm.wav"], "not a folder"),
    "timeline into a missing folder": (["--timeline", "{tmp}/nowhere/calm.json"], "does not exist"),
}


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("exercise", ["breathe", "ground"])
def test_an_output_that_cannot_be_written_is_refused_before_any_work(
        exercise: str, output: str, tmp_path: Path, home: dict[str, str]) -> None:
    (tmp_path / "notes.txt").write_text("not a folder\n")
    template, says = OUTPUTS[output]
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run(exercise, *command(template, tmp_path, tmp_path), cwd=tmp_path, env=home)
    assert result.returncode == 2, result.stdout + result.stderr
    line = one_line(result)
    assert says in line and ("--render" in line or "--timeline" in line)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing half-written


@contextmanager
def unwritable(folder: Path) -> Iterator[str]:
    """Make the data folder refuse writes, for root too: root ignores permission bits, so it gets the
    immutable attribute; where the file system refuses that (overlay file systems), a folder standing where
    SQLite's write-ahead log must go stops every write just the same. Yields how it was done."""
    if os.geteuid() != 0:
        folder.chmod(0o500)
        try:
            yield "chmod"
        finally:
            folder.chmod(0o700)
        return
    if shutil.which("chattr") and subprocess.run(["chattr", "+i", str(folder)], capture_output=True,
                                                 check=False).returncode == 0:
        try:
            yield "chattr"
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        return
    wal = folder / "pause.sqlite3-wal"
    wal.mkdir()
    try:
        yield "wal folder"
    finally:
        wal.rmdir()


def test_cancelling_a_reminder_in_a_data_folder_that_cannot_be_written_says_how_to_fix_it(
        tmp_path: Path, home: dict[str, str]) -> None:
    data = Path(home["ASSISTANT_DATA_DIR"])
    now = datetime.now(UTC)
    with open_store(data / "pause.sqlite3") as store:
        kept = store.add_agreement(now + timedelta(hours=2), "in two hours", now)
    with unwritable(data):
        listed = run("reminders", "--json", cwd=tmp_path, env=home)
        assert listed.returncode == 0 and json.loads(listed.stdout)["id"] == kept.id  # reading still works
        result = run("reminders", "cancel", str(kept.id), cwd=tmp_path, env=home)
        assert result.returncode == 2, result.stdout + result.stderr
        line = one_line(result)
        assert "could not cancel" in line and "Fix:" in line and "ASSISTANT_DATA_DIR" in line
    with open_store(data / "pause.sqlite3") as store:
        assert [a.id for a in store.pending_agreements()] == [kept.id]  # still there to be read out


@pytest.mark.parametrize("args", [["reminders"], ["reminders", "cancel", "1"], ["history"], ["forget", "--yes"],
                                  ["reconnect", "--text"]], ids=lambda a: " ".join(a))
def test_a_data_folder_under_a_file_gets_one_line(args: list[str], tmp_path: Path, home: dict[str, str]) -> None:
    (tmp_path / "notes.txt").write_text("not a folder\n")
    env = {**home, "ASSISTANT_DATA_DIR": str(tmp_path / "notes.txt" / "data")}
    result = run(*args, cwd=tmp_path, env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    line = one_line(result)
    assert "notes.txt" in line and "ASSISTANT_DATA_DIR" in line


MISSING_MODEL = "/no/such/folder"


def test_a_missing_model_on_the_command_line_is_an_error_not_pocketsphinx(silence_wav: Path, tmp_path: Path,
                                                                          home: dict[str, str]) -> None:
    result = run("detect", str(silence_wav), "--model", "/no/such", cwd=tmp_path, env=home)
    assert result.returncode == 2, result.stdout
    line = one_line(result)
    assert "/no/such" in line and "--model" in line and "download_model.py" in line


@pytest.mark.parametrize("args", [["detect", "{audio}"], ["listen", "--text"], ["setup", "--text", "--word", "banana"]],
                         ids=lambda a: a[0])
def test_a_missing_model_in_the_config_is_an_error_naming_the_key(args: list[str], silence_wav: Path,
                                                                  tmp_path: Path, home: dict[str, str]) -> None:
    config = tmp_path / "mine.toml"
    config.write_text(f'[listener]\nmodel = "{MISSING_MODEL}"\n')
    result = run(*command(args, tmp_path, silence_wav), "--config", str(config), cwd=tmp_path, env=home)
    assert result.returncode == 2, result.stdout
    line = one_line(result)
    assert MISSING_MODEL in line and "listener.model" in line and "mine.toml" in line
    assert "download_model.py" in line and 'model = ""' in line
    assert config.read_text() == f'[listener]\nmodel = "{MISSING_MODEL}"\n'  # setup saved nothing


def test_doctor_marks_a_missing_model_as_the_thing_to_fix(tmp_path: Path, home: dict[str, str]) -> None:
    config = tmp_path / "mine.toml"
    config.write_text(f'[listener]\nmodel = "{MISSING_MODEL}"\n[voice]\nenabled = false\n')
    result = run("--config", str(config), "doctor", cwd=tmp_path, env=home)
    assert result.returncode == 2
    engine = next(line for line in result.stdout.splitlines() if "engine" in line)
    assert engine.startswith("[FIX]") and MISSING_MODEL in engine
    assert "all good" not in result.stdout


# --- names written with hyphens or spaces -------------------------------------------------------------

@pytest.mark.parametrize(("exercise", "written", "name"), [
    ("breathe", "extended-exhale", "extended_exhale"), ("breathe", "Cyclic Sighing", "cyclic_sighing"),
    ("breathe", "4 7 8", "4-7-8"), ("ground", "Senses", "senses")])
def test_an_exercise_named_with_hyphens_or_spaces_is_the_same_exercise(
        exercise: str, written: str, name: str, tmp_path: Path, home: dict[str, str]) -> None:
    extra = ["--cycles", "2"] if exercise == "breathe" else []
    asked = run(exercise, written, *extra, "--timeline", str(tmp_path / "asked.json"), cwd=tmp_path, env=home)
    assert asked.returncode == 0, asked.stderr
    listed = run(exercise, name, *extra, "--timeline", str(tmp_path / "listed.json"), cwd=tmp_path, env=home)
    assert listed.returncode == 0, listed.stderr
    assert json.loads((tmp_path / "asked.json").read_text()) == json.loads((tmp_path / "listed.json").read_text())
