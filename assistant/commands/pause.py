"""`assistant pause`: the ritual started in the running listener from outside (a shortcut, a button, SSH).

A module of its own so that a keyboard shortcut starts the pause at once: it loads no audio or speech code.
"""

from __future__ import annotations

import argparse

from assistant.commands import EXIT_OK, UserError
from assistant.pause_socket import PauseSocketError, send_pause, socket_path
from assistant.store import data_dir


def cmd_pause(args: argparse.Namespace) -> int:
    """Tell the running listener to start the ritual now; exit 2 with one line when none runs or it refuses."""
    try:
        reply = send_pause(socket_path(data_dir()))
    except PauseSocketError as e:
        raise UserError(str(e)) from e
    print("pause started" if reply == "ok: started" else reply.removeprefix("ok: "))
    return EXIT_OK
