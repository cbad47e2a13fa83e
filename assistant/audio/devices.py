"""Find sound devices by name or index, and fail with a message that says how to fix it."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

__all__ = ["DeviceError", "Kind", "find_device", "list_devices", "quiet_native_stderr", "rescan_devices"]

_LOGGER = logging.getLogger(__name__)

Kind = Literal["input", "output"]

_FIX = {
    "input": "list devices with `assistant devices` and set listener.input_device in config.toml",
    "output": "list devices with `assistant devices` and set voice.output_device in config.toml",
}
_WHAT = {"input": "microphone", "output": "speaker"}
_CHANNELS_KEY = {"input": "max_input_channels", "output": "max_output_channels"}


class DeviceError(RuntimeError):
    """A sound device is missing or unusable; the message is one line ending with the fix."""


def _sd() -> Any:
    """Import sounddevice lazily, so file-only code paths work without PortAudio."""
    try:
        # deferred: sounddevice and PortAudio, ~0.12 s after numpy (-X importtime); file-only paths need neither
        import sounddevice
    except (ImportError, OSError) as err:  # OSError: the PortAudio library itself is missing
        raise DeviceError(
            f"sound devices unavailable ({err}): install PortAudio (`apt install libportaudio2`) "
            "and `pip install sounddevice`"
        ) from err
    return sounddevice


def rescan_devices() -> None:
    """Make PortAudio enumerate devices again.

    PortAudio lists devices once, when sounddevice is imported; a PulseAudio server that appears later
    (for example after setting XDG_RUNTIME_DIR/PULSE_SERVER) stays invisible until this runs.
    Close all open streams first: re-initialising PortAudio invalidates them.
    """
    sd = _sd()
    sd._terminate()
    sd._initialize()


@contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Silence what PortAudio and ALSA print straight to file descriptor 2 (C code, not Python) meanwhile.

    Each failed open of a vanished device prints half a dozen lines; retried every second while a device is
    away, that would flood the terminal. Used only around retries: the first failure is still shown.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real stderr (closed, or replaced by an object without a descriptor)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def list_devices() -> list[dict]:
    """Every device as {index, name, inputs, outputs, default_input, default_output}."""
    sd = _sd()
    default_in, default_out = (_default_index(sd, kind) for kind in ("input", "output"))
    return [
        {
            "index": info["index"],
            "name": info["name"],
            "inputs": info["max_input_channels"],
            "outputs": info["max_output_channels"],
            "default_input": info["index"] == default_in,
            "default_output": info["index"] == default_out,
        }
        for info in sd.query_devices()
    ]


def _default_index(sd: Any, kind: Kind) -> int | None:
    try:
        return int(sd.query_devices(kind=kind)["index"])
    except sd.PortAudioError:  # no default device of this kind
        return None


def find_device(spec: str | int | None, kind: Kind) -> int | None:
    """Resolve a config value to a PortAudio device index (None: the system default).

    Args:
        spec: None or "" for the default, an index (int or digits), or a case-insensitive name
            substring; an exact name wins over substrings.
        kind: "input" or "output".

    Raises:
        DeviceError: no device of that kind exists, or the spec matches none or several.
    """
    sd = _sd()
    what, fix, key = _WHAT[kind], _FIX[kind], _CHANNELS_KEY[kind]
    usable = [d for d in sd.query_devices() if d[key] > 0]
    if not usable:
        raise DeviceError(f"no {what} found: plug one in, or {fix}")
    if isinstance(spec, str):
        spec = spec.strip()
        if spec.isdigit():
            spec = int(spec)
    if spec is None or spec == "":
        if _default_index(sd, kind) is None:
            raise DeviceError(f"no default {what} is set: {fix}")
        return None
    names = ", ".join(repr(d["name"]) for d in usable)
    if isinstance(spec, int):
        if any(d["index"] == spec for d in usable):
            return spec
        raise DeviceError(f"device {spec} is not a {what} (have {names}): {fix}")
    exact = [d for d in usable if d["name"].lower() == spec.lower()]
    matches = exact or [d for d in usable if spec.lower() in d["name"].lower()]
    if len(matches) == 1:
        _LOGGER.debug("%s %r is device %d %r", what, spec, matches[0]["index"], matches[0]["name"])
        return int(matches[0]["index"])
    if not matches:
        raise DeviceError(f"no {what} matches {spec!r} (have {names}): {fix}")
    several = ", ".join(repr(d["name"]) for d in matches)
    raise DeviceError(f"{what} name {spec!r} matches several devices ({several}): use a longer name or {fix}")
