"""`assistant when`: a resume time understood from a typed or recorded phrase, as the dialog would."""

from __future__ import annotations

import argparse
import json
from datetime import timedelta

from assistant.commands import EXIT_NOT_UNDERSTOOD, EXIT_OK, UserError, config_of
from assistant.commands.hear import hear_time_event, now_of, plain_event
from assistant.timeparse import NotUnderstood, describe, parse_resume_time


def cmd_when(args: argparse.Namespace) -> int:
    """Resume time from a phrase: exit 0 understood, 1 not understood (or already past), 2 bad input."""
    config = config_of(args)
    now = now_of(args)
    if args.audio and args.phrase:
        raise UserError("give either a typed phrase or --audio FILE, not both")
    if args.audio:  # the same as `assistant hear --question time`: an unsure time is not understood
        event = hear_time_event(args.audio, now, config)
        if args.json:
            print(json.dumps(event))
        else:
            print(plain_event(event))
        return EXIT_OK if event["event"] == "resume_time" else EXIT_NOT_UNDERSTOOD
    if args.phrase:
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
