"""The API layer stays headless: it never imports textual or rich."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import autodl_tui.api

API_DIR = Path(autodl_tui.api.__file__).parent
FORBIDDEN = {"textual", "rich"}


def test_no_ui_imports_in_source() -> None:
    offenders = []
    for path in sorted(API_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
            offenders += [f"{path.name}: {n}" for n in names if n.startswith("autodl_tui.ui")]
    assert offenders == []


def test_importing_the_api_does_not_load_textual() -> None:
    code = (
        "import sys, autodl_tui.api; "
        "print(sorted(m for m in sys.modules if m.startswith('textual')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_names_exported() -> None:
    for name in autodl_tui.api.__all__:
        assert getattr(autodl_tui.api, name) is not None
