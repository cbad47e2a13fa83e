"""The voice's worker process: pyttsx3 (espeak-ng) renders each line to a clip, apart from the assistant.

Receives lines on stdin (one JSON header each). Emits a JSON header and the clip's int16 samples on stdout,
or an error with its fix. It runs in a process of its own (`voice.PyttsxVoice` starts it) because pyttsx3
blocks until its queue empties and can hang or die in the speech library: a worker can be restarted, the
live loop cannot.
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
import tempfile
import threading
import time
import wave

INSTALL_HINT = "install espeak-ng: sudo apt install espeak-ng"
VOICE_HINT = "set voice.voice to a name or id that `espeak-ng --voices` lists, or leave it empty"
"""The fixes the worker sends with its errors; here, not in `voice.py`, so the worker never loads numpy."""

_WORKER_TIMEOUT_SECONDS = 20.0
_IDLE_WAIT_SECONDS = 2.0
_ATTEMPTS = 3


def worker_main(rate_wpm: int, voice: str, volume: float) -> None:
    """In the worker process: JSON request lines on stdin; header line + int16 bytes on the old stdout."""
    protocol = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # the espeak driver prints "Audio saved to ..." for every file

    def send(header: dict, payload: bytes = b"") -> None:
        protocol.write(json.dumps(header).encode() + b"\n" + payload)
        protocol.flush()

    try:
        # deferred: pyttsx3 (11 ms, -X importtime) loads inside the try, so one that cannot load is
        # reported to the parent with its fix instead of killing the worker unheard
        import pyttsx3

        engine = pyttsx3.init()
        keep_last_chunk(engine)
    except Exception as e:  # noqa: BLE001 - ImportError, OSError (no libespeak-ng.so.1), RuntimeError: all reported
        send({"ready": False, "error": f"{type(e).__name__}: {e}", "hint": INSTALL_HINT})
        return
    if voice:  # checked first, so that the error says which name is unknown
        known = {name for v in engine.getProperty("voices") for name in (v.id, v.name, v.id.split("/")[-1])}
        if voice not in known:
            send({"ready": False, "error": f"no voice called {voice!r}", "hint": VOICE_HINT})
            return
    try:
        apply_settings(engine, rate_wpm, volume, voice)
    except (RuntimeError, ValueError) as e:  # ValueError: espeak refused the voice after all
        send({"ready": False, "error": str(e), "hint": VOICE_HINT if voice else INSTALL_HINT})
        return
    finished = threading.Event()
    outcomes: list[bool] = []

    def on_finished(name: object = None, completed: bool = True) -> None:
        outcomes.append(bool(completed))
        finished.set()

    engine.connect("finished-utterance", on_finished)
    with tempfile.TemporaryDirectory(prefix="pause-voice-") as private:
        path = os.path.join(private, "line.wav")

        def synthesize(text: str) -> tuple[bool, int, bytes]:
            finished.clear()
            outcomes.clear()
            try:
                engine.save_to_file(text, path)
                engine.runAndWait()
                if not finished.wait(_WORKER_TIMEOUT_SECONDS):
                    raise RuntimeError("espeak-ng did not finish the line")
                _wait_until_espeak_idle()
                with wave.open(path, "rb") as wav:
                    return all(outcomes), wav.getframerate(), wav.readframes(wav.getnframes())
            finally:
                if os.path.exists(path):
                    os.remove(path)

        send({"ready": True})
        for raw in sys.stdin.buffer:
            text = json.loads(raw)["text"]
            try:
                for attempt in range(1, _ATTEMPTS + 1):
                    done, rate, frames = synthesize(text)
                    if done and (frames or not any(c.isalnum() for c in text)):
                        break
                else:
                    raise RuntimeError(f"espeak-ng gave no complete audio in {_ATTEMPTS} attempts")
            except Exception as e:  # noqa: BLE001 - any failure of one line is reported, the worker lives on
                send({"ok": False, "error": f"{type(e).__name__}: {e}"})
                continue
            send({"ok": True, "rate": rate, "bytes": len(frames), "attempts": attempt}, frames)


def keep_last_chunk(engine) -> None:
    """Make pyttsx3's espeak driver keep the audio that arrives with the end of a line.

    Its synth callback writes the WAV when espeak reports the end of the message, and only afterwards adds
    that callback's samples, which are then thrown away. The samples are added first here, then the driver
    sees the events. A guard: espeak-ng has not been seen to hand samples with the end event (the short lines
    once blamed on it were the lost rate that `apply_settings` fixes), but nothing in its API rules it out.
    """
    _espeak = _espeak_library()
    driver = engine.proxy._driver
    handle_events = driver._onSynth

    def on_synth(wav, numsamples, events):
        if numsamples > 0 and driver._speaking:
            driver._data_buffer += ctypes.string_at(wav, numsamples * ctypes.sizeof(ctypes.c_short))
        return handle_events(wav, 0, events)

    _espeak.SetSynthCallback(on_synth)  # replaces the driver's own registration


def apply_settings(engine, rate_wpm: int, volume: float, voice: str = "") -> None:
    """Set espeak-ng's voice, rate and volume, and wait until they hold, before the first line.

    Through pyttsx3's engine, `setProperty` is queued and only handed to espeak at the first `runAndWait`,
    whose loop ends by cancelling espeak when it looks busy; espeak's cancel drops the rate and volume
    commands still in its own queue and restores the previous ones. Under load that happened (a parallel test
    run: a whole process spoke at pyttsx3's default 200 words a minute, every line 20 % short, shifting the
    exercise's timeline). So the driver's setters are called directly and espeak's current values are read
    back until they are ours; raises RuntimeError if they never take.
    """
    _espeak = _espeak_library()
    current = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_int)(("espeak_GetParameter", _espeak.dll))
    wanted = {_espeak.RATE: int(rate_wpm), _espeak.VOLUME: int(round(volume * 100, 2))}
    driver = engine.proxy._driver
    if voice:
        driver.setProperty("voice", voice)  # synchronous in espeak, and before the rate: a voice may reset it
    for _attempt in range(_ATTEMPTS):
        driver.setProperty("rate", wanted[_espeak.RATE])
        driver.setProperty("volume", volume)
        deadline = time.monotonic() + _IDLE_WAIT_SECONDS
        while time.monotonic() < deadline:
            if all(current(name, 1) == value for name, value in wanted.items()):
                return
            time.sleep(0.002)
    raise RuntimeError(f"espeak-ng did not take the rate {rate_wpm} and volume {volume}")


def _wait_until_espeak_idle() -> None:
    """In the worker: pyttsx3 reports `finished-utterance` from inside espeak's own thread, before espeak
    is idle; a line started at that moment is cancelled (it comes back empty, `completed=False`). Waiting
    for espeak to be idle first avoids that race (measured: lines lost under CPU load without it)."""
    _espeak = _espeak_library()
    deadline = time.monotonic() + _IDLE_WAIT_SECONDS
    while _espeak.IsPlaying() and time.monotonic() < deadline:
        time.sleep(0.002)


def _espeak_library():
    """pyttsx3's binding of libespeak-ng, which its espeak driver has loaded by the time the worker asks."""
    # deferred: loads libespeak-ng.so (OSError where it is missing), which the worker reports from its try
    from pyttsx3.drivers import _espeak

    return _espeak


__all__ = ["INSTALL_HINT", "VOICE_HINT", "apply_settings", "keep_last_chunk", "worker_main"]
