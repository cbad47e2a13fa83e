"""`assistant forget`: everything stored deleted, the history, the reminders and the learned voices."""

from __future__ import annotations

import argparse
import sys

from assistant.commands import EXIT_NOT_UNDERSTOOD, EXIT_OK, UserError
from assistant.commands.stored import open_store
from assistant.ear import enrollment
from assistant.store import StoreError


def cmd_forget(args: argparse.Namespace) -> int:
    """Delete everything stored. Typed confirmation on stdin unless --yes; anything else deletes nothing, exit 1."""
    with open_store() as store:
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
