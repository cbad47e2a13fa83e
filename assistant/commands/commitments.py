"""`assistant commitments`: the commitments kept, and making, keeping, changing or letting one go by id."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from dateutil import tz

from assistant.answers import yes_or_no
from assistant.commands import EXIT_NOT_UNDERSTOOD, EXIT_OK, UserError, config_of
from assistant.commands.stored import open_store
from assistant.commitment_list import CommitmentInputError, as_json, match_name, parse_id, record, table
from assistant.session.commitment_words import LINES, read_back, second_person
from assistant.store import StoreError
from assistant.store.commitments import clean_text


def cmd_commitments(args: argparse.Namespace) -> int:
    """List (open ones and those let go in the last 30 days), or add / kept / change / drop. Adding and changing
    read the words back and need a typed yes (or --yes), as a spoken commitment does."""
    config = config_of(args)
    now = datetime.now(tz.gettz())
    by, yes, words = getattr(args, "by", None), getattr(args, "yes", False), getattr(args, "words", [])
    try:
        with open_store() as store:
            if args.action is None:
                listed = store.listed_commitments(now)
                if args.json:
                    for commitment in listed:
                        print(json.dumps(as_json(commitment)))
                else:
                    print(table(listed, tz.gettz()))
                return EXIT_OK
            if args.action == "add":
                by = match_name(by, config.commitments.partners) if by is not None else None
                text = _words(words, "add TEXT")
                if not _confirmed(text, yes, args.json):
                    return EXIT_NOT_UNDERSTOOD
                made = store.add_commitment(text, by, now)
                _report(args.json, {"event": "commitment_made", **_brief(made)},
                        f"commitment {made.id} kept: \"{made.text}\"")
                return EXIT_OK
            commitment_id = parse_id(args.id, args.action)
            text = None
            if args.action == "change":
                text = _words(words, f"change {commitment_id} TEXT")
                known = store.commitment(commitment_id)
                if known is None or known.status != "open":
                    why = "is not a commitment" if known is None else "was let go already"
                    raise UserError(f"commitments change {commitment_id}: {commitment_id} {why}; "
                                    "`assistant commitments` lists the open ones with their ids")
                if not _confirmed(text, yes, args.json):
                    return EXIT_NOT_UNDERSTOOD
            done = record(store, args.action, commitment_id, now, text)
            outcome = {"kept": "kept", "change": "changed", "drop": "dropped"}[args.action]
            kind = {"kept": LINES["thanks_kept"] + " ", "dropped": LINES["let_go"] + " "}.get(outcome, "")
            _report(args.json, {"event": "commitment_checked", "outcome": outcome, **_brief(done)},
                    f"{kind}(commitment {done.id} {outcome.replace('dropped', 'let go')}: \"{done.text}\")")
    except (CommitmentInputError, StoreError) as e:
        raise UserError(str(e)) from e
    return EXIT_OK


def _words(words: list[str], usage: str) -> str:
    try:
        return clean_text(" ".join(words))
    except ValueError as e:
        raise UserError(f"commitments {usage}: {e}") from e


def _confirmed(words: str, yes: bool, json_out: bool) -> bool:
    """The read-back, and a typed yes (or --yes). Anything else keeps nothing. With --json the read-back goes to
    stderr, so stdout holds only the JSON line."""
    out = sys.stderr if json_out else sys.stdout
    if yes:
        print(second_person(words), file=out)
        return True
    print(f"{read_back(words)} (yes/no) ", end="", flush=True, file=out)
    typed = sys.stdin.readline()
    if not (sys.stdin.isatty() and typed.endswith("\n")):
        print(file=out)  # a terminal echoes the Enter; piped input and Ctrl-D do not
    if yes_or_no(typed) == "yes":
        return True
    print("Nothing kept (answer yes to keep it, or use --yes).", file=out)
    return False


def _brief(commitment) -> dict:
    return {key: value for key, value in as_json(commitment).items() if key != "event"}


def _report(as_json_line: bool, event: dict, line: str) -> None:
    print(json.dumps(event) if as_json_line else line)
