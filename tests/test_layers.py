"""The pure core imports no I/O: session/*, the time parser, the shared vocabulary (events, answers) and the
prompt choice never reach sound, screen, store, processes or the network, not even from inside a function.

Imports are read with `ast` from the source, so an import hidden in a function body or an `if` counts too.
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
       "assistant.history", "assistant.calibration", "sounddevice", "soundfile", "soxr", "pyttsx3", "pocketsphinx",
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
