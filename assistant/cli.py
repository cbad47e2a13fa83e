"""Command line: parse arguments, call one function per command, map errors to exit codes.

Exit codes: 0 success, 1 "not understood" style outcomes (see DESIGN.md), 2 bad input with a one-line reason.
Each subcommand is registered in `_build_parser` and runs as `cmd_<name>(args) -> int` in the module of
`assistant.commands` that `_MODULES` names.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from assistant.commands import EXIT_BAD_INPUT, EXIT_OK, UserError
from assistant.config import DETECTORS, ENGINES, SIGNALS, ConfigError, load_config

_MODULES = {
    "detect": "detect",
    "listen": "listen", "pause": "pause",
    "when": "when", "hear": "hear", "agree": "agree",
    "breathe": "exercises", "ground": "exercises",
    "reminders": "reminders", "history": "history", "forget": "forget",
    "reconnect": "reconnect", "commitments": "commitments",
    "devices": "system", "doctor": "system", "service": "system", "setup": "setup",
}
"""Command -> its module in assistant.commands."""
_IGNORE_CONFIG = {"history", "forget", "devices", "pause"}
"""Commands that read no config; a --config given to them is still loaded, so a mistake in it is named."""


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

    p = sub.add_parser("listen", help="the live assistant: listen for the pause word and respond")
    p.add_argument("--detector", choices=DETECTORS, help="learned word model or keyword search "
                   "(default: listener.detector)")
    p.add_argument("--engine", choices=ENGINES, help="speech engine (default: listener.engine)")
    p.add_argument("--model", help="Vosk model folder")
    p.add_argument("--input", help="microphone name or index (default: listener.input_device)")
    p.add_argument("--output", help="speaker name or index (default: voice.output_device)")
    p.add_argument("--text", action="store_true", help="read typed lines instead of speech; print replies")
    p.add_argument("--config", default=argparse.SUPPRESS, help="config file")

    sub.add_parser("pause", help="start the pause ritual now in the running listener (a shortcut, a "
                       "button, a phone over SSH)")

    p = sub.add_parser("when", help="understand a resume time, typed or spoken (JSON with --json)")
    p.add_argument("phrase", nargs="*", help='e.g. "in twenty minutes" or "friday morning"')
    p.add_argument("--audio", help="a WAV/FLAC recording of the phrase instead of typed words")
    p.add_argument("--now", help="ISO 8601 time to count from (default: now, in the local time zone)")
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.add_argument("--config", default=argparse.SUPPRESS, help="config file (agreement.min_break_minutes / max_break_hours)")

    p = sub.add_parser("hear", help="what the dialog would hear in a recording: a time, yes / no, or a command")
    p.add_argument("audio", help="WAV or FLAC file, any rate and channel count")
    p.add_argument("--question", required=True, choices=("time", "confirm", "command"),
                   help="what the dialog is waiting for: a resume time, a yes or no, or a command")
    p.add_argument("--now", help="ISO 8601 time to count from and make the offers at (default: now)")
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.add_argument("--config", default=argparse.SUPPRESS, help="config file (hearing.model, agreement bounds)")

    p = sub.add_parser("agree", help="agree a resume time now, outside a session (read back, then confirmed)")
    p.add_argument("phrase", nargs="*", help='e.g. "friday morning" or "in two hours"')
    p.add_argument("--yes", action="store_true", help="do not ask to confirm (for scripts)")
    p.add_argument("--config", default=argparse.SUPPRESS, help="config file (agreement.min_break_minutes / max_break_hours)")

    p = sub.add_parser("breathe", help="paced breathing, live or rendered to a file")
    p.add_argument("pattern", nargs="?", help="extended_exhale (default), coherent, box, 4-7-8, cyclic_sighing, "
                                              "or a custom pattern from config")
    length = p.add_mutually_exclusive_group()
    length.add_argument("--cycles", type=int, help="how many breathing cycles")
    length.add_argument("--minutes", type=float, help="about how many minutes")
    _add_exercise_outputs(p)

    p = sub.add_parser("ground", help="a grounding exercise, live or rendered to a file")
    p.add_argument("script", nargs="?", help="senses (default: 5-4-3-2-1), movement, temperature, weighted")
    _add_exercise_outputs(p)

    p = sub.add_parser("reminders", help="list agreed resume times and rituals; `reminders cancel ID` cancels a time")
    p.add_argument("action", nargs="?", choices=["cancel"], help="cancel a reminder")
    p.add_argument("id", nargs="?", type=int, help="the reminder's id (from `assistant reminders`)")
    p.add_argument("--json", action="store_true", help="one JSON object per reminder")
    p.add_argument("--config", default=argparse.SUPPRESS,
                   help="config file (reminders.ritual_grace_minutes: how long a reading cut short waits)")

    p = sub.add_parser("history", help="pauses, sessions, resume times and reconnections, week by week")
    shown = p.add_mutually_exclusive_group()
    shown.add_argument("--json", action="store_true", help="one JSON object per week")
    shown.add_argument("--plot", metavar="FILE.png", help="draw the weeks as bars into an image (.png, .svg, .pdf)")

    p = sub.add_parser("commitments", help="commitments kept after a yes; add, kept ID, change ID TEXT, drop ID",
                       description="With no action: the open commitments and those let go in the last 30 days.")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--config", default=argparse.SUPPRESS, help="config file (commitments.partners)")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    for name, helped, words in (("add", "make one: read back, kept after a typed yes", "TEXT"),
                                ("kept", "it was kept (thank you)", None), ("change", "new words for it", "TEXT"),
                                ("drop", "let it go", None)):
        a = actions.add_parser(name, help=helped)
        if name != "add":
            a.add_argument("id", help="its number, from `assistant commitments`")
        if words:
            a.add_argument("words", nargs="+", metavar=words, help="in your own words, e.g. I'll call you at lunch")
            a.add_argument("--yes", action="store_true", default=argparse.SUPPRESS, help="no typed yes (scripts)")
        if name == "add":
            a.add_argument("--by", metavar="NAME", default=argparse.SUPPRESS,
                           help="whose it is (one of commitments.partners when set)")
        a.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="one JSON object")
        a.add_argument("--config", default=argparse.SUPPRESS, help="config file")

    p = sub.add_parser("forget", help="delete everything stored (asks you to type forget first)")
    p.add_argument("--yes", action="store_true", help="do not ask (for scripts)")

    p = sub.add_parser("reconnect", help="read reconnection prompts aloud now, one at a time")
    p.add_argument("--deck", default="reconnection",
                   help="reconnection (default), daily_checkin, money_date, micro_moments, future")
    p.add_argument("--text", action="store_true", help="type next / repeat / we're done instead of speaking")
    p.add_argument("--input", help="microphone name or index")
    p.add_argument("--output", help="speaker name or index")
    p.add_argument("--config", default=argparse.SUPPRESS, help="config file")

    sub.add_parser("devices", help="list microphones and speakers")

    p = sub.add_parser("doctor", help="check model, engine, microphone, speaker, voice and pause words")
    p.add_argument("--config", default=argparse.SUPPRESS, help="config file")

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

    p = sub.add_parser("service", help="run `assistant listen` at every login (a systemd user unit)")
    p.add_argument("action", choices=["install", "uninstall", "status"])
    p.add_argument("--config", default=argparse.SUPPRESS, help="config file the service uses (default: the one `listen` would use here)")
    return parser


def _add_exercise_outputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--render", metavar="OUT.wav", help="write exactly what would be played to a WAV file")
    p.add_argument("--timeline", metavar="OUT.json", help="write the cue timeline (JSON) too")
    p.add_argument("--output", help="speaker name or index (default: voice.output_device)")
    p.add_argument("--config", default=argparse.SUPPRESS, help="config file")


def main(argv: list[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:  # a problem already printed in words is not said twice
        handler.addFilter(lambda record: not getattr(record, "printed", False))
    try:
        if args.config is not None and args.command in _IGNORE_CONFIG:
            load_config(args.config)  # `assistant --config typo.toml reminders` says so, not silently nothing
        return int(_command(args.command)(args))
    except (ConfigError, UserError) as e:
        print(f"assistant: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `assistant detect ... | head`: the reader left; not an error of ours
        sys.stderr.close()
        return EXIT_OK


def _command(name: str):
    """The command's function. Its module is imported only now, so `--help`, and `assistant pause` sent from a
    shortcut, start without loading what other commands need (speech engines, audio, numpy)."""
    module = importlib.import_module(f"assistant.commands.{_MODULES[name]}")
    return getattr(module, f"cmd_{name}")
