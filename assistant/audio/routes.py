"""Where PulseAudio (or PipeWire's Pulse service) has put this process's microphone stream, via `pactl`.

Why: when the chosen source disappears, Pulse does not fail the stream, it moves it silently to a fallback,
often the speaker's monitor. PortAudio sees nothing, and the assistant would go on "listening" to its own
voice. Watching the route tells a vanished microphone apart from a quiet room.

Receives Pulse's change events (`pactl subscribe`). Emits `RouteWatch.lost`: True while the microphone the
stream started on is gone and the stream sits on a monitor (something played, not a room). When the source
comes back and Pulse does not move the stream home by itself, the watch moves it back.
Where there is no `pactl`, or the stream is not a Pulse stream (a bare ALSA device), the watch reports
nothing and stream errors and stalls are left to SteadyMic.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass

__all__ = ["Route", "RouteWatch", "input_route"]

_LOGGER = logging.getLogger(__name__)
_PACTL_TIMEOUT_S = 3.0
"""A pactl call that takes longer than this is given up (the server is hanging or restarting)."""
_RESUBSCRIBE_S = 1.0
"""Wait before `pactl subscribe` is started again after it ended (the sound server restarted)."""
_SETTLE_S = 0.05
"""Events come in bursts (a module unload sends a dozen): wait this long after one before looking."""
_WATCHED = ("on source-output #", "on source #", "on server #")


@dataclass(frozen=True, slots=True)
class Route:
    """This process's recording stream and the source it reads from."""

    stream: int
    """Pulse's index of the source output (our stream)."""
    source: str
    """The source's name, e.g. "alsa_input.usb-..." or "mic"."""
    monitor: bool
    """True when the source is a sink's monitor: what is played, not a room."""


def _run_pactl(*args: str) -> subprocess.CompletedProcess | None:
    env = {**os.environ, "LC_ALL": "C"}  # the text listings are parsed: keep them in English
    try:
        return subprocess.run(["pactl", *args], check=False, env=env, capture_output=True, text=True,
                              timeout=_PACTL_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return None


def _pactl(*args: str) -> str | None:
    done = _run_pactl(*args)
    return done.stdout if done is not None and done.returncode == 0 else None


def _listing(kind: str) -> list[dict] | None:
    """`pactl list KIND` (sources, source-outputs) as pactl's JSON objects, or None when Pulse cannot be asked.

    JSON (`--format=json`, PulseAudio 16+) does not change with pactl's wording or the translations. An older
    pactl rejects the option before it even connects: then, and only then, the text listing is read into the
    same shape, so the watch still works there. JSON that does not parse is read as text too, never worse.
    """
    done = _run_pactl("--format=json", "list", kind)
    if done is None:
        return None
    if done.returncode == 0:
        try:
            return json.loads(done.stdout)
        except ValueError:
            pass
    elif "--format" not in done.stderr:  # the server is away or refused: no answer either way
        return None
    text = _pactl("list", kind)
    if text is None:
        return None
    return _text_sources(text) if kind == "sources" else _text_source_outputs(text)


def _blocks(listing: str, header: str) -> list[list[str]]:
    blocks: list[list[str]] = []
    for line in listing.splitlines():
        if line.startswith(header):
            blocks.append([line])
        elif blocks:
            blocks[-1].append(line.strip())
    return blocks


def _field(block: list[str], key: str) -> str | None:
    for line in block:
        if line.startswith(key):
            return line[len(key):].strip().strip('"')
    return None


def _text_sources(listing: str) -> list[dict]:
    """`pactl list sources` text as the JSON's objects (index, name, monitor_source)."""
    return [{"index": int(block[0].removeprefix("Source #")), "name": _field(block, "Name:"),
             "monitor_source": _field(block, "Monitor of Sink:")}
            for block in _blocks(listing, "Source #") if _field(block, "Name:") is not None]


def _text_source_outputs(listing: str) -> list[dict]:
    """`pactl list source-outputs` text as the JSON's objects (index, source, the process id property)."""
    outputs = []
    for block in _blocks(listing, "Source Output #"):
        source = _field(block, "Source:")
        outputs.append({"index": int(block[0].removeprefix("Source Output #")),
                        "source": int(source) if source and source.isdigit() else None,
                        "properties": {"application.process.id": _field(block, "application.process.id =")}})
    return outputs


def _is_monitor(source: dict) -> bool:
    """pactl 16 gives a monitor's sink as "monitor_source" ("" for a real microphone; the text says "n/a")."""
    sink = source.get("monitor_of_sink", source.get("monitor_source"))
    return sink not in (None, "", "n/a")


def _sources() -> dict[int, tuple[str, bool]] | None:
    """Source index -> (name, is a monitor), or None when Pulse cannot be asked."""
    listing = _listing("sources")
    if listing is None:
        return None
    return {source["index"]: (source["name"], _is_monitor(source)) for source in listing if source.get("name")}


def input_route(pid: int | None = None) -> Route | None:
    """The newest recording stream of process `pid` (default: this one), or None if it has none on Pulse."""
    pid = os.getpid() if pid is None else pid
    outputs = _listing("source-outputs")
    sources = _sources()
    if outputs is None or sources is None:
        return None
    ours = [o for o in outputs if (o.get("properties") or {}).get("application.process.id") == str(pid)]
    if not ours:
        return None
    newest = max(ours, key=lambda o: o["index"])
    name, monitor = sources.get(newest.get("source"), ("?", False))
    return Route(newest["index"], name, monitor)


class RouteWatch:
    """Follows this process's microphone stream on Pulse in a thread; `lost` is safe to read any time.

    | want                          | do                                                     |
    |-------------------------------|--------------------------------------------------------|
    | start once the stream is open | `watch = RouteWatch().start()`                         |
    | after reopening the stream    | `watch.check()` (also happens on every Pulse event)   |
    | is the microphone gone?       | `watch.lost`                                           |
    | stop                          | `watch.close()`                                        |
    """

    def __init__(self) -> None:
        self.home: str | None = None
        """The source the stream started on: the microphone we wait for when it is gone."""
        self.lost = False
        self.available = shutil.which("pactl") is not None
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._subscriber: subprocess.Popen | None = None
        self._threads: list[threading.Thread] = []

    def start(self) -> RouteWatch:
        if self.available:
            self.check()
            for target in (self._subscribe, self._react):
                thread = threading.Thread(target=target, daemon=True, name=f"route-{target.__name__}")
                thread.start()
                self._threads.append(thread)
        return self

    def check(self) -> None:
        """Look where the stream is now, and move it home if home is back but Pulse left it elsewhere."""
        route = input_route()
        if route is None:
            return  # not on Pulse, or no answer right now: nothing to say either way
        if self.home is None or (not route.monitor and route.source != self.home):
            # The first look, or the stream now reads another real microphone (the user moved it, or Pulse
            # fell back to a built-in one): that is what we listen to from now on.
            if self.home is not None:
                _LOGGER.info("microphone is now %s (was %s)", route.source, self.home)
            self.home, self.lost = route.source, False
            return
        if route.source == self.home:
            self.lost = False
            return
        # On a monitor that is not home: the microphone vanished and Pulse parked the stream on a fallback.
        self.lost = True
        if self.home in {name for name, _ in (_sources() or {}).values()}:
            _LOGGER.info("microphone %s is back; moving the stream home", self.home)
            if _pactl("move-source-output", str(route.stream), self.home) is not None:
                self.lost = False

    def _subscribe(self) -> None:
        """Turn Pulse's change events into wake-ups; start again when the server restarts."""
        while not self._closed.is_set():
            try:
                self._subscriber = subprocess.Popen(["pactl", "subscribe"], stdout=subprocess.PIPE,
                                                    stderr=subprocess.DEVNULL, text=True,
                                                    env={**os.environ, "LC_ALL": "C"})
            except OSError:
                return
            assert self._subscriber.stdout is not None
            if self._closed.is_set():  # close() ran while we were starting it
                self._subscriber.terminate()
            self._wake.set()  # (re)connected: things may have changed while we were away
            for line in self._subscriber.stdout:
                if any(kind in line for kind in _WATCHED):
                    self._wake.set()
            self._subscriber.wait()
            self._closed.wait(_RESUBSCRIBE_S)

    def _react(self) -> None:
        while not self._closed.is_set():
            if not self._wake.wait(0.5):
                continue
            time.sleep(_SETTLE_S)
            self._wake.clear()
            if not self._closed.is_set():
                self.check()

    def close(self) -> None:
        self._closed.set()
        self._wake.set()
        if self._subscriber is not None and self._subscriber.poll() is None:
            self._subscriber.terminate()
            try:
                self._subscriber.wait(timeout=_PACTL_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self._subscriber.kill()
        for thread in self._threads:
            thread.join(timeout=_PACTL_TIMEOUT_S)
