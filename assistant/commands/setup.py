"""`assistant setup`: the pause word chosen, and how readily it is heard set from the partners' voices."""

from __future__ import annotations

import argparse

from assistant.audio.devices import DeviceError
from assistant.commands import EXIT_NOT_UNDERSTOOD, EXIT_OK, UserError
from assistant.config_edit import ConfigWriteError
from assistant.hearing.engines import EngineError
from assistant.hearing.vosk_engine import ModelError
from assistant.setup.configure import configure
from assistant.setup.spoken import SetupError


def cmd_setup(args: argparse.Namespace) -> int:
    """Set the pause word and its threshold from both partners' voices (--text: the word only); exit 1
    when the takes do not separate from ordinary speech (nothing saved, the advice printed)."""
    try:
        outcome = configure(args.config, word=args.word, typed=args.text, input_device=args.input,
                            output_device=args.output, take_files=args.takes,
                            sentence_files=args.sentences, partners=args.partners, knock=args.knock,
                            knock_files=args.knock_takes)
    except (ConfigWriteError, DeviceError, EngineError, ModelError, SetupError, ValueError) as e:
        raise UserError(str(e)) from e
    print(outcome.summary(), flush=True)
    return EXIT_OK if outcome.saved else EXIT_NOT_UNDERSTOOD
