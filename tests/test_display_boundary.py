"""The display-text boundary is the only way outside text reaches a widget.

A static check over `autodl_tui/ui`: a `Static`/`Label` gets only the app's own constant text
(outside text goes through `Plain`), border titles only through `display.title`/`text`, no
markup is ever switched on, and nothing builds markup from a variable. Then the boundary
itself: what `display` and `Plain` make of hostile strings, and notifications.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from rich.text import Text

from autodl_tui.display import clean, fit, has_controls, safe_text, text, title

UI = Path(__file__).resolve().parents[1] / "autodl_tui" / "ui"

HOSTILE = [
    "exp[/]",
    "[@click=app.quit]x[/]",
    "\x1b]52;c;cHduZWQ=\x07",
    "\x1b[2J",
    "\x1b]0;retitled\x07",
    "\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\",
    "c1\x9b31m",
    "bidi\u202eevil",
    "zero\u200bwidth",
    "line\nbreak",
    "del\x7f",
]


_PURE = frozenset({"str", "int", "len", "min", "max", "round", "minutes_words"})


def _own(node: ast.expr) -> bool:
    """Whether an expression is provably the app's own text (constants all the way down)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.JoinedStr):
        return all(
            _own(v.value) if isinstance(v, ast.FormattedValue) else True for v in node.values
        )
    if isinstance(node, ast.Name):
        return node.id.isupper()
    if isinstance(node, ast.Call):
        # A builtin of own values (`str(MAX)`); any other call may return outside text
        # (`templates_dir()` is a path from the environment).
        return (
            isinstance(node.func, ast.Name)
            and node.func.id in _PURE
            and all(_own(a) for a in node.args)
            and all(_own(k.value) for k in node.keywords)
        )
    if isinstance(node, ast.BinOp):
        return _own(node.left) and _own(node.right)
    return False


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _violations(root: Path = UI) -> list[str]:
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "plain.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(root.parent)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = _call_name(node)
                if name in ("Static", "Label") and node.args and not _own(node.args[0]):
                    found.append(f"{where}:{node.lineno}: {name}(...) of non-constant text")
                for keyword in node.keywords:
                    if (
                        keyword.arg == "markup"
                        and isinstance(keyword.value, ast.Constant)
                        and keyword.value.value is True
                    ):
                        found.append(f"{where}:{node.lineno}: markup=True")
                if name in ("from_markup", "render_markup") and not all(_own(a) for a in node.args):
                    found.append(f"{where}:{node.lineno}: markup built from a variable")
                if name == "update" and isinstance(node.func, ast.Attribute):
                    receiver = node.func.value
                    if (
                        isinstance(receiver, ast.Call)
                        and _call_name(receiver) == "query_one"
                        and any(isinstance(a, ast.Name) and a.id == "Static" for a in receiver.args)
                        and node.args
                        and not _own(node.args[0])
                    ):
                        found.append(f"{where}:{node.lineno}: Static.update of non-constant text")
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign | ast.AugAssign) and node.value is not None:
                targets, value = [node.target], node.value
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr in ("border_title", "border_subtitle")
                    and not _own(value)
                    and not (
                        isinstance(value, ast.Call)
                        and _call_name(value) in ("title", "text", "display_title")
                    )
                ):
                    found.append(f"{where}:{node.lineno}: {target.attr} of non-constant text")
    return found


def test_outside_text_reaches_widgets_only_through_the_boundary() -> None:
    assert _violations() == []


def test_the_check_catches_what_it_is_for(tmp_path: Path) -> None:
    """The static check is not vacuous: each unsafe form is reported."""
    module = tmp_path / "ui"
    module.mkdir()
    (module / "bad.py").write_text(
        "def f(w, name):\n"
        "    Static(name)\n"
        "    Static(f'Scale {name}', markup=False)\n"
        "    Label('x', markup=True)\n"
        "    w.border_title = f'2 Containers: {name}'\n"
        "    w.query_one('#x', Static).update(name)\n"
        "    Content.from_markup(name)\n"
        "    Static('own text')\n"
        "    w.border_title = title(name)\n",
        encoding="utf-8",
    )
    problems = _violations(module)
    assert len(problems) == 6, problems


@pytest.mark.parametrize("payload", HOSTILE)
def test_clean_leaves_no_control_or_format_character(payload: str) -> None:
    shown = clean(payload)
    assert shown.isprintable()
    assert "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown
    assert all(c.isprintable() for c in text(payload, newlines=False).plain)
    assert title(payload).plain.isprintable()


def test_markup_characters_stay_literal() -> None:
    assert text("exp[/]").plain == "exp[/]"
    assert text("[@click=app.quit]x").spans == []
    assert clean("\x1b]52;c;aGk=\x07") == "␛]52;c;aGk=␇"
    assert clean("a\u202eb") == "a<U+202E>b"
    assert clean("a\nb") == "a␊b" and clean("a\nb", newlines=True) == "a\nb"


def test_length_is_bounded() -> None:
    assert len(clean("x" * 100_000)) <= 4097
    assert fit("y" * 500, 20) == "y" * 19 + "…"
    # Double-width characters are cut by cells, never half a character.
    assert fit("名" * 30, 9) == "名" * 4 + "…"
    assert title("n" * 10_000).cell_len <= 60


def test_safe_text_keeps_styles_and_lengths() -> None:
    styled = Text.assemble(("a\x1bb", "bold"), ("\u202ec", "red"))
    safe = safe_text(styled)
    assert safe.plain == "a␛b\ufffdc"
    assert [(s.start, s.end) for s in safe.spans] == [(s.start, s.end) for s in styled.spans]


def test_has_controls() -> None:
    assert has_controls("ssh -p 1 root@h\n; curl x | sh")
    assert not has_controls("ssh -p 22 root@region-1.autodl.com")
    assert not has_controls("名字")
