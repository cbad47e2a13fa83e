"""Command line: parse arguments, load config, call into the modules, map errors to exit codes.

Exit codes: 0 success, 1 "not understood" style outcomes (see DESIGN.md), 2 bad input with a one-line reason.
Each subcommand is a `_cmd_<name>(args) -> int` function registered in `_build_parser`.
"""

from __future__ import annotations

import argparse
import logging
import sys

from assistant.config import Config, ConfigError, load_config

EXIT_OK = 0
EXIT_NOT_UNDERSTOOD = 1
EXIT_BAD_INPUT = 2


class UserError(Exception):
    """Bad input the user can fix; printed as one line, exit 2."""


def _config(args: argparse.Namespace) -> Config:
    return load_config(getattr(args, "config", None))


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # Subcommands are registered here, one block each.
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args))
    except (ConfigError, UserError) as e:
        print(f"assistant: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
