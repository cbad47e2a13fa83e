"""Where the store lives: the data folder and the database's file name."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

__all__ = ["APP_NAME", "DB_NAME", "data_dir"]

DB_NAME = "pause.sqlite3"
APP_NAME = "pause-assistant"


def data_dir() -> Path:
    """$ASSISTANT_DATA_DIR when set, else the platform's user data folder for the assistant."""
    env = os.environ.get("ASSISTANT_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return Path(user_data_dir(APP_NAME))
