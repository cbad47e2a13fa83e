"""Command line: parse arguments, load config, call into the modules, map errors to exit codes.

Exit codes: 0 success, 1 "not understood" style outcomes (see DESIGN.md), 2 bad input with a one-line reason.
Each subcommand is a `_cmd_<name>(args) -> int` function registered in `_build_parser`.
"""

from __future__ import annotations

import argparse
import logging
import sys

from assistant.config import ENGINES, Config, ConfigError, load_config

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
    p = sub.add_parser("detect", help="find pause words in a WAV or FLAC file (JSON lines with --json)")
    p.add_argument("audio", help="WAV or FLAC file, any rate and channel count")
    p.add_argument("--pause-word", action="append", dest="pause_words", metavar="W",
                   help="pause word or phrase (repeatable); default: listener.pause_words from config")
    p.add_argument("--engine", choices=ENGINES, help="speech engine (default: listener.engine)")
    p.add_argument("--model", help="Vosk model folder")
    p.add_argument("--config", help="config file (default: ./config.toml or the user config)")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=_cmd_detect)
    return parser


def _cmd_detect(args: argparse.Namespace) -> int:
    """Run the listener's detector over a file as fast as it can."""
    import json
    import time

    from assistant.audio.files import AudioFileError, FileSource
    from assistant.speech.engines import EngineError, build_detector
    from assistant.speech.recognizer import VocabularyError
    from assistant.speech.vosk_engine import ModelError

    config = _config(args)
    try:
        source = FileSource(args.audio)
        started = time.perf_counter()
        detector, choice = build_detector(config, args.pause_words, engine=args.engine, model=args.model)
    except (AudioFileError, EngineError, ModelError, VocabularyError) as e:
        raise UserError(str(e)) from e
    logging.getLogger(__name__).info("engine: %s", choice.reason)

    def report(event) -> None:
        if args.json:
            print(json.dumps({"event": "pause_word", "word": event.word, "start": event.start_ms / 1000,
                              "end": event.end_ms / 1000, "detected_at": event.t_ms / 1000,
                              "confidence": event.confidence}), flush=True)
        else:
            print(f"{event.start_ms / 1000:8.2f}s  {event.word}  (confidence {event.confidence:.2f})", flush=True)

    for frame in source.frames():
        for event in detector.process(frame):
            report(event)
    for event in detector.flush():
        report(event)
    process_s = time.perf_counter() - started
    summary = {"event": "summary", "audio_s": round(source.seconds, 3), "process_s": round(process_s, 3),
               "rtf": round(process_s / max(source.seconds, 1e-9), 4), "engine": choice.name}
    print(json.dumps(summary) if args.json else
          f"{source.seconds:.1f} s of audio in {process_s:.2f} s (real-time factor {summary['rtf']}) "
          f"with {choice.name}")
    return EXIT_OK


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
