"""Text to speech as audio clips: pyttsx3 (espeak-ng) in a worker process, a phrase cache, a text fallback.

Why clips and not `say()`: the pacer places speech on the audio clock, so it needs the samples, not playback.
DESIGN.md's pitfalls decide how pyttsx3 is driven: `save_to_file` exactly one text, wait for
`finished-utterance`, read the WAV (22050 Hz mono), delete it. That runs in one dedicated worker *process*
rather than a thread, because (measured, see the issue note) it is as reliable and only ~2 ms a line slower,
while a process also keeps the espeak driver's stdout chatter ("Audio saved to ...") out of our stdout
(`--json` output stays clean), keeps espeak's process-wide synth callback away from any other pyttsx3 user in
this process, and can be killed and restarted if espeak hangs. The worker writes each WAV into its own
private temporary folder (mode 0700) and deletes it as soon as it is read: no audio is left behind.

| class        | renders                                   | use                                       |
|--------------|-------------------------------------------|-------------------------------------------|
| PyttsxVoice  | espeak-ng speech, cached per text         | normal use                                |
| TextVoice    | silence as long as the text takes to read | no TTS: words printed, tones keep pace    |
| FallbackVoice| PyttsxVoice until it fails, then TextVoice| live sessions that must not stop          |
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, Self

import numpy as np

from assistant.output.voice_worker import INSTALL_HINT, VOICE_HINT  # noqa: F401 - both still importable here

if TYPE_CHECKING:
    from assistant.config import VoiceConfig

_LOGGER = logging.getLogger(__name__)

TTS_RATE = 22050
"""Hertz of espeak-ng output through pyttsx3."""
ONSET_LEVEL = 2e-3
"""Clips are trimmed to start and end at the first/last sample at least this loud (about -54 dBFS), so a
clip's first sample is its first audible sound and the pacer's schedule is the sound's real start."""
_INT16_SCALE = 32768.0


class VoiceUnavailable(RuntimeError):
    """Text to speech cannot start or failed; the message ends with how to fix it."""


@dataclass(frozen=True)
class Clip:
    """Mono float32 samples in -1..1 at `sample_rate`."""

    samples: np.ndarray
    sample_rate: int
    """Hertz."""

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.sample_rate


class Voice(Protocol):
    """Anything that turns text into a Clip."""

    def render(self, text: str) -> Clip: ...


def trim(samples: np.ndarray, level: float = ONSET_LEVEL) -> np.ndarray:
    """Cut leading and trailing samples quieter than `level` (espeak pads both ends with silence)."""
    loud = np.flatnonzero(np.abs(samples) >= level)
    if loud.size == 0:
        return samples[:0]
    return samples[loud[0]:loud[-1] + 1]


def reading_seconds(text: str, rate_wpm: int) -> float:
    """About how long `text` takes to say at `rate_wpm` (at least half a second)."""
    return max(0.5, len(text.split()) * 60.0 / rate_wpm)


@dataclass
class TextVoice:
    """Renders silence as long as the text takes to say, and records the text (and hands it to `on_text`).

    Used when text to speech is missing or broken: the session keeps its timing, tones still pace the breath,
    and the words are printed by whoever plays the timeline (the pacer reports each say cue as it starts).
    """

    rate_wpm: int = 150
    on_text: Callable[[str], None] | None = None
    reason: str = ""
    """Why speech is unavailable, for `doctor` and the first printed line."""
    lines: list[str] = field(default_factory=list)
    """Every text rendered, in order."""

    def render(self, text: str) -> Clip:
        self.lines.append(text)
        if self.on_text is not None:
            self.on_text(text)
        n = round(reading_seconds(text, self.rate_wpm) * TTS_RATE)
        return Clip(np.zeros(n, dtype=np.float32), TTS_RATE)


class PyttsxVoice:
    """pyttsx3/espeak-ng speech rendered in a worker process, with a phrase cache (text -> Clip).

    Raises VoiceUnavailable on construction when the engine can't start. Thread-safe; renders one line at a
    time. `synth_count` counts lines actually synthesised (cache misses), `retry_count` the extra attempts.
    Close it (or use `with`) to end the worker.
    """

    def __init__(self, rate_wpm: int = 150, voice: str = "", volume: float = 0.9) -> None:
        self.rate_wpm, self.voice, self.volume = rate_wpm, voice, volume
        self.synth_count = 0
        self.retry_count = 0
        """Lines espeak-ng cancelled or left empty that the worker synthesised again."""
        self._cache: dict[str, Clip] = {}
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._start()

    def _start(self) -> None:
        code = ("import sys; from assistant.output.voice_worker import worker_main; "
                "worker_main(int(sys.argv[1]), sys.argv[2], float(sys.argv[3]))")
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        path = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "PYTHONPATH": path}
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-c", code, str(self.rate_wpm), self.voice, str(self.volume)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
            self._stderr_tail: deque[str] = deque(maxlen=3)
            self._stderr_reader = threading.Thread(target=self._drain_stderr, args=(self._proc,), daemon=True)
            self._stderr_reader.start()
            header = self._read_header()
        except (OSError, ValueError) as e:
            self.close()
            raise VoiceUnavailable(f"text to speech could not start ({e}); {INSTALL_HINT}") from e
        if not header.get("ready"):
            self.close()
            raise VoiceUnavailable(f"text to speech could not start ({header.get('error')}); "
                                   f"{header.get('hint', INSTALL_HINT)}")

    def _drain_stderr(self, proc: subprocess.Popen) -> None:
        """Keep the worker's last error lines (espeak-ng reports a broken install there, then exits)."""
        assert proc.stderr is not None
        for raw in proc.stderr:
            self._stderr_tail.append(raw.decode("utf-8", "replace").strip())

    def _read_header(self) -> dict:
        assert self._proc is not None and self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            self._proc.wait(timeout=5)
            self._stderr_reader.join(timeout=2)
            said = "; ".join(filter(None, self._stderr_tail))
            raise ValueError(f"the speech worker exited: {said}" if said else "the speech worker exited")
        return json.loads(line)

    def _synthesize(self, text: str) -> Clip:
        assert self._proc is not None and self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(json.dumps({"text": text}).encode() + b"\n")
        self._proc.stdin.flush()
        header = self._read_header()
        if not header.get("ok"):
            raise VoiceUnavailable(f"text to speech failed on {text!r} ({header.get('error')}); "
                                   f"{INSTALL_HINT}")
        payload = self._proc.stdout.read(header["bytes"])
        samples = np.frombuffer(payload, dtype="<i2").astype(np.float32) / _INT16_SCALE
        self.synth_count += 1
        self.retry_count += header.get("attempts", 1) - 1
        return Clip(trim(samples), header["rate"])

    def render(self, text: str) -> Clip:
        with self._lock:
            clip = self._cache.get(text)
            if clip is not None:
                return clip
            try:
                clip = self._synthesize(text)
            except (OSError, ValueError) as first:  # the worker died: restart once, then give up
                _LOGGER.warning("speech worker failed (%s); restarting it", first)
                self.close()
                self._start()
                try:
                    clip = self._synthesize(text)
                except (OSError, ValueError) as e:
                    raise VoiceUnavailable(f"text to speech stopped working ({e}); {INSTALL_HINT}") from e
            clip.samples.setflags(write=False)
            self._cache[text] = clip
            return clip

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin:
                proc.stdin.close()
            proc.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        finally:
            if proc.stdout:
                proc.stdout.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FallbackVoice:
    """Speaks with `primary` until it raises VoiceUnavailable, then with `fallback` for good (so clip lengths
    don't flip back and forth mid-session)."""

    def __init__(self, primary: Voice, fallback: TextVoice) -> None:
        self.primary: Voice | None = primary
        self.fallback = fallback

    def render(self, text: str) -> Clip:
        if self.primary is not None:
            try:
                return self.primary.render(text)
            except VoiceUnavailable as e:
                _LOGGER.warning("%s; printing words instead", e)
                self.fallback.reason = str(e)
                self.primary = None
        return self.fallback.render(text)


def open_voice(rate_wpm: int = 150, voice: str = "", volume: float = 0.9, enabled: bool = True,
               on_text: Callable[[str], None] | None = None) -> Voice:
    """The best voice available: pyttsx3 when it starts (falling back to text if it later fails), else text.

    `enabled=False` (config `voice.enabled = false`) gives the text voice directly.
    """
    text = TextVoice(rate_wpm=rate_wpm, on_text=on_text)
    if not enabled:
        text.reason = "speech is turned off in config (voice.enabled = false)"
        return text
    try:
        return FallbackVoice(PyttsxVoice(rate_wpm, voice, volume), text)
    except VoiceUnavailable as e:
        _LOGGER.warning("%s; printing words instead", e)
        text.reason = str(e)
        return text


def voice_from_config(config: VoiceConfig, *, typed: bool = False) -> Voice:
    """The assistant's voice as config.toml's [voice] sets it, opened this one way everywhere; `typed`
    (`listen --text`) prints the words instead of speaking them."""
    if typed:
        return TextVoice(on_text=lambda text: None)
    return open_voice(config.rate_wpm, config.voice, config.volume, enabled=config.enabled,
                      on_text=lambda text: None)


__all__ = [
    "ONSET_LEVEL",
    "TTS_RATE",
    "Clip",
    "FallbackVoice",
    "PyttsxVoice",
    "TextVoice",
    "Voice",
    "VoiceUnavailable",
    "open_voice",
    "reading_seconds",
    "trim",
    "voice_from_config",
]
