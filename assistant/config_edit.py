"""Write the pause word and its threshold into config.toml, keeping every comment and other key as it was.

tomlkit edits the document in place (a re-dump through tomllib would drop the shipped file's comments, which
are its documentation). The new text must load with `config.parse_config` before it replaces the old file,
and it replaces it atomically (temporary file in the same folder, then os.replace): a crash leaves the old
file or the new one, never half of one. A new file is readable by its owner only.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import tomlkit
from platformdirs import user_config_dir
from tomlkit.exceptions import ParseError

from assistant.config import DEFAULT_CONFIG_NAME, ConfigError, parse_config

NEW_FILE_MODE = 0o600
"""Permissions of a config file set-up creates: the pause word is the couple's own business."""
_FIX = "pass --config with a file you can write, or fix the folder's permissions"


class ConfigWriteError(RuntimeError):
    """The config file cannot be written; the message names the file and the fix."""


def user_config_path() -> Path:
    """Where config.py looks last, and where set-up writes when no config file is in use."""
    return Path(user_config_dir("pause-assistant")) / DEFAULT_CONFIG_NAME


def _listener(text: str):
    try:
        doc = tomlkit.parse(text)
    except ParseError as e:
        raise ConfigWriteError(f"not valid TOML ({e}); fix that line first") from e
    listener = doc.get("listener")
    if listener is None:
        listener = tomlkit.table()
        doc["listener"] = listener
    return doc, listener


def knock_text(text: str, gaps_s: tuple[float, ...], tolerance: float, level_db: float) -> str:
    """`text` (TOML) with the knock signal switched on (listener.signals gains "knock") and its pattern."""
    doc, listener = _listener(text)
    signals = [str(s) for s in listener.get("signals", ["word"])]
    listener["signals"] = tomlkit.array()
    for signal in [*signals, *(["knock"] if "knock" not in signals else [])]:
        listener["signals"].append(signal)
    listener["knock_pattern"] = tomlkit.array()
    for gap in gaps_s:
        listener["knock_pattern"].append(round(float(gap), 3))
    listener["knock_tolerance"] = round(float(tolerance), 2)
    listener["knock_level_db"] = round(float(level_db), 1)
    return tomlkit.dumps(doc)


def updated_text(text: str, word: str, threshold: float) -> str:
    """`text` (TOML) with listener.pause_words = [word] and listener.thresholds[word] = threshold."""
    doc, listener = _listener(text)
    words = tomlkit.array()
    words.append(word)
    listener["pause_words"] = words
    if "thresholds" not in listener:
        listener["thresholds"] = tomlkit.inline_table()
    listener["thresholds"][word] = round(float(threshold), 3)
    return tomlkit.dumps(doc)


def check_writable(path: Path | str) -> Path:
    """The file set-up would write for `path` (a symlink's target); ConfigWriteError with the fix when it
    plainly cannot be written, checked before the couple spend any time on set-up."""
    path = Path(path)
    if path.is_symlink():
        path = path.resolve()  # write where the link points; replacing the link itself would cut it
    if path.is_dir():
        raise ConfigWriteError(f"{path} is a folder, not a config file: pass --config {path / DEFAULT_CONFIG_NAME}")
    existing_parent = next((p for p in path.parents if p.exists()), None)
    if existing_parent is not None and not existing_parent.is_dir():
        raise ConfigWriteError(f"cannot write {path}: {existing_parent} is a file, not a folder; {_FIX}")
    if path.exists() and not os.access(path, os.W_OK):
        raise ConfigWriteError(f"cannot write {path} (permission denied): {_FIX}")
    if not path.exists() and existing_parent is not None and not os.access(existing_parent, os.W_OK | os.X_OK):
        raise ConfigWriteError(f"cannot create {path} ({existing_parent} is not writable): {_FIX}")
    return path


def save_pause_word(path: Path | str, word: str, threshold: float) -> Path:
    """Save the word and its threshold to `path` (created if missing); returns the file written.

    Raises ConfigWriteError naming the file and the fix when it cannot be read, parsed or written.
    """
    return _save(path, lambda text: updated_text(text, word, threshold))


def save_knock(path: Path | str, gaps_s: tuple[float, ...], tolerance: float, level_db: float) -> Path:
    """Switch the knock signal on in `path` with the couple's own pattern; as save_pause_word."""
    return _save(path, lambda text: knock_text(text, gaps_s, tolerance, level_db))


def _save(path: Path | str, edit) -> Path:
    path = check_writable(path)
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigWriteError(f"cannot read {path} ({e}): {_FIX}") from e
    try:
        new_text = edit(text)
        parse_config(new_text, path)  # never write a file the assistant would refuse to start with
    except (ConfigWriteError, ConfigError) as e:
        raise ConfigWriteError(f"{path}: {e}") from None
    mode = (path.stat().st_mode & 0o777) if path.exists() else NEW_FILE_MODE
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(new_text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
        tmp = None
    except OSError as e:
        raise ConfigWriteError(f"cannot write {path} ({e.strerror or e}): {_FIX}") from e
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return path


__all__ = ["NEW_FILE_MODE", "ConfigWriteError", "check_writable", "knock_text", "save_knock", "save_pause_word",
           "updated_text", "user_config_path"]
