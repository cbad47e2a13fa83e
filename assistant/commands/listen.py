"""`assistant listen`: the live assistant, on the microphone or typed, until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from dateutil import tz

from assistant.app import build_app, run_listener, run_typed
from assistant.audio.devices import DeviceError
from assistant.audio.routes import RouteWatch
from assistant.commands import EXIT_OK, UserError, config_of
from assistant.commands.stored import open_store
from assistant.hearing.engines import EngineError
from assistant.hearing.recognizer import VocabularyError
from assistant.hearing.vosk_engine import ModelError
from assistant.keypress import KeyWatch
from assistant.listener_lock import ListenerBusy, hold_listener_lock
from assistant.output.view import SessionView
from assistant.pause_socket import PauseServer, PauseSocketError, socket_path
from assistant.store import StoreError, data_dir
from assistant.supervisor import open_log
from assistant.timeparse import describe


def cmd_listen(args: argparse.Namespace) -> int:
    """Listen until Ctrl-C; on the pause word, run the guided session."""
    config = config_of(args)
    try:
        lock = hold_listener_lock(data_dir())  # kept open until the process ends
    except ListenerBusy as e:
        raise UserError(str(e)) from e
    try:
        app = build_app(config, text=args.text, input_device=args.input, output_device=args.output,
                        engine=args.engine, model=args.model, detector=args.detector,
                        open_store=lambda: _open_unfinished(lock))
    except (EngineError, ModelError, VocabularyError, DeviceError, ValueError) as e:
        raise UserError(str(e)) from e
    live, store, scheduler = app.live, app.live.store, app.scheduler
    remote = _pause_server(live, lock)
    if args.text:
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
    try:
        app.start_player()
    except DeviceError as e:
        raise UserError(str(e)) from e
    if not app.mic.wait_started(timeout=5):
        app.mic.close()
        app.player.close()
        raise UserError("the microphone delivered no audio in 5 s: check it with `assistant devices`")
    # From here on a lost device is waited for, and an error in a stage restarts the listener (supervisor.py).
    app.hold_devices(sys.stdout, watch=RouteWatch())
    log_path = open_log()
    if store.read_only:
        print(f"note: new agreements cannot be saved: {store.read_only_reason}", flush=True)
    words = ", ".join(f'"{w}"' for w in config.listener.pause_words)
    also = " or the knock signal" if live.detectors.knock is not None else ""
    keys = _key_watch(live)
    print(f"listening for {words}{also} with {app.choice.name} (Ctrl-C to stop"
          + (", space to pause now)" if keys is not None else ")"), flush=True)
    output = app.output
    try:
        with SessionView() as view:  # the phase and a breathing bar, for a partner who would rather look
            run_listener(app, log_path=log_path,
                         on_block=lambda: output.pacer is not None and view.update(output.pacer, lines=False))
    finally:
        if keys is not None:
            keys.close()
        if remote is not None:
            remote.close()
        app.mic.close()
        app.player.close()
        live.end_open_session()
        if app.learner is not None:
            app.learner.close()
        _say_next_reminder(scheduler)
        store.close()
    return EXIT_OK


def _open_unfinished(lock):
    """The store, with the sessions a crash left open closed as stopped (only by the listener holding the
    lock, and only where it can write)."""
    store = open_store()
    if lock is not None and not store.read_only:
        try:
            store.close_unfinished_sessions(datetime.now().astimezone())
        except StoreError as e:  # a full disk: the history stays as it was; listening matters more
            print(f"not saved: {e}", flush=True)
    return store


def _pause_server(live, lock):
    """Serve `assistant pause` (pause_socket.py) while this listener runs; None, with a one-line note, when
    the socket cannot be opened (the listener runs on without it)."""
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
    return KeyWatch(sys.stdin.fileno(), live.request_pause).start()


def _say_next_reminder(scheduler) -> None:
    """Closing with reminders still to come: say when the next is (an agreed time, or a daily check-in or money
    date from config, whichever is sooner), and that only a running assistant says it."""
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
