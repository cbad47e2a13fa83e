"""Shared fixtures. A skipped test is a failure (its message names the package to install): a missing
package, model or device must not pass as green, in CI or on a newcomer's machine. PAUSE_ALLOW_SKIPS=1 runs
what can run here and skips the rest (never in CI)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
SKIPS_FAIL = IN_CI or os.environ.get("PAUSE_ALLOW_SKIPS", "") != "1"

# Words other than the default train their learned-ear head on first use; the full recipe takes minutes, the
# quick one (same steps, less data) seconds. Subprocesses of the tests inherit this.
os.environ.setdefault("ASSISTANT_EAR_RECIPE", "quick")
# Nothing a test runs may write into the user's own data folder: by default every test process shares one
# private folder (tests that need their own set ASSISTANT_DATA_DIR themselves). Heads trained there are
# reused by later tests of the same worker.
if "ASSISTANT_DATA_DIR" not in os.environ:
    import tempfile

    os.environ["ASSISTANT_DATA_DIR"] = tempfile.mkdtemp(prefix="pause-test-data-")
# One cache folder for the whole run (xdist workers inherit it from the controller): a word's rendered
# examples (a CPU-minute and more each) and the time language model are built once, by whichever test needs
# them first, and the rest only fit or load. Tests that need a cold cache, or run `forget` (which empties the
# cache's word examples), give their processes a folder of their own.
if "ASSISTANT_CACHE_DIR" not in os.environ:
    import tempfile

    os.environ["ASSISTANT_CACHE_DIR"] = tempfile.mkdtemp(prefix="pause-test-cache-")

# A shell runs a background job (`./.ci/run &`, nohup) with SIGINT ignored; children inherit an ignored
# signal, and Python then installs no KeyboardInterrupt handler, so an app the tests stop with Ctrl-C
# (SIGINT) would never hear it. A handled signal is reset to default in children, so handle it here.
signal.signal(signal.SIGINT, signal.default_int_handler)


TRAINING_FILES = ("test_setup_spoken.py", "test_enrollment.py", "test_ear.py", "test_privacy.py",
                  "test_home_learning.py", "test_learning_rig.py", "test_setup.py")
"""Test files that train a word model, longest first (measured in CI)."""
SLOW_FILES = ("test_listen_text.py", "test_resilience.py", "test_agreement_rig.py", "test_session_rig.py",
              "test_history.py", "test_cli_errors.py", "test_detector_sphinx.py", "test_calibration.py")
"""The longest of the other files, longest first (measured in CI)."""


WARMED_WORDS = ("alexa", "banana")
"""The words the training files learn: their examples (a CPU-minute and more each) are rendered into the run's
cache while the first files mostly wait on real clocks, instead of on the critical path at the end (measured
in CI: the training files ran last and took 8 of 19 minutes)."""


def pytest_configure(config) -> None:
    """In the controller of a parallel run (`-n 3`, the README's test command), render the training files'
    words in the background; a test that needs one first waits for it (the cache's lock) instead of
    rendering it twice."""
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
        return
    import subprocess
    import sys

    code = ("from assistant.ear.training import QUICK, cached_word_examples as c\n"
            f"for word in {WARMED_WORDS!r}: c(word, QUICK)")
    log = open(Path(os.environ["ASSISTANT_CACHE_DIR"]) / "warm_cache.log", "w")  # noqa: SIM115 (the child's)
    config._pause_warm_cache = subprocess.Popen(["nice", "-n", "5", sys.executable, "-c", code], stdout=log,
                                                stderr=subprocess.STDOUT, cwd=REPO)


def pytest_unconfigure(config) -> None:
    warm = getattr(config, "_pause_warm_cache", None)
    if warm is not None and warm.poll() is None:
        warm.kill()
        warm.wait()


def pytest_collection_modifyitems(config, items) -> None:
    """Run order for `-n 3 --dist loadfile --no-loadscope-reorder`: the longest files first, the files that
    train a word model last (their words are rendered meanwhile, `pytest_configure`), longest first.
    (xdist hands out files in this order.)"""
    def rank(item) -> tuple[int, int]:
        name = item.path.name
        if name in TRAINING_FILES:
            return 2, TRAINING_FILES.index(name)
        if name in SLOW_FILES:
            return 0, SLOW_FILES.index(name)
        return 1, 0

    items.sort(key=rank)  # stable: tests keep their order within a file


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if SKIPS_FAIL and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = (f"a skipped test counts as a failure: {reason} (or PAUSE_ALLOW_SKIPS=1 to run only "
                           "what this machine can)")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"../shared is missing beside the repository ({SHARED})")
    return SHARED


@pytest.fixture(scope="session")
def pulse_rig():
    """A private PulseAudio daemon (tests/audio_rig.py) that this process's sounddevice can see as `pulse`.

    PortAudio enumerates devices once, at import; after pointing the environment at the rig we re-initialise
    it (`rescan_devices`). HOME stays untouched for other tests: PULSE_COOKIE names the rig's cookie instead.
    """
    import shutil

    if shutil.which("pulseaudio") is None or shutil.which("parecord") is None:
        pytest.skip("the audio rig needs PulseAudio: apt install pulseaudio pulseaudio-utils libportaudio2")
    from audio_rig import PulseRig

    from assistant.audio.devices import rescan_devices

    rig = PulseRig().start()
    client_env = {key: value for key, value in rig.env.items() if key != "HOME"}
    saved = {key: os.environ.get(key) for key in client_env}
    os.environ.update(client_env)
    try:
        rescan_devices()
        yield rig
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        rig.stop()
        rescan_devices()
