"""`assistant agree`: a resume time agreed outside a session, read back and confirmed as the dialog does."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta

from dateutil import tz

from assistant.answers import yes_or_no
from assistant.commands import EXIT_NOT_UNDERSTOOD, EXIT_OK, UserError, config_of
from assistant.commands.stored import open_store
from assistant.session.dialog import AgreeDialog
from assistant.store import StoreError


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
