"""The pure core imports no I/O: session/*, the time parser, the shared vocabulary (events, answers) and the
prompt choice never reach sound, screen, store, processes or the network, not even from inside a function.

The rooms of sound in words point one way: the ear builds on hearing, and neither reaches up to the app, the
live loop, the commands or set-up. Imports are read with `ast` from the source, so an import hidden in a
function body or an `if` counts too.

And the sizes hold: no module over 400 lines, at most 25 imports inside functions, each with a `# deferred:`
comment that says what it keeps out of start-up.
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


# --- the size limits: no module over 400 lines, few imports inside functions, each one explained -------------

MAX_MODULE_LINES = 400
MAX_DEFERRED_IMPORTS = 25
"""Imports inside functions: each one a measured start-up cost, said in a `# deferred:` comment."""
_MODULES = sorted(_ROOT.rglob("*.py"))


def _deferred_imports(source: str) -> list[int]:
    """Line numbers of the imports inside a function body, at any depth."""
    found: list[int] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if in_function and isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append(child.lineno)
            visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(ast.parse(source), False)
    return found


def _says_why(lines: list[str], lineno: int) -> bool:
    """A `# deferred:` comment on the import's line or in the comment lines just above it."""
    if "# deferred:" in lines[lineno - 1]:
        return True
    above = lineno - 2
    while above >= 0 and lines[above].lstrip().startswith("#"):
        if "# deferred:" in lines[above]:
            return True
        above -= 1
    return False


@pytest.mark.parametrize("path", _MODULES, ids=lambda p: str(p.relative_to(_ROOT)))
def test_no_module_is_over_the_line_limit(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_MODULE_LINES


def test_few_imports_sit_inside_functions_and_each_says_why() -> None:
    deferred, unexplained = [], []
    for path in _MODULES:
        lines = path.read_text(encoding="utf-8").splitlines()
        for lineno in _deferred_imports("\n".join(lines)):
            where = f"{path.relative_to(_ROOT)}:{lineno}"
            deferred.append(where)
            if not _says_why(lines, lineno):
                unexplained.append(where)
    assert len(deferred) <= MAX_DEFERRED_IMPORTS, deferred
    assert unexplained == [], (f"say what each deferred import costs, on its line or just above "
                               f"(# deferred: <what>, measured with -X importtime): {unexplained}")


def test_the_deferred_import_check_sees_nested_imports_and_their_comments() -> None:
    source = ("import os\n\ndef f():\n    # deferred: numpy, 0.1 s\n    import numpy\n"
              "    def g():\n        import json\n    return numpy\n")
    lines = source.splitlines()
    assert _deferred_imports(source) == [5, 7]
    assert _says_why(lines, 5) and not _says_why(lines, 7)
