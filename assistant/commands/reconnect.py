"""`assistant reconnect`: a deck's prompts read now, moved on by voice or by typed words."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from assistant.commands import EXIT_OK, UserError, config_of
from assistant.commands.stored import open_store
from assistant.events import PlayCue, RecordDelivery, Say
from assistant.prompts import DECKS, DeckError, load_deck
from assistant.session.commitments import MakeCommitment
from assistant.session.reconnect import Reconnection, typed_command
from assistant.store import StoreError


def cmd_reconnect(args: argparse.Namespace) -> int:
    """Read a deck's prompts aloud now; next / repeat / we're done move it on."""
    config = config_of(args)
    if args.deck not in DECKS:
        raise UserError(f"no deck {args.deck!r}; choose one of {', '.join(DECKS)}")
    store = open_store()
    try:
        sitting = Reconnection(load_deck(args.deck), store.delivered_ids(args.deck),
                               snooze_minutes=config.reminders.snooze_minutes)
    except DeckError as e:
        raise UserError(str(e)) from e
    if args.text:
        sitting.begin()
        lines = iter(sys.stdin)
        while True:
            for action in sitting.outbox:
                if isinstance(action, Say):
                    print(f"assistant: {action.text}", flush=True)
                elif isinstance(action, PlayCue):
                    print(f"({action.name})", flush=True)
                elif isinstance(action, RecordDelivery):
                    store.record_delivery(action.deck, action.prompt_id, action.at)
            sitting.outbox.clear()
            if sitting.finished:
                break
            line = next(lines, None)
            if line is None:
                break
            command = typed_command(line)
            if command is None:
                print("assistant: Say next, repeat, or we're done.", flush=True)
                continue
            sitting.command(command, datetime.now(UTC))
            if sitting.wants_commitment:  # "make a commitment" after a prompt: made now, then the prompts go on
                sitting.wants_commitment = False
                _make_typed(store, lines, config.commitments.partners)
        store.close()
        return EXIT_OK
    # deferred: the app and its speech engines, ~1.4 s (up to 3 s under load) measured with -X importtime:
    # the typed path never needs them
    from assistant.app import build_app, reconnect_detectors, run_reconnection

    try:
        app = build_app(config, input_device=args.input, output_device=args.output,
                        detectors=reconnect_detectors(config), open_store=lambda: store, reminders=False)
        run_reconnection(app, sitting)
    finally:
        store.close()
    return EXIT_OK


def _make_typed(store, lines, partners) -> None:
    """A commitment typed during `reconnect --text`: read back, and kept only after a typed yes."""
    making = MakeCommitment(partners=partners)
    making.begin()
    while True:
        for action in making.outbox:
            if isinstance(action, Say):
                print(f"assistant: {action.text}", flush=True)
            else:
                try:
                    made = store.add_commitment(action.text, action.by, datetime.now(UTC))
                    print(f"commitment kept: {made.id}", flush=True)
                except StoreError as e:
                    print(f"not saved: {e}", flush=True)
        making.outbox.clear()
        line = None if making.finished else next(lines, None)
        if line is None:
            return
        making.heard(line)

