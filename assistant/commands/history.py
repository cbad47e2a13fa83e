"""`assistant history`: pauses, sessions, resume times and reconnections, week by week."""

from __future__ import annotations

import argparse
import json
import sys

from dateutil import tz

from assistant import history
from assistant.commands import EXIT_OK, UserError
from assistant.commands.stored import open_store
from assistant.ear.learned_store import retrained_models
from assistant.store import DB_NAME, data_dir


def cmd_history(args: argparse.Namespace) -> int:
    """Week by week (local weeks, Monday first): a table, JSON lines, or a chart. An empty history prints one
    kind line (JSON: nothing) and --plot still writes a valid image that says so, exit 0 either way."""
    folder = data_dir()
    nearest = next(p for p in (folder, *folder.parents) if p.exists())
    if (folder / DB_NAME).exists() or not nearest.is_dir():  # (a folder under a file: opening says so)
        with open_store() as store:
            weeks = store.weekly_counts(tz.gettz())
    else:  # nothing stored yet: reading history must not create the data folder and database
        weeks = []
    if args.plot:
        try:
            history.plot(weeks, args.plot)
        except ValueError as e:
            raise UserError(str(e)) from e
        except OSError as e:
            raise UserError(f"--plot {args.plot}: cannot write it ({e.strerror or e}); "
                            "choose a file in a folder you can write to") from e
        drawn = len(history.fill_weeks(weeks))
        print(f"{history.EMPTY} (said so in {args.plot})" if not weeks else f"drew {drawn} week(s) into {args.plot}")
    elif args.json:
        for week in history.as_json(weeks):
            print(json.dumps(week))
        for model in _retrained_models():
            print(json.dumps({"event": "word_model", **model}))
    else:
        history.print_table(weeks, sys.stdout)
        for model in _retrained_models():
            print(history.retrained_line(model))
    return EXIT_OK


def _retrained_models() -> list[dict]:
    return retrained_models(data_dir())
