"""The offline promise holds whatever versions the registries serve: the package silences its dependencies
before they load, and `assistant doctor` names any file a dependency writes outside the assistant's folders.

onnxruntime 1.32 (what a fresh `pip install` got on 2026-12-06) keeps telemetry on by default on Linux: a device
id and a database under ~/.cache, a `.ses` file in the temporary folder, internet sockets from `listen`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def fresh_home(tmp_path: Path) -> dict[str, str]:
    """An environment with an empty home and temporary folder, and none of the silencing variables set."""
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in {"ORT_DISABLE_TELEMETRY", "HF_HUB_OFFLINE", "HF_HUB_DISABLE_TELEMETRY", "DO_NOT_TRACK"}}
    env.update(HOME=str(home), TMPDIR=str(tmp), ASSISTANT_DATA_DIR=str(tmp_path / "data"),
               ASSISTANT_LOG_DIR=str(tmp_path / "log"), XDG_CACHE_HOME=str(home / ".cache"),
               XDG_CONFIG_HOME=str(home / ".config"), PYTHONDONTWRITEBYTECODE="1")
    env.pop("ASSISTANT_CACHE_DIR", None)
    return env


def python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env,
                          check=False)


def test_importing_the_package_silences_onnxruntime_before_it_loads(tmp_path: Path) -> None:
    env = fresh_home(tmp_path)
    result = python("import os, sys\nimport assistant\n"
                    "print(os.environ.get('ORT_DISABLE_TELEMETRY'), os.environ.get('HF_HUB_OFFLINE'), "
                    "'onnxruntime' in sys.modules)", env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "1", "False"]


def test_the_word_model_front_end_writes_nothing_in_home_or_the_temporary_folder(tmp_path: Path) -> None:
    env = fresh_home(tmp_path)
    result = python("from assistant.ear.embedding import SpeechEmbedder\nSpeechEmbedder()", env)
    assert result.returncode == 0, result.stderr
    written = [p for p in (tmp_path / "home").rglob("*")] + [p for p in (tmp_path / "tmp").rglob("*")]
    assert written == [], f"loading the front-end wrote {written}"


@pytest.mark.slow
def test_doctor_names_the_files_a_dependency_writes_and_reports_none_when_silenced(tmp_path: Path) -> None:
    env = fresh_home(tmp_path)
    # doctor as a user runs it: nothing written outside the assistant's folders
    quiet = subprocess.run([sys.executable, "-m", "assistant", "doctor"], capture_output=True, text=True,
                           timeout=180, env=env, check=False)
    line = next(x for x in quiet.stdout.splitlines() if "outside Pause's folders" in x)
    assert line.startswith("[ok ]"), quiet.stdout
    # the same checks with a part that writes where libraries do (as onnxruntime 1.32's telemetry did, though
    # its writes come from a background thread, too late to rely on here): the doctor must name both files,
    # so its "ok" above means something
    noisy = python("import os, tempfile\nfrom pathlib import Path\nimport assistant.doctor as doctor\n"
                   "checked = doctor._voice_check\n"
                   "def noisy(config):\n"
                   "    folder = Path.home() / '.cache' / 'somelib'\n"
                   "    folder.mkdir(parents=True)\n"
                   "    (folder / 'deviceid').write_text('x')\n"
                   "    Path(tempfile.gettempdir(), '.ses').write_text('x')\n"
                   "    return checked(config)\n"
                   "doctor._voice_check = noisy\n"
                   "from assistant.config import load_config\n"
                   "for c in doctor.run_checks(load_config(None)):\n    print(c.ok, c.name, c.detail)", env)
    assert noisy.returncode == 0, noisy.stderr
    line = next(x for x in noisy.stdout.splitlines() if "outside Pause's folders" in x)
    assert line.startswith("False") and "somelib/deviceid" in line and ".ses" in line, noisy.stdout
    assert not (tmp_path / "tmp" / ".ses").exists(), "the doctor's private temporary folder was not removed"
