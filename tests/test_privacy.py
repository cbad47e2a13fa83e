"""Private by design: `detect` and `listen` open no network socket and leave no audio on disk.

Watched at the system-call level with strace, so C libraries (PortAudio, PulseAudio, PocketSphinx, espeak-ng)
are covered too, not only Python code.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

_AUDIO_SUFFIXES = (".wav", ".flac", ".raw", ".pcm", ".ogg", ".mp3")
_NET_FAMILIES = ("AF_INET", "AF_INET6", "AF_PACKET", "AF_NETLINK")


@pytest.fixture(scope="module")
def strace() -> str:
    path = shutil.which("strace")
    if path is None:
        pytest.skip("strace is missing: apt install strace")
    return path


def traced(strace: str, log: Path, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([strace, "-f", "-qq", "-o", str(log), "-e", "trace=socket,openat,creat,unlink,unlinkat,rename",
                             sys.executable, "-m", "assistant", *args], **kwargs)


def network_sockets(log: str) -> list[str]:
    return [line for line in log.splitlines() if "socket(" in line and any(f in line for f in _NET_FAMILIES)]


def files_created(log: str) -> set[str]:
    created = set()
    for line in log.splitlines():
        match = re.search(r'(?:openat\(\w+, |creat\()"([^"]+)", [^)]*(O_CREAT|O_WRONLY|O_RDWR)', line)
        if match and not match.group(1).startswith(("/dev/", "/proc/", "/sys/")):
            created.add(match.group(1))
    return created


def test_detect_opens_no_network_socket_and_writes_no_file(strace: str, tmp_path: Path) -> None:
    wav = tmp_path / "speech.wav"
    sf.write(wav, (np.random.default_rng(0).standard_normal(32000) * 0.05).astype(np.float32), 16000)
    log = tmp_path / "strace.log"
    proc = traced(strace, log, "detect", str(wav), "--json", stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                  env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    text = log.read_text()
    assert network_sockets(text) == []
    created = files_created(text)
    assert not [p for p in created if p.endswith(_AUDIO_SUFFIXES)], created
    assert not [p for p in created if Path(p).exists()], "detect left files behind"


@pytest.mark.rig
def test_listen_opens_no_network_socket_and_leaves_no_audio(strace: str, pulse_rig, shared_dir: Path,
                                                            tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    # the learned ear, for a word with no head yet: training it (renders, embeddings) opens no socket either
    config.write_text('[listener]\npause_words = ["alexa"]\n')
    log = tmp_path / "strace.log"
    env = {**os.environ, **pulse_rig.env, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1",
           "ASSISTANT_DATA_DIR": str(tmp_path / "data")}
    # stderr goes to a file: a pipe nobody reads fills up with ALSA's underrun lines under load and blocks
    # the app inside write(), where Ctrl-C cannot reach it.
    errors = (tmp_path / "stderr.txt").open("w")
    proc = traced(strace, log, "listen", "--input", "pulse", "--output", "pulse", "--config", str(config),
                  stdout=subprocess.PIPE, stderr=errors, text=True, env=env)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if "listening for" in line:
                break
        speech = sf.read(shared_dir / "real-voices" / "alexa" / "1.flac", dtype="int16")[0]
        pulse_rig.play_into_mic(np.concatenate([np.zeros(16000, np.int16), speech, np.zeros(16000, np.int16)]))
        for line in proc.stdout:
            if line.startswith("assistant:"):
                break
        time.sleep(3)  # the acknowledgement plays
    finally:
        import psutil  # Ctrl-C goes to the assistant itself; strace then exits when its child does

        for child in psutil.Process(proc.pid).children():
            child.send_signal(2)
        proc.wait(timeout=30)
        errors.close()
    text = log.read_text()
    assert network_sockets(text) == [], "listen opened a network socket"
    leftovers = [p for p in files_created(text) if p.endswith(_AUDIO_SUFFIXES) and Path(p).exists()]
    assert leftovers == [], f"audio left on disk: {leftovers}"
    # Only the voice's own rendering of its words ever touches disk (deleted at once), never microphone audio.
    audio_files = [p for p in files_created(text) if p.endswith(_AUDIO_SUFFIXES)]
    assert all("pause-voice" in p or "tts" in p.lower() for p in audio_files), audio_files
