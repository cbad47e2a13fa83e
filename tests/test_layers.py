"""The pure core imports no I/O: session/*, the time parser, the shared vocabulary (events, answers) and the
prompt choice never reach sound, screen, store, processes or the network, not even from inside a function.

The rooms of sound in words point one way: the ear builds on hearing, and neither reaches up to the app, the
live loop, the commands or set-up. Imports are read with `ast` from the source, so an import hidden in a
function body or an `if` counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import assistant

_ROOT = Path(assistant.__file__).parent
_PURE = sorted([*(_ROOT / "session").glob("*.py"), *(_ROOT / "timeparse").glob("*.py"), _ROOT / "events.py",
                _ROOT / "answers.py", _ROOT / "prompts" / "__init__.py"])
"""Modules that hold decisions only: the state machine, dialog, exercises, the pacer's plan, wording, choices,
reconnection, the time parser, the shared vocabulary and the prompt choice."""
_IO = ("assistant.audio", "assistant.output", "assistant.ear", "assistant.hearing", "assistant.store", "assistant.app",
       "assistant.cli", "assistant.commands", "assistant.live", "assistant.setup", "assistant.supervisor", "assistant.service", "assistant.pause_socket",
       "assistant.listener_lock", "assistant.keypress", "assistant.doctor", "assistant.config",
       "assistant.history", "sounddevice", "soundfile", "soxr", "pyttsx3", "pocketsphinx",
       "vosk", "rich", "numpy", "sqlite3", "subprocess", "socket", "threading", "multiprocessing", "os", "shutil",
       "tempfile", "pathlib", "io", "sys", "time")
"""Adapters (sound, screen, store, devices, processes) and the libraries only adapters use."""


def _package(path: Path) -> str:
    return ".".join(("assistant", *path.relative_to(_ROOT).parent.parts))


def _imports(source: str, package: str) -> set[str]:
    """Every module `source` (a module of `package`) imports, anywhere in it (relative imports resolved)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}  # `from assistant import store`
    return found


def _is_io(module: str) -> bool:
    return any(module == io or module.startswith(io + ".") for io in _IO)


@pytest.mark.parametrize("path", _PURE, ids=lambda p: str(p.relative_to(_ROOT)))
def test_a_pure_module_imports_no_io(path: Path) -> None:
    imports = _imports(path.read_text(encoding="utf-8"), _package(path))
    assert sorted(m for m in imports if _is_io(m)) == []


def test_the_check_sees_imports_inside_functions_and_relative_ones() -> None:
    source = "def play():\n    from assistant.audio import tones\n    import sqlite3\n    from ..store import Store\n"
    imports = _imports(source, "assistant.session")
    assert sorted(m for m in imports if _is_io(m)) == ["assistant.audio", "assistant.audio.tones",
                                                       "assistant.store", "assistant.store.Store", "sqlite3"]


def test_the_check_would_have_caught_the_old_session_package() -> None:
    old = "from assistant.audio import tones\nfrom assistant.output.voice import Clip, Voice\n"  # pacer.py before
    assert {m for m in _imports(old, "assistant.session") if _is_io(m)} >= {"assistant.audio", "assistant.output.voice"}


_SOUND_ROOMS = sorted([*(_ROOT / "ear").glob("*.py"), *(_ROOT / "hearing").glob("*.py")])
"""The ear (the pause-word model and its training) and hearing (what is said: recogniser, keyword engines)."""
_ABOVE_THE_SOUND_ROOMS = ("assistant.app", "assistant.live", "assistant.commands", "assistant.cli", "assistant.setup")
"""What drives those rooms: they are used by it, never reach up to it."""


def _reaches(imports: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in imports if any(m == p or m.startswith(p + ".") for p in packages))


@pytest.mark.parametrize("path", _SOUND_ROOMS, ids=lambda p: str(p.relative_to(_ROOT)))
def test_the_ear_and_hearing_never_import_the_app_the_live_loop_the_commands_or_set_up(path: Path) -> None:
    imports = _imports(path.read_text(encoding="utf-8"), _package(path))
    assert _reaches(imports, _ABOVE_THE_SOUND_ROOMS) == []


@pytest.mark.parametrize("path", sorted((_ROOT / "hearing").glob("*.py")), ids=lambda p: str(p.relative_to(_ROOT)))
def test_hearing_never_imports_the_ear_which_builds_on_it(path: Path) -> None:
    imports = _imports(path.read_text(encoding="utf-8"), _package(path))
    assert _reaches(imports, ("assistant.ear",)) == []


def test_the_direction_check_would_have_caught_the_detector_built_inside_the_engines() -> None:
    old = "def build_detector():\n    from assistant.speech.ear import learned_spotter\n"  # speech/engines.py before
    assert _reaches(_imports(old, "assistant.hearing"), ("assistant.speech",)) == ["assistant.speech.ear",
                                                                                  "assistant.speech.ear.learned_spotter"]
