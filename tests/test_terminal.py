"""What reaches the terminal: ALSA's own hiccup messages go to the log, not between the spoken lines."""

from __future__ import annotations

import ctypes.util
import os
import subprocess
import sys

import pytest

_PROBE = """
import ctypes, ctypes.util, sys
if sys.argv[1] == "quiet":
    from assistant.audio.alsa_quiet import quiet_alsa
    assert quiet_alsa()
lib = ctypes.cdll.LoadLibrary(ctypes.util.find_library("asound"))
handle = ctypes.c_void_p()
lib.snd_pcm_open(ctypes.byref(handle), b"no_such_pcm_here", 0, 0)  # ALSA complains on stderr
"""


@pytest.mark.skipif(ctypes.util.find_library("asound") is None and not os.environ.get("CI"),
                    reason="needs libasound2 (CI installs it)")
def test_alsa_messages_stay_out_of_the_terminal_once_the_audio_is_opened_by_the_assistant() -> None:
    def stderr(mode: str) -> str:
        return subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True, text=True, timeout=60,
                              check=True).stderr

    assert "ALSA lib" in stderr("loud")  # what a couple saw under the breathing bar
    assert "ALSA lib" not in stderr("quiet")
