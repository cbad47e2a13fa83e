"""A private PulseAudio daemon with a virtual microphone and speaker, so audio tests use real devices.

Layout (DESIGN.md "Audio test rig"): null sinks `speaker` (the app plays there; we record
`speaker.monitor`) and `micfeed` (we play there), and a source `mic` remapped from `micfeed.monitor`
(the app records it through PortAudio's `pulse` device).

    with PulseRig() as rig:               # daemon up, defaults set
        subprocess.run([...], env=rig.env)
        rig.play_into_mic(tone)           # blocking; wait=False returns the paplay process
        rig.start_recording_speaker()
        ...
        audio = rig.stop_recording_speaker()   # int16 mono 16 kHz
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Self

import numpy as np

RATE = 16000
"""Hertz of everything the rig plays into the mic or records from the speaker by default."""
_RECORD_LATENCY_MSEC = 20
"""parecord fragment size: how far the recorded file may lag behind the speaker."""
_KEEPALIVE_MONITORS = ("micfeed.monitor", "speaker.monitor")
"""Always recorded, so that new recorders on them (and on `mic`) get audio at once."""
_READY_SECONDS = 5.0
"""How long to wait for the daemon or a recorder to come up before giving up."""
_TAIL_SECONDS = 0.1
"""Audio still in flight when recording stops: wait for it before ending the recorder."""


class RigError(RuntimeError):
    """The rig could not start or a pactl/paplay command failed; the message carries the daemon's log."""


class PulseRig:
    """Starts and owns one PulseAudio daemon in a private runtime directory; stop() removes all of it."""

    def __init__(self) -> None:
        self.dir: Path | None = None
        self.env: dict[str, str] = {}
        """XDG_RUNTIME_DIR, PULSE_SERVER, PULSE_COOKIE, HOME: what every client process needs."""
        self._keepalives: list[subprocess.Popen] = []
        self._recorder: subprocess.Popen | None = None
        self._recording: Path | None = None

    # -- life cycle ---------------------------------------------------------------------------------------

    def start(self) -> Self:
        """Start the daemon, make `speaker` and `mic` the defaults, start the keep-alive recorders."""
        if shutil.which("pulseaudio") is None:
            raise RigError("pulseaudio is not installed: apt install pulseaudio pulseaudio-utils")
        self.dir = Path(tempfile.mkdtemp(prefix="pause-rig-"))
        self.dir.chmod(0o700)  # PulseAudio refuses a runtime dir others can read
        self.env = {
            "XDG_RUNTIME_DIR": str(self.dir),
            "PULSE_SERVER": f"unix:{self.dir}/pulse/native",
            "PULSE_COOKIE": str(self.dir / ".config/pulse/cookie"),
            "HOME": str(self.dir),
        }
        try:
            self._launch()
        except BaseException:
            self.stop()
            raise
        return self

    def _launch(self) -> None:
        self._run(
            "pulseaudio", "-n", "--daemonize=yes", "--exit-idle-time=-1",
            f"--log-target=file:{self.dir}/pulseaudio.log",
            "--load=module-native-protocol-unix",
            "--load=module-null-sink sink_name=speaker",
            "--load=module-null-sink sink_name=micfeed",
            "--load=module-remap-source master=micfeed.monitor source_name=mic",
        )  # fmt: skip
        self._wait_for(self._daemon_answers, "the daemon")
        self._run("pactl", "set-default-sink", "speaker")
        self._run("pactl", "set-default-source", "mic")
        # An idle null sink renders ~2 s blocks: a recorder that attaches then waits 1-2 s for data.
        # Keep both monitors recorded, so `mic` and the speaker recording deliver within ~50 ms,
        # and wait out the first slow block here rather than in the first test.
        self._keepalives = [
            self._parecord(monitor, subprocess.DEVNULL) for monitor in _KEEPALIVE_MONITORS
        ]
        self._wait_for_audio("mic", "speaker.monitor")

    def kill_daemon(self) -> None:
        """Stop the sound server, as a crash or an update would: every client's streams fail at once.

        start_daemon() brings the same devices back. Not while recording the speaker.
        """
        if self._recorder is not None:
            raise RigError("stop recording the speaker before killing the daemon")
        pid_file = self._private_dir() / "pulse" / "pid"
        pid = int(pid_file.read_text().strip() or 0) if pid_file.exists() else 0
        subprocess.run(["pulseaudio", "--kill"], check=False, env=self._full_env(), capture_output=True)
        deadline = time.monotonic() + _READY_SECONDS
        while pid and _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        for proc in self._keepalives:
            if proc.poll() is None:
                proc.terminate()
            proc.wait(timeout=_READY_SECONDS)
        self._keepalives = []

    def start_daemon(self) -> None:
        """Start the sound server again after kill_daemon(), with the same devices and defaults."""
        self._launch()

    def stop(self) -> None:
        """Kill recorders and the daemon, and delete the runtime directory. Safe to call twice."""
        for proc in [self._recorder, *self._keepalives]:
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=_READY_SECONDS)
        self._recorder, self._keepalives = None, []
        if self.dir is not None:
            pid_file = self.dir / "pulse" / "pid"
            pid = int(pid_file.read_text().strip() or 0) if pid_file.exists() else 0
            if pid:
                subprocess.run(
                    ["pulseaudio", "--kill"], check=False, env=self._full_env(), capture_output=True
                )
                deadline = time.monotonic() + _READY_SECONDS
                while _alive(pid) and time.monotonic() < deadline:
                    time.sleep(0.01)
                if _alive(pid):
                    os.kill(pid, signal.SIGKILL)
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the virtual microphone ---------------------------------------------------------------------------

    def play_into_mic(
        self, audio: str | Path | np.ndarray, rate: int = RATE, wait: bool = True
    ) -> subprocess.Popen | None:
        """Play a WAV file or a mono array (int16, or float in [-1, 1]) into the `mic` source.

        Returns None after playing when `wait`, else the running paplay process (its file is kept
        until stop()).
        """
        if not isinstance(audio, str | Path):
            import soundfile

            fd, name = tempfile.mkstemp(suffix=".wav", dir=self._private_dir())
            os.close(fd)
            data = np.asarray(audio)
            soundfile.write(name, data / 32768.0 if data.dtype == np.int16 else data, rate, subtype="PCM_16")
            audio = name
        proc = self._popen("paplay", "--device=micfeed", str(audio))
        if not wait:
            return proc
        if proc.wait() != 0:
            raise RigError(f"paplay {audio} failed ({proc.returncode}){self._log()}")
        return None

    def unload_mic(self) -> None:
        """Remove the `mic` source, as if the microphone were unplugged.

        PulseAudio moves streams recording `mic` (the app's too) to its fallback, `speaker.monitor`.
        """
        modules = self._run("pactl", "list", "short", "modules")
        for line in modules.splitlines():
            fields = line.split("\t")
            if len(fields) > 2 and fields[1] == "module-remap-source" and "source_name=mic" in fields[2]:
                self._run("pactl", "unload-module", fields[0])

    def load_mic(self) -> None:
        """Bring the `mic` source back and make it the default again."""
        self._run("pactl", "load-module", "module-remap-source", "master=micfeed.monitor", "source_name=mic")
        self._run("pactl", "set-default-source", "mic")
        self._pin_recorders()

    # -- the virtual speaker ------------------------------------------------------------------------------

    def start_recording_speaker(self) -> None:
        """Record `speaker.monitor` (16 kHz mono int16); returns once audio is flowing into the file."""
        if self._recorder is not None:
            raise RigError("already recording the speaker: call stop_recording_speaker() first")
        fd, name = tempfile.mkstemp(suffix=".raw", dir=self._private_dir())
        self._recording = Path(name)
        with os.fdopen(fd, "wb") as out:
            self._recorder = self._parecord(
                "speaker.monitor", out, "--format=s16le", f"--rate={RATE}", "--channels=1"
            )
        self._wait_for(lambda: self.speaker_samples_recorded() > 0, "the speaker recorder")

    def speaker_samples_recorded(self) -> int:
        """Samples in the running recording so far (the recorder lags by up to _RECORD_LATENCY_MSEC)."""
        return self._recording.stat().st_size // 2 if self._recording else 0

    def stop_recording_speaker(self) -> np.ndarray:
        """End the recording (after _TAIL_SECONDS for audio in flight) and return it; deletes the file."""
        if self._recorder is None or self._recording is None:
            raise RigError("not recording the speaker: call start_recording_speaker() first")
        time.sleep(_TAIL_SECONDS)
        self._recorder.send_signal(signal.SIGINT)
        self._recorder.wait(timeout=_READY_SECONDS)
        samples = np.fromfile(self._recording, dtype="<i2")
        self._recording.unlink()
        self._recorder = self._recording = None
        return samples

    # -- helpers ------------------------------------------------------------------------------------------

    def _private_dir(self) -> Path:
        if self.dir is None:
            raise RigError("the rig is not running: call start() first")
        return self.dir

    def _full_env(self) -> dict[str, str]:
        return {**os.environ, **self.env}

    def _parecord(self, device: str, stdout: object, *spec: str) -> subprocess.Popen:
        """Record `device` as raw samples to `stdout`, in small fragments so data arrives promptly."""
        return self._popen(
            "parecord", f"--device={device}", "--raw", f"--latency-msec={_RECORD_LATENCY_MSEC}", *spec,
            stdout=stdout,
        )  # fmt: skip

    def _popen(self, *argv: str, stdout: object = subprocess.DEVNULL) -> subprocess.Popen:
        """Start a client; its stderr goes to a file beside the daemon's log (a pipe could fill up)."""
        with open(self._private_dir() / "clients.log", "a") as log:
            return subprocess.Popen(argv, env=self._full_env(), stdout=stdout, stderr=log)

    def _run(self, *argv: str) -> str:
        done = subprocess.run(argv, check=False, env=self._full_env(), capture_output=True, text=True)
        if done.returncode != 0:
            raise RigError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()}{self._log()}")
        return done.stdout

    def _daemon_answers(self) -> bool:
        info = subprocess.run(["pactl", "info"], check=False, env=self._full_env(), capture_output=True)
        return info.returncode == 0

    def _pin_recorders(self) -> None:
        """Move the rig's own recorders back to their monitors.

        A new default source takes along the streams on the old default (here `speaker.monitor`, after
        unload_mic), even those opened with --device.
        """
        monitor_of = {proc.pid: monitor for monitor, proc in zip(_KEEPALIVE_MONITORS, self._keepalives)}
        if self._recorder is not None:
            monitor_of[self._recorder.pid] = "speaker.monitor"
        listing = self._run("pactl", "list", "source-outputs")
        index = None
        for line in listing.splitlines():
            line = line.strip()
            if line.startswith("Source Output #"):
                index = line.removeprefix("Source Output #")
            elif line.startswith("application.process.id = ") and index is not None:
                pid = int(line.split("=")[1].strip().strip('"'))
                if pid in monitor_of:
                    self._run("pactl", "move-source-output", index, monitor_of[pid])

    def _wait_for_audio(self, *sources: str) -> None:
        """Return once a recorder on each source has received audio (the probes run side by side)."""
        probes = {source: self._parecord(source, subprocess.PIPE) for source in sources}
        try:
            for source, probe in probes.items():
                flowing, _, _ = select.select([probe.stdout], [], [], _READY_SECONDS)
                if not flowing:
                    raise RigError(f"no audio from {source} within {_READY_SECONDS} s{self._log()}")
        finally:
            for probe in probes.values():
                probe.terminate()
                probe.communicate(timeout=_READY_SECONDS)

    def _wait_for(self, ready: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + _READY_SECONDS
        while not ready():
            if time.monotonic() > deadline:
                raise RigError(f"{what} did not come up within {_READY_SECONDS} s{self._log()}")
            time.sleep(0.01)

    def _log(self) -> str:
        """The tails of the daemon's and the clients' logs, to append to an error message."""
        tails = []
        for name in ("pulseaudio.log", "clients.log"):
            log = self.dir / name if self.dir else None
            if log is not None and log.exists():
                tails.append(
                    f"\n{name} (tail):\n" + "\n".join(log.read_text(errors="replace").splitlines()[-10:])
                )
        return "".join(tails)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
