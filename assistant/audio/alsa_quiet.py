"""ALSA's own messages ("ALSA lib pcm.c:...: underrun occurred") go to the log, not into the terminal.

libasound prints them on stderr from C, under the terminal view and the spoken lines; a hiccup of a busy
machine is not something a couple should read. `snd_lib_error_set_handler` is ALSA's documented way to
take them over. Its handler is variadic; a ctypes callback with the fixed leading arguments is enough,
since only the location and the format string are logged (the varargs are not read).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

_LOGGER = logging.getLogger(__name__)
_HANDLER_TYPE = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
                                 ctypes.c_char_p)
_installed: object = None
"""The callback in use, kept referenced for as long as the process lives (ALSA holds its address)."""


def _to_log(file: bytes | None, line: int, function: bytes | None, err: int, fmt: bytes | None) -> None:
    _LOGGER.debug("ALSA %s:%d %s: %s", (file or b"").decode(errors="replace"), line,
                  (function or b"").decode(errors="replace"), (fmt or b"").decode(errors="replace"))


def quiet_alsa() -> bool:
    """Route libasound's messages to the debug log. True when installed (False without ALSA: nothing to do)."""
    global _installed
    if _installed is not None:
        return True
    name = ctypes.util.find_library("asound")
    if name is None:
        return False
    try:
        library = ctypes.cdll.LoadLibrary(name)
        handler = _HANDLER_TYPE(_to_log)
        library.snd_lib_error_set_handler(handler)
    except (OSError, AttributeError):
        return False
    _installed = handler
    return True
