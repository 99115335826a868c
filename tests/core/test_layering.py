"""core/ sits below everything: it imports no other wxbackend package (the rate limiter included)."""

from __future__ import annotations

import ast
from pathlib import Path

import wxbackend.core

CORE = Path(wxbackend.core.__file__).parent


def test_core_imports_only_core_and_config() -> None:
    upward = []
    for path in sorted(CORE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            upward += [f"{path.name}: {n}" for n in names if n.startswith("wxbackend")
                       and not n.startswith(("wxbackend.core", "wxbackend.config"))]
    assert upward == []
