"""The package uses Textual's public API only: no private module, attribute or hook.

Read statically from each module's syntax tree; which names Textual keeps private comes
from Textual itself (the classes in each of our classes' MRO), so a Textual upgrade that
adds private names is checked too. Flagged:

- an import of a private Textual module (`textual.widgets._footer`) or private name;
- `x._name` on anything but `self`/`cls` (`super()._watch_value`, `button._disabled`) where
  Textual defines `_name`;
- `self._name` inside one of our Textual classes where Textual's classes of its MRO define
  `_name` (reading or overwriting Textual's own state: `self._selected`, `self._nodes`);
- a method of one of our Textual classes named like a private Textual method or handler
  (`def _watch_value`, `def _on_focus`, `def _handle_exception`);
- `getattr`/`setattr`/`hasattr`/`delattr` with a private name Textual uses (`"__watchers"`).
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import textual

PACKAGE = Path(__file__).resolve().parent.parent / "autodl_tui"
TEXTUAL = Path(textual.__file__).resolve().parent
_ATTR_FUNCTIONS = frozenset({"getattr", "setattr", "hasattr", "delattr"})


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_textual(cls: type) -> bool:
    return cls.__module__.split(".")[0] == "textual"


@functools.cache
def _class_privates(cls: type) -> frozenset[str]:
    """Private names a Textual class defines: in its body, or assigned to `self._x`."""
    names = {name for name in vars(cls) if _private(name)}
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError):  # no source (a builtin base): its body is enough
        return frozenset(names)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
            and _private(node.attr)
        ):
            names.add(node.attr)
    return frozenset(names)


def _attr_call_name(node: ast.AST) -> str | None:
    """The constant name in `getattr(obj, "name", ...)` and its kin, else None."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _ATTR_FUNCTIONS
        and len(node.args) >= 2
        and isinstance(node.args[1], ast.Constant)
        and isinstance(node.args[1].value, str)
    ):
        return node.args[1].value
    return None


@functools.cache
def _textual_privates() -> frozenset[str]:
    """Every private name Textual defines or looks up, anywhere in its source."""
    names: set[str] = set()
    for path in TEXTUAL.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _private(node.name):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and _private(node.attr):
                names.add(node.attr)
            elif (name := _attr_call_name(node)) is not None and _private(name):
                names.add(name)
    return frozenset(names)


def _textual_bases(cls: object) -> list[type]:
    return [c for c in cls.__mro__ if _is_textual(c)] if inspect.isclass(cls) else []


def violations(source: str, namespace: dict[str, object]) -> Iterator[str]:
    """What in `source` uses private Textual API; `namespace` holds its classes by name."""
    tree = ast.parse(source)
    everywhere = _textual_privates()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] == "textual":
                if any(p.startswith("_") for p in parts):
                    yield f"line {node.lineno}: import from private module {node.module}"
                for alias in node.names:
                    if _private(alias.name):
                        yield f"line {node.lineno}: import of private {node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "textual" and any(p.startswith("_") for p in parts):
                    yield f"line {node.lineno}: import of private module {alias.name}"
        elif isinstance(node, ast.Attribute) and node.attr in everywhere:
            owner = node.value
            if not (isinstance(owner, ast.Name) and owner.id in ("self", "cls")):
                yield f"line {node.lineno}: private Textual attribute .{node.attr}"
        elif (name := _attr_call_name(node)) is not None and name in everywhere:
            yield f"line {node.lineno}: {name!r} looked up by name"
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        bases = _textual_bases(namespace.get(node.name))
        if not bases:
            continue
        theirs = frozenset().union(*(_class_privates(base) for base in bases))
        for inner in ast.walk(node):
            if (
                isinstance(inner, ast.Attribute)
                and isinstance(inner.value, ast.Name)
                and inner.value.id in ("self", "cls")
                and inner.attr in theirs
            ):
                yield f"line {inner.lineno}: {node.name} uses Textual's own self.{inner.attr}"
            elif isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef) and (
                inner.name in theirs
                or (inner.name.startswith(("_on_", "_watch_")) and inner.name in everywhere)
            ):
                yield f"line {inner.lineno}: {node.name} overrides Textual's {inner.name}"


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__main__.py")


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_package_uses_public_textual_api_only(path: Path) -> None:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    module = importlib.import_module(".".join(parts))
    found = list(violations(path.read_text(encoding="utf-8"), vars(module)))
    assert not found, f"{relative}: " + "; ".join(found)


# --- the check catches each pattern -------------------------------------------------

_CAUGHT = {
    "private module": "from textual.widgets._footer import FooterKey",
    "private module by import": "import textual._compositor",
    "private name": "from textual.reactive import _watch",
    "another object's state": "def grey(key):\n    key._disabled = True",
    "a private call through super": (
        "from textual.widgets import Input\n"
        "class Box(Input):\n"
        "    def go(self):\n"
        "        super()._watch_value('x')"
    ),
    "a private hook overridden": (
        "from textual.widgets import Input\n"
        "class Box(Input):\n"
        "    def _watch_value(self, value):\n"
        "        pass"
    ),
    "a private handler": (
        "from textual.widget import Widget\n"
        "class Box(Widget):\n"
        "    def _on_focus(self, event):\n"
        "        pass"
    ),
    "Textual's own state on self": (
        "from textual.widgets import RadioSet\n"
        "class Follow(RadioSet):\n"
        "    def go(self):\n"
        "        return self._nodes[self._selected]"
    ),
    "a private method on self": (
        "from textual.widget import Widget\n"
        "class Key(Widget):\n"
        "    def go(self):\n"
        "        self._check_refresh()"
    ),
    "an app hook": (
        "from textual.app import App\n"
        "class Tui(App):\n"
        "    def _handle_exception(self, error):\n"
        "        pass"
    ),
    "a watcher list by name": "def prune(footer):\n    return getattr(footer, '__watchers', {})",
}


def _namespace(source: str) -> dict[str, object]:
    namespace: dict[str, object] = {}
    exec(compile(source, "<example>", "exec"), namespace)  # noqa: S102 - our own examples
    return namespace


@pytest.mark.parametrize("source", _CAUGHT.values(), ids=_CAUGHT.keys())
def test_the_check_catches(source: str) -> None:
    assert list(violations(source, _namespace(source)))


def test_the_check_lets_public_api_and_our_own_private_names_through() -> None:
    source = (
        "from textual.widgets import Input\n"
        "class Box(Input):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self._history = []\n"
        "    def validate_value(self, value):\n"
        "        self._history.append(value)\n"
        "        return value\n"
        "    def on_focus(self, event):\n"
        "        self.refresh()\n"
    )
    assert not list(violations(source, _namespace(source)))
