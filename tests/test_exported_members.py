"""Every module that declares `__all__` exports exactly its public top-level names (as httpx's
tests/test_exported_members.py guards its package), so a new public name cannot be forgotten. A package's
`__init__` may also export names it imports from its own modules."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import assistant


def _source(module) -> str:
    return Path(module.__file__).read_text(encoding="utf-8")


def _modules_with_all() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(assistant.__path__, prefix="assistant."):
        if info.name == "assistant.__main__":
            continue
        if "__all__" in _source(importlib.import_module(info.name)):
            names.append(info.name)
    return names


@pytest.mark.parametrize("name", _modules_with_all())
def test_all_lists_exactly_the_public_top_level_names(name: str) -> None:
    module = importlib.import_module(name)
    tree = ast.parse(_source(module))
    defined = {node.name for node in tree.body if isinstance(node, (ast.ClassDef, ast.FunctionDef))}
    defined |= {target.id for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))
                for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
                if isinstance(target, ast.Name)}
    public = {n for n in defined if not n.startswith("_")}
    if Path(module.__file__).name == "__init__.py":
        # a package may also export names its modules define (assistant.timeparse re-exports `describe`)
        imported = {alias.asname or alias.name for node in tree.body if isinstance(node, ast.ImportFrom)
                    and (node.module or "").startswith(f"{name}.") for alias in node.names}
        assert public <= set(module.__all__) <= public | imported
    else:
        assert public == set(module.__all__)
