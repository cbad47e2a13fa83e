"""The commands behind `assistant COMMAND`, one module per family of jobs.

Each command is a `cmd_<name>(args) -> int` that cli.py calls after parsing; it returns an exit code and
raises `UserError` for bad input the user can fix (cli.py prints it as one line and exits 2).
"""

from __future__ import annotations

import argparse

from assistant.config import Config, load_config

EXIT_OK = 0
EXIT_NOT_UNDERSTOOD = 1
EXIT_BAD_INPUT = 2


class UserError(Exception):
    """Bad input the user can fix; printed as one line, exit 2."""


def config_of(args: argparse.Namespace) -> Config:
    """The config the command line names (`--config`), else the one found by default."""
    return load_config(getattr(args, "config", None))
