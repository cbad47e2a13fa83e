"""`assistant hear` (and `assistant when --audio`): what the dialog would hear in a recording, as one object.

For scripts and benchmarks: the same recogniser and the same decisions as `listen` (assistant.hearing.answers),
with the offers the dialog would make at `--now`. Exit 0 when something usable was heard, 1 when the dialog
would ask again (not understood, unsure, no command), 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta

from dateutil import tz

from assistant.commands import EXIT_NOT_UNDERSTOOD, EXIT_OK, UserError, config_of
from assistant.config import Config
from assistant.session.choices import offered_choices
from assistant.session.reconnect import RECONNECT_PHRASES
from assistant.session.wording import COMMAND_PHRASES, FALSE_ALARM_PHRASES
from assistant.timeparse import NotUnderstood, describe, parse_now, parse_resume_time

UNSURE_REASON = "heard, but not surely enough to read back: the dialog asks again"
COMMANDS = {**{name: tuple(p for p in phrases if p not in FALSE_ALARM_PHRASES)
               for name, phrases in COMMAND_PHRASES.items()},
            "false alarm": FALSE_ALARM_PHRASES,
            **{name: phrases for name, phrases in RECONNECT_PHRASES.items() if name != "repeat"}}
"""Every command heard during an exercise or while prompts are read, by the name `hear` prints."""


def now_of(args: argparse.Namespace) -> datetime:
    if args.now:
        try:
            return parse_now(args.now)
        except ValueError as e:
            raise UserError(f"--now: {e}") from e
    return datetime.now(tz.gettz())


def _heard(path: str, config: Config, ask):
    """`ask(hearing, audio)` on the recording at `path`, with the recogniser config names; its errors are
    bad input with their fix."""
    # deferred: `assistant when PHRASE` loads this module and must start under 0.3 s; numpy, soundfile and soxr
    # cost ~0.3 s, measured with -X importtime after commands.when
    from assistant.audio.files import AudioFileError, read_audio

    # deferred: Whisper (faster-whisper, CTranslate2) and the answers, ~0.35 s more, measured the same way
    from assistant.hearing import answers, whisper

    try:
        audio = read_audio(path)
    except AudioFileError as e:
        raise UserError(str(e)) from e
    try:
        return ask(answers.AnswerHearing(config.hearing.model, load_now=False), audio)
    except whisper.RecogniserError as e:
        raise UserError(str(e)) from e


def hear_time_event(path: str, now: datetime, config: Config) -> dict:
    """The event `hear --question time` and `when --audio` print."""
    min_break = timedelta(minutes=config.agreement.min_break_minutes)
    max_break = timedelta(hours=config.agreement.max_break_hours)
    offered = [c.phrase for c in offered_choices(now, min_break, max_break)]
    heard = _heard(path, config, lambda hearing, audio: hearing.time(audio, offered))
    if heard.via == "none":
        return {"event": "not_understood", "heard": "", "reason": "nothing was heard", "offers": offered}
    result = parse_resume_time(heard.words, now, min_break=min_break, max_break=max_break)
    if isinstance(result, NotUnderstood):
        return result.as_event() | {"offers": offered, "transcript": heard.transcript}
    if not heard.sure:
        return {"event": "not_understood", "heard": heard.words, "reason": UNSURE_REASON, "offers": offered,
                "transcript": heard.transcript}
    return result.as_event() | {"sure": True, "via": heard.via, "offers": offered, "transcript": heard.transcript,
                                "said": describe(result.resume_at, now, relative=result.relative)}


def cmd_hear(args: argparse.Namespace) -> int:
    """What the dialog would hear in a recording: exit 0 heard, 1 asked again, 2 bad input."""
    config = config_of(args)
    if args.question == "time":
        event = hear_time_event(args.audio, now_of(args), config)
        ok = event["event"] == "resume_time"
    elif args.question == "confirm":
        heard = _heard(args.audio, config, lambda hearing, audio: hearing.yes_no(audio))
        answer = heard.words if heard.sure and heard.words in ("yes", "no") else (
            "time" if heard.sure and heard.via == "free" else "again")
        event = {"event": "answer", "answer": answer, "heard": heard.transcript}
        if answer == "time":
            event["time"] = heard.words
        ok = answer != "again"
    else:
        heard = _heard(args.audio, config, lambda hearing, audio: hearing.command(audio, COMMANDS))
        command = heard.words if heard.sure else "none"
        event = {"event": "command", "command": command, "heard": heard.transcript}
        ok = command != "none"
    if args.json:
        print(json.dumps(event))
    else:
        print(plain_event(event))
    return EXIT_OK if ok else EXIT_NOT_UNDERSTOOD


def plain_event(event: dict) -> str:
    kind = event["event"]
    if kind == "resume_time":
        return f"{event['said']} ({event['resume_at']}), heard {event['heard']!r} via {event['via']}"
    if kind == "not_understood":
        return f"not understood: {event['heard']!r} ({event['reason']})"
    if kind == "answer":
        return f"answer: {event['answer']} (heard {event['heard']!r})"
    return f"command: {event['command']} (heard {event['heard']!r})"
