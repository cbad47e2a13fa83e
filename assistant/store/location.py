"""Where the store lives: the data folder and the database's file name."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from platformdirs import user_cache_dir, user_data_dir

__all__ = ["APP_NAME", "DB_NAME", "cache_folder", "data_dir", "folder_from"]

DB_NAME = "pause.sqlite3"
APP_NAME = "pause-assistant"


def folder_from(variable: str, platform_folder: Callable[[str], str]) -> Path:
    """$`variable` when set, else the platform's folder of that kind for the assistant."""
    env = os.environ.get(variable)
    if env:
        return Path(env).expanduser()
    return Path(platform_folder(APP_NAME))


def data_dir() -> Path:
    """$ASSISTANT_DATA_DIR when set, else the platform's user data folder for the assistant."""
    return folder_from("ASSISTANT_DATA_DIR", user_data_dir)


def cache_folder() -> Path:
    """The user cache folder ($ASSISTANT_CACHE_DIR, else the platform's): derived data that can be rebuilt
    (the ear's rendered examples). Here, beside the data folder, so the doctor names it without loading the ear."""
    return Path(os.environ.get("ASSISTANT_CACHE_DIR") or user_cache_dir(APP_NAME))
