"""`assistant when`: a resume time understood from a typed or recorded phrase, as the dialog would."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta

from dateutil import tz

from assistant.commands import EXIT_NOT_UNDERSTOOD, EXIT_OK, UserError, config_of
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
