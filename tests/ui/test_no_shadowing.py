"""No screen or widget of the app keeps its own state in an attribute Textual already owns.

Issue 12: `ImagesScreen` kept "a page is loading" in `self.loading`, which is Textual's
`Widget.loading` reactive; setting it covered the view with a spinner that, over a real
socket, never went away. This scans every `self.NAME = …` in every DOM class of
`autodl_tui.ui` (and class-level names) against what Textual's base classes define.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from types import ModuleType

from textual.dom import DOMNode

import autodl_tui.ui

#: Textual attributes the app sets on purpose, through Textual's documented API.
INTENDED = {
    "virtual_size",  # ScrollView subclasses declare their scrollable size
    "theme",  # App.theme: the user's configured theme
    "border_title",  # PaneFrame sets its own border texts (Widget's documented descriptors)
    "border_subtitle",
}


def ui_modules() -> Iterator[ModuleType]:
    for info in pkgutil.walk_packages(autodl_tui.ui.__path__, "autodl_tui.ui."):
        yield importlib.import_module(info.name)


def own_nodes(cls_node: ast.ClassDef) -> Iterator[ast.AST]:
    """Every node of the class body except nested classes (messages have their own names)."""
    stack: list[ast.AST] = list(cls_node.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.ClassDef):
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def stored_names(cls_node: ast.ClassDef) -> set[str]:
    """`self.NAME = …` anywhere in the class, and plain names assigned at class level."""
    names: set[str] = set()
    for node in own_nodes(cls_node):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
        ):
            names.add(node.attr)
    for stmt in cls_node.body:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else []
        if isinstance(stmt, ast.AnnAssign):
            targets = [stmt.target]
        names.update(t.id for t in targets if isinstance(t, ast.Name) and not t.id.isupper())
    return names


def textual_names(cls: type) -> set[str]:
    """What Textual's classes in `cls`'s MRO define, plus what their `__init__` sets."""
    names: set[str] = set()
    textual = [c for c in cls.__mro__ if c.__module__.startswith("textual.")]
    for base in textual:
        names.update(vars(base))
    # A base that needs arguments cannot be built: its class attributes must do.
    with contextlib.suppress(TypeError):
        names.update(vars(textual[0]()))
    return names


def shadowing() -> list[str]:
    found: list[str] = []
    for module in ui_modules():
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if not isinstance(node, ast.ClassDef):
                continue
            cls = getattr(module, node.name, None)
            if not (inspect.isclass(cls) and issubclass(cls, DOMNode)):
                continue
            clash = (stored_names(node) & textual_names(cls)) - INTENDED
            found += [f"{module.__name__}.{node.name}.{name}" for name in sorted(clash)]
    return found


def test_no_app_attribute_shadows_a_textual_one() -> None:
    assert shadowing() == []


def test_the_scan_catches_the_images_screen_bug() -> None:
    # The scan itself: a screen storing `self.loading` is reported.
    source = "class S:\n    def f(self):\n        self.loading = True\n        self.mine = 1\n"
    cls_node = ast.parse(source).body[0]
    assert isinstance(cls_node, ast.ClassDef)
    from textual.screen import ModalScreen

    assert stored_names(cls_node) & textual_names(ModalScreen) == {"loading"}
