"""Command line: parse arguments, load config, call into the modules, map errors to exit codes.

Exit codes: 0 success, 1 "not understood" style outcomes (see DESIGN.md), 2 bad input with a one-line reason.
Each subcommand is a `_cmd_<name>(args) -> int` function registered in `_build_parser`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from assistant.config import DETECTORS, ENGINES, SIGNALS, Config, ConfigError, load_config

EXIT_OK = 0
EXIT_NOT_UNDERSTOOD = 1
EXIT_BAD_INPUT = 2


class UserError(Exception):
    """Bad input the user can fix; printed as one line, exit 2."""


def _config(args: argparse.Namespace) -> Config:
    return load_config(getattr(args, "config", None))


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description=(
        "Pause: hears your agreed pause word, guides you both through calming down, and brings you back "
        "to the talk at the time you agree. Everything stays on this machine."))
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail to stderr")
    parser.add_argument("--config", help="config file, before or after the command (default: ./config.toml "
                                         "or the user config)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # Subcommands are registered here, one block each.
    p = sub.add_parser("detect", help="find pause words in a WAV or FLAC file (JSON lines with --json)")
    p.add_argument("audio", help="WAV or FLAC file, any rate and channel count")
    p.add_argument("--pause-word", action="append", dest="pause_words", metavar="W",
                   help="pause word or phrase (repeatable); default: listener.pause_words from config")
    p.add_argument("--detector", choices=DETECTORS, help="learned word model or keyword search "
                   "(default: listener.detector)")
    p.add_argument("--engine", choices=ENGINES, help="speech engine (default: listener.engine)")
    p.add_argument("--model", help="Vosk model folder")
    p.add_argument("--config", default=argparse.SUPPRESS, help="config file (default: ./config.toml or the user config)")
    p.add_argument("--signal", action="append", dest="signals", choices=SIGNALS,
                   help="what to listen for (repeatable): word, knock (default: listener.signals)")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=_cmd_detect)

    p = sub.add_parser("listen", help="the live assistant: listen for the pause word and respond")
    p.add_argument("--detector", choices=DETECTORS, help="learned word model or keyword search "
                   "(default: listener.detector)")
    p.add_argument("--engine", choices=ENGINES, help="speech engine (default: listener.engine)")
    p.add_argument("--model", help="Vosk model folder")
    p.add_argument("--input", help="microphone name or index (default: listener.input_device)")
    p.add_argument("--output", help="speaker name or index (default: voice.output_device)")
    p.add_argument("--text", action="store_true", help="read typed lines instead of speech; print replies")
    p.add_argument("--config", default=argparse.SUPPRESS, help="config file")
    p.set_defaults(func=_cmd_listen)

    p = sub.add_parser("pause", help="start the pause ritual now in the running listener (a shortcut, a "
                       "button, a phone over SSH)")
    p.set_defaults(func=_cmd_pause)

    p = sub.add_parser("when", help="understand a resume time, typed or spoken (JSON with --json)")
    p.add_argument("phrase", nargs="*", help='e.g. "in twenty minutes" or "friday morning"')
    p.add_argument("--audio", help="a WAV/FLAC recording of the phrase instead of typed words")
    p.add_argument("--now", help="ISO 8601 time to count from (default: now, in the local time zone)")
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.add_argument("--config", default=argparse.SUPPRESS, help="config file (agreement.min_break_minutes / max_break_hours)")
    p.set_defaults(func=_cmd_when)

    p = sub.add_parser("agree", help="agree a resume time now, outside a session (read back, then confirmed)")
    p.add_argument("phrase", nargs="*", help='e.g. "friday morning" or "in two hours"')
    p.add_argument("--yes", action="store_true", help="do not ask to confirm (for scripts)")
    p.add_argument("--config", default=argparse.SUPPRESS, help="config file (agreement.min_break_minutes / max_break_hours)")
    p.set_defaults(func=_cmd_agree)

    p = sub.add_parser("breathe", help="paced breathing, live or rendered to a file")
    p.add_argument("pattern", nargs="?", help="extended_exhale (default), coherent, box, 4-7-8, cyclic_sighing, "
                                              "or a custom pattern from config")
    length = p.add_mutually_exclusive_group()
    length.add_argument("--cycles", type=int, help="how many breathing cycles")
    length.add_argument("--minutes", type=float, help="about how many minutes")
    _add_exercise_outputs(p)
    p.set_defaults(func=_cmd_breathe)

    p = sub.add_parser("ground", help="a grounding exercise, live or rendered to a file")
    p.add_argument("script", nargs="?", help="senses (default: 5-4-3-2-1), movement, temperature, weighted")
    _add_exercise_outputs(p)
    p.set_defaults(func=_cmd_ground)

    p = sub.add_parser("reminders", help="list agreed resume times; `reminders cancel ID` cancels one")
    p.add_argument("action", nargs="?", choices=["cancel"], help="cancel a reminder")
    p.add_argument("id", nargs="?", type=int, help="the reminder's id (from `assistant reminders`)")
    p.add_argument("--json", action="store_true", help="one JSON object per reminder")
    p.add_argument("--config", default=argparse.SUPPRESS,
                   help="config file (reminders.ritual_grace_minutes: how long a reading cut short waits)")
    p.set_defaults(func=_cmd_reminders)

    p = sub.add_parser("history", help="pauses, sessions, resume times and reconnections, week by week")
    shown = p.add_mutually_exclusive_group()
    shown.add_argument("--json", action="store_true", help="one JSON object per week")
    shown.add_argument("--plot", metavar="FILE.png", help="draw the weeks as bars into an image (.png, .svg, .pdf)")
    p.set_defaults(func=_cmd_history)

    p = sub.add_parser("forget", help="delete everything stored (asks you to type forget first)")
    p.add_argument("--yes", action="store_true", help="do not ask (for scripts)")
    p.set_defaults(func=_cmd_forget)

    p = sub.add_parser("reconnect", help="read reconnection prompts aloud now, one at a time")
    p.add_argument("--deck", default="reconnection",
                   help="reconnection (default), daily_checkin, money_date, micro_moments, future")
    p.add_argument("--text", action="store_true", help="type next / repeat / we're done instead of speaking")
    p.add_argument("--input", help="microphone name or index")
    p.add_argument("--output", help="speaker name or index")
    p.add_argument("--config", default=argparse.SUPPRESS, help="config file")
    p.set_defaults(func=_cmd_reconnect)

    p = sub.add_parser("devices", help="list microphones and speakers")
    p.set_defaults(func=_cmd_devices)

    p = sub.add_parser("doctor", help="check model, engine, microphone, speaker, voice and pause words")
    p.add_argument("--config", default=argparse.SUPPRESS, help="config file")
    p.set_defaults(func=_cmd_doctor)

    p = sub.add_parser("setup", help="choose the pause word and set how readily it is heard from each of your voices (and your knock)")
    p.add_argument("--word", help="the pause word or short phrase (default: typed at the prompt)")
    p.add_argument("--text", action="store_true", help="typed set-up: choose the word only, default threshold")
    p.add_argument("--input", help="microphone name or index (default: listener.input_device)")
    p.add_argument("--output", help="speaker name or index (default: voice.output_device)")
    p.add_argument("--config", default=argparse.SUPPRESS,
                   help="config file to write (default: the one in use, else the user config)")
    p.add_argument("--takes", nargs="+", metavar="WAV", help="recordings of the word (instead of the microphone)")
    p.add_argument("--sentences", nargs="+", metavar="WAV", help="recordings of ordinary sentences, with --takes")
    p.add_argument("--partners", type=int, default=2, metavar="N",
                   help="how many of you will use Pause (1-6, default 2); each says the word")
    p.add_argument("--knock", action="store_true", help="also learn your knock signal from the microphone")
    p.add_argument("--knock-takes", nargs="+", metavar="WAV", help="recordings of your knock pattern (instead of "
                   "the microphone); alone, only the knock is set")
    p.set_defaults(func=_cmd_setup)

    p = sub.add_parser("service", help="run `assistant listen` at every login (a systemd user unit)")
    p.add_argument("action", choices=["install", "uninstall", "status"])
    p.add_argument("--config", default=argparse.SUPPRESS, help="config file the service uses (default: the one `listen` would use here)")
    p.set_defaults(func=_cmd_service)
    return parser


def _cmd_detect(args: argparse.Namespace) -> int:
    """Run the listener's detector over a file as fast as it can."""
    import json
    import time

    from assistant.audio.files import AudioFileError, FileSource
    from assistant.audio.knock import KnockDetector
    from assistant.speech.embedding import FrontEndError
    from assistant.speech.engines import EngineError, build_detector
    from assistant.speech.recognizer import VocabularyError
    from assistant.speech.vosk_engine import ModelError
    from assistant.speech.word_head import HeadError

    config = _config(args)
    signals = args.signals or config.listener.signals
    try:
        source = FileSource(args.audio)
        started = time.perf_counter()
        if "word" in signals:
            detector, choice = build_detector(config, args.pause_words, engine=args.engine, model=args.model,
                                              detector=args.detector)
        else:
            detector, choice = None, None
    except (AudioFileError, EngineError, ModelError, VocabularyError, HeadError, FrontEndError) as e:
        raise UserError(str(e)) from e
    knocks = KnockDetector(config.listener.knock()) if "knock" in signals else None
    if choice is not None:
        logging.getLogger(__name__).info("engine: %s", choice.reason)

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


def main(argv: list[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:  # a problem already printed in words is not said twice
        handler.addFilter(lambda record: not getattr(record, "printed", False))
    try:
        if args.config is not None and args.func in _IGNORE_CONFIG:
            load_config(args.config)  # `assistant --config typo.toml reminders` says so, not silently nothing
        return int(args.func(args))
    except (ConfigError, UserError) as e:
        print(f"assistant: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `assistant detect ... | head`: the reader left; not an error of ours
        sys.stderr.close()
        return EXIT_OK


def _open_voice(config: Config):
    from assistant.speech.voice import open_voice

    v = config.voice
    return open_voice(v.rate_wpm, v.voice, v.volume, enabled=v.enabled, on_text=lambda text: None)


def _cmd_listen(args: argparse.Namespace) -> int:
    """Listen until Ctrl-C; on the pause word, run the guided session."""
    config = _config(args)
    from assistant.app import Detectors, LiveSession
    from assistant.audio.devices import DeviceError
    from assistant.audio.player import StreamPlayer
    from assistant.audio.sources import MicSource
    from assistant.listener_lock import ListenerBusy, hold_listener_lock
    from assistant.output.view import SessionView
    from assistant.output.voice_output import VoiceOutput
    from assistant.scheduler import Scheduler
    from assistant.session import exercises
    from assistant.session.machine import Session, SessionPlan
    from assistant.session.pacer import RATE
    from assistant.session.reconnect import reconnect_vocabulary
    from assistant.session.wording import all_lines, command_vocabulary
    from assistant.speech.detector import PauseWordDetector
    from assistant.speech.engines import EngineError, build_detector, build_recognizer
    from assistant.speech.recognizer import VocabularyError
    from assistant.speech.vosk_engine import ModelError
    from assistant.store import StoreError, data_dir

    try:
        lock = hold_listener_lock(data_dir())  # kept open until the process ends
    except ListenerBusy as e:
        raise UserError(str(e)) from e
    session_config = config.session
    try:
        patterns = exercises.parse_patterns(session_config.patterns)
        # typed mode hears no audio: it needs no word model (and must not train one)
        detector, choice = build_detector(config, engine=args.engine, model=args.model,
                                          detector="keyword" if args.text else args.detector)

        def spotter(phrases) -> PauseWordDetector:
            return PauseWordDetector(build_recognizer(choice, phrases, sensitivity=0.5), debounce_seconds=1.0)

        from assistant.audio.knock import KnockDetector

        knock = KnockDetector(config.listener.knock()) if "knock" in config.listener.signals and not args.text \
            else None
        detectors = Detectors(pause=detector, commands=spotter(command_vocabulary()),
                              reconnect=spotter(reconnect_vocabulary()), knock=knock)
        mic = None if args.text else MicSource(args.input or config.listener.input_device or None)
    except (EngineError, ModelError, VocabularyError, DeviceError, ValueError) as e:
        raise UserError(str(e)) from e
    store = _open_store()
    if lock is not None and not store.read_only:
        from datetime import datetime

        try:
            store.close_unfinished_sessions(datetime.now().astimezone())
        except StoreError as e:  # a full disk: the history stays as it was; listening matters more
            print(f"not saved: {e}", flush=True)
    scheduler = Scheduler.from_config(store, config.reminders)
    output = VoiceOutput(_open_voice_text_only() if args.text else _open_voice(config))
    for line in all_lines():  # render every fixed line now, so the acknowledgement starts at once
        output.voice.render(line)
    plan = SessionPlan(pattern=session_config.pattern, cycles=session_config.cycles,
                       minutes=session_config.minutes, grounding=session_config.grounding)
    learner = _home_learner(config, detector) if mic is not None else None
    live = LiveSession(Session(plan=plan), detectors, output, patterns=patterns,
                       spoken_cycles=session_config.spoken_cycles, store=store, scheduler=scheduler,
                       agreement=config.agreement, snooze_minutes=config.reminders.snooze_minutes,
                       learner=learner)
    remote = _pause_server(live, lock)
    if mic is None:  # --text
        from assistant.app import run_typed

        words = ", ".join(config.listener.pause_words)
        print(f"listening (typed) for {words}; Ctrl-D to stop", flush=True)
        try:
            run_typed(live, sys.stdin)
        finally:
            if remote is not None:
                remote.close()
            live.end_open_session()
            _say_next_reminder(scheduler)
            store.close()
        return EXIT_OK
    from assistant.audio.routes import RouteWatch
    from assistant.audio.steady import SteadyMic, SteadySpeaker
    from assistant.supervisor import announce_mic, announce_speaker, open_log, run_listener

    input_device, output_device = args.input or config.listener.input_device or None, \
        args.output or config.voice.output_device or None
    try:
        player = StreamPlayer(output.read, RATE, output_device).start()
    except DeviceError as e:
        mic.close()
        raise UserError(str(e)) from e
    if not mic.wait_started(timeout=5):
        mic.close()
        player.close()
        raise UserError("the microphone delivered no audio in 5 s: check it with `assistant devices`")
    # From here on a lost device is waited for, and an error in a stage restarts the listener (supervisor.py).
    steady_mic = SteadyMic(lambda: MicSource(input_device), mic=mic, watch=RouteWatch(),
                           on_change=announce_mic(live, sys.stdout))
    speaker = SteadySpeaker(lambda: StreamPlayer(output.read, RATE, output_device).start(), output.read, RATE,
                            player=player, on_change=announce_speaker(sys.stdout))
    log_path = open_log()
    if store.read_only:
        print(f"note: new agreements cannot be saved: {store.read_only_reason}", flush=True)
    words = ", ".join(f'"{w}"' for w in config.listener.pause_words)
    also = " or the knock signal" if knock is not None else ""
    keys = _key_watch(live)
    print(f"listening for {words}{also} with {choice.name} (Ctrl-C to stop"
          + (", space to pause now)" if keys is not None else ")"), flush=True)
    try:
        with SessionView() as view:  # the phase and a breathing bar, for a partner who would rather look
            run_listener(live, steady_mic, speaker, log_path=log_path,
                         on_block=lambda: output.pacer is not None and view.update(output.pacer, lines=False))
    finally:
        if keys is not None:
            keys.close()
        if remote is not None:
            remote.close()
        steady_mic.close()
        speaker.close()
        live.end_open_session()
        if learner is not None:
            learner.close()
        _say_next_reminder(scheduler)
        store.close()
    return EXIT_OK


def _pause_server(live, lock):
    """Serve `assistant pause` (pause_socket.py) while this listener runs; None, with a one-line note, when
    the socket cannot be opened (the listener runs on without it)."""
    from assistant.pause_socket import PauseServer, PauseSocketError, socket_path
    from assistant.store import data_dir

    if lock is None:  # a read-only data folder: no socket there either
        return None
    try:
        return PauseServer(socket_path(data_dir()), live.request_pause).start()
    except (PauseSocketError, OSError) as e:
        print(f"note: `assistant pause` cannot reach this listener: {e}", flush=True)
        return None


def _key_watch(live):
    """Space in this terminal starts the pause (keypress.py); None when stdin is not a terminal."""
    if not sys.stdin.isatty():
        return None
    from assistant.keypress import KeyWatch

    return KeyWatch(sys.stdin.fileno(), live.request_pause).start()


def _cmd_pause(args: argparse.Namespace) -> int:
    """Tell the running listener to start the ritual now; exit 2 with one line when none runs or it refuses."""
    from assistant.pause_socket import PauseSocketError, send_pause, socket_path
    from assistant.store import data_dir

    try:
        reply = send_pause(socket_path(data_dir()))
    except PauseSocketError as e:
        raise UserError(str(e)) from e
    print("pause started" if reply == "ok: started" else reply.removeprefix("ok: "))
    return EXIT_OK


def _say_next_reminder(scheduler) -> None:
    """Closing with reminders still to come: say when the next is (an agreed time, or a daily check-in or money
    date from config, whichever is sooner), and that only a running assistant says it."""
    from datetime import UTC, datetime

    from dateutil import tz

    from assistant.store import StoreError
    from assistant.timeparse import describe

    now = datetime.now(tz.gettz())
    try:
        pending = scheduler.store.pending_agreements()
        ritual = scheduler.next_ritual(now)
    except StoreError:
        return
    if ritual is not None and (not pending or ritual[0].astimezone(UTC) < pending[0].due_at.astimezone(UTC)):
        at, named = ritual[0], f"the {ritual[1].spoken}, "
        also = f", and {len(pending)} agreed time{'s' if len(pending) > 1 else ''} to come" if pending else ""
    elif pending:
        at, named, also = pending[0].due_at, "", f", {len(pending)} to come"
    else:
        return
    what = f"{named}{describe(at, now)} ({at:%a %d %b %H:%M})"
    print(f"Next reminder: {what}{also}. Reminders are spoken only while the assistant runs: "
          "`assistant service install` keeps it running from login.", flush=True)


def _home_learner(config, detector):
    """The ear's learning in the home (`adaptation.py`): for the learned detector unless listener.learn is false."""
    from assistant.speech.fusion import FusedSpotter

    if not config.listener.learn or not isinstance(detector.recognizer, FusedSpotter):
        return None
    from assistant.speech.adaptation import HomeLearner
    from assistant.store import data_dir

    return HomeLearner(detector.recognizer, data_dir(), say=lambda line: print(line, flush=True))


def _open_voice_text_only():
    from assistant.speech.voice import TextVoice

    return TextVoice(on_text=lambda text: None)


def _cmd_devices(args: argparse.Namespace) -> int:
    """Print microphones and speakers with the names config.toml accepts."""
    from assistant.audio.devices import DeviceError, list_devices

    try:
        devices = list_devices()
    except DeviceError as e:
        raise UserError(str(e)) from e
    if not devices:
        print("no audio devices found: plug in a microphone and speaker (or start PulseAudio/PipeWire)")
        return EXIT_OK
    for d in devices:
        kinds = []
        if d["inputs"]:
            kinds.append("microphone" + (" (default)" if d.get("default_input") else ""))
        if d["outputs"]:
            kinds.append("speaker" + (" (default)" if d.get("default_output") else ""))
        print(f"{d['index']:3d}  {d['name']}  [{', '.join(kinds)}]")
    print("set listener.input_device / voice.output_device in config.toml to a name or number above")
    return EXIT_OK


def _cmd_service(args: argparse.Namespace) -> int:
    """Install, remove or report the systemd user unit that runs `listen` from login."""
    from assistant import service

    try:
        if args.action == "status":
            lines = service.status().lines()
        elif args.action == "uninstall":
            lines = service.uninstall()
        else:
            config = service.config_to_pin(args.config)
            load_config(config)  # a typo stops here with exit 2, not in a restart loop at login
            lines = service.install(service.listen_command(config))
    except service.ServiceError as e:
        raise UserError(str(e)) from e
    for line in lines:
        print(line)
    return EXIT_OK


def _cmd_setup(args: argparse.Namespace) -> int:
    """Set the pause word and its threshold from both partners' voices (--text: the word only); exit 1
    when the takes do not separate from ordinary speech (nothing saved, the advice printed)."""
    from assistant import setup
    from assistant.audio.devices import DeviceError
    from assistant.config_edit import ConfigWriteError
    from assistant.speech.engines import EngineError
    from assistant.speech.vosk_engine import ModelError

    try:
        outcome = setup.configure(args.config, word=args.word, typed=args.text, input_device=args.input,
                                  output_device=args.output, take_files=args.takes,
                                  sentence_files=args.sentences, partners=args.partners, knock=args.knock,
                                  knock_files=args.knock_takes)
    except (ConfigWriteError, DeviceError, EngineError, ModelError, setup.SetupError, ValueError) as e:
        raise UserError(str(e)) from e
    print(outcome.summary(), flush=True)
    return EXIT_OK if outcome.saved else EXIT_NOT_UNDERSTOOD


def _cmd_doctor(args: argparse.Namespace) -> int:
    """Check every part the assistant needs; print OK or the fix for each. Exit 0 if all are fine."""
    from assistant.doctor import run_checks

    config = _config(args)
    problems = 0
    for check in run_checks(config):
        mark = "ok " if check.ok else "FIX"
        print(f"[{mark}] {check.name}: {check.detail}")
        problems += not check.ok
    print("all good" if not problems else f"{problems} thing(s) to fix, see above")
    return EXIT_OK if not problems else EXIT_BAD_INPUT


def _cmd_when(args: argparse.Namespace) -> int:
    """Resume time from a phrase: exit 0 understood, 1 not understood (or already past), 2 bad input."""
    import json
    from datetime import datetime, timedelta

    from assistant.timeparse import NotUnderstood, describe, parse_now, parse_resume_time

    config = _config(args)
    if args.now:
        try:
            now = parse_now(args.now)
        except ValueError as e:
            raise UserError(f"--now: {e}") from e
    else:
        from dateutil import tz

        now = datetime.now(tz.gettz())
    if args.audio and args.phrase:
        raise UserError("give either a typed phrase or --audio FILE, not both")
    if args.audio:
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


def _cmd_agree(args: argparse.Namespace) -> int:
    """The spoken dialog's checks and read-back, typed: exit 0 saved, 1 not understood or not confirmed."""
    from datetime import datetime, timedelta

    from dateutil import tz

    from assistant.answers import yes_or_no
    from assistant.session.dialog import AgreeDialog
    from assistant.store import StoreError

    config = _config(args)
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
    with _open_store() as store:
        try:
            record = store.add_agreement(dialog.agreed.resume_at, dialog.agreed.heard, now)
        except StoreError as e:
            raise UserError(str(e)) from e
    print(f"{dialog.outbox[-1].text} (reminder {record.id}, {record.resume_at:%a %d %b %H:%M}; it is read aloud "
          "while `assistant listen` runs: `assistant service install` keeps it running)")
    return EXIT_OK


def _add_exercise_outputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--render", metavar="OUT.wav", help="write exactly what would be played to a WAV file")
    p.add_argument("--timeline", metavar="OUT.json", help="write the cue timeline (JSON) too")
    p.add_argument("--output", help="speaker name or index (default: voice.output_device)")
    p.add_argument("--config", default=argparse.SUPPRESS, help="config file")


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse an output file that cannot be written before any work is done (one line naming the fix)."""
    for option, path in (("--render", args.render), ("--timeline", args.timeline)):
        if not path:
            continue
        target = Path(path)
        folder = target.parent
        if target.is_dir():
            raise UserError(f"{option} {path}: is a folder; give a file name, e.g. {target / 'calm.wav'}"
                            if option == "--render" else f"{option} {path}: is a folder; give a file name, "
                            f"e.g. {target / 'calm.json'}")
        if folder.exists() and not folder.is_dir():
            raise UserError(f"{option} {path}: {folder} is a file, not a folder; choose a file in a folder")
        if not folder.is_dir():
            raise UserError(f"{option} {path}: the folder {folder} does not exist; create it "
                            f"(mkdir -p {folder}) or choose another place")
        if option == "--render" and target.suffix.lower() != ".wav":
            wav = target.with_suffix(".wav") if target.suffix else target.with_name(target.name + ".wav")
            if target.suffix:
                raise UserError(f"--render {path}: only WAV audio is written, not {target.suffix}; give {wav} "
                                f"and convert it afterwards if you need to (sox {wav} {path})")
            raise UserError(f"--render {path}: give the file a .wav ending, e.g. {wav}")


def _cmd_breathe(args: argparse.Namespace) -> int:
    from assistant.output.mixer import speech_samples
    from assistant.session import exercises, pacer

    config = _config(args)
    _check_outputs(args)
    session = config.session
    try:
        custom = exercises.parse_patterns(session.patterns)
        pattern = exercises.get_pattern(args.pattern or session.pattern, custom)
        if args.cycles is None and args.minutes is None:
            cycles, minutes = (session.cycles or None), (None if session.cycles else session.minutes)
        else:
            cycles, minutes = args.cycles, args.minutes
        voice = _open_voice(config)
        timeline = pacer.breathing_timeline(pattern, speech_samples(voice), cycles=cycles, minutes=minutes,
                                            spoken_cycles=session.spoken_cycles)
    except (KeyError, ValueError) as e:
        raise UserError(str(e).strip("'\"")) from e
    return _play_or_render(args, config, timeline, voice)


def _cmd_ground(args: argparse.Namespace) -> int:
    from assistant.output.mixer import speech_samples
    from assistant.session import exercises, pacer

    config = _config(args)
    _check_outputs(args)
    try:
        script = exercises.get_script(args.script or config.session.grounding or exercises.DEFAULT_SCRIPT)
    except KeyError as e:
        raise UserError(str(e).strip("'\"")) from e
    voice = _open_voice(config)
    return _play_or_render(args, config, pacer.grounding_timeline(script, speech_samples(voice)), voice)


def _play_or_render(args: argparse.Namespace, config: Config, timeline, voice) -> int:
    """--render/--timeline write files; otherwise play live (Ctrl-C stops gently)."""
    from assistant.output import mixer
    from assistant.output.timeline_file import write_timeline_json

    if args.timeline:
        try:
            write_timeline_json(timeline, args.timeline)
        except OSError as e:
            raise UserError(f"--timeline {args.timeline}: cannot write it ({e.strerror or e}); "
                            "choose a file in a folder you can write to") from e
    if args.render:
        import soundfile as sf

        audio = mixer.render(timeline, voice)
        try:
            sf.write(args.render, audio, timeline.rate, subtype="PCM_16")
        except (OSError, sf.LibsndfileError) as e:
            raise UserError(f"--render {args.render}: cannot write it ({str(e).splitlines()[0]}); "
                            "choose a .wav file in a folder you can write to") from e
    if args.render or args.timeline:
        print(f"{timeline.seconds:.1f} s, {len(timeline.cues)} cues"
              + (f" -> {args.render}" if args.render else "") + (f" -> {args.timeline}" if args.timeline else ""))
        return EXIT_OK
    from assistant.audio.devices import DeviceError
    from assistant.audio.player import StreamPlayer
    from assistant.output.view import SessionView

    live = mixer.Pacer(timeline, voice)
    try:
        player = StreamPlayer(live.read, timeline.rate, args.output or config.voice.output_device or None)
    except DeviceError as e:
        raise UserError(str(e)) from e
    with SessionView() as view:
        player.start()
        try:
            while not player.wait(0.1):
                view.update(live)
        except KeyboardInterrupt:
            live.stop()
            player.wait(2)
        finally:
            player.close()
    return EXIT_OK


def _open_store():
    from assistant.store import StoreError, open_store

    try:
        return open_store()
    except StoreError as e:
        raise UserError(str(e)) from e


def _cmd_reminders(args: argparse.Namespace) -> int:
    """List reminders still to come (and readings a crash cut short, which come again), or cancel one by id."""
    import json
    from datetime import datetime, timedelta

    from assistant.scheduler import Scheduler
    from assistant.store import StoreError

    config = _config(args)  # its ritual_grace_minutes says how long a reading cut short is still read again
    with _open_store() as store:
        if args.action == "cancel":
            if args.id is None:
                raise UserError("which one? assistant reminders cancel ID (ids are listed by `assistant reminders`)")
            try:
                cancelled = store.cancel(args.id)
            except StoreError as e:  # a read-only data folder: the reminder stays, and the line says how to fix
                raise UserError(str(e)) from e
            if not cancelled:
                raise UserError(f"no pending reminder with id {args.id}; `assistant reminders` lists them")
            print(json.dumps({"event": "cancelled", "id": args.id}) if args.json else f"cancelled reminder {args.id}")
            return EXIT_OK
        cut_short = Scheduler.from_config(store, config.reminders).cut_short(datetime.now().astimezone())
        pending = store.pending_agreements()
    grace = timedelta(minutes=config.reminders.ritual_grace_minutes)
    if args.json:
        for a in cut_short:
            print(json.dumps({"event": "reminder", "id": a.id, "resume_at": a.due_at.isoformat(),
                              "agreed_at": a.created_at.isoformat(), "heard": a.heard, "status": "cut_short",
                              "read_again_until": _read_again_until(a, grace).isoformat()}))
        for a in pending:
            print(json.dumps({"event": "reminder", "id": a.id, "resume_at": a.due_at.isoformat(),
                              "agreed_at": a.created_at.isoformat(), "heard": a.heard, "status": a.status}))
    elif not pending and not cut_short:
        print("no reminders pending")
    else:
        print(reminders_table([*cut_short, *pending], grace))
    return EXIT_OK


def _read_again_until(agreement, grace):
    """The last moment a listener that starts still reads again a reading cut short, in the agreement's zone."""
    return (agreement.fired_at + grace).astimezone(agreement.resume_at.tzinfo)


def _reminder_status(agreement, grace) -> str:
    if agreement.status == "fired":  # its reading began and never finished: a crash cut it short
        until = _read_again_until(agreement, grace)
        return f"cut short: read again when the assistant starts (by {until:%a %d %b %H:%M})"
    if agreement.status == "pending":
        return "to come"
    return f"snoozed (agreed for {agreement.resume_at:%a %d %b %H:%M})"


def reminders_table(reminders, grace) -> str:
    """A header row, then one row per agreement: the time it will be read (or was, for a reading cut short, read
    again within `grace`), its status, and what was said when (the phrase alone, "in 20 minutes", read like a
    countdown that had not moved)."""
    rows = [("ID", "REMINDER AT", "STATUS", "AGREED")]
    for a in reminders:
        agreed_at = a.created_at.astimezone(a.resume_at.tzinfo)
        rows.append((str(a.id), f"{a.due_at:%a %d %b %H:%M}", _reminder_status(a, grace),
                     f'"{a.heard}" on {agreed_at:%a %d %b %H:%M}'))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(f"{row[0]:>{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}".rstrip()
                     for row in rows)


def _cmd_history(args: argparse.Namespace) -> int:
    """Week by week (local weeks, Monday first): a table, JSON lines, or a chart. An empty history prints one
    kind line (JSON: nothing) and --plot still writes a valid image that says so, exit 0 either way."""
    import json

    from dateutil import tz

    from assistant import history
    from assistant.store import DB_NAME, data_dir

    folder = data_dir()
    nearest = next(p for p in (folder, *folder.parents) if p.exists())
    if (folder / DB_NAME).exists() or not nearest.is_dir():  # (a folder under a file: opening says so)
        with _open_store() as store:
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
    from assistant.speech.learned_store import retrained_models
    from assistant.store import data_dir

    return retrained_models(data_dir())


def _cmd_forget(args: argparse.Namespace) -> int:
    """Delete everything stored. Typed confirmation on stdin unless --yes; anything else deletes nothing, exit 1."""
    from assistant.speech import enrollment
    from assistant.store import StoreError

    with _open_store() as store:
        if not args.yes:
            weeks, pending = len(store.weekly_counts()), len(store.pending_agreements())
            print(f"This deletes everything Pause has stored ({weeks} week(s) of history, {pending} reminder(s) "
                  "still to come). It cannot be undone.")
            print("Type forget to delete everything: ", end="", flush=True)
            answer = sys.stdin.readline()
            if not (sys.stdin.isatty() and answer.endswith("\n")):
                print()  # a terminal echoes the Enter; piped input and Ctrl-D do not
            if answer.strip().lower() != "forget":
                print("Nothing deleted (type forget to confirm, or use --yes).")
                return EXIT_NOT_UNDERSTOOD
        try:
            store.forget_everything()
            learned = enrollment.forget(store.path.parent) if store.path is not None else 0
        except StoreError as e:
            raise UserError(str(e)) from e
        except OSError as e:
            raise UserError(f"could not delete the learned voices in {store.path.parent}: {e.strerror}; "
                            "check the folder's permissions and run `assistant forget` again") from e
        also = f" and {learned} learned voice file(s)" if learned else ""
        print(f"Forgotten: nothing of it is left in {store.path}{also}.")
    return EXIT_OK


def _cmd_reconnect(args: argparse.Namespace) -> int:
    """Read a deck's prompts aloud now; next / repeat / we're done move it on."""
    from datetime import UTC, datetime

    from assistant.events import PlayCue, RecordDelivery, Say
    from assistant.prompts import DECKS, DeckError, load_deck
    from assistant.session.reconnect import Reconnection, typed_command

    config = _config(args)
    if args.deck not in DECKS:
        raise UserError(f"no deck {args.deck!r}; choose one of {', '.join(DECKS)}")
    store = _open_store()
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
        store.close()
        return EXIT_OK
    from assistant.app import run_reconnection_live

    try:
        run_reconnection_live(sitting, store, config, args.input, args.output)
    finally:
        store.close()
    return EXIT_OK


_IGNORE_CONFIG = {_cmd_history, _cmd_forget, _cmd_devices, _cmd_pause}
"""Commands that read no config; a --config given to them is still loaded, so a mistake in it is named."""
