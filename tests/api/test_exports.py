"""The package's lazy names: one list for the type checker, one for the loader, the same.

`autodl_tui.api` imports a public name's module on first access (PEP 562). The checker reads
the `TYPE_CHECKING` imports instead; if the two disagreed, a name would type-check and fail
at run time, or load from the wrong module.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import autodl_tui.api as api


def type_checking_imports() -> dict[str, tuple[str, ...]]:
    """Module -> names, as the `if TYPE_CHECKING:` block of api/__init__.py imports them."""
    tree = ast.parse(Path(api.__file__).read_text())
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
    )
    found: dict[str, tuple[str, ...]] = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom) and node.module
        module = node.module.rsplit(".", 1)[1]
        for alias in node.names:
            assert alias.asname == alias.name, "`X as X`: a re-export for the type checker"
            found[module] = (*found.get(module, ()), alias.name)
    return found


def test_the_checkers_imports_the_loaders_map_and_all_agree() -> None:
    imports = type_checking_imports()
    assert {m: set(n) for m, n in imports.items()} == {m: set(n) for m, n in api.EXPORTS.items()}
    assert sorted(api.__all__) == sorted(n for names in api.EXPORTS.values() for n in names)


def test_every_name_is_its_modules_own() -> None:
    for module, names in api.EXPORTS.items():
        home = importlib.import_module(f"autodl_tui.api.{module}")
        for name in names:
            assert getattr(api, name) is getattr(home, name), name


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        api.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "NoSuchThing" in str(exc)
    else:
        raise AssertionError("an unknown name resolved")


def test_one_name_loads_its_module_alone() -> None:
    probe = (
        "import sys\n"
        "from autodl_tui.api import AutoDLError\n"
        "print(sorted(m for m in sys.modules if m.startswith('autodl_tui')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == str(
        sorted(["autodl_tui", "autodl_tui.api", "autodl_tui.api.errors"])
    )
