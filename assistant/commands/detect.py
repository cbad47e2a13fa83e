"""`assistant detect`: the listener's detectors over a file, as fast as they run."""

from __future__ import annotations

import argparse
import json
import logging
import time

from assistant.audio.files import AudioFileError, FileSource
from assistant.audio.knock import KnockDetector
from assistant.commands import EXIT_OK, UserError, config_of
from assistant.ear.build import build_detector
from assistant.ear.embedding import FrontEndError
from assistant.ear.word_head import HeadError
from assistant.hearing.engines import EngineError
from assistant.hearing.recognizer import VocabularyError
from assistant.hearing.vosk_engine import ModelError

_LOGGER = logging.getLogger("assistant.cli")
"""The name `detect` has always logged its engine choice under."""


def cmd_detect(args: argparse.Namespace) -> int:
    """Run the listener's detector over a file as fast as it can."""
    config = config_of(args)
    signals = args.signals or config.listener.signals
    try:
        source = FileSource(args.audio)
        started = time.perf_counter()
        if "word" in signals:
            detector, choice = build_detector(config, args.pause_words, engine=args.engine, model=args.model,
                                              detector=args.detector, warm_up=False)
        else:
            detector, choice = None, None
    except (AudioFileError, EngineError, ModelError, VocabularyError, HeadError, FrontEndError) as e:
        raise UserError(str(e)) from e
    knocks = KnockDetector(config.listener.knock()) if "knock" in signals else None
    if choice is not None:
        _LOGGER.info("engine: %s", choice.reason)

    def report(event) -> None:
        if args.json:
            print(json.dumps({"event": "pause_word", "word": event.word, "start": event.start_ms / 1000,
                              "end": event.end_ms / 1000, "detected_at": event.t_ms / 1000,
                              "confidence": event.confidence}), flush=True)
        else:
            print(f"{event.start_ms / 1000:8.2f}s  {event.word}  (confidence {event.confidence:.2f})", flush=True)

    def report_signal(event) -> None:
        if args.json:
            print(json.dumps({"event": "pause_signal", "signal": event.signal, "start": event.start_ms / 1000,
                              "end": event.end_ms / 1000, "detected_at": event.t_ms / 1000}), flush=True)
        else:
            print(f"{event.start_ms / 1000:8.2f}s  ({event.signal})", flush=True)

    try:
        for frame in source.frames():
            if detector is not None:
                for event in detector.process(frame):
                    report(event)
            if knocks is not None:
                for signal in knocks.process(frame):
                    report_signal(signal)
    except AudioFileError as e:
        raise UserError(str(e)) from e
    for event in detector.flush() if detector is not None else []:
        report(event)
    for signal in knocks.flush() if knocks is not None else []:
        report_signal(signal)
    process_s = time.perf_counter() - started
    summary = {"event": "summary", "audio_s": round(source.seconds, 3), "process_s": round(process_s, 3),
               "rtf": round(process_s / max(source.seconds, 1e-9), 4),
               "engine": choice.name if choice is not None else "knock"}
    print(json.dumps(summary) if args.json else
          f"{source.seconds:.1f} s of audio in {process_s:.2f} s (real-time factor {summary['rtf']}) "
          f"with {summary['engine']}")
    return EXIT_OK
