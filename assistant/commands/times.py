"""`assistant when` and `assistant agree`: resume times understood, and agreed outside a session."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timedelta

from dateutil import tz

from assistant.commands import EXIT_NOT_UNDERSTOOD, EXIT_OK, UserError, config_of
from assistant.commands.stored import open_store
from assistant.session.dialog import AgreeDialog, yes_or_no
from assistant.store import StoreError
from assistant.timeparse import NotUnderstood, describe, parse_now, parse_resume_time


def cmd_when(args: argparse.Namespace) -> int:
    """Resume time from a phrase: exit 0 understood, 1 not understood (or already past), 2 bad input."""
    config = config_of(args)
    if args.now:
        try:
            now = parse_now(args.now)
        except ValueError as e:
            raise UserError(f"--now: {e}") from e
    else:
        now = datetime.now(tz.gettz())
    if args.audio and args.phrase:
        raise UserError("give either a typed phrase or --audio FILE, not both")
    if args.audio:
        # Imported only for --audio: a typed phrase needs no audio or speech code (numpy, soundfile, engines).
        from assistant.audio.files import AudioFileError
        from assistant.speech.times import recognise_time_phrase

        try:
            heard = recognise_time_phrase(args.audio, config)
        except AudioFileError as e:
            raise UserError(str(e)) from e
    elif args.phrase:
        heard = " ".join(args.phrase)
    else:
        raise UserError('say when: assistant when "in twenty minutes" (or --audio FILE)')
    result = parse_resume_time(heard, now, min_break=timedelta(minutes=config.agreement.min_break_minutes),
                               max_break=timedelta(hours=config.agreement.max_break_hours))
    if args.json:
        print(json.dumps(result.as_event()))
    elif isinstance(result, NotUnderstood):
        print(f"not understood: {result.heard!r} ({result.reason})")
    else:
        print(f"{describe(result.resume_at, now, relative=result.relative)} ({result.resume_at.isoformat()})")
        for warning in result.warnings:
            print(f"note: {warning}")
    return EXIT_NOT_UNDERSTOOD if isinstance(result, NotUnderstood) else EXIT_OK


def cmd_agree(args: argparse.Namespace) -> int:
    """The spoken dialog's checks and read-back, typed: exit 0 saved, 1 not understood or not confirmed."""
    config = config_of(args)
    if not args.phrase:
        raise UserError('say when: assistant agree "friday morning"')
    dialog = AgreeDialog(min_break=timedelta(minutes=config.agreement.min_break_minutes),
                         max_break=timedelta(hours=config.agreement.max_break_hours))
    now = datetime.now(tz.gettz())
    dialog.heard_time(" ".join(args.phrase), now)
    lines = [action.text for action in dialog.outbox]
    dialog.outbox.clear()
    if dialog.proposed is None:
        print(lines[-1] if lines else "Nothing saved.")
        return EXIT_NOT_UNDERSTOOD
    for line in lines[:-1]:
        print(line)
    if args.yes:
        print(lines[-1])
        answer = "yes"
    else:
        print(f"{lines[-1]} (yes/no) ", end="", flush=True)
        typed = sys.stdin.readline()
        if not (sys.stdin.isatty() and typed.endswith("\n")):
            print()  # a terminal echoes the Enter; piped input and Ctrl-D do not
        answer = yes_or_no(typed) or "no"
    dialog.asked = True
    dialog.heard_answer(answer, datetime.now(tz.gettz()))
    if dialog.agreed is None:
        print("Nothing saved (answer yes to keep it, or use --yes).")
        return EXIT_NOT_UNDERSTOOD
    with open_store() as store:
        try:
            record = store.add_agreement(dialog.agreed.resume_at, dialog.agreed.heard, now)
        except StoreError as e:
            raise UserError(str(e)) from e
    print(f"{dialog.outbox[-1].text} (reminder {record.id}, {record.resume_at:%a %d %b %H:%M}; it is read aloud "
          "while `assistant listen` runs: `assistant service install` keeps it running)")
    return EXIT_OK
